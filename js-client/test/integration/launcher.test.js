// SmartConnect through `switchboard launcher`: a launcher.config in wslink's documented format
// starts one `switchboard serve` per session from a two-port pool; SmartConnect posts to the
// launcher and connects to the sessionURL it answers, which goes through the launcher's
// /proxy?sessionId=<id>&path=ws. Each session is also called directly on its own port; DELETE
// ends a session's process and frees its port; a third start on the full pool is a 503.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import SmartConnect from '../../src/protocols/wslink/SmartConnect.js';
import WebsocketConnection from '../../src/protocols/wslink/WebsocketConnection.js';
import { quietLogger } from '../support/fakes.js';
import { startLauncher } from '../support/launcher.js';

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

const launcher = await startLauncher();
after(() => launcher.stop());
const { managerURL, pool } = launcher;
const launcherPort = launcher.port;

/** The first of `on<Event>` for each of `handlers` (name → mapper), or a rejection after `ms`. */
function firstEvent(api, handlers, ms) {
  return new Promise((resolve, reject) => {
    const subs = [];
    const done = (value, error) => {
      clearTimeout(timer);
      for (const sub of subs) sub.unsubscribe();
      if (error) reject(error); else resolve(value);
    };
    const timer = setTimeout(() => done(undefined, new Error(`none of ${Object.keys(handlers)} within ${ms} ms`)), ms);
    for (const [name, map] of Object.entries(handlers)) subs.push(api[`on${name}`]((...args) => done(map(...args))));
  });
}

/** SmartConnect with the launcher; resolves to ready (with the config) or the error. */
async function smartConnect() {
  const smart = SmartConnect.newInstance({ config: { sessionManagerURL: managerURL, application: 'demo', logger: quietLogger } });
  const outcome = firstEvent(smart, {
    ConnectionReady: () => ({ ready: true }),
    ConnectionError: (xhr, error) => ({ ready: false, status: xhr?.status, error }),
  }, 30000);
  smart.connect();
  return { smart, ...(await outcome) };
}

test('SmartConnect starts two sessions through switchboard launcher, each on its own process and port', async () => {
  const first = await smartConnect();
  const second = await smartConnect();
  assert.ok(first.ready && second.ready, JSON.stringify([first, second]));
  const [a, b] = [first.smart.getConfig(), second.smart.getConfig()];
  assert.deepEqual(new Set([a.port, b.port]), new Set(pool));
  assert.equal(a.sessionURL, `ws://127.0.0.1:${launcherPort}/proxy?sessionId=${a.id}&path=ws`);
  assert.match(a.secret, /^[A-Za-z0-9]{16}$/);

  // Through the proxy (SmartConnect's own connection) and directly on the session's port.
  assert.equal(await first.smart.getSession().call('demo.add', [40], { b: 2 }), 42);
  assert.equal(await second.smart.getSession().call('demo.add', [1], { b: 2 }), 3);
  const direct = WebsocketConnection.newInstance({ urls: `ws://127.0.0.1:${b.port}/ws`, secret: b.secret, logger: quietLogger });
  const ready = firstEvent(direct, { ConnectionReady: () => true }, 10000);
  const session = direct.connect();
  await ready;
  assert.equal(await session.call('demo.add', [5], { b: 5 }), 10);
  await session.close();

  // The pool has two ports: a third start is the launcher's 503.
  const third = await smartConnect();
  assert.deepEqual({ ready: third.ready, status: third.status, error: third.error },
    { ready: false, status: 503, error: 'All the resources are currently taken' });

  // DELETE ends the first session's process and frees its port for the next start.
  first.smart.destroy(0);
  const deleted = await fetch(`${managerURL}${a.id}`, { method: 'DELETE' });
  assert.equal(deleted.status, 200);
  assert.equal(await listening(a.port), false);
  const again = await smartConnect();
  assert.ok(again.ready, JSON.stringify(again));
  assert.equal(again.smart.getConfig().port, a.port);
  assert.equal(await again.smart.getSession().call('demo.add', [2], { b: 2 }), 4);
  second.smart.destroy(0);
  again.smart.destroy(0);
});
