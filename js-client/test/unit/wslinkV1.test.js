import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeV1, V1Receiver, isAttachmentKey, referencedKeys } from '../../src/codec/wslinkV1.js';
import { parseJSON } from '../../src/codec/json.js';
import { CodecError } from '../../src/codec/errors.js';
import { loadVectors, hexToBytes, bytesToHex } from '../support/vectors.js';

const vectors = loadVectors('wslink-v1');
const byName = Object.fromEntries(vectors.map((v) => [v.name, v]));

test('every client text vector is JSON.stringify of its decoded value', () => {
  const client = vectors.filter((v) => v.direction === 'client->server' && v.frame === 'text');
  assert.ok(client.length >= 8);
  for (const vector of client) assert.equal(JSON.stringify(vector.decoded), vector.text, vector.name);
});

test('every server text vector parses (Python spacing, bare NaN/Infinity)', () => {
  for (const vector of vectors.filter((v) => v.frame === 'text')) {
    const parsed = parseJSON(vector.text);
    if (vector.decoded !== null) assert.deepEqual(parsed, vector.decoded, vector.name);
    else assert.deepEqual(parsed.result, [Infinity, NaN], vector.name);
  }
});

test('replaying session A from the server resolves every attachment', () => {
  const receiver = new V1Receiver();
  const envelopes = [];
  for (const vector of vectors.filter((v) => v.session === 'A' && v.direction === 'server->client')) {
    if (vector.frame === 'binary') assert.equal(receiver.pushBinary(hexToBytes(vector.hex)), true, vector.name);
    else {
      const envelope = receiver.pushText(vector.text);
      if (envelope) envelopes.push(envelope);
    }
  }
  const byId = Object.fromEntries(envelopes.map((e) => [e.id, e]));
  const bytes = byId['rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:1'].result;
  assert.equal(bytesToHex(bytes.blob), '00010203');
  assert.deepEqual(bytes.pair.map(bytesToHex), ['0102', '03']);
  assert.equal(bytes.n, 4);
  assert.equal(bytesToHex(byId['publish:demo.tick:0'].result.img), '000000');
  assert.equal(byId['rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:3'].error.code, -32002);
  assert.deepEqual(byId['rpc:cbad8bcc78ccf45fe9dbf89b82ce3a8bb:4'].result, [Infinity, NaN]);
  assert.equal(receiver.slots.length, 0);
});

test('a call with an attachment encodes as the captured header, bytes, envelope', () => {
  const attachments = new Map([['wslink_bin1', Uint8Array.of(1, 2, 3, 4, 5)]]);
  const call = byName['rpc.call.len_with_attachment'];
  const messages = encodeV1(call.decoded, attachments);
  assert.deepEqual(messages.map((m) => (typeof m === 'string' ? m : bytesToHex(m))), [
    byName['client.attachment.header.bin1'].text,
    byName['client.attachment.binary.bin1'].hex,
    call.text,
  ]);
  assert.equal(attachments.size, 0, 'sent attachments are released');
});

test('attachment keys match whole strings only', () => {
  assert.equal(isAttachmentKey('wslink_bin12'), true);
  assert.equal(isAttachmentKey('xwslink_bin1'), false);
  assert.deepEqual([...referencedKeys({ a: ['wslink_bin1', 'wslink_bin12 '], b: 'wslink_bin3' })], ['wslink_bin1', 'wslink_bin3']);
});

test('binary values outside attachments and BigInt are refused with CodecError', () => {
  assert.throws(() => encodeV1({ args: [Uint8Array.of(1)] }, new Map()), (e) => e instanceof CodecError && e.code === 'unencodable');
  assert.throws(() => encodeV1({ args: [1n] }, new Map()), (e) => e instanceof CodecError && e.code === 'unencodable');
});

test('lenient JSON refuses what is not JSON with a typed error', () => {
  for (const text of ['{', 'nan', '[1,]', '{"a" 1}', 'Infinit', '"abc']) {
    assert.throws(() => parseJSON(text), (e) => e instanceof CodecError && e.code === 'invalid', text);
  }
  assert.deepEqual(parseJSON('{"x": -Infinity, "y": [NaN, "NaN"], "z": "\\u00e9"}'), { x: -Infinity, y: [NaN, 'NaN'], z: 'é' });
});
