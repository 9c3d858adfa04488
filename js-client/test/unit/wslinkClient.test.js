import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import WebsocketConnection from '../../src/protocols/wslink/WebsocketConnection.js';
import { encode, decode } from '../../src/codec/msgpack.js';
import { chunk, Unchunker } from '../../src/codec/chunking.js';
import { FakeWebSocket, ManualClock, nextEvent, quietLogger, recordingLogger } from '../support/fakes.js';

const CLIENT_ID = 'c05d3783d3a8b40aea4f8117327469769';

/** The test's side of the socket: decodes what the client sent and answers it. */
function serverSide(socket, { maxMsgSize = 4194304 } = {}) {
  const unchunker = new Unchunker();
  let read = 0;
  return {
    received() {
      const out = [];
      for (; read < socket.sent.length; read += 1) {
        const payload = unchunker.push(socket.sent[read]);
        if (payload) out.push(decode(payload));
      }
      return out;
    },
    reply(message, size = maxMsgSize) {
      for (const part of chunk(encode(message), size)) socket.serverSend(part);
    },
    hello(clientID = CLIENT_ID) {
      const [hello] = this.received();
      assert.equal(hello.method, 'wslink.hello');
      this.reply({ wslink: '1.0', id: 'system:c0:0', result: { clientID, maxMsgSize } });
      return hello;
    },
  };
}

async function ready(options = {}) {
  const clock = new ManualClock();
  const connection = WebsocketConnection.newInstance({ urls: 'ws://fake/ws', env: clock.env(), logger: quietLogger, ...options });
  const session = connection.connect();
  const socket = FakeWebSocket.last;
  const server = serverSide(socket);
  const isReady = nextEvent(connection, 'ConnectionReady');
  socket.serverOpen();
  const hello = server.hello();
  await isReady;
  return { clock, connection, session, socket, server, hello };
}

beforeEach(() => FakeWebSocket.reset());

test('hello carries the secret; calls use rpc:<clientID>:<n> from 0 and resolve with the result', async () => {
  const { session, server, hello, socket } = await ready({ secret: 's3cret' });
  assert.deepEqual(hello, { wslink: '1.0', id: 'system:c0:0', method: 'wslink.hello', args: [{ secret: 's3cret' }], kwargs: {} });
  assert.equal(socket.binaryType, 'arraybuffer');
  const first = session.call('demo.add', [2, 3]);
  const second = session.call('demo.echo');
  const sent = server.received();
  assert.deepEqual(sent, [
    { wslink: '1.0', id: `rpc:${CLIENT_ID}:0`, method: 'demo.add', args: [2, 3], kwargs: {} },
    { wslink: '1.0', id: `rpc:${CLIENT_ID}:1`, method: 'demo.echo', args: [], kwargs: {} },
  ]);
  server.reply({ wslink: '1.0', id: `rpc:${CLIENT_ID}:1`, error: { code: -32601, message: 'Unregistered method called', data: 'demo.echo' } });
  server.reply({ wslink: '1.0', id: `rpc:${CLIENT_ID}:0`, result: 5 });
  assert.equal(await first, 5);
  await assert.rejects(second, { code: -32601, message: 'Unregistered method called', data: 'demo.echo' });
});

test('publishes reach every subscriber of the topic as [result], in subscription order', async () => {
  const { session, server } = await ready();
  const seen = [];
  const a = session.subscribe('demo.tick', (args) => seen.push(['a', args]));
  session.subscribe('demo.tick', (args) => seen.push(['b', args]));
  session.subscribe('other.topic', () => seen.push(['other']));
  assert.deepEqual(await a.promise, { topic: 'demo.tick', callback: a.callback });
  server.reply({ wslink: '1.0', id: 'publish:demo.tick:0', result: { i: 0, bin: Uint8Array.of(0, 1) } });
  assert.deepEqual(seen.map(([who, args]) => [who, args[0].i, [...args[0].bin]]), [['a', 0, [0, 1]], ['b', 0, [0, 1]]]);
  await a.unsubscribe();
  server.reply({ wslink: '1.0', id: 'publish:demo.tick:0', result: { i: 1 } });
  assert.equal(seen.length, 3);
  await assert.rejects(session.unsubscribe({ topic: 'demo.tick', callback: a.callback }), { code: -32099, message: 'Unsubscribe call demo.tick unsuccessful: callback not found' });
  await assert.rejects(session.unsubscribe({ topic: 'nope', callback: a.callback }), { code: -32099, message: 'Unsubscribe call nope unsuccessful: not subscribed' });
});

