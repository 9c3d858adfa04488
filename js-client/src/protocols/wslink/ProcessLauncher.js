// Drop-in for @kitware/wslink's ProcessLauncher: talks to a launcher endpoint (POST to start a
// session, GET to fetch one, DELETE to stop one) and reports through events.

import { addEvents } from '../../util/events.js';

/**
 * @example
 * const launcher = ProcessLauncher.newInstance({ endPoint: '/paraview/' });
 * launcher.onProcessReady((session) => console.log(session.sessionURL));
 * launcher.start({ application: 'visualizer' });
 *
 * @param {{endPoint: string, fetch?: typeof fetch}} initialValues
 * @returns {object} the frozen public API
 */
function newInstance(initialValues) {
  const model = { endPoint: null, fetch: null, ...initialValues };
  const publicAPI = {};
  const internal = {};
  addEvents(publicAPI, internal, ['ProcessReady', 'ProcessStopped', 'Fetch', 'Error']);
  const connections = [];
  const doFetch = (...args) => (model.fetch ?? globalThis.fetch)(...args);
  const url = (id) => `${model.endPoint.replace(/\/+$/, '')}/${encodeURIComponent(id)}`;

  async function request(method, target, body) {
    let response;
    try {
      response = await doFetch(target, {
        method,
        ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      internal.fireError({ status: 0, response: null, error: String(error?.message ?? error) });
      return null;
    }
    const payload = await response.json().catch(() => null);
    if (!response.ok || !payload || payload.error) {
      internal.fireError({ status: response.status, response: payload });
      return null;
    }
    return payload;
  }

  publicAPI.isA = (name) => name === 'ProcessLauncher';
  /** POSTs `config` to the end point; fires ProcessReady(response) or Error(xhr-like). */
  publicAPI.start = async (config) => {
    const session = await request('POST', model.endPoint, config);
    if (session) {
      connections.push(session);
      internal.fireProcessReady(session);
    }
  };
  /** GETs one session by id; fires Fetch(response) or Error. */
  publicAPI.fetchConnection = async (id) => {
    const session = await request('GET', url(id));
    if (session) internal.fireFetch(session);
  };
  /** DELETEs a session (`connection.id`); fires ProcessStopped(response) or Error. */
  publicAPI.stop = async (connection) => {
    const result = await request('DELETE', url(connection.id));
    if (result) internal.fireProcessStopped(result);
  };
  /** The responses of the successful starts so far. */
  publicAPI.listConnections = () => [...connections];

  return Object.freeze(publicAPI);
}

/** The ProcessLauncher class object, as exported by @kitware/wslink. */
const ProcessLauncher = Object.freeze({ newInstance });
export { newInstance };
export default ProcessLauncher;
