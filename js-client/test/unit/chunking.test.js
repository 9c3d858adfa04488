import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunk, parseChunk, Unchunker, HEADER_LENGTH } from '../../src/codec/chunking.js';
import { encode, decode } from '../../src/codec/msgpack.js';
import { CodecError } from '../../src/codec/errors.js';
import { loadVectors, hexToBytes, bytesToHex, fromVectorJSON } from '../support/vectors.js';

const vectors = Object.fromEntries(loadVectors('wslink-v2').map((v) => [v.name, v]));

test('every binary wslink-v2 vector carries the header recorded beside it', () => {
  let checked = 0;
  for (const vector of Object.values(vectors)) {
    if (vector.frame === 'text') continue;
    const { id, offset, size } = parseChunk(hexToBytes(vector.hex));
    assert.deepEqual({ id, offset, size }, vector.header, vector.name);
    checked += 1;
  }
  assert.ok(checked >= 30, `checked ${checked}`);
});

for (const name of ['chunked.call', 'chunked.result']) {
  const part1 = hexToBytes(vectors[`${name}.part1`].hex);
  const part2 = hexToBytes(vectors[`${name}.part2`].hex);
  const expected = fromVectorJSON(vectors[`${name}.part2`].decoded);

  test(`${name}: the two captured chunks reassemble in either order`, () => {
    for (const order of [[part1, part2], [part2, part1]]) {
      const unchunker = new Unchunker();
      assert.equal(unchunker.push(order[0]), null);
      assert.equal(unchunker.pendingCount, 1);
      assert.deepEqual(decode(unchunker.push(order[1])), expected);
      assert.equal(unchunker.pendingCount, 0);
    }
  });

  test(`${name}: chunking at maxMsgSize 128 reproduces both captured messages`, () => {
    const id = vectors[`${name}.part1`].header.id;
    const chunks = chunk(encode(expected), 128, id);
    assert.deepEqual(chunks.map(bytesToHex), [bytesToHex(part1), bytesToHex(part2)]);
  });
}

test('single-chunk vectors re-chunk byte-exact with their recorded id', () => {
  const hello = vectors['hello.request'];
  const [only, ...rest] = chunk(encode(fromVectorJSON(hello.decoded)), 524288, hello.header.id);
  assert.equal(rest.length, 0);
  assert.equal(bytesToHex(only), hello.hex);
});

test('interleaved messages reassemble independently', () => {
  const a = chunk(encode({ a: 'x'.repeat(300) }), 100, 1);
  const b = chunk(encode({ b: 'y'.repeat(300) }), 100, 2);
  assert.equal(a.length, 4);
  const unchunker = new Unchunker();
  const done = [];
  for (let i = 0; i < 4; i += 1) {
    for (const message of [b[3 - i], a[i]]) {
      const payload = unchunker.push(message);
      if (payload) done.push(decode(payload));
    }
  }
  assert.deepEqual(done, [{ b: 'y'.repeat(300) }, { a: 'x'.repeat(300) }]);
});

test('a 5 MiB payload goes out as the two chunks the original sends', () => {
  const payload = new Uint8Array(5242994);
  const chunks = chunk(payload, 4194304, 0x502cbd41);
  assert.deepEqual(chunks.map((c) => bytesToHex(c.subarray(0, HEADER_LENGTH))), ['41bd2c500000000072005000', '41bd2c50f4ff3f0072005000']);
  assert.deepEqual(chunks.map((c) => c.length), [4194304, 1048702 + HEADER_LENGTH]);
});

test('maxSize 0 sends one chunk; tiny maxSize still makes progress', () => {
  assert.equal(chunk(new Uint8Array(1000), 0).length, 1);
  assert.equal(chunk(new Uint8Array(3), 5).length, 3);
});

test('bad chunks throw typed errors and leave other messages intact', () => {
  const unchunker = new Unchunker({ maxMessageSize: 1000, maxPendingMessages: 2 });
  assert.throws(() => unchunker.push(new Uint8Array(11)), (e) => e instanceof CodecError && e.code === 'chunk');
  const header = (id, offset, size, n) => {
    const m = new Uint8Array(HEADER_LENGTH + n);
    const v = new DataView(m.buffer);
    v.setUint32(0, id, true); v.setUint32(4, offset, true); v.setUint32(8, size, true);
    return m;
  };
  assert.throws(() => unchunker.push(header(1, 0, 5000, 10)), (e) => e.code === 'limit');
  assert.throws(() => unchunker.push(header(1, 95, 100, 10)), (e) => e.code === 'chunk');
  assert.equal(unchunker.push(header(7, 0, 20, 10)), null);
  assert.throws(() => unchunker.push(header(7, 10, 30, 10)), (e) => e.code === 'chunk');
  assert.equal(unchunker.pendingCount, 0);
  unchunker.push(header(1, 0, 20, 10));
  unchunker.push(header(2, 0, 20, 10));
  unchunker.push(header(3, 0, 20, 10));
  assert.equal(unchunker.pendingCount, 2, 'the oldest incomplete message is dropped at the cap');
  assert.equal(unchunker.push(header(1, 10, 20, 10)), null, 'message 1 was dropped, so this starts it anew');
});
