import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode, ExtData } from '../../src/codec/msgpack.js';
import { CodecError } from '../../src/codec/errors.js';
import { parseChunk } from '../../src/codec/chunking.js';
import { loadVectors, hexToBytes, bytesToHex, fromVectorJSON } from '../support/vectors.js';

const single = loadVectors('wslink-v2').filter((v) => v.frame !== 'text' && v.decoded !== null && !v.reassembled_from);

test('every single-chunk wslink-v2 vector decodes to its recorded value', () => {
  assert.ok(single.length >= 25, `expected the 2.x vectors, found ${single.length}`);
  for (const vector of single) {
    const { content } = parseChunk(hexToBytes(vector.hex));
    assert.deepEqual(decode(content), fromVectorJSON(vector.decoded), vector.name);
  }
});

test('every single-chunk wslink-v2 vector re-encodes byte for byte', () => {
  for (const vector of single) {
    const { content } = parseChunk(hexToBytes(vector.hex));
    assert.equal(bytesToHex(encode(fromVectorJSON(vector.decoded))), bytesToHex(content), vector.name);
  }
});

test('integers take the smallest form, unsigned when non-negative', () => {
  const cases = [
    [0, '00'], [127, '7f'], [128, 'cc80'], [255, 'ccff'], [256, 'cd0100'], [65535, 'cdffff'],
    [65536, 'ce00010000'], [4294967295, 'ceffffffff'], [4294967296, 'cf0000000100000000'],
    [-1, 'ff'], [-32, 'e0'], [-33, 'd0df'], [-128, 'd080'], [-129, 'd1ff7f'], [-32601, 'd180a7'],
    [-32769, 'd2ffff7fff'], [-2147483649, 'd3ffffffff7fffffff'], [Number.MAX_SAFE_INTEGER, 'cf001fffffffffffff'],
    [1.5, 'cb3ff8000000000000'], [1.0, '01'], [NaN, 'cb7ff8000000000000'], [2 ** 60, 'cb43b0000000000000'],
  ];
  for (const [value, hex] of cases) {
    assert.equal(bytesToHex(encode(value)), hex, String(value));
    assert.deepEqual(decode(hexToBytes(hex)), value, hex);
  }
});

test('strings, arrays and maps switch form at 32/16 and 256/65536', () => {
  assert.equal(bytesToHex(encode('a'.repeat(31))).slice(0, 2), 'bf');
  assert.equal(bytesToHex(encode('a'.repeat(32))).slice(0, 4), 'd920');
  assert.equal(bytesToHex(encode('a'.repeat(256))).slice(0, 6), 'da0100');
  assert.equal(bytesToHex(encode('a'.repeat(65536))).slice(0, 10), 'db00010000');
  assert.equal(bytesToHex(encode(new Array(15).fill(0))).slice(0, 2), '9f');
  assert.equal(bytesToHex(encode(new Array(16).fill(0))).slice(0, 6), 'dc0010');
  const wide = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
  assert.equal(bytesToHex(encode(wide)).slice(0, 6), 'de0010');
  assert.deepEqual(decode(encode(wide)), wide);
  assert.equal(decode(encode('héllo ✓')), 'héllo ✓');
});

test('binary views of every kind encode as bin; bin decodes as Uint8Array', () => {
  const bytes = Uint8Array.of(1, 2, 3, 4);
  assert.equal(bytesToHex(encode(bytes)), 'c40401020304');
  assert.equal(bytesToHex(encode(bytes.buffer)), 'c40401020304');
  assert.equal(bytesToHex(encode(new DataView(bytes.buffer, 1, 2))), 'c4020203');
  assert.equal(bytesToHex(encode(new Uint16Array([0x0201]))), 'c4020102');
  assert.equal(bytesToHex(encode(new Uint8Array(256))).slice(0, 6), 'c50100');
  assert.equal(bytesToHex(encode(new Uint8Array(65536))).slice(0, 10), 'c600010000');
  const decoded = decode(hexToBytes('c403000102'));
  assert.ok(decoded instanceof Uint8Array);
  assert.deepEqual([...decoded], [0, 1, 2]);
});

test('Date round-trips through timestamp ext -1 in its 32, 64 and 96-bit forms', () => {
  assert.equal(bytesToHex(encode(new Date(1000))), 'd6ff00000001');
  const withMs = new Date(1700000000123);
  assert.equal(bytesToHex(encode(withMs)).slice(0, 4), 'd7ff');
  assert.equal(decode(encode(withMs)).getTime(), withMs.getTime());
  const before1970 = new Date(-1500);
  assert.equal(bytesToHex(encode(before1970)).slice(0, 6), 'c70cff');
  assert.equal(decode(encode(before1970)).getTime(), -1500);
  assert.equal(decode(encode(new Date(1000))).getTime(), 1000);
});

test('other ext types decode as ExtData and re-encode unchanged', () => {
  const ext = decode(hexToBytes('d40507'));
  assert.ok(ext instanceof ExtData);
  assert.equal(ext.type, 5);
  assert.equal(bytesToHex(encode(ext)), 'd40507');
});

test('Map encodes as a map, Set as an array, undefined as nil', () => {
  assert.equal(bytesToHex(encode(new Map([['a', 1]]))), '81a16101');
  assert.equal(bytesToHex(encode(new Set([1, 2]))), '920102');
  assert.equal(bytesToHex(encode({ a: undefined })), '81a161c0');
});

test('unencodable values throw CodecError with code unencodable', () => {
  for (const value of [10n, () => 1, Symbol('s'), { nested: [1n] }, new Date(NaN)]) {
    assert.throws(() => encode(value), (e) => e instanceof CodecError && e.code === 'unencodable');
  }
  const cycle = {};
  cycle.self = cycle;
  assert.throws(() => encode(cycle), (e) => e instanceof CodecError && e.code === 'unencodable');
});

test('malformed input yields typed errors, never a crash', () => {
  const cases = [
    ['', 'truncated'], ['c1', 'invalid'], ['92', 'truncated'], ['a5616263', 'truncated'],
    ['0102', 'trailing-bytes'], ['81c0c0', 'invalid'], ['ddffffffff', 'limit'], ['dd00000005', 'truncated'],
    ['d6ff0000', 'truncated'], ['c7 03 ff 000000'.replaceAll(' ', ''), 'invalid'],
  ];
  for (const [hex, code] of cases) {
    assert.throws(() => decode(hexToBytes(hex)), (e) => e instanceof CodecError && e.code === code, hex);
  }
  assert.throws(() => decode(hexToBytes('9191919100'), { maxDepth: 2 }), (e) => e.code === 'limit');
  assert.throws(() => decode(hexToBytes('a3616263'), { maxStringLength: 2 }), (e) => e.code === 'limit');
});

test('integer keys become strings; other keys fail unless lenient', () => {
  assert.deepEqual(decode(hexToBytes('8101a178')), { 1: 'x' });
  assert.deepEqual(decode(hexToBytes('81c0a178'), { lenientKeys: true }), { null: 'x' });
});

test('a __proto__ key stays a plain own property', () => {
  const value = decode(encode(JSON.parse('{"__proto__": {"polluted": true}}')));
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  assert.deepEqual(Object.keys(value), ['__proto__']);
  assert.equal({}.polluted, undefined);
});

test('decoding gives the same result for a copy at a non-zero offset', () => {
  const payload = encode({ a: [1, 'x', Uint8Array.of(9)], b: 1.25 });
  const padded = new Uint8Array(payload.length + 3);
  padded.set(payload, 3);
  assert.deepEqual(decode(padded.subarray(3)), decode(payload));
});
