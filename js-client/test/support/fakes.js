// A fake WebSocket and a manual clock for unit tests: the test plays the server and decides
// when time passes. Nothing here sleeps.

export class FakeWebSocket {
  static instances = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.binaryType = 'blob';
    this.closedWith = null;
    FakeWebSocket.instances.push(this);
  }

  static reset() { FakeWebSocket.instances = []; }
  static get last() { return FakeWebSocket.instances.at(-1); }

  send(data) {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(typeof data === 'string' ? data : new Uint8Array(data.buffer ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data));
  }

  close(code = 1005, reason = '') {
    if (this.readyState >= 2) return;
    this.closedWith = { code, reason };
    this.readyState = 2;
    queueMicrotask(() => this.serverClose(code, reason, true));
  }

  // --- server side, driven by tests ---
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({ type: 'open' });
  }

  serverSend(data) {
    const payload = typeof data === 'string' ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    this.onmessage?.({ data: payload });
  }

  serverClose(code = 1006, reason = '', wasClean = false) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }

  fail() {
    this.onerror?.({ type: 'error' });
    this.serverClose(1006, '', false);
  }
}

/** Timers that fire only when the test advances the clock. */
export class ManualClock {
  constructor() {
    this.time = 0;
    this.timers = new Map();
    this.nextId = 1;
  }

  env(extra = {}) {
    return {
      WebSocket: FakeWebSocket,
      setTimeout: (fn, ms) => { const id = this.nextId++; this.timers.set(id, { at: this.time + ms, fn, ms }); return id; },
      clearTimeout: (id) => { this.timers.delete(id); },
      now: () => this.time,
      random: () => 0.5,
      ...extra,
    };
  }

  /** Delays of the timers currently scheduled, in ms. */
  get pendingDelays() {
    return [...this.timers.values()].map((t) => t.ms);
  }

  advance(ms) {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }
}

/** Resolves on the next firing of `on<Event>` (events fire on setTimeout 0). */
export function nextEvent(api, name, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${timeoutMs} ms`)), timeoutMs);
    const sub = api[`on${name}`]((...args) => { clearTimeout(timer); sub.unsubscribe(); resolve(args); });
  });
}

export const quietLogger = { log() {}, info() {}, warn() {}, error() {}, debug() {} };

/** A logger that records lines per level. */
export function recordingLogger() {
  const lines = [];
  const make = (level) => (...args) => lines.push(`${level}: ${args.map(String).join(' ')}`);
  return { lines, log: make('log'), info: make('info'), warn: make('warn'), error: make('error'), debug: make('debug') };
}
