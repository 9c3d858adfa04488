import type { ReconnectPolicy } from '../../transport/backoff.js';

export interface WslinkError { code: number; message: string; data?: unknown }
export interface Subscription<T = unknown> {
  topic: string;
  callback: (args: [T]) => void;
  promise: Promise<{ topic: string; callback: (args: [T]) => void }>;
  unsubscribe(): Promise<void>;
}
export interface Environment {
  WebSocket?: typeof WebSocket;
  createWebSocket?: (url: string) => WebSocket;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  now?: () => number;
  random?: () => number;
}
export interface Session {
  /** Rejects with the server's error, or {code: -32099} (not open, closed, timed out, unencodable). */
  call<T = any>(method: string, args?: unknown[], kwargs?: Record<string, unknown>, options?: { timeout?: number }): Promise<T>;
  /** `options.keys`: against a Switchboard server, dictionary results carry only those keys. */
  subscribe<T = any>(topic: string, callback: (args: [T]) => void, options?: { keys?: string[] }): Subscription<T>;
  unsubscribe(subscription: { topic: string; callback: Function }): Promise<void>;
  close(): Promise<void>;
  addAttachment<T>(payload: T): T | DataView | string;
  onconnect(event?: unknown): void;
  onmessage(event: MessageEvent | { data: ArrayBuffer | string }): void;
  getClientID(): string | null;
  getMaxMsgSize(): number;
}
export interface Unsubscribable { unsubscribe(): void }
export interface CloseInfo { code: number; reason: string; wasClean?: boolean }
export interface ReconnectInfo { code: number; reason: string; attempt: number; delay: number }
export interface WebsocketConnectionOptions {
  urls?: string | string[];
  secret?: string;
  /** Bearer token (a JWT) sent in the hello instead of `secret` (servers with `--auth wslink`). */
  token?: string;
  /** false/0: never; true: default backoff; n: n attempts; object: policy fields (ms). */
  retry?: boolean | number | Partial<ReconnectPolicy>;
  wsProxy?: boolean;
  wireVersion?: 1 | 2;
  callTimeout?: number;
  env?: Environment;
  logger?: Pick<Console, 'log' | 'info' | 'warn' | 'error' | 'debug'>;
}
export interface WebsocketConnection {
  connect(): Session | null;
  getSession(): Session | null;
  getUrl(): string | null;
  getUrls(): string | string[] | null;
  getSecret(): string;
  getToken(): string | undefined;
  getRetry(): unknown;
  getWsProxy(): boolean;
  destroy(timeout?: number): void;
  isA(name: string): boolean;
  getClassName(): string;
  onConnectionReady(cb: (connection: WebsocketConnection) => void): Unsubscribable;
  onConnectionError(cb: (connection: WebsocketConnection, error: Event | WslinkError | Error) => void): Unsubscribable;
  onConnectionClose(cb: (connection: WebsocketConnection, event: CloseInfo) => void): Unsubscribable;
  onConnectionReconnecting(cb: (connection: WebsocketConnection, info: ReconnectInfo) => void): Unsubscribable;
  onConnectionReconnected(cb: (connection: WebsocketConnection, info: { clientID: string }) => void): Unsubscribable;
}
export function retryPolicy(retry: unknown): ReconnectPolicy;
export function newInstance(initialValues?: WebsocketConnectionOptions): WebsocketConnection;
declare const _default: { newInstance: typeof newInstance };
export default _default;
