// One logical connection over successive WebSockets: opens a socket, reports its events and,
// after a drop, opens the next one on the schedule of the pure backoff module. Shared by the
// wslink, CrossComm and siyi clients; WebSocket, timers, clock and randomness are injectable so
// tests drive it with a fake socket and no real time.

import { ReconnectBackoff, makePolicy, shouldReconnect } from './backoff.js';

/** Default environment: real timers; the WebSocket defaults to the global one. */
export const defaultEnvironment = Object.freeze({
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
  now: () => Date.now(),
  random: () => Math.random(),
});

/**
 * Creates a WebSocket with `binaryType = "arraybuffer"` so messages are handled in order and
 * synchronously (the original read Blobs asynchronously).
 * @param {string} url
 * @param {{WebSocket?: Function, createWebSocket?: (url: string) => WebSocket}} env
 * @returns {WebSocket}
 * @throws {Error} when no WebSocket implementation exists
 */
export function openWebSocket(url, env) {
  let socket;
  if (env.createWebSocket) socket = env.createWebSocket(url);
  else {
    const Ctor = env.WebSocket ?? globalThis.WebSocket;
    if (typeof Ctor !== 'function') {
      throw new Error('no WebSocket implementation: use a browser, Node >= 22, or Node 20 with --experimental-websocket');
    }
    socket = new Ctor(url);
  }
  socket.binaryType = 'arraybuffer';
  return socket;
}

/**
 * Drives successive WebSockets for one client.
 *
 * Handlers: `open(socket)`, `message(data)` with data a string or Uint8Array, `error(event)`,
 * `drop({code, reason, attempt, delay})` when a socket ended and another will follow,
 * `end({code, reason, wasClean})` once no further socket will be opened.
 */
export class ReconnectingSocket {
  /**
   * @param {object} options
   * @param {() => string} options.url  called before every attempt
   * @param {import('./backoff.js').ReconnectPolicy} [options.policy]  default: never reconnect
   * @param {object} [options.env]  overrides of {@link defaultEnvironment}
   * @param {object} options.handlers  {open, message, error, drop, end}
   */
  constructor({ url, policy = makePolicy(false), env = {}, handlers }) {
    this.url = url;
    this.policy = policy;
    this.env = { ...defaultEnvironment, ...env };
    this.handlers = handlers;
    this.backoff = new ReconnectBackoff(policy);
    this.socket = null;
    this.timer = null;
    this.stopped = false;
    this.openedAt = null;
  }

  /** Opens the first socket. Throws what the WebSocket constructor throws. */
  start() {
    this.stopped = false;
    this.open();
  }

  /** Whether the current socket is open. */
  get isOpen() {
    return this.socket !== null && this.socket.readyState === 1;
  }

  /**
   * Sends one message on the current socket.
   * @param {string|Uint8Array} data
   * @returns {boolean} false when no socket is open
   */
  send(data) {
    if (!this.isOpen) return false;
    this.socket.send(data);
    return true;
  }

  /**
   * Closes for good: no reconnect follows; `end` is reported once the socket has closed.
   * @param {number} [code]
   * @param {string} [reason]
   */
  close(code = 1000, reason = '') {
    this.stopped = true;
    if (this.timer !== null) {
      this.env.clearTimeout(this.timer);
      this.timer = null;
      this.handlers.end?.({ code, reason, wasClean: true });
      return;
    }
    if (this.socket && this.socket.readyState < 2) this.socket.close(code, reason);
  }

  open() {
    const socket = openWebSocket(this.url(), this.env);
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.openedAt = this.env.now();
      this.handlers.open?.(socket);
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      const { data } = event;
      this.handlers.message?.(typeof data === 'string' ? data : new Uint8Array(data));
    };
    socket.onerror = (event) => {
      if (this.socket !== socket) return;
      this.handlers.error?.(event);
      if (this.openedAt === null) {
        // A failed attempt. Browsers follow with a close event; Node 20's WebSocket stays
        // CONNECTING without one, so the attempt ends here and a late close is ignored.
        this.socket = null;
        try { socket.close(); } catch { /* already failing */ }
        this.closed({ code: 1006, reason: 'connection failed', wasClean: false });
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.closed(event);
    };
  }

  closed(event) {
    const code = event?.code ?? 1006;
    const reason = event?.reason ?? '';
    // Only a connection that stayed up counts as recovery (as in Swift's ReconnectLoop), so a
    // server that accepts and drops at once is not hammered at the initial delay.
    if (this.openedAt !== null && this.env.now() - this.openedAt >= this.policy.maxDelay) this.backoff.reset();
    this.openedAt = null;
    const delay = this.stopped || !shouldReconnect(code) ? null : this.backoff.nextDelay(this.env.random());
    if (delay === null) {
      this.stopped = true;
      this.handlers.end?.({ code, reason, wasClean: event?.wasClean ?? false });
      return;
    }
    this.handlers.drop?.({ code, reason, attempt: this.backoff.attempts, delay });
    this.timer = this.env.setTimeout(() => {
      this.timer = null;
      if (this.stopped) return;
      try {
        this.open();
      } catch (error) {
        this.handlers.error?.(error);
        this.closed({ code: 1006, reason: String(error?.message ?? error) });
      }
    }, delay);
  }
}
