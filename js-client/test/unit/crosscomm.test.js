import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import CrossComm from '../../src/protocols/crosscomm/CrossCommClient.js';
import { encodeMessage, decodeMessage, wireContent } from '../../src/protocols/crosscomm/messages.js';
import { toBase64, fromBase64 } from '../../src/codec/base64.js';
import { CodecError } from '../../src/codec/errors.js';
import { loadVectors, hexToBytes, bytesToHex } from '../support/vectors.js';
import { FakeWebSocket, ManualClock, quietLogger } from '../support/fakes.js';

const vectors = loadVectors('crosscomm');
const byName = Object.fromEntries(vectors.map((v) => [v.name, v]));

test('every pywayne-produced frame re-encodes byte for byte', () => {
  const produced = vectors.filter((v) => v.producer.startsWith('pywayne') && v.frame === 'text' && v.decoded);
  assert.ok(produced.length >= 20, `found ${produced.length}`);
  for (const vector of produced) assert.equal(encodeMessage(vector.decoded), vector.text, vector.name);
});

test('every accepted frame decodes; bytes content becomes a Uint8Array', () => {
  for (const vector of vectors.filter((v) => v.frame === 'text' && !v.name.startsWith('invalid.'))) {
    const message = decodeMessage(vector.text);
    assert.equal(message.msg_type, vector.decoded.msg_type, vector.name);
  }
  assert.equal(bytesToHex(decodeMessage(byName.bytes.text).content), byName.bytes.content_bytes_hex);
  assert.equal(decodeMessage(byName['login.without_oss_key'].text).oss_key, null);
  assert.equal(decodeMessage(hexToBytes(byName.binary_frame.hex)).content, JSON.parse(byName.binary_frame.text_of_bytes).content);
});

test('frames pywayne drops are refused with the reason', () => {
  const reasons = { 'invalid.not_json': /JSON/, 'invalid.unknown_msg_type': /unknown msg_type "video"/, 'invalid.extra_key': /unexpected key extra/, 'invalid.missing_timestamp': /missing key timestamp/ };
  for (const [name, reason] of Object.entries(reasons)) {
    assert.throws(() => decodeMessage(byName[name].text), (e) => e instanceof CodecError && reason.test(e.message), name);
  }
});

test('content follows pywayne: text coerced, json validated, bytes as padded base64', () => {
  assert.equal(wireContent(12345, 'text'), '12345');
  assert.equal(wireContent({ k: 'v' }, 'json'), '{"k": "v"}');
  assert.throws(() => wireContent('{bad', 'json'), CodecError);
  assert.equal(wireContent(Uint8Array.from([0, 1, 98, 105, 110, 97, 114, 121, 255]), 'bytes'), 'AAFiaW5hcnn/');
  assert.throws(() => wireContent('x', 'video'), CodecError);
  for (let n = 0; n < 7; n += 1) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => i * 37);
    assert.deepEqual([...fromBase64(toBase64(bytes))], [...bytes]);
  }
  assert.equal(fromBase64('a$b='), null);
});

function setup(extra = {}) {
  const clock = new ManualClock();
  clock.time = 1795306411000;
  const client = CrossComm.newInstance({ url: 'ws://fake:9898', clientId: 'alice', env: clock.env(), logger: quietLogger, ...extra });
  return { clock, client };
}

const sent = (socket) => socket.sent.map((t) => JSON.parse(t));
const frame = (fields) => encodeMessage({ msg_id: 'server_1', from_client_id: 'server', to_client_id: 'alice', content: {}, timestamp: 1795306411.5, oss_key: null, ...fields });

beforeEach(() => FakeWebSocket.reset());

test('login sends login then a heartbeat, resolves on login_response, heartbeats every interval', async () => {
  const { clock, client } = setup({ heartbeatInterval: 30000 });
  const login = client.login();
  const socket = FakeWebSocket.last;
  socket.serverOpen();
  const [first, second] = sent(socket);
  assert.deepEqual([first.msg_type, first.to_client_id, first.content, first.from_client_id], ['login', 'server', {}, 'alice']);
  assert.match(first.msg_id, /^alice_1795306411000_[0-9a-f]{8}$/);
  assert.equal(first.timestamp, 1795306411);
  assert.deepEqual(Object.keys(first), ['msg_id', 'from_client_id', 'to_client_id', 'msg_type', 'content', 'timestamp', 'oss_key']);
  assert.equal(second.msg_type, 'heartbeat');
  socket.serverSend(frame({ msg_type: 'login_response', content: { status: 'success' } }));
  assert.deepEqual(await login, { status: 'success' });
  assert.equal(client.isLoggedIn, true);
  clock.advance(30000);
  assert.equal(sent(socket).filter((m) => m.msg_type === 'heartbeat').length, 2);
});

