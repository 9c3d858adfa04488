/** Reconnect schedule, mirroring Swift's ReconnectPolicy (delays in milliseconds). */
export interface ReconnectPolicy {
  readonly initialDelay: number;
  readonly multiplier: number;
  readonly maxDelay: number;
  readonly jitter: number;
  readonly maxAttempts: number | null;
}
export const DEFAULT_POLICY: ReconnectPolicy;
export const NEVER: ReconnectPolicy;
export function makePolicy(options?: Partial<ReconnectPolicy> | boolean | null): ReconnectPolicy;
export function delayBeforeAttempt(policy: ReconnectPolicy, attempt: number, random: number): number | null;
export class ReconnectBackoff {
  constructor(policy: ReconnectPolicy);
  readonly policy: ReconnectPolicy;
  readonly attempts: number;
  nextDelay(random?: number): number | null;
  reset(): void;
}
export function shouldReconnect(code: number | null | undefined): boolean;
