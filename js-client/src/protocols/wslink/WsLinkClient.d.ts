import type { Session, Unsubscribable, WebsocketConnection } from './WebsocketConnection.js';
import type { SmartConnectConfig } from './SmartConnect.js';

type ProtocolFactory = (session: Session) => Record<string, (...args: any[]) => any>;
export interface WsLinkClient {
  connect(config?: SmartConnectConfig, configDecorator?: (c: SmartConnectConfig) => SmartConnectConfig): Promise<WsLinkClient>;
  disconnect(timeout?: number): void;
  getRemote(): Record<string, Record<string, (...args: any[]) => Promise<any>>>;
  getConnection(): WebsocketConnection | null;
  getProtocols(): Record<string, ProtocolFactory>;
  registerProtocol(name: string, factory: ProtocolFactory): void;
  unregisterProtocol(name: string): void;
  isConnected(): boolean;
  isBusy(): boolean;
  beginBusy(): void;
  endBusy(): void;
  isA(name: string): boolean;
  onBusyChange(cb: (count: number) => void): Unsubscribable;
  onConnectionReady(cb: (client: WsLinkClient) => void): Unsubscribable;
  onConnectionError(cb: (client: WsLinkClient, error: unknown) => void): Unsubscribable;
  onConnectionClose(cb: (client: WsLinkClient, event: unknown) => void): Unsubscribable;
}
export function setSmartConnectClass(klass: { newInstance: Function }): void;
export function newInstance(initialValues?: { protocols?: Record<string, ProtocolFactory>; notBusyList?: string[] }): WsLinkClient;
declare const _default: { newInstance: typeof newInstance; setSmartConnectClass: typeof setSmartConnectClass };
export default _default;