test('listeners get other clients\' messages with filters; own echoes are skipped', async () => {
  const { client } = setup();
  const all = [];
  const fromBob = [];
  client.addListener((m) => all.push(m.msg_type));
  client.addListener((m) => fromBob.push(m.content), { fromClientId: 'bob', msgType: 'bytes' });
  client.login().catch(() => {});
  const socket = FakeWebSocket.last;
  socket.serverOpen();
  socket.serverSend(byName['dict.forwarded'].text.replace('"alice"', '"carol"'));
  socket.serverSend(frame({ from_client_id: 'bob', msg_type: 'bytes', content: 'AAFiaW5hcnn/' }));
  socket.serverSend(frame({ from_client_id: 'alice', msg_type: 'text', content: 'echo of my own' }));
  socket.serverSend('not json{');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(all, ['dict', 'bytes']);
  assert.equal(bytesToHex(fromBob[0]), '000162696e617279ff');
});

test('sendMessage writes each type as pywayne does; listClients matches answers in order', async () => {
  const { client } = setup();
  client.login().catch(() => {});
  const socket = FakeWebSocket.last;
  socket.serverOpen();
  socket.sent.length = 0;
  await client.sendMessage('Hello everyone! 你好');
  await client.sendMessage({ action: 'update' }, 'dict', 'bob');
  await client.sendMessage(Uint8Array.of(0, 1), 'bytes', 'bob');
  assert.match(socket.sent[0], /"content": "Hello everyone! \\u4f60\\u597d"/);
  assert.deepEqual(sent(socket).map((m) => [m.msg_type, m.to_client_id, m.content]), [
    ['text', 'all', 'Hello everyone! 你好'], ['dict', 'bob', { action: 'update' }], ['bytes', 'bob', 'AAE='],
  ]);
  await assert.rejects(client.sendMessage('x', 'video'), { code: 'invalidArgument' });
  await assert.rejects(client.sendMessage('x'.repeat(1024 * 1024)), { code: 'tooLarge' });

  const first = client.listClients(false);
  const second = client.listClients();
  assert.deepEqual(sent(socket).slice(-2).map((m) => m.content), ['{"only_show_online": false}', '{"only_show_online": true}']);
  socket.serverSend(byName.list_clients_response.text);
  socket.serverSend(byName['list_clients_response.online_only'].text);
  assert.equal((await first).total_count, 3);
  assert.equal((await second).only_show_online, true);
});

test('after a drop the client reconnects with backoff, logs in again and fails waiting calls', async () => {
  const { clock, client } = setup({ retry: { jitter: 0 } });
  client.login().catch(() => {});
  const socket = FakeWebSocket.last;
  socket.serverOpen();
  const listing = assert.rejects(client.listClients(), { code: 'connectionClosed' });
  socket.serverClose(1011, 'keepalive ping timeout');
  await listing;
  assert.deepEqual(clock.pendingDelays, [500]);
  clock.advance(500);
  const again = FakeWebSocket.last;
  assert.notEqual(again, socket);
  again.serverOpen();
  assert.deepEqual(sent(again).map((m) => m.msg_type), ['login', 'heartbeat']);
  assert.deepEqual(clock.pendingDelays, [30000], 'only the new heartbeat timer is left');
});

test('logout sends logout, closes with 1000 and never reconnects', async () => {
  const { clock, client } = setup();
  client.login().catch(() => {});
  const socket = FakeWebSocket.last;
  socket.serverOpen();
  await client.logout();
  assert.equal(sent(socket).at(-1).msg_type, 'logout');
  assert.deepEqual(socket.closedWith, { code: 1000, reason: '' });
  clock.advance(120000);
  assert.equal(FakeWebSocket.instances.length, 1);
  await assert.rejects(client.sendMessage('x'), { code: 'notConnected' });
});

test('login times out when the server never answers', async () => {
  const { clock, client } = setup({ loginTimeout: 100 });
  const login = assert.rejects(client.login(), { code: 'timeout' });
  FakeWebSocket.last.serverOpen();
  clock.advance(100);
  await login;
});