test('replies split into chunks and interleaved with a publish still arrive', async () => {
  const { session, server, socket } = await ready();
  const call = session.call('demo.echo', ['x'.repeat(300)]);
  const ticks = [];
  session.subscribe('demo.tick', ([r]) => ticks.push(r.i));
  const reply = chunk(encode({ wslink: '1.0', id: `rpc:${CLIENT_ID}:0`, result: 'x'.repeat(300) }), 64);
  socket.serverSend(reply[2]);
  server.reply({ wslink: '1.0', id: 'publish:demo.tick:0', result: { i: 7 } });
  for (const part of [reply[0], ...reply.slice(3), reply[1]]) socket.serverSend(part);
  assert.equal(await call, 'x'.repeat(300));
  assert.deepEqual(ticks, [7]);
});

test('outgoing messages are chunked at the maxMsgSize from the hello reply', async () => {
  const clock = new ManualClock();
  const connection = WebsocketConnection.newInstance({ urls: 'ws://fake/ws', env: clock.env(), logger: quietLogger });
  const session = connection.connect();
  const socket = FakeWebSocket.last;
  const server = serverSide(socket, { maxMsgSize: 128 });
  const isReady = nextEvent(connection, 'ConnectionReady');
  socket.serverOpen();
  server.hello();
  await isReady;
  session.call('demo.echo', ['x'.repeat(100)]);
  const parts = socket.sent.slice(1);
  assert.deepEqual(parts.map((p) => p.length), [128, 12 + 73], 'the captured 189-byte call went out as 116 + 73 content bytes');
  assert.equal(server.received()[0].args[0], 'x'.repeat(100));
});

test('in-flight calls are rejected with -32099 when the connection drops', async () => {
  const { connection, session, socket } = await ready();
  const pending = assert.rejects(session.call('demo.start', [3]), { code: -32099, message: 'RPC call demo.start unsuccessful: connection closed (1006)' });
  const closed = nextEvent(connection, 'ConnectionClose');
  socket.serverClose(1006);
  await pending;
  await assert.rejects(session.call('demo.add', [1]), { code: -32099, message: 'RPC call demo.add unsuccessful: connection not open' });
  assert.equal((await closed)[1].code, 1006);
});

test('ConnectionClose reports the close code once when retry is off', async () => {
  const { connection, socket } = await ready();
  const closed = nextEvent(connection, 'ConnectionClose');
  socket.serverClose(1001, 'Server shutdown', true);
  const [conn, event] = await closed;
  assert.equal(conn, connection);
  assert.deepEqual([event.code, event.reason], [1001, 'Server shutdown']);
  assert.equal(FakeWebSocket.instances.length, 1, 'no reconnect without retry');
});

test('retry reconnects on the backoff schedule, re-runs the hello and keeps subscriptions', async () => {
  const { clock, connection, session, socket, server } = await ready({ retry: true });
  const ticks = [];
  session.subscribe('demo.tick', ([r]) => ticks.push(r.i));
  const pending = assert.rejects(session.call('demo.add', [1, 2]), { code: -32099 });

  const reconnecting = nextEvent(connection, 'ConnectionReconnecting');
  socket.serverClose(1006);
  const [, info] = await reconnecting;
  assert.deepEqual(info, { code: 1006, reason: '', attempt: 1, delay: 500 });
  await pending;
  assert.deepEqual(clock.pendingDelays, [500]);

  clock.advance(499);
  assert.equal(FakeWebSocket.instances.length, 1, 'not before the delay');
  clock.advance(1);
  const second = FakeWebSocket.last;
  assert.notEqual(second, socket);
  second.fail();
  assert.deepEqual(clock.pendingDelays, [1000], 'a failed attempt doubles the delay');
  clock.advance(1000);
  const third = FakeWebSocket.last;
  assert.equal(FakeWebSocket.instances.length, 3);

  const back = nextEvent(connection, 'ConnectionReconnected');
  const server3 = serverSide(third);
  third.serverOpen();
  const hello = server3.hello('cNEWCLIENT');
  assert.equal(hello.args[0].secret, 'wslink-secret');
  assert.deepEqual((await back)[1], { clientID: 'cNEWCLIENT' });
  assert.equal(connection.getSession(), session, 'the same session object survives');

  server3.reply({ wslink: '1.0', id: 'publish:demo.tick:0', result: { i: 42 } });
  assert.deepEqual(ticks, [42]);
  const again = session.call('demo.add', [2, 2]);
  assert.equal(server3.received()[0].id, 'rpc:cNEWCLIENT:0');
  server3.reply({ wslink: '1.0', id: 'rpc:cNEWCLIENT:0', result: 4 });
  assert.equal(await again, 4);
  void server;
});

