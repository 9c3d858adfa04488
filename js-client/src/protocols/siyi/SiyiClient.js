// siyi client, the same shape as Sources/Siyi/SiyiClient.swift: requests and events to the
// server, handlers for the server's requests and events, heartbeat answers ahead of every
// handler, pending requests failed at once on disconnect, reconnect with backoff and jitter.

import { ReconnectingSocket } from '../../transport/ReconnectingSocket.js';
import { makePolicy, DEFAULT_POLICY } from '../../transport/backoff.js';
import { uuid4 } from '../../util/ids.js';
import { defer } from '../../util/events.js';
import { withToken } from '../../util/url.js';
import { encodeRequest, encodeResponse, encodeEvent, decodeMessage, normalizeId } from './messages.js';

/** Largest message the library accepts (1 MiB; larger ones close with 1009). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * A siyi failure; `code` is one of timeout, connectionClosed, notConnected, errorResponse,
 * invalidArgument, stopped (the codes of Swift's SiyiError).
 */
export class SiyiError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'SiyiError';
    this.code = code;
  }
}

/**
 * @example
 * const client = Siyi.newInstance({ url: 'ws://127.0.0.1:8765' });
 * client.register('get_status', () => ({ status: 'running', players: 5 }));
 * client.connect();
 * if (await client.waitConnected(5000)) {
 *   const response = await client.request('echo', { message: 'Hello, World!' });
 *   console.log(response.status, response.data); // ok { message: 'Hello, World!' }
 *   await client.sendEvent('player_update', { player: 'Steve', health: 95 });
 * }
 * await client.disconnect();
 *
 * @param {object} options
 * @param {string} options.url  ws:// or wss:// URL (any path)
 * @param {string} [options.token]  bearer token (a JWT) sent as `?token=` on the URL, for servers
 *   with authenticated identities (`switchboard serve --auth siyi`)
 * @param {number} [options.requestTimeout]  ms (default 30000, the original's)
 * @param {string} [options.heartbeatCommand]  default 'heartbeat'
 * @param {boolean} [options.autoReconnect]  default true; false really means no reconnect
 * @param {object} [options.reconnect]  backoff policy fields (default 0.5 s doubling to 30 s, ±20 %)
 * @param {object} [options.env]  {WebSocket, setTimeout, clearTimeout, now, random}
 * @param {Console} [options.logger]
 * @returns {object} the client API
 */
