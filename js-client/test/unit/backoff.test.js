import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePolicy, delayBeforeAttempt, ReconnectBackoff, shouldReconnect, DEFAULT_POLICY, NEVER } from '../../src/transport/backoff.js';

test('delays double from 500 ms up to the 30 s cap, like ReconnectPolicy.default', () => {
  const delays = Array.from({ length: 9 }, (_, i) => delayBeforeAttempt(DEFAULT_POLICY, i + 1, 0.5));
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test('jitter spreads ±20 % and never exceeds maxDelay', () => {
  assert.equal(delayBeforeAttempt(DEFAULT_POLICY, 1, 0), 400);
  assert.equal(delayBeforeAttempt(DEFAULT_POLICY, 1, 0.999999), 599.9998);
  assert.equal(delayBeforeAttempt(DEFAULT_POLICY, 10, 0.999999), 30000);
  assert.equal(delayBeforeAttempt(DEFAULT_POLICY, 10, 0), 24000);
  assert.equal(delayBeforeAttempt(DEFAULT_POLICY, 5000, 0.5), 30000, 'huge attempt numbers saturate');
});

test('maxAttempts ends the schedule; reset starts it over', () => {
  const backoff = new ReconnectBackoff(makePolicy({ maxAttempts: 2, jitter: 0 }));
  assert.deepEqual([backoff.nextDelay(), backoff.nextDelay(), backoff.nextDelay()], [500, 1000, null]);
  assert.equal(backoff.attempts, 2);
  backoff.reset();
  assert.equal(backoff.nextDelay(), 500);
  assert.equal(new ReconnectBackoff(NEVER).nextDelay(), null);
});

test('makePolicy validates ranges and maps booleans', () => {
  assert.equal(makePolicy(true), DEFAULT_POLICY);
  assert.equal(makePolicy(false), NEVER);
  assert.equal(makePolicy({ initialDelay: 10 }).maxDelay, 30000);
  for (const bad of [{ multiplier: 0.5 }, { jitter: 2 }, { initialDelay: 5, maxDelay: 1 }, { maxAttempts: -1 }, { maxAttempts: 1.5 }]) {
    assert.throws(() => makePolicy(bad), RangeError, JSON.stringify(bad));
  }
});

test('close codes say whether to reconnect, as CloseCode.shouldReconnect', () => {
  const yes = [1001, 1006, 1011, 1012, 1013, 4000, 4001, 4499, undefined];
  const no = [1000, 1002, 1003, 1007, 1008, 1009, 4500, 4501, 4999];
  for (const code of yes) assert.equal(shouldReconnect(code), true, String(code));
  for (const code of no) assert.equal(shouldReconnect(code), false, String(code));
});