test('retry stops on a terminal close code and after maxAttempts', async () => {
  const { clock, connection, socket } = await ready({ retry: { maxAttempts: 1, jitter: 0 } });
  socket.serverClose(1006);
  clock.advance(500);
  const closed = nextEvent(connection, 'ConnectionClose');
  FakeWebSocket.last.fail();
  assert.equal((await closed)[1].code, 1006);
  assert.deepEqual(clock.pendingDelays, []);

  FakeWebSocket.reset();
  const terminal = await ready({ retry: true });
  const ended = nextEvent(terminal.connection, 'ConnectionClose');
  terminal.socket.serverClose(1000, '', true);
  assert.equal((await ended)[1].code, 1000);
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('session.close() closes with 1000, rejects in-flight calls and never reconnects', async () => {
  const { clock, connection, session, socket } = await ready({ retry: true });
  const pending = assert.rejects(session.call('demo.start'), { code: -32099 });
  const closed = nextEvent(connection, 'ConnectionClose');
  await session.close();
  assert.deepEqual(socket.closedWith, { code: 1000, reason: '' });
  await pending;
  assert.equal((await closed)[1].code, 1000);
  clock.advance(60000);
  assert.equal(FakeWebSocket.instances.length, 1);
});

test('an optional per-call timeout rejects a call that gets no answer', async () => {
  const { clock, session } = await ready({ callTimeout: 1000 });
  const slow = session.call('demo.slow');
  const custom = session.call('demo.slow', [], {}, { timeout: 50 });
  clock.advance(50);
  await assert.rejects(custom, { code: -32099, message: 'RPC call demo.slow timed out after 50 ms' });
  clock.advance(950);
  await assert.rejects(slow, { code: -32099, message: 'RPC call demo.slow timed out after 1000 ms' });
});

test('unencodable arguments reject the promise instead of throwing', async () => {
  const { session, socket } = await ready();
  const before = socket.sent.length;
  let promise;
  assert.doesNotThrow(() => { promise = session.call('demo.add', [1n, 2]); });
  await assert.rejects(promise, (e) => e.code === -32099 && /BigInt/.test(e.message));
  await assert.rejects(session.call('demo.add', [() => 1]), (e) => e.code === -32099 && /function/.test(e.message));
  assert.equal(socket.sent.length, before, 'nothing was sent');
});

test('a reply the decoder refuses rejects its call instead of hanging', async () => {
  const { session, socket } = await ready();
  const call = session.call('demo.bad');
  // {"wslink":"1.0","id":"rpc:…:0","result":{nil: 1}}: the last 3 bytes {a1 6b 01} = "k": 1
  // become {c0 01} = nil: 1, a key the decoder refuses.
  const good = encode({ wslink: '1.0', id: `rpc:${CLIENT_ID}:0`, result: { k: 1 } });
  const payload = Uint8Array.of(...good.slice(0, good.length - 3), 0xc0, 0x01);
  for (const part of chunk(payload, 0)) socket.serverSend(part);
  await assert.rejects(call, (e) => e.code === -32099 && /Malformed reply/.test(e.message));
});

test('a wrong secret fires ConnectionError with the server error and keeps the socket', async () => {
  const clock = new ManualClock();
  const connection = WebsocketConnection.newInstance({ urls: 'ws://fake/ws', secret: 'bad', env: clock.env(), logger: quietLogger });
  connection.connect();
  const socket = FakeWebSocket.last;
  const server = serverSide(socket);
  socket.serverOpen();
  server.received();
  const failed = nextEvent(connection, 'ConnectionError');
  server.reply({ wslink: '1.0', id: 'system:c0:0', error: { code: -32000, message: 'Authentication failed' } });
  const [conn, error] = await failed;
  assert.equal(conn, connection);
  assert.deepEqual(error, { code: -32000, message: 'Authentication failed' });
  assert.equal(socket.readyState, 1);
});

test('subscribe before the hello completes is held and resolves on ready', async () => {
  const clock = new ManualClock();
  const connection = WebsocketConnection.newInstance({ urls: 'ws://fake/ws', env: clock.env(), logger: quietLogger });
  const session = connection.connect();
  const ticks = [];
  const sub = session.subscribe('demo.tick', ([r]) => ticks.push(r.i));
  const socket = FakeWebSocket.last;
  const server = serverSide(socket);
  socket.serverOpen();
  server.hello();
  await sub.promise;
  server.reply({ wslink: '1.0', id: 'publish:demo.tick:0', result: { i: 3 } });
  assert.deepEqual(ticks, [3]);
});

test('connect() returns null for missing or non-ws URLs and reports the bad one', async () => {
  assert.equal(WebsocketConnection.newInstance({}).connect(), null);
  const connection = WebsocketConnection.newInstance({ urls: ['ws://ok/ws', 'http://nope/'], env: new ManualClock().env() });
  const failed = nextEvent(connection, 'ConnectionError');
  assert.equal(connection.connect(), null);
  assert.match((await failed)[1].message, /http:\/\/nope/);
  assert.equal(FakeWebSocket.instances.length, 0);
});

test('connect() twice on the same URL returns the same session', async () => {
  const { connection, session } = await ready();
  assert.equal(connection.connect(), session);
  assert.equal(FakeWebSocket.instances.length, 1);
  assert.equal(connection.isA('WebsocketConnection'), true);
});

test('malformed topics are refused with a warning', async () => {
  const logger = recordingLogger();
  const { session } = await ready({ logger });
  const sub = session.subscribe('demo-tick', () => {});
  await assert.rejects(sub.promise, { code: -32099, message: 'Subscribe call demo-tick unsuccessful: invalid topic' });
  assert.ok(logger.lines.some((l) => l.startsWith('warn:') && l.includes('demo-tick')));
});

test('2.x addAttachment is an identity (ArrayBuffer → DataView); 1.x returns wslink_binN keys', async () => {
  const { session } = await ready();
  const view = Uint8Array.of(1);
  assert.equal(session.addAttachment(view), view);
  assert.ok(session.addAttachment(new ArrayBuffer(2)) instanceof DataView);
});

test('wire version 1: JSON text, attachments before the envelope, bare NaN accepted', async () => {
  const clock = new ManualClock();
  const connection = WebsocketConnection.newInstance({ urls: 'ws://fake/ws', wireVersion: 1, env: clock.env(), logger: quietLogger });
  const session = connection.connect();
  const socket = FakeWebSocket.last;
  const isReady = nextEvent(connection, 'ConnectionReady');
  socket.serverOpen();
  assert.equal(socket.sent[0], '{"wslink":"1.0","id":"system:c0:0","method":"wslink.hello","args":[{"secret":"wslink-secret"}],"kwargs":{}}');
  socket.serverSend('{"wslink": "1.0", "id": "system:c0:0", "result": {"clientID": "cbad8bcc78ccf45fe9dbf89b82ce3a8bb"}}');
  await isReady;
  const key = session.addAttachment(Uint8Array.of(1, 2, 3, 4, 5));
  assert.equal(key, 'wslink_bin1');
  const len = session.call('demo.len', [key]);
  assert.deepEqual(socket.sent.slice(1).map((m) => (typeof m === 'string' ? m : [...m])), [
    '{"wslink":"1.0","method":"wslink.binary.attachment","args":["wslink_bin1"]}',
    [1, 2, 3, 4, 5],
    '{"wslink":"1.0","id":"rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:0","method":"demo.len","args":["wslink_bin1"],"kwargs":{}}',
  ]);
  socket.serverSend('{"wslink": "1.0", "method": "wslink.binary.attachment", "args": ["wslink_bin0"]}');
  socket.serverSend(Uint8Array.of(9, 9));
  socket.serverSend('{"wslink": "1.0", "id": "rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:0", "result": {"blob": "wslink_bin0", "x": [Infinity, NaN]}}');
  const result = await len;
  assert.deepEqual([...result.blob], [9, 9]);
  assert.deepEqual(result.x, [Infinity, NaN]);
});

test('options given as undefined keep their defaults (the hello still carries wslink-secret)', async () => {
  const { hello } = await ready({ secret: undefined, retry: undefined });
  assert.deepEqual(hello.args, [{ secret: 'wslink-secret' }]);
});