export function newInstance(options) {
  const config = {
    requestTimeout: 30000,
    heartbeatCommand: 'heartbeat',
    autoReconnect: true,
    reconnect: DEFAULT_POLICY,
    env: {},
    logger: console,
    ...options,
  };
  if (typeof config.url !== 'string' || !/^wss?:\/\//i.test(config.url)) throw new SiyiError('invalidArgument', `invalid url ${JSON.stringify(config.url)}`);
  const commands = new Map();
  const events = new Map();
  let fallback = null;
  let eventFallback = null;
  const pending = new Map();
  let socket = null;
  let connections = 0;
  let stopped = false;
  let connectedWaiters = [];
  let ended = null;

  function send(text) {
    if (text.length > MAX_MESSAGE_BYTES && new TextEncoder().encode(text).length > MAX_MESSAGE_BYTES) {
      throw new SiyiError('invalidArgument', 'message exceeds the 1 MiB limit');
    }
    if (!socket?.send(text)) throw new SiyiError('notConnected', 'the siyi client is not connected');
  }

  function failPending(code, text) {
    for (const [id, entry] of [...pending]) {
      pending.delete(id);
      socket.env.clearTimeout(entry.timer);
      entry.deferred.reject(new SiyiError(code, text));
    }
  }

  function notifyConnected() {
    const waiters = connectedWaiters;
    connectedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async function answer(request) {
    const id = request.id ?? uuid4();
    let reply;
    if (request.command === config.heartbeatCommand) {
      reply = { status: 'ok', data: { status: 'alive' } };
    } else {
      const handler = commands.get(request.command);
      try {
        if (handler) reply = { status: 'ok', data: await handler(request.params, client) };
        else if (fallback) reply = { status: 'ok', data: await fallback(request.command, request.params, client) };
        else reply = { status: 'error', error: `unknown command ${request.command}` };
      } catch (error) {
        reply = { status: 'error', error: error?.message ?? String(error) };
      }
    }
    try {
      send(encodeResponse(id, reply));
    } catch (error) {
      config.logger.warn(`siyi: response to ${request.command} not sent: ${error.message}`);
    }
  }

  function receive(frame) {
    let message;
    try {
      message = decodeMessage(frame);
    } catch (error) {
      if (error.recoverableId !== undefined) {
        // Better than the library (which stays silent): tell the sender what was wrong.
        try { send(encodeResponse(String(error.recoverableId), { status: 'error', error: `invalid request: ${error.message}` })); } catch { /* closed */ }
      }
      config.logger.warn(`siyi: message dropped (${error.message})`);
      return;
    }
    if (message.type === 'response') {
      const key = normalizeId(message.id);
      const entry = pending.get(key);
      if (!entry) { config.logger.warn(`siyi: response to unknown request ${message.id} dropped`); return; }
      pending.delete(key);
      socket.env.clearTimeout(entry.timer);
      entry.deferred.resolve(message);
      return;
    }
    if (message.type === 'request') {
      // Concurrent: a slow handler never delays heartbeats, responses or other requests.
      answer(message);
      return;
    }
    const handler = events.get(message.name);
    Promise.resolve()
      .then(() => (handler ? handler(message.data, client) : eventFallback?.(message.name, message.data, client)))
      .catch((error) => config.logger.error(`siyi: event handler for ${message.name} threw`, error));
  }

  const client = {
    /** Whether a connection is open right now. */
    get isConnected() { return socket?.isOpen ?? false; },
    /** Connections opened so far (a reconnect counts again). */
    get connectionCount() { return connections; },

    /** Connects in the background and keeps reconnecting (if configured) until disconnect(). */
    connect() {
      if (stopped || (socket && !socket.stopped)) return;
      ended = defer();
      socket = new ReconnectingSocket({
        url: () => withToken(config.url, config.token),
        policy: config.autoReconnect ? makePolicy(config.reconnect) : makePolicy(false),
        env: config.env,
        handlers: {
          open: () => { connections += 1; notifyConnected(); },
          message: receive,
          error: () => {},
          drop: (info) => {
            failPending('connectionClosed', `connection closed (${info.code})`);
            config.logger.info(`siyi: connection lost (${info.code}), reconnecting in ${Math.round(info.delay)} ms`);
          },
          end: (info) => {
            failPending(stopped ? 'stopped' : 'connectionClosed', stopped ? 'client disconnected' : `connection closed (${info.code})`);
            stopped = true;
            notifyConnected();
            ended.resolve(info);
          },
        },
      });
      socket.start();
    },

    /**
     * Waits until connected.
     * @param {number} timeout ms
     * @returns {Promise<boolean>} false if the timeout passed first or the client stopped
     */
    waitConnected(timeout) {
      if (client.isConnected) return Promise.resolve(true);
      if (stopped) return Promise.resolve(false);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(client.isConnected), timeout);
        connectedWaiters.push(() => { clearTimeout(timer); resolve(client.isConnected); });
      });
    },

    /** Closes with 1000 and stops reconnecting; pending requests fail at once. */
    async disconnect() {
      stopped = true;
      if (!socket) return;
      failPending('stopped', 'client disconnected');
      socket.close(1000, '');
      await ended.promise;
    },

    /**
     * Sends a request; resolves with the response (`{id, type, status, data, error}`; error
     * responses are values). Rejects with SiyiError notConnected, timeout or connectionClosed.
     * @param {string} command
     * @param {object|null} [params]
     * @param {{timeout?: number}} [options] ms
     */
    request(command, params = null, options = {}) {
      if (params !== null && (typeof params !== 'object' || Array.isArray(params))) {
        return Promise.reject(new SiyiError('invalidArgument', 'params must be an object or null'));
      }
      const id = uuid4();
      let text;
      try {
        text = encodeRequest(id, command, params);
        send(text);
      } catch (error) {
        return Promise.reject(error instanceof SiyiError ? error : new SiyiError('invalidArgument', error.message));
      }
      const deferred = defer();
      const timeout = options.timeout ?? config.requestTimeout;
      const timer = socket.env.setTimeout(() => {
        pending.delete(id);
        deferred.reject(new SiyiError('timeout', `no response to ${command} within ${timeout} ms`));
      }, timeout);
      pending.set(id, { deferred, timer });
      return deferred.promise;
    },

    /**
     * Like request(), resolving with `data` of an ok response; an error response rejects with
     * SiyiError errorResponse carrying the error text.
     */
    async requestData(command, params = null, options = {}) {
      const response = await client.request(command, params, options);
      if (response.status !== 'ok') throw new SiyiError('errorResponse', response.error ?? 'error response without a message');
      return response.data;
    },

    /**
     * Sends an event (never answered).
     * @param {string} name
     * @param {object|null} [data]
     */
    async sendEvent(name, data = null) {
      if (data !== null && (typeof data !== 'object' || Array.isArray(data))) throw new SiyiError('invalidArgument', 'event data must be an object or null');
      send(encodeEvent(uuid4(), name, data));
    },

    /** Answers `command` with `handler(params, client)`'s value; a throw becomes status "error". */
    register(command, handler) { commands.set(command, handler); },
    /** Answers every command without its own handler: `handler(command, params, client)`. */
    registerFallback(handler) { fallback = handler; },
    /** Delivers events named `name` to `handler(data, client)`. */
    onEvent(name, handler) { events.set(name, handler); },
    /** Delivers every event without its own handler: `handler(name, data, client)`. */
    onAnyEvent(handler) { eventFallback = handler; },
  };
  return client;
}

/** The Siyi class object (default export), mirroring the wslink classes' `newInstance`. */
const Siyi = Object.freeze({ newInstance, SiyiError });
export default Siyi;
