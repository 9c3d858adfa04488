import type { Unsubscribable } from './WebsocketConnection.js';

export interface LauncherSession { sessionURL: string; id: string; secret?: string; [key: string]: unknown }
export interface ProcessLauncher {
  start(config: Record<string, unknown>): Promise<void>;
  fetchConnection(id: string): Promise<void>;
  stop(connection: { id: string }): Promise<void>;
  listConnections(): LauncherSession[];
  isA(name: string): boolean;
  onProcessReady(cb: (session: LauncherSession) => void): Unsubscribable;
  onProcessStopped(cb: (response: unknown) => void): Unsubscribable;
  onFetch(cb: (session: LauncherSession) => void): Unsubscribable;
  onError(cb: (xhr: { status: number; response: unknown; error?: string }) => void): Unsubscribable;
}
export function newInstance(initialValues: { endPoint: string; fetch?: typeof fetch }): ProcessLauncher;
declare const _default: { newInstance: typeof newInstance };
export default _default;
