// Drop-in for @kitware/wslink's WsLinkClient: protocols built from the session, every remote
// call counted as "busy", connect() as a promise.

import { addEvents } from '../../util/events.js';

let SmartConnectClass = null;

/**
 * Sets the SmartConnect class used by connect() (required first, as in the original).
 * @param {{newInstance: Function}} klass
 */
export function setSmartConnectClass(klass) {
  SmartConnectClass = klass;
}

/**
 * @example
 * WsLinkClient.setSmartConnectClass(SmartConnect);
 * const client = WsLinkClient.newInstance({ protocols: { Demo: (session) => ({ add: (a, b) => session.call('demo.add', [a, b]) }) } });
 * await client.connect({ sessionURL: 'ws://localhost:8080/ws' });
 * console.log(await client.getRemote().Demo.add(2, 3)); // 5
 *
 * @param {{protocols?: Record<string, (session: object) => Record<string, Function>>, notBusyList?: string[]}} [initialValues]
 * @returns {object} the frozen public API
 */
function newInstance(initialValues = {}) {
  const model = { protocols: {}, notBusyList: [], ...initialValues };
  model.protocols = { ...model.protocols };
  const publicAPI = {};
  const internal = {};
  addEvents(publicAPI, internal, ['BusyChange', 'ConnectionReady', 'ConnectionError', 'ConnectionClose']);
  let smartConnect = null;
  let connection = null;
  let remote = {};
  let busyCount = 0;
  let idleTimer = null;
  let timeoutId = 0;

  function setBusy(delta) {
    busyCount += delta;
    if (idleTimer !== null) { clearTimeout(idleTimer); idleTimer = null; }
    if (busyCount > 0) internal.fireBusyChange(busyCount);
    else {
      // Going idle is debounced (50 ms) so a chain of calls does not flicker.
      const id = ++timeoutId;
      idleTimer = setTimeout(() => { idleTimer = null; if (id === timeoutId && busyCount === 0) internal.fireBusyChange(0); }, 50);
    }
  }

  function wrap(name, methods) {
    const wrapped = {};
    for (const [method, fn] of Object.entries(methods)) {
      if (model.notBusyList.includes(method) || model.notBusyList.includes(`${name}.${method}`)) { wrapped[method] = fn; continue; }
      wrapped[method] = (...args) => {
        setBusy(1);
        let result;
        try {
          result = fn(...args);
        } catch (error) {
          setBusy(-1);
          throw error;
        }
        return Promise.resolve(result).finally(() => setBusy(-1));
      };
    }
    return wrapped;
  }

  function buildRemote() {
    remote = {};
    const session = connection?.getSession();
    if (!session) return;
    for (const [name, factory] of Object.entries(model.protocols)) remote[name] = wrap(name, factory(session));
  }

  publicAPI.isA = (name) => name === 'WsLinkClient';
  publicAPI.getRemote = () => remote;
  publicAPI.getConnection = () => connection;
  publicAPI.getProtocols = () => model.protocols;
  publicAPI.isConnected = () => Boolean(connection?.getSession());
  publicAPI.isBusy = () => busyCount > 0;
  publicAPI.beginBusy = () => setBusy(1);
  publicAPI.endBusy = () => setBusy(-1);
  publicAPI.registerProtocol = (name, factory) => {
    model.protocols[name] = factory;
    const session = connection?.getSession();
    if (session) remote[name] = wrap(name, factory(session));
  };
  publicAPI.unregisterProtocol = (name) => {
    delete model.protocols[name];
    delete remote[name];
  };

  /**
   * Connects through SmartConnect; resolves with this client once ready, rejects on error.
   * @param {object} [config]
   * @param {(config: object) => object} [configDecorator]
   */
  publicAPI.connect = (config = {}, configDecorator = null) => {
    if (!SmartConnectClass) return Promise.reject(new Error('Need to provide SmartConnect'));
    if (smartConnect) return Promise.reject(new Error('Need to disconnect before'));
    return new Promise((resolve, reject) => {
      smartConnect = SmartConnectClass.newInstance({ config, configDecorator });
      smartConnect.onConnectionReady((conn) => {
        connection = conn;
        buildRemote();
        internal.fireConnectionReady(publicAPI);
        resolve(publicAPI);
      });
      smartConnect.onConnectionError((conn, error) => {
        internal.fireConnectionError(publicAPI, error);
        reject(error);
        publicAPI.disconnect(-1);
      });
      smartConnect.onConnectionClose((conn, event) => {
        internal.fireConnectionClose(publicAPI, event);
        reject(event);
        publicAPI.disconnect(-1);
      });
      smartConnect.connect();
    });
  };

  /** Closes the connection (asking the server to exit in `timeout` s when > 0). */
  publicAPI.disconnect = (timeout = 60) => {
    if (smartConnect) smartConnect.destroy(timeout);
    smartConnect = null;
    connection = null;
    remote = {};
  };

  return Object.freeze(publicAPI);
}

/** The WsLinkClient class object, as exported by @kitware/wslink. */
const WsLinkClient = Object.freeze({ newInstance, setSmartConnectClass });
export { newInstance };
export default WsLinkClient;
