import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { WsLinkClient, SmartConnect } from '../../src/index.js';
import { encode, decode } from '../../src/codec/msgpack.js';
import { chunk, Unchunker } from '../../src/codec/chunking.js';
import { FakeWebSocket, ManualClock, quietLogger } from '../support/fakes.js';

beforeEach(() => FakeWebSocket.reset());

function answer(socket, unchunker, reply) {
  const sent = socket.sent.map((m) => unchunker.push(m)).filter(Boolean).map((p) => decode(p));
  socket.sent.length = 0;
  for (const message of sent) for (const part of chunk(encode(reply(message)), 0)) socket.serverSend(part);
}

test('WsLinkClient connects through SmartConnect, builds remotes and counts busy calls', async () => {
  WsLinkClient.setSmartConnectClass(SmartConnect);
  const client = WsLinkClient.newInstance({
    protocols: { Demo: (session) => ({ add: (a, b) => session.call('demo.add', [a, b]), ping: () => session.call('demo.echo') }) },
    notBusyList: ['ping'],
  });
  const busy = [];
  client.onBusyChange((count) => busy.push(count));
  const env = new ManualClock().env();
  const connected = client.connect({ sessionURL: 'ws://fake/ws', env, logger: quietLogger });
  const socket = FakeWebSocket.last;
  const unchunker = new Unchunker();
  socket.serverOpen();
  answer(socket, unchunker, (m) => ({ wslink: '1.0', id: m.id, result: { clientID: 'cabc', maxMsgSize: 4194304 } }));
  assert.equal(await connected, client);
  assert.equal(client.isConnected(), true);
  const sum = client.getRemote().Demo.add(2, 3);
  assert.equal(client.isBusy(), true);
  answer(socket, unchunker, (m) => ({ wslink: '1.0', id: m.id, result: m.args[0] + m.args[1] }));
  assert.equal(await sum, 5);
  const ping = client.getRemote().Demo.ping();
  assert.equal(client.isBusy(), false, 'notBusyList methods do not count');
  answer(socket, unchunker, (m) => ({ wslink: '1.0', id: m.id, result: 'pong' }));
  assert.equal(await ping, 'pong');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(busy, [1, 0], 'busy once, idle after the 50 ms debounce');
  client.registerProtocol('Other', () => ({ x: () => 1 }));
  assert.deepEqual(Object.keys(client.getRemote()), ['Demo', 'Other']);
  client.disconnect(0);
  assert.equal(client.isConnected(), false);
});

test('WsLinkClient.connect rejects without a SmartConnect class or when already connecting', async () => {
  WsLinkClient.setSmartConnectClass(null);
  await assert.rejects(WsLinkClient.newInstance().connect({}), /Need to provide SmartConnect/);
});

test('ProcessLauncher POSTs, GETs and DELETEs against its end point and reports by events', async () => {
  const { ProcessLauncher } = await import('../../src/index.js');
  const calls = [];
  const fetch = async (url, init) => {
    calls.push([init.method, url, init.body ?? null]);
    if (init.method === 'POST') return Response.json({ sessionURL: 'ws://h/ws', id: 'a b', secret: 's' });
    if (init.method === 'GET') return Response.json({ error: 'No session with id: a b' }, { status: 404 });
    return Response.json({ id: 'a b' });
  };
  const launcher = ProcessLauncher.newInstance({ endPoint: '/paraview/', fetch });
  const events = [];
  launcher.onProcessReady((s) => events.push(['ready', s.id]));
  launcher.onError((xhr) => events.push(['error', xhr.status, xhr.response.error]));
  launcher.onProcessStopped((r) => events.push(['stopped', r.id]));
  await launcher.start({ application: 'demo' });
  await launcher.fetchConnection('a b');
  await launcher.stop(launcher.listConnections()[0]);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(calls, [['POST', '/paraview/', '{"application":"demo"}'], ['GET', '/paraview/a%20b', null], ['DELETE', '/paraview/a%20b', null]]);
  assert.deepEqual(events, [['ready', 'a b'], ['error', 404, 'No session with id: a b'], ['stopped', 'a b']]);
});
