import type { Environment } from '../wslink/WebsocketConnection.js';
import type { ReconnectPolicy } from '../../transport/backoff.js';

export type MsgType = 'text' | 'json' | 'dict' | 'bytes' | 'image' | 'file' | 'folder' | 'heartbeat' | 'login' | 'logout'
  | 'list_clients' | 'list_clients_response' | 'login_response';
export interface CrossCommMessage {
  msg_id: string;
  from_client_id: string;
  to_client_id: string;
  msg_type: MsgType;
  /** bytes messages arrive decoded as Uint8Array. */
  content: unknown;
  timestamp: number;
  oss_key: string | null;
}
export interface ClientList {
  clients: { client_id: string; status: 'online' | 'offline'; last_heartbeat: number; login_time: number | null }[];
  total_count: number;
  only_show_online: boolean;
}
export class CrossCommError extends Error {
  readonly code: 'notConnected' | 'timeout' | 'tooLarge' | 'invalidArgument' | 'invalidResponse' | 'stopped' | 'connectionClosed';
}
export interface CrossCommOptions {
  url: string;
  clientId?: string;
  /** Bearer token (a JWT whose subject is the client id) sent in the login content. */
  token?: string;
  heartbeatInterval?: number;
  loginTimeout?: number;
  retry?: boolean | Partial<ReconnectPolicy>;
  env?: Environment;
  logger?: Pick<Console, 'log' | 'info' | 'warn' | 'error' | 'debug'>;
}
export interface CrossCommClient {
  readonly clientId: string;
  readonly isConnected: boolean;
  readonly isLoggedIn: boolean;
  login(): Promise<{ status: string }>;
  sendMessage(content: unknown, msgType?: MsgType, toClientId?: string, options?: { ossKey?: string | null }): Promise<CrossCommMessage>;
  listClients(onlyShowOnline?: boolean, timeout?: number): Promise<ClientList>;
  addListener(callback: (message: CrossCommMessage) => void, filter?: { msgType?: MsgType; fromClientId?: string }): { unsubscribe(): void };
  logout(): Promise<void>;
  close(): Promise<void>;
}
export function newInstance(options: CrossCommOptions): CrossCommClient;
declare const _default: { newInstance: typeof newInstance; CrossCommError: typeof CrossCommError };
export default _default;
