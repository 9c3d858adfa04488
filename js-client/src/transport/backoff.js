// Reconnect backoff: a pure module mirroring Sources/SwitchboardCore/ReconnectPolicy.swift and
// CloseCode.shouldReconnect, so the Swift and JavaScript clients retry on the same schedule.

/**
 * @typedef {object} ReconnectPolicy
 * @property {number} initialDelay  delay before the first retry, in ms (default 500)
 * @property {number} multiplier    growth factor per attempt, >= 1 (default 2)
 * @property {number} maxDelay      upper bound for any delay, in ms (default 30000)
 * @property {number} jitter        relative jitter in 0...1 (default 0.2, i.e. ±20 %)
 * @property {number|null} maxAttempts  attempts before giving up; null retries forever
 */

/** 0.5 s doubling to 30 s, ±20 %, forever — `ReconnectPolicy.default` in Swift. */
export const DEFAULT_POLICY = Object.freeze({ initialDelay: 500, multiplier: 2, maxDelay: 30000, jitter: 0.2, maxAttempts: null });

/** Never reconnect — `ReconnectPolicy.never` in Swift. */
export const NEVER = Object.freeze({ ...DEFAULT_POLICY, maxAttempts: 0 });

/**
 * Builds a validated policy from partial options (missing fields take the defaults).
 * `true` means the default policy, `false`/`null`/`undefined` means never.
 * @param {Partial<ReconnectPolicy>|boolean|null|undefined} options
 * @returns {ReconnectPolicy}
 * @throws {RangeError} when a field is out of range
 */
export function makePolicy(options) {
  if (options === true) return DEFAULT_POLICY;
  if (!options) return NEVER;
  const policy = { ...DEFAULT_POLICY, ...options };
  const { initialDelay, multiplier, maxDelay, jitter, maxAttempts } = policy;
  if (!(initialDelay >= 0 && maxDelay >= initialDelay)) throw new RangeError('delays must satisfy 0 <= initialDelay <= maxDelay');
  if (!(multiplier >= 1)) throw new RangeError('multiplier must be >= 1');
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('jitter must be within 0...1');
  if (maxAttempts !== null && !(Number.isInteger(maxAttempts) && maxAttempts >= 0)) throw new RangeError('maxAttempts must be a non-negative integer or null');
  return Object.freeze(policy);
}

/**
 * The delay in ms before attempt `attempt` (1-based), `random` in [0, 1) choosing the jitter;
 * `null` once attempts are exhausted. Attempt n waits
 * `min(maxDelay, initialDelay * multiplier^(n-1))`, scaled by `1 ± jitter`, clamped again.
 * @param {ReconnectPolicy} policy
 * @param {number} attempt
 * @param {number} random
 * @returns {number|null}
 */
export function delayBeforeAttempt(policy, attempt, random) {
  if (!(attempt >= 1)) throw new RangeError('attempts count from 1');
  if (policy.maxAttempts !== null && attempt > policy.maxAttempts) return null;
  const base = Math.min(policy.maxDelay, policy.initialDelay * Math.pow(policy.multiplier, Math.min(attempt - 1, 1100)));
  const factor = 1 + policy.jitter * (2 * random - 1);
  return Math.round(Math.min(policy.maxDelay, Math.max(0, base * factor)) * 1e6) / 1e6;
}

/** The reconnect state of one client: counts attempts and hands out delays. */
export class ReconnectBackoff {
  /** @param {ReconnectPolicy} policy */
  constructor(policy) {
    this.policy = policy;
    this.attempts = 0;
  }

  /**
   * The delay before the next attempt, or null when the policy says stop.
   * @param {number} [random] in [0, 1); defaults to Math.random()
   * @returns {number|null}
   */
  nextDelay(random = Math.random()) {
    const delay = delayBeforeAttempt(this.policy, this.attempts + 1, random);
    if (delay === null) return null;
    this.attempts += 1;
    return delay;
  }

  /** Forgets past failures after a connection that stayed up. */
  reset() {
    this.attempts = 0;
  }
}

/**
 * Whether a client that sees this close code should reconnect (mirrors Swift's
 * `CloseCode.shouldReconnect`): 1001, 1006, 1011, 1012, 1013 and 4000–4499 yes; 1000, other
 * standard codes and 4500–4999 no. A connection that ended without any close frame reports
 * 1006 in browsers and Node, so it reconnects.
 * @param {number|undefined|null} code
 * @returns {boolean}
 */
export function shouldReconnect(code) {
  if (code === undefined || code === null) return true;
  if ([1001, 1006, 1011, 1012, 1013].includes(code)) return true;
  return code >= 4000 && code < 4500;
}
