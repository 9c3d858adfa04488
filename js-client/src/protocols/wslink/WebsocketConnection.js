// Drop-in for @kitware/wslink's WebsocketConnection (2.x API), plus what the original lacks:
// `retry` reconnects with backoff and jitter (new hello, subscriptions kept), in-flight calls
// are rejected when the connection drops, optional per-call timeouts, 1.x wire as an option.

import { ReconnectingSocket } from '../../transport/ReconnectingSocket.js';
import { makePolicy } from '../../transport/backoff.js';
import { addEvents } from '../../util/events.js';
import { createSession } from './Session.js';
import { DEFAULT_SECRET, clientError } from './constants.js';

/**
 * Turns the `retry` option into a reconnect policy: false/0 → never, true → the default
 * policy (0.5 s doubling to 30 s, ±20 %, forever), a number n → the default policy with n
 * attempts, an object → policy fields (see backoff.js).
 * @param {boolean|number|object|undefined} retry
 */
export function retryPolicy(retry) {
  if (typeof retry === 'number') return retry > 0 ? makePolicy({ maxAttempts: Math.floor(retry) }) : makePolicy(false);
  return makePolicy(retry);
}

/**
 * Creates a connection (nothing happens until `connect()`).
 *
 * @example
 * const connection = WebsocketConnection.newInstance({ urls: 'ws://localhost:8080/ws', retry: true });
 * connection.onConnectionReady(async () => {
 *   const session = connection.getSession();
 *   console.log(await session.call('demo.add', [2, 3])); // 5
 * });
 * connection.connect();
 *
 * @param {object} [initialValues]
 * @param {string|string[]} initialValues.urls  ws:// or wss:// URL(s); only the first is used
 * @param {string} [initialValues.secret]  sent in the hello (default "wslink-secret")
 * @param {string} [initialValues.token]  bearer token (a JWT) sent in the hello instead of the
 *   secret, for servers with authenticated identities (`switchboard serve --auth wslink`)
 * @param {boolean|number|object} [initialValues.retry]  reconnect policy (default false)
 * @param {boolean} [initialValues.wsProxy]  open sockets with the global WSLINK.createWebSocket
 * @param {1|2} [initialValues.wireVersion]  2 (msgpack, default) or 1 (JSON + attachments)
 * @param {number} [initialValues.callTimeout]  default per-call timeout in ms (0 = none)
 * @param {object} [initialValues.env]  {WebSocket, setTimeout, clearTimeout, now, random} overrides
 * @param {Console} [initialValues.logger]
 * @returns {object} the frozen public API
 */
function newInstance(initialValues = {}) {
  const model = {
    urls: null,
    secret: DEFAULT_SECRET,
    retry: false,
    wsProxy: false,
    wireVersion: 2,
    callTimeout: 0,
    env: {},
    logger: console,
    // Undefined options keep their defaults (SmartConnect passes `secret: config.secret`).
    ...Object.fromEntries(Object.entries(initialValues).filter(([, v]) => v !== undefined)),
  };
  const publicAPI = {};
  const internal = {};
  const removeCallbacks = addEvents(publicAPI, internal, [
    'ConnectionReady', 'ConnectionError', 'ConnectionClose', 'ConnectionReconnecting', 'ConnectionReconnected',
  ]);
  let session = null;
  let socket = null;
  let url = null;
  let deleted = false;

  publicAPI.isA = (name) => name === 'WebsocketConnection';
  publicAPI.getClassName = () => 'WebsocketConnection';
  publicAPI.getSession = () => session;
  publicAPI.getUrl = () => url;
  publicAPI.getUrls = () => model.urls;
  publicAPI.getSecret = () => model.secret;
  publicAPI.getToken = () => model.token;
  publicAPI.getRetry = () => model.retry;
  publicAPI.getWsProxy = () => model.wsProxy;

  /**
   * Opens the WebSocket and sends the hello. Returns the session at once (usable after
   * ConnectionReady), or null when `urls` is missing or invalid.
   */
  publicAPI.connect = () => {
    if (deleted) return null;
    if (!model.urls) return null;
    const urls = Array.isArray(model.urls) ? model.urls : [model.urls];
    for (const candidate of urls) {
      if (typeof candidate !== 'string' || !/^wss?:\/\//i.test(candidate)) {
        internal.fireConnectionError(publicAPI, clientError(`invalid WebSocket URL ${JSON.stringify(candidate)}: expected ws:// or wss://`));
        return null;
      }
    }
    if (socket && !socket.stopped && url === urls[0]) return session;
    if (socket) socket.close(1000, 'reconnecting elsewhere');
    url = urls[0];
    const env = model.wsProxy ? { ...model.env, createWebSocket: (u) => globalThis.WSLINK.createWebSocket(u) } : model.env;
    let everReady = false;
    let reconnecting = false;
    let closeWaiters = [];
    const link = {
      send: (data) => current.send(data),
      get isOpen() { return current.isOpen; },
      isConnecting: () => !current.stopped,
      close: () => new Promise((resolve) => {
        if (current.stopped && current.socket === null && current.timer === null) { resolve(); return; }
        closeWaiters.push(resolve);
        current.close(1000, '');
      }),
    };
    const current = new ReconnectingSocket({
      url: () => url,
      policy: retryPolicy(model.retry),
      env,
      handlers: {
        open: () => session.onconnect(),
        message: (data) => session.onmessage(data),
        error: (event) => { if (!reconnecting) internal.fireConnectionError(publicAPI, event); },
        drop: (info) => {
          reconnecting = true;
          session.connectionLost(info, false);
          internal.fireConnectionReconnecting(publicAPI, info);
        },
        end: (info) => {
          session.connectionLost(info, true);
          internal.fireConnectionClose(publicAPI, info);
          const waiters = closeWaiters;
          closeWaiters = [];
          for (const resolve of waiters) resolve();
        },
      },
    });
    session = createSession({
      link,
      secret: model.token ?? model.secret,
      wireVersion: model.wireVersion,
      callTimeout: model.callTimeout,
      env: current.env,
      logger: model.logger,
      listener: {
        helloSucceeded: (reply) => {
          if (!everReady) {
            everReady = true;
            internal.fireConnectionReady(publicAPI);
          } else {
            reconnecting = false;
            internal.fireConnectionReconnected(publicAPI, { clientID: reply.clientID });
          }
        },
        helloFailed: (error) => internal.fireConnectionError(publicAPI, error),
      },
    });
    socket = current;
    try {
      current.start();
    } catch (error) {
      socket = null;
      internal.fireConnectionError(publicAPI, error);
      return null;
    }
    return session;
  };

  /**
   * Asks the server to exit in `timeout` seconds (when open and timeout > 0), then closes and
   * releases every callback.
   */
  publicAPI.destroy = (timeout = 10) => {
    if (deleted) return;
    if (session && socket?.isOpen && timeout > 0) session.call('application.exit.later', [timeout]).catch(() => {});
    if (socket) socket.close(1000, '');
    deleted = true;
    removeCallbacks();
  };

  return Object.freeze(publicAPI);
}

/** The WebsocketConnection class object, as default-exported by @kitware/wslink. */
const WebsocketConnection = Object.freeze({ newInstance });
export { newInstance };
export default WebsocketConnection;
