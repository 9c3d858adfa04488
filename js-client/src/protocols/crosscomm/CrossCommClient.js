// CrossComm client, wire-compatible with pywayne's CrossCommService(role="client") and better
// behaved: login waits for login_response, heartbeats keep going, a lost connection reconnects
// with backoff and logs in again, list_clients answers are matched in order.

import { ReconnectingSocket } from '../../transport/ReconnectingSocket.js';
import { makePolicy } from '../../transport/backoff.js';
import { randomHex } from '../../util/ids.js';
import { defer } from '../../util/events.js';
import { toPythonJSON } from '../../codec/pythonJSON.js';
import { encodeMessage, decodeMessage, wireContent, MAX_MESSAGE_BYTES } from './messages.js';

/** A CrossComm failure with a stable `code`: notConnected, timeout, tooLarge, invalidArgument, stopped, connectionClosed. */
export class CrossCommError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'CrossCommError';
    this.code = code;
  }
}

/**
 * A CrossComm client.
 *
 * @example
 * const alice = CrossComm.newInstance({ url: 'ws://127.0.0.1:9898', clientId: 'alice' });
 * alice.addListener((m) => console.log(m.msg_type, m.from_client_id, m.content));
 * await alice.login();
 * await alice.sendMessage('Hello everyone!', 'text');            // to "all"
 * await alice.sendMessage({ action: 'update' }, 'dict', 'bob');
 * console.log(await alice.listClients(false));
 * await alice.logout();
 *
 * @param {object} options
 * @param {string} options.url  ws:// URL of the server (pywayne's default port is 9898)
 * @param {string} [options.clientId]  default: `js_<8 hex>`
 * @param {string} [options.token]  bearer token (a JWT whose subject is the client id) sent in the
 *   login content, for hubs with token-bound logins (`switchboard serve --auth crosscomm`)
 * @param {number} [options.heartbeatInterval]  ms between heartbeats (default 30000)
 * @param {number} [options.loginTimeout]  ms to wait for login_response (default 5000)
 * @param {boolean|object} [options.retry]  reconnect policy (default true: backoff forever)
 * @param {object} [options.env]  {WebSocket, setTimeout, clearTimeout, now, random}
 * @param {Console} [options.logger]
 * @returns {object} the client API
 */
