import type { Environment } from '../wslink/WebsocketConnection.js';
import type { ReconnectPolicy } from '../../transport/backoff.js';

export interface SiyiResponse { id: string; type: 'response'; status: 'ok' | 'error'; data: unknown; error: string | null }
export class SiyiError extends Error {
  readonly code: 'timeout' | 'connectionClosed' | 'notConnected' | 'errorResponse' | 'invalidArgument' | 'stopped';
}
export interface SiyiOptions {
  url: string;
  /** Bearer token (a JWT) sent as `?token=` on the URL. */
  token?: string;
  requestTimeout?: number;
  heartbeatCommand?: string;
  autoReconnect?: boolean;
  reconnect?: Partial<ReconnectPolicy>;
  env?: Environment;
  logger?: Pick<Console, 'log' | 'info' | 'warn' | 'error' | 'debug'>;
}
type Params = Record<string, unknown> | null;
export interface SiyiClient {
  readonly isConnected: boolean;
  readonly connectionCount: number;
  connect(): void;
  waitConnected(timeout: number): Promise<boolean>;
  disconnect(): Promise<void>;
  request(command: string, params?: Params, options?: { timeout?: number }): Promise<SiyiResponse>;
  requestData<T = unknown>(command: string, params?: Params, options?: { timeout?: number }): Promise<T>;
  sendEvent(name: string, data?: Params): Promise<void>;
  register(command: string, handler: (params: Params, client: SiyiClient) => unknown): void;
  registerFallback(handler: (command: string, params: Params, client: SiyiClient) => unknown): void;
  onEvent(name: string, handler: (data: Params, client: SiyiClient) => void): void;
  onAnyEvent(handler: (name: string, data: Params, client: SiyiClient) => void): void;
}
export function newInstance(options: SiyiOptions): SiyiClient;
declare const _default: { newInstance: typeof newInstance; SiyiError: typeof SiyiError };
export default _default;
