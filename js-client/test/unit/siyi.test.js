import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Siyi from '../../src/protocols/siyi/SiyiClient.js';
import { encodeRequest, encodeResponse, encodeEvent, decodeMessage, normalizeId } from '../../src/protocols/siyi/messages.js';
import { CodecError } from '../../src/codec/errors.js';
import { loadVectors, hexToBytes } from '../support/vectors.js';
import { FakeWebSocket, ManualClock, quietLogger } from '../support/fakes.js';

const vectors = loadVectors('siyi');
const byName = Object.fromEntries(vectors.map((v) => [v.name, v]));

function reencode(decoded) {
  if (decoded.type === 'request') return encodeRequest(decoded.id, decoded.command, decoded.params);
  if (decoded.type === 'event') return encodeEvent(decoded.id, decoded.name, decoded.data);
  return encodeResponse(decoded.id, decoded);
}

test('every library-produced frame re-encodes byte for byte', () => {
  const produced = vectors.filter((v) => v.producer.startsWith('siyi-py-protocol') && v.frame === 'text');
  assert.ok(produced.length >= 20, `found ${produced.length}`);
  for (const vector of produced) assert.equal(reencode(vector.decoded), vector.text, vector.name);
});

test('every frame the library accepts decodes; the ones it drops are refused', () => {
  const dropped = new Set(['invalid.numeric_id', 'invalid.params_list', 'invalid.unknown_type', 'invalid.not_json', 'invalid.event_data_list']);
  for (const vector of vectors.filter((v) => v.frame === 'text')) {
    if (dropped.has(vector.name)) assert.throws(() => decodeMessage(vector.text), CodecError, vector.name);
    else assert.equal(decodeMessage(vector.text).type, vector.decoded.type, vector.name);
  }
  assert.equal(decodeMessage(hexToBytes(byName['request.binary_frame'].hex)).type, 'request');
  assert.equal(decodeMessage(byName['response.error.uppercase_id'].text).error, 'raw2 says no');
});

test('UUID-looking ids normalize to lowercase canonical; other ids stay verbatim', () => {
  assert.equal(normalizeId('5FA41F03-C3F6-4093-A9BD-E59613CB73B8'), '5fa41f03-c3f6-4093-a9bd-e59613cb73b8');
  assert.equal(normalizeId('{5FA41F03C3F64093A9BDE59613CB73B8}'), '5fa41f03-c3f6-4093-a9bd-e59613cb73b8');
  assert.equal(normalizeId('req-1'), 'req-1');
});

function setup(extra = {}) {
  const clock = new ManualClock();
  const client = Siyi.newInstance({ url: 'ws://fake:8765', env: clock.env(), logger: quietLogger, ...extra });
  client.connect();
  const socket = FakeWebSocket.last;
  socket.serverOpen();
  return { clock, client, socket };
}

const tick = () => new Promise((r) => setImmediate(r));
beforeEach(() => FakeWebSocket.reset());

test('the server heartbeat is answered {"status":"alive"} even while a handler is busy', async () => {
  const { client, socket } = setup();
  client.register('slow', () => new Promise(() => {}));
  socket.serverSend(byName['request.slow'].text.replace('ProtocolClient', ''));
  socket.serverSend(byName['heartbeat.request'].text);
  await tick();
  assert.deepEqual(socket.sent, [byName['heartbeat.response'].text]);
});

test('requests resolve with the response, matched case-insensitively; errors are values', async () => {
  const { client, socket } = setup();
  const echo = client.request('echo', { a: 1 });
  const sentRequest = JSON.parse(socket.sent[0]);
  assert.deepEqual(Object.keys(sentRequest), ['id', 'type', 'command', 'params']);
  assert.match(sentRequest.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  socket.serverSend(JSON.stringify({ id: sentRequest.id.toUpperCase(), type: 'response', status: 'error', error: 'no' }));
  assert.deepEqual(await echo, { type: 'response', id: sentRequest.id.toUpperCase(), status: 'error', data: null, error: 'no' });
  const data = client.requestData('echo', { b: 2 });
  socket.serverSend(encodeResponse(JSON.parse(socket.sent[1]).id, { status: 'ok', data: { b: 2 } }));
  assert.deepEqual(await data, { b: 2 });
  const failing = client.requestData('x');
  socket.serverSend(encodeResponse(JSON.parse(socket.sent[2]).id, { status: 'error', error: 'unknown command x' }));
  await assert.rejects(failing, { code: 'errorResponse', message: 'unknown command x' });
  await assert.rejects(client.request('x', [1]), { code: 'invalidArgument' });
});

test('handlers answer requests; throws, unknown commands and malformed requests get error responses', async () => {
  const { client, socket } = setup();
  client.register('get_status', () => ({ status: 'running', players: 5 }));
  client.register('boom', () => { throw new Error('kaboom'); });
  socket.serverSend(byName['request.params_null'].text);
  socket.serverSend(encodeRequest('r2', 'boom'));
  socket.serverSend(encodeRequest('r3', 'nope'));
  socket.serverSend('{"id": "r4", "type": "request", "command": "x", "params": [1]}');
  socket.serverSend('{"id": 7, "type": "request", "command": "echo"}');
  await tick();
  // Handlers run concurrently, so only the set of replies is fixed, not their order.
  assert.deepEqual([...socket.sent].sort(), [
    byName['response.ok'].text,
    '{"id":"r2","type":"response","status":"error","data":null,"error":"kaboom"}',
    '{"id":"r3","type":"response","status":"error","data":null,"error":"unknown command nope"}',
    '{"id":"r4","type":"response","status":"error","data":null,"error":"invalid request: params must be an object or null"}',
    '{"id":"7","type":"response","status":"error","data":null,"error":"invalid request: id must be a string"}',
  ].sort());
});

test('events reach their handler, others the fallback', async () => {
  const { client, socket } = setup();
  const seen = [];
  client.onEvent('news', (data) => seen.push(['news', data]));
  client.onAnyEvent((name, data) => seen.push([name, data]));
  socket.serverSend(byName['broadcast_event.conn1'].text);
  socket.serverSend(byName.event.text);
  await tick();
  assert.deepEqual(seen, [['news', { n: 1 }], ['player_update', { player: 'Steve', health: 95 }]]);
});

test('pending requests fail at once on a drop; the client reconnects with backoff', async () => {
  const { clock, client, socket } = setup({ reconnect: { jitter: 0, initialDelay: 1000 } });
  const pending = assert.rejects(client.request('echo'), { code: 'connectionClosed' });
  socket.serverClose(1006);
  await pending;
  assert.equal(client.isConnected, false);
  await assert.rejects(client.request('echo'), { code: 'notConnected' });
  assert.deepEqual(clock.pendingDelays, [1000]);
  clock.advance(1000);
  FakeWebSocket.last.serverOpen();
  assert.equal(client.isConnected, true);
  assert.equal(client.connectionCount, 2);
});

test('requests time out; autoReconnect false really means no reconnect', async () => {
  const { clock, client, socket } = setup({ autoReconnect: false, requestTimeout: 200 });
  const late = assert.rejects(client.request('slow'), { code: 'timeout' });
  clock.advance(200);
  await late;
  socket.serverClose(1006);
  assert.deepEqual(clock.pendingDelays, []);
  assert.equal(await client.waitConnected(10), false);
});

test('disconnect closes with 1000 and fails pending requests as stopped', async () => {
  const { client, socket } = setup();
  const pending = assert.rejects(client.request('echo'), { code: 'stopped' });
  await client.disconnect();
  await pending;
  assert.deepEqual(socket.closedWith, { code: 1000, reason: '' });
});
