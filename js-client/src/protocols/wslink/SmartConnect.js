// Drop-in for @kitware/wslink's SmartConnect: connects straight to `sessionURL`, or asks a
// launcher (POST to `sessionManagerURL`) for a session first, with the original's fallback to
// the page's own /ws endpoint when the launcher is missing.

import WebsocketConnection from './WebsocketConnection.js';
import { addEvents } from '../../util/events.js';

const location = globalThis.window?.location;
const baseURI = globalThis.document?.baseURI;

/**
 * `${document.baseURI}paraview/` in a browser (undefined elsewhere), as the original — except
 * that a query or fragment is dropped first (the original posted to `/?a=bparaview/`).
 */
export const DEFAULT_SESSION_MANAGER_URL = baseURI ? `${baseURI.replace(/[?#].*$/, '')}paraview/` : undefined;

/**
 * `ws:`/`wss:` + `//host` + the page path without a trailing `*.html`/`*.htm` and slashes
 * + `/ws`, in a browser (undefined elsewhere).
 */
export const DEFAULT_SESSION_URL = location
  ? `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.hostname}:${location.port || (location.protocol === 'https:' ? 443 : 80)}${location.pathname.replace(/[^/]*\.html?$/, '').replace(/\/+$/, '')}/ws`
  : undefined;

function defaultConfigDecorator(config) {
  if (config.sessionURL && location) {
    config.sessionURL = config.sessionURL.replaceAll('USE_HOSTNAME', location.hostname).replaceAll('USE_HOST', location.host);
  }
  return config;
}

/**
 * @example
 * const smart = SmartConnect.newInstance({ config: { sessionURL: 'ws://localhost:8080/ws', secret: 'wslink-secret' } });
 * smart.onConnectionReady((connection) => connection.getSession().call('demo.add', [2, 3]));
 * smart.connect();
 *
 * @param {object} [initialValues]
 * @param {object} initialValues.config  sessionURL | sessionManagerURL, secret, application,
 *   headers, launcherRetry (ms delays, used on HTTP 503), retry, iframe/wsProxy, extra keys;
 *   Switchboard additions passed to the connection: wireVersion, callTimeout, env, logger
 * @param {(config: object) => object} [initialValues.configDecorator]
 * @param {typeof fetch} [initialValues.fetch]  injected for tests; default global fetch
 * @returns {object} the frozen public API
 */
function newInstance(initialValues = {}) {
  const model = { config: {}, configDecorator: null, fetch: null, ...initialValues };
  const publicAPI = {};
  const internal = {};
  const removeCallbacks = addEvents(publicAPI, internal, ['ConnectionReady', 'ConnectionClose', 'ConnectionError']);
  let connection = null;
  let subscriptions = [];

  publicAPI.isA = (name) => name === 'SmartConnect';
  publicAPI.getClassName = () => 'SmartConnect';
  publicAPI.getConfig = () => model.config;
  publicAPI.getConfigDecorator = () => model.configDecorator;
  publicAPI.setConfigDecorator = (decorator) => { model.configDecorator = decorator; return true; };
  publicAPI.getSession = () => connection?.getSession() ?? null;
  publicAPI.getConnection = () => connection;

  function connectTo(config) {
    for (const s of subscriptions) s.unsubscribe();
    connection = WebsocketConnection.newInstance({
      urls: config.sessionURL,
      secret: config.secret,
      token: config.token,
      retry: config.retry,
      wsProxy: Boolean(config.iframe || config.wsProxy),
      ...pick(config, ['wireVersion', 'callTimeout', 'env', 'logger']),
    });
    subscriptions = [
      connection.onConnectionReady((...args) => internal.fireConnectionReady(...args)),
      connection.onConnectionError((...args) => internal.fireConnectionError(...args)),
      connection.onConnectionClose((...args) => internal.fireConnectionClose(...args)),
    ];
    connection.connect();
  }

  /** Starts connecting (directly or through the launcher); results arrive as events. */
  publicAPI.connect = () => {
    let config = { ...model.config };
    if (model.configDecorator) config = model.configDecorator(config) ?? config;
    config = defaultConfigDecorator(config);
    if (config.sessionURL) {
      connectTo(config);
    } else if (config.iframe || config.wsProxy) {
      connectTo({ ...config, sessionURL: 'wss://proxy/' });
    } else {
      launch(config, [...(config.launcherRetry ?? [])]);
    }
  };

  async function launch(config, retries) {
    const endpoint = config.sessionManagerURL || DEFAULT_SESSION_MANAGER_URL;
    const fallback = () => connectTo({ ...config, sessionURL: DEFAULT_SESSION_URL });
    const doFetch = model.fetch ?? globalThis.fetch;
    if (!endpoint || typeof doFetch !== 'function') { fallback(); return; }
    const { headers = {}, ...body } = config;
    for (const key of ['env', 'logger']) delete body[key];
    let response;
    let payload;
    try {
      response = await doFetch(endpoint, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
      payload = await response.json().catch(() => undefined);
    } catch {
      fallback();
      return;
    }
    const xhr = { status: response.status, response: payload };
    if (payload && typeof payload === 'object' && payload.error) {
      if (response.status === 503 && retries.length) {
        setTimeout(() => launch(config, retries), retries.shift());
        return;
      }
      internal.fireConnectionError(xhr, payload.error);
      return;
    }
    if (!response.ok || !payload || typeof payload !== 'object' || !payload.sessionURL) {
      if (response.status === 503 && retries.length) {
        setTimeout(() => launch(config, retries), retries.shift());
        return;
      }
      fallback();
      return;
    }
    Object.assign(model.config, payload);
    connectTo({ ...config, ...payload });
  }

  /** Asks the server to exit (when `timeout` > 0) and closes. */
  publicAPI.destroy = (timeout = 10) => {
    if (connection) connection.destroy(timeout);
    connection = null;
    removeCallbacks();
  };

  return Object.freeze(publicAPI);
}

function pick(object, keys) {
  return Object.fromEntries(keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]));
}

/** The SmartConnect class object, as default-exported by @kitware/wslink. */
const SmartConnect = Object.freeze({ newInstance });
export { newInstance };
export default SmartConnect;
