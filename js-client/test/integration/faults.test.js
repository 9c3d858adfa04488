// Fault injection against a real `switchboard serve` (issue 8): the server is killed with
// SIGKILL under load and restarted on the same ports. Every JS client fails what was pending
// with a clear error (none hangs), reconnects within its backoff window, and the CrossComm
// clients log in again with a consistent client list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebsocketConnection from '../../src/protocols/wslink/WebsocketConnection.js';
import CrossComm from '../../src/protocols/crosscomm/CrossCommClient.js';
import Siyi from '../../src/protocols/siyi/SiyiClient.js';
import { startSwitchboard } from '../support/servers.js';
import { nextEvent, quietLogger } from '../support/fakes.js';

// 100 ms doubling to 1 s, ±20 %: a reconnect lands within 1.2 s of the server being back,
// plus the handshake of a debug build on a busy machine.
const retry = { initialDelay: 100, multiplier: 2, maxDelay: 1000, jitter: 0.2 };
const reconnectWindowMs = 1200 + 3000;
const pendingLimitMs = 3000;

function waitFor(predicate, what, timeout) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeout) reject(new Error(`timed out after ${timeout} ms waiting for ${what}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

/** Resolves with the promise's value, or rejects if it has not settled within `ms` (a hang). */
function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms); }),
  ]);
}

/**
 * Calls `call` back to back until one rejects; resolves with {succeeded, error}. Each turn
 * yields to the event loop (a call that settles in a microtask would otherwise starve timers
 * and sockets).
 */
function loadLoop(call) {
  const loop = { succeeded: 0 };
  loop.done = (async () => {
    for (;;) {
      try {
        await call(loop.succeeded);
        loop.succeeded += 1;
      } catch (error) {
        return { succeeded: loop.succeeded, error };
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return loop;
}

const portOf = (url) => Number(new URL(url).port);

test('kill -9 under load: wslink, CrossComm and siyi JS clients fail pending calls, reconnect after a restart, lists agree', async () => {
  let server = await startSwitchboard();
  const ports = { main: portOf(server.urls.wslink), crosscomm: portOf(server.urls.crosscomm), siyi: portOf(server.urls.siyi) };
  const connection = WebsocketConnection.newInstance({ urls: server.urls.wslink, logger: quietLogger, retry, callTimeout: 20000 });
  const crossComm = ['js-alice', 'js-bob'].map((clientId) => CrossComm.newInstance({ url: server.urls.crosscomm, clientId, retry, logger: quietLogger }));
  const siyi = Siyi.newInstance({ url: server.urls.siyi, requestTimeout: 20000, reconnect: retry, logger: quietLogger });
  let session;
  try {
    const ready = nextEvent(connection, 'ConnectionReady', 10000);
    session = connection.connect();
    await ready;
    const firstID = session.getClientID();
    for (const client of crossComm) await client.login();
    siyi.connect();
    assert.equal(await siyi.waitConnected(10000), true);

    // Load on every protocol, and a wslink call certainly pending at the kill (12 s long).
    const pending = session.call('demo.start', [240]).then(() => null, (error) => error);
    const loads = {
      'wslink demo.add': loadLoop((i) => session.call('demo.add', [i, 1])),
      'siyi echo': loadLoop((i) => siyi.request('echo', { i })),
      'crosscomm list_clients': loadLoop(() => crossComm[0].listClients()),
      // Paced by a round trip, so the sender cannot flood a debug build's two cores.
      'crosscomm send': loadLoop(async (i) => {
        await crossComm[1].sendMessage(`load ${i}`, 'text', 'js-alice');
        await crossComm[1].listClients();
      }),
    };
    await waitFor(() => Object.values(loads).every((loop) => loop.succeeded >= 5), 'every load loop running', 20000);

    const reconnecting = nextEvent(connection, 'ConnectionReconnecting', pendingLimitMs);
    await server.kill();

    const pendingError = await within(pending, pendingLimitMs, 'the pending demo.start call');
    assert.equal(pendingError?.code, -32099, `pending wslink call: ${pendingError}`);
    await reconnecting;
    for (const [name, loop] of Object.entries(loads)) {
      const outcome = await within(loop.done, pendingLimitMs, name);
      assert.ok(outcome.succeeded > 0, `${name} made no call before the kill`);
      const code = outcome.error?.code;
      assert.ok([-32099, 'connectionClosed', 'notConnected'].includes(code), `${name} ended with ${outcome.error} (code ${code})`);
    }

    const reconnected = nextEvent(connection, 'ConnectionReconnected', reconnectWindowMs + 20000);
    server = await startSwitchboard([], { ports });
    const restartedAt = Date.now();
    const [, info] = await reconnected;
    assert.notEqual(info.clientID, firstID);
    await waitFor(() => crossComm.every((client) => client.isLoggedIn), 'CrossComm clients logged in again', reconnectWindowMs);
    await waitFor(() => siyi.isConnected && siyi.connectionCount === 2, 'siyi reconnected', reconnectWindowMs);
    assert.ok(Date.now() - restartedAt < reconnectWindowMs, `reconnects took ${Date.now() - restartedAt} ms`);

    assert.equal(await session.call('demo.add', [40, 2]), 42);
    assert.deepEqual(await siyi.requestData('echo', { after: 'restart' }), { after: 'restart' });
    for (const client of crossComm) {
      const list = await client.listClients(true);
      assert.deepEqual(list.clients.map((c) => c.client_id).sort(), ['js-alice', 'js-bob']);
    }
  } finally {
    await Promise.allSettled([session?.close(), siyi.disconnect(), ...crossComm.map((client) => client.logout())]);
    await server.stop();
  }
});