export function newInstance(options) {
  const config = {
    clientId: `js_${randomHex(8)}`,
    heartbeatInterval: 30000,
    loginTimeout: 5000,
    retry: true,
    env: {},
    logger: console,
    ...options,
  };
  if (typeof config.url !== 'string' || !/^wss?:\/\//i.test(config.url)) throw new CrossCommError('invalidArgument', `invalid url ${JSON.stringify(config.url)}`);
  const listeners = [];
  const listWaiters = [];
  let loginWaiter = null;
  let heartbeatTimer = null;
  let loggedIn = false;
  let wantLogin = false;
  let socket = null;
  let ended = null;

  function envelope(msgType, content, to, ossKey = null) {
    const now = socket.env.now();
    return {
      msg_id: `${config.clientId}_${Math.floor(now)}_${randomHex(8)}`,
      from_client_id: config.clientId,
      to_client_id: to,
      msg_type: msgType,
      content,
      timestamp: now / 1000,
      oss_key: ossKey,
    };
  }

  function transmit(message) {
    const text = encodeMessage(message);
    if (new TextEncoder().encode(text).length > MAX_MESSAGE_BYTES) {
      throw new CrossCommError('tooLarge', `message of ${text.length} characters exceeds CrossComm's 1 MiB limit`);
    }
    if (!socket?.send(text)) throw new CrossCommError('notConnected', 'the CrossComm client is not connected');
    return message;
  }

  function startHeartbeat() {
    stopHeartbeat();
    const beat = () => {
      heartbeatTimer = socket.env.setTimeout(beat, config.heartbeatInterval);
      try { transmit(envelope('heartbeat', {}, 'server')); } catch { /* reconnect handles it */ }
    };
    beat();
  }

  function stopHeartbeat() {
    if (heartbeatTimer !== null) socket.env.clearTimeout(heartbeatTimer);
    heartbeatTimer = null;
  }

  function sendLogin() {
    // With a token (hubs with token-bound logins), the login content carries it.
    transmit(envelope('login', config.token ? { token: config.token } : {}, 'server'));
    startHeartbeat();
  }

  function failWaiters(code, text) {
    for (const waiter of listWaiters.splice(0)) {
      socket.env.clearTimeout(waiter.timer);
      waiter.reject(new CrossCommError(code, text));
    }
    if (loginWaiter) {
      socket.env.clearTimeout(loginWaiter.timer);
      loginWaiter.reject(new CrossCommError(code, text));
      loginWaiter = null;
    }
  }

  function receive(frame) {
    let message;
    try {
      message = decodeMessage(frame);
    } catch (error) {
      config.logger.warn(`crosscomm: frame dropped (${error.message})`);
      return;
    }
    if (message.msg_type === 'list_clients_response') {
      const waiter = listWaiters.shift();
      if (!waiter) { config.logger.warn('crosscomm: unexpected list_clients_response dropped'); return; }
      socket.env.clearTimeout(waiter.timer);
      try {
        waiter.resolve(typeof message.content === 'string' ? JSON.parse(message.content) : message.content);
      } catch (error) {
        waiter.reject(new CrossCommError('invalidResponse', `list_clients_response content is not JSON: ${error.message}`));
      }
      return;
    }
    if (message.msg_type === 'login_response') {
      loggedIn = true;
      if (loginWaiter) { socket.env.clearTimeout(loginWaiter.timer); loginWaiter.resolve(message.content); loginWaiter = null; }
    }
    if (message.from_client_id === config.clientId) return;
    for (const { callback, filter } of [...listeners]) {
      if (filter.msgType && filter.msgType !== message.msg_type) continue;
      if (filter.fromClientId && filter.fromClientId !== message.from_client_id) continue;
      // Off the receive path, so a slow or throwing listener cannot stall the next frame.
      Promise.resolve().then(() => callback(message)).catch((error) => config.logger.error('crosscomm: listener threw', error));
    }
  }

  function ensureSocket() {
    if (socket && !socket.stopped) return;
    ended = defer();
    socket = new ReconnectingSocket({
      url: () => config.url,
      policy: makePolicy(config.retry),
      env: config.env,
      handlers: {
        open: () => { if (wantLogin) { try { sendLogin(); } catch (error) { config.logger.error('crosscomm: login failed', error); } } },
        message: receive,
        error: () => {},
        drop: (info) => {
          loggedIn = false;
          stopHeartbeat();
          failWaiters('connectionClosed', `connection closed (${info.code}); reconnecting`);
          config.logger.info(`crosscomm: connection lost (${info.code}), reconnecting in ${Math.round(info.delay)} ms`);
        },
        end: (info) => {
          loggedIn = false;
          stopHeartbeat();
          failWaiters(wantLogin ? 'connectionClosed' : 'stopped', `connection closed (${info.code})`);
          ended.resolve(info);
        },
      },
    });
    socket.start();
  }

  const client = {
    /** This client's id. */
    get clientId() { return config.clientId; },
    /** Whether the socket is open. */
    get isConnected() { return socket?.isOpen ?? false; },
    /** Whether the server answered the current login. */
    get isLoggedIn() { return loggedIn; },

    /**
     * Connects if needed, sends `login` then a heartbeat, and resolves with the
     * login_response content (`{status: "success"}`). After a reconnect it logs in again.
     * @returns {Promise<object>}
     */
    login() {
      wantLogin = true;
      const waiter = defer();
      waiter.timer = null;
      if (loginWaiter) loginWaiter.reject(new CrossCommError('stopped', 'superseded by a newer login()'));
      loginWaiter = waiter;
      if (socket?.isOpen) sendLogin();
      else ensureSocket();
      waiter.timer = socket.env.setTimeout(() => {
        if (loginWaiter === waiter) loginWaiter = null;
        waiter.reject(new CrossCommError('timeout', `no login_response within ${config.loginTimeout} ms`));
      }, config.loginTimeout);
      return waiter.promise;
    },

    /**
     * Sends a message and resolves with the envelope sent.
     * @param {unknown} content  text: string; json: string or value; dict: value; bytes: Uint8Array
     * @param {string} [msgType]  default 'text'
     * @param {string} [toClientId]  a client id, or 'all' (default)
     * @param {{ossKey?: string|null}} [options]
     * @returns {Promise<object>}
     */
    async sendMessage(content, msgType = 'text', toClientId = 'all', options = {}) {
      let wire;
      try { wire = wireContent(content, msgType); } catch (error) { throw new CrossCommError('invalidArgument', error.message); }
      return transmit(envelope(msgType, wire, toClientId, options.ossKey ?? null));
    },

    /**
     * Asks the server for its client table.
     * @param {boolean} [onlyShowOnline] default true, like pywayne
     * @param {number} [timeout] ms, default 5000
     * @returns {Promise<{clients: object[], total_count: number, only_show_online: boolean}>}
     */
    listClients(onlyShowOnline = true, timeout = 5000) {
      const waiter = defer();
      try {
        transmit(envelope('list_clients', toPythonJSON({ only_show_online: onlyShowOnline }), 'server'));
      } catch (error) {
        return Promise.reject(error);
      }
      waiter.timer = socket.env.setTimeout(() => {
        const index = listWaiters.indexOf(waiter);
        if (index >= 0) listWaiters.splice(index, 1);
        waiter.reject(new CrossCommError('timeout', `no list_clients_response within ${timeout} ms`));
      }, timeout);
      listWaiters.push(waiter);
      return waiter.promise;
    },

    /**
     * Calls `callback(message)` for every message from another client (and login_response),
     * optionally filtered by msg_type and sender. Returns `{unsubscribe}`.
     */
    addListener(callback, filter = {}) {
      const entry = { callback, filter };
      listeners.push(entry);
      return { unsubscribe: () => { const i = listeners.indexOf(entry); if (i >= 0) listeners.splice(i, 1); } };
    },

    /** Sends `logout`, then closes with 1000 and stops reconnecting. */
    async logout() {
      wantLogin = false;
      if (socket?.isOpen) {
        try { transmit(envelope('logout', {}, 'server')); } catch { /* closing anyway */ }
      }
      await client.close();
    },

    /** Closes with 1000 and stops reconnecting; resolves once closed. */
    async close() {
      wantLogin = false;
      if (!socket || socket.stopped) return;
      stopHeartbeat();
      socket.close(1000, '');
      await ended.promise;
    },
  };
  return client;
}

/** The CrossComm class object (default export), mirroring the wslink classes' `newInstance`. */
const CrossComm = Object.freeze({ newInstance, CrossCommError });
export default CrossComm;
