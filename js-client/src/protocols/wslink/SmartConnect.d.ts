import type { WebsocketConnection, Session, Unsubscribable, CloseInfo, WslinkError } from './WebsocketConnection.js';

export interface SmartConnectConfig {
  sessionURL?: string;
  sessionManagerURL?: string;
  secret?: string;
  /** Bearer token (a JWT) sent in the hello instead of `secret` (servers with `--auth wslink`). */
  token?: string;
  application?: string;
  headers?: Record<string, string>;
  launcherRetry?: number[];
  retry?: unknown;
  iframe?: boolean;
  wsProxy?: boolean;
  [key: string]: unknown;
}
export const DEFAULT_SESSION_MANAGER_URL: string | undefined;
export const DEFAULT_SESSION_URL: string | undefined;
export interface SmartConnect {
  connect(): void;
  getSession(): Session | null;
  getConnection(): WebsocketConnection | null;
  getConfig(): SmartConnectConfig;
  getConfigDecorator(): ((config: SmartConnectConfig) => SmartConnectConfig) | null;
  setConfigDecorator(decorator: (config: SmartConnectConfig) => SmartConnectConfig): boolean;
  destroy(timeout?: number): void;
  isA(name: string): boolean;
  onConnectionReady(cb: (connection: WebsocketConnection) => void): Unsubscribable;
  onConnectionError(cb: (connection: unknown, error: unknown) => void): Unsubscribable;
  onConnectionClose(cb: (connection: WebsocketConnection, event: CloseInfo) => void): Unsubscribable;
}
export function newInstance(initialValues?: { config?: SmartConnectConfig; configDecorator?: (c: SmartConnectConfig) => SmartConnectConfig; fetch?: typeof fetch }): SmartConnect;
declare const _default: { newInstance: typeof newInstance };
export default _default;
export type { WslinkError };
