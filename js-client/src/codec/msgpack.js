// MessagePack encoder and decoder producing the canonical smallest forms that Python's msgpack
// and the original @msgpack/msgpack 2.8 emit, so payloads match the captured vectors byte for
// byte. Type mapping: see ../../README.md ("msgpack type mapping").

import { CodecError, CodecErrorCode } from './errors.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** Default decoding limits; anything larger is refused with CodecError code 'limit'. */
export const DEFAULT_LIMITS = Object.freeze({
  maxDepth: 100,
  maxStringLength: 64 * 1024 * 1024,
  maxBinaryLength: 1024 * 1024 * 1024,
  maxArrayLength: 16 * 1024 * 1024,
  maxMapLength: 16 * 1024 * 1024,
});

/** A msgpack ext value other than the timestamp (type -1). */
export class ExtData {
  /** @param {number} type  @param {Uint8Array} data */
  constructor(type, data) {
    this.type = type;
    this.data = data;
  }
}

class Writer {
  constructor() {
    this.bytes = new Uint8Array(256);
    this.view = new DataView(this.bytes.buffer);
    this.length = 0;
  }

  reserve(count) {
    const needed = this.length + count;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(value) { this.reserve(1); this.bytes[this.length++] = value; }
  u16(value) { this.reserve(2); this.view.setUint16(this.length, value); this.length += 2; }
  u32(value) { this.reserve(4); this.view.setUint32(this.length, value); this.length += 4; }
  f64(value) { this.reserve(8); this.view.setFloat64(this.length, value); this.length += 8; }
  raw(bytes) { this.reserve(bytes.length); this.bytes.set(bytes, this.length); this.length += bytes.length; }
  u64(value) {
    this.u32(Math.floor(value / 0x100000000));
    this.u32(value >>> 0);
  }
  i64(value) {
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt(value));
    this.length += 8;
  }
  result() { return this.bytes.slice(0, this.length); }
}

/**
 * Encodes a value as canonical msgpack.
 *
 * integer-valued safe numbers → smallest int form (unsigned for >= 0), other numbers → float64,
 * strings → fixstr/str8/16/32, Uint8Array, any TypedArray, DataView, ArrayBuffer → bin,
 * arrays → array, plain objects → map (own enumerable keys, insertion order), Map → map,
 * Set → array, Date → timestamp ext -1, null/undefined → nil, ExtData → ext.
 *
 * @example encode({ a: 1 }) // Uint8Array [0x81, 0xa1, 0x61, 0x01]
 * @param {unknown} value
 * @param {{maxDepth?: number}} [options]
 * @returns {Uint8Array}
 * @throws {CodecError} code 'unencodable' for BigInt, functions, symbols, Blobs, cycles
 */
export function encode(value, options = {}) {
  const writer = new Writer();
  writeValue(writer, value, 0, options.maxDepth ?? DEFAULT_LIMITS.maxDepth);
  return writer.result();
}

function writeValue(w, value, depth, maxDepth) {
  if (depth > maxDepth) throw new CodecError(CodecErrorCode.UNENCODABLE, `value nested deeper than ${maxDepth} levels (cycle?)`);
  switch (typeof value) {
    case 'undefined': w.u8(0xc0); return;
    case 'boolean': w.u8(value ? 0xc3 : 0xc2); return;
    case 'number': writeNumber(w, value); return;
    case 'string': writeString(w, value); return;
    case 'bigint': throw new CodecError(CodecErrorCode.UNENCODABLE, `cannot encode BigInt ${value}n (convert it to a number or string)`);
    case 'function': throw new CodecError(CodecErrorCode.UNENCODABLE, 'cannot encode a function');
    case 'symbol': throw new CodecError(CodecErrorCode.UNENCODABLE, 'cannot encode a symbol');
    default: break;
  }
  if (value === null) { w.u8(0xc0); return; }
  if (Array.isArray(value)) {
    writeHeader(w, value.length, 0x90, 16, 0xdc, 0xdd);
    for (const item of value) writeValue(w, item, depth + 1, maxDepth);
    return;
  }
  if (value instanceof Uint8Array) { writeBinary(w, value); return; }
  if (ArrayBuffer.isView(value)) { writeBinary(w, new Uint8Array(value.buffer, value.byteOffset, value.byteLength)); return; }
  if (value instanceof ArrayBuffer) { writeBinary(w, new Uint8Array(value)); return; }
  if (value instanceof Date) { writeTimestamp(w, value); return; }
  if (value instanceof ExtData) { writeExt(w, value.type, value.data); return; }
  if (value instanceof Map) {
    writeHeader(w, value.size, 0x80, 16, 0xde, 0xdf);
    for (const [key, item] of value) {
      writeValue(w, key, depth + 1, maxDepth);
      writeValue(w, item, depth + 1, maxDepth);
    }
    return;
  }
  if (value instanceof Set) {
    writeHeader(w, value.size, 0x90, 16, 0xdc, 0xdd);
    for (const item of value) writeValue(w, item, depth + 1, maxDepth);
    return;
  }
  if (typeof Blob !== 'undefined' && value instanceof Blob) {
    throw new CodecError(CodecErrorCode.UNENCODABLE, 'cannot encode a Blob synchronously (await blob.arrayBuffer() first)');
  }
  const keys = Object.keys(value);
  writeHeader(w, keys.length, 0x80, 16, 0xde, 0xdf);
  for (const key of keys) {
    writeString(w, key);
    writeValue(w, value[key], depth + 1, maxDepth);
  }
}

function writeHeader(w, length, fixBase, fixLimit, code16, code32) {
  if (length < fixLimit) w.u8(fixBase | length);
  else if (length <= 0xffff) { w.u8(code16); w.u16(length); }
  else { w.u8(code32); w.u32(length); }
}

function writeNumber(w, value) {
  if (!Number.isSafeInteger(value)) { w.u8(0xcb); w.f64(value); return; }
  if (value >= 0) {
    if (value < 0x80) w.u8(value);
    else if (value <= 0xff) { w.u8(0xcc); w.u8(value); }
    else if (value <= 0xffff) { w.u8(0xcd); w.u16(value); }
    else if (value <= 0xffffffff) { w.u8(0xce); w.u32(value); }
    else { w.u8(0xcf); w.u64(value); }
  } else {
    if (value >= -32) w.u8(value & 0xff);
    else if (value >= -0x80) { w.u8(0xd0); w.u8(value & 0xff); }
    else if (value >= -0x8000) { w.u8(0xd1); w.u16(value & 0xffff); }
    else if (value >= -0x80000000) { w.u8(0xd2); w.u32(value >>> 0); }
    else { w.u8(0xd3); w.i64(value); }
  }
}

function writeString(w, value) {
  const bytes = utf8Encoder.encode(value);
  const n = bytes.length;
  if (n < 32) w.u8(0xa0 | n);
  else if (n <= 0xff) { w.u8(0xd9); w.u8(n); }
  else if (n <= 0xffff) { w.u8(0xda); w.u16(n); }
  else { w.u8(0xdb); w.u32(n); }
  w.raw(bytes);
}

function writeBinary(w, bytes) {
  const n = bytes.length;
  if (n <= 0xff) { w.u8(0xc4); w.u8(n); }
  else if (n <= 0xffff) { w.u8(0xc5); w.u16(n); }
  else { w.u8(0xc6); w.u32(n); }
  w.raw(bytes);
}

function writeExt(w, type, data) {
  const n = data.length;
  const fixed = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }[n];
  if (fixed) w.u8(fixed);
  else if (n <= 0xff) { w.u8(0xc7); w.u8(n); }
  else if (n <= 0xffff) { w.u8(0xc8); w.u16(n); }
  else { w.u8(0xc9); w.u32(n); }
  w.u8(type & 0xff);
  w.raw(data);
}

function writeTimestamp(w, date) {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new CodecError(CodecErrorCode.UNENCODABLE, 'cannot encode an invalid Date');
  const sec = Math.floor(ms / 1000);
  const nsec = (ms - sec * 1000) * 1e6;
  const data = new DataView(new ArrayBuffer(sec >= 0 && sec < 2 ** 34 ? (nsec === 0 && sec < 2 ** 32 ? 4 : 8) : 12));
  if (data.byteLength === 4) data.setUint32(0, sec);
  else if (data.byteLength === 8) {
    data.setUint32(0, nsec * 4 + Math.floor(sec / 2 ** 32));
    data.setUint32(4, sec >>> 0);
  } else {
    data.setUint32(0, nsec);
    data.setBigInt64(4, BigInt(sec));
  }
  writeExt(w, -1, new Uint8Array(data.buffer));
}

/**
 * Decodes exactly one msgpack value from `bytes`.
 *
 * bin → Uint8Array (a view into `bytes`), ext -1 → Date, other ext → ExtData, maps → plain
 * objects (integer keys become strings, like @msgpack/msgpack), 64-bit integers → number.
 *
 * @example decode(Uint8Array.of(0x92, 0x01, 0xa1, 0x78)) // [1, "x"]
 * @param {Uint8Array} bytes
 * @param {Partial<typeof DEFAULT_LIMITS> & {lenientKeys?: boolean}} [options]
 *        lenientKeys: stringify keys that are not strings or numbers instead of failing
 * @returns {unknown}
 * @throws {CodecError} 'truncated', 'invalid', 'limit' or 'trailing-bytes'
 */
export function decode(bytes, options = {}) {
  const reader = new Reader(bytes, { ...DEFAULT_LIMITS, ...options });
  const value = reader.value(0);
  if (reader.pos !== bytes.length) {
    throw new CodecError(CodecErrorCode.TRAILING_BYTES, `${bytes.length - reader.pos} bytes after the msgpack value`);
  }
  return value;
}

class Reader {
  constructor(bytes, options) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.options = options;
  }

  need(count) {
    if (this.pos + count > this.bytes.length) {
      throw new CodecError(CodecErrorCode.TRUNCATED, `msgpack input ends early: needed ${count} bytes at offset ${this.pos}`);
    }
  }
  u8() { this.need(1); return this.bytes[this.pos++]; }
  u16() { this.need(2); const v = this.view.getUint16(this.pos); this.pos += 2; return v; }
  u32() { this.need(4); const v = this.view.getUint32(this.pos); this.pos += 4; return v; }
  take(count) { this.need(count); const v = this.bytes.subarray(this.pos, this.pos + count); this.pos += count; return v; }

  value(depth) {
    if (depth > this.options.maxDepth) throw new CodecError(CodecErrorCode.LIMIT, `msgpack nested deeper than ${this.options.maxDepth} levels`);
    const byte = this.u8();
    if (byte < 0x80) return byte;
    if (byte >= 0xe0) return byte - 0x100;
    if (byte >= 0xa0 && byte <= 0xbf) return this.string(byte & 0x1f);
    if (byte >= 0x90 && byte <= 0x9f) return this.array(byte & 0x0f, depth);
    if (byte >= 0x80 && byte <= 0x8f) return this.map(byte & 0x0f, depth);
    const v = this.view;
    switch (byte) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.binary(this.u8());
      case 0xc5: return this.binary(this.u16());
      case 0xc6: return this.binary(this.u32());
      case 0xc7: return this.ext(this.u8());
      case 0xc8: return this.ext(this.u16());
      case 0xc9: return this.ext(this.u32());
      case 0xca: { this.need(4); const f = v.getFloat32(this.pos); this.pos += 4; return f; }
      case 0xcb: { this.need(8); const f = v.getFloat64(this.pos); this.pos += 8; return f; }
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: { const hi = this.u32(); const lo = this.u32(); return hi * 0x100000000 + lo; }
      case 0xd0: { this.need(1); const i = v.getInt8(this.pos); this.pos += 1; return i; }
      case 0xd1: { this.need(2); const i = v.getInt16(this.pos); this.pos += 2; return i; }
      case 0xd2: { this.need(4); const i = v.getInt32(this.pos); this.pos += 4; return i; }
      case 0xd3: { this.need(8); const i = Number(v.getBigInt64(this.pos)); this.pos += 8; return i; }
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xd9: return this.string(this.u8());
      case 0xda: return this.string(this.u16());
      case 0xdb: return this.string(this.u32());
      case 0xdc: return this.array(this.u16(), depth);
      case 0xdd: return this.array(this.u32(), depth);
      case 0xde: return this.map(this.u16(), depth);
      case 0xdf: return this.map(this.u32(), depth);
      default: throw new CodecError(CodecErrorCode.INVALID, `invalid msgpack type byte 0xc1 at offset ${this.pos - 1}`);
    }
  }

  string(length) {
    if (length > this.options.maxStringLength) throw new CodecError(CodecErrorCode.LIMIT, `string of ${length} bytes exceeds maxStringLength`);
    return utf8Decoder.decode(this.take(length));
  }

  binary(length) {
    if (length > this.options.maxBinaryLength) throw new CodecError(CodecErrorCode.LIMIT, `bin of ${length} bytes exceeds maxBinaryLength`);
    return this.take(length);
  }

  array(length, depth) {
    if (length > this.options.maxArrayLength) throw new CodecError(CodecErrorCode.LIMIT, `array of ${length} items exceeds maxArrayLength`);
    // Each item takes at least one byte: refuse impossible counts before allocating.
    this.need(length);
    const items = new Array(length);
    for (let i = 0; i < length; i += 1) items[i] = this.value(depth + 1);
    return items;
  }

  map(length, depth) {
    if (length > this.options.maxMapLength) throw new CodecError(CodecErrorCode.LIMIT, `map of ${length} entries exceeds maxMapLength`);
    this.need(length * 2);
    const object = {};
    for (let i = 0; i < length; i += 1) {
      const at = this.pos;
      const key = this.value(depth + 1);
      let name;
      if (typeof key === 'string') name = key;
      else if (typeof key === 'number') name = String(key);
      else if (this.options.lenientKeys) name = String(key);
      else throw new CodecError(CodecErrorCode.INVALID, `map key at offset ${at} is not a string or number`);
      // Own data property even for "__proto__", so a payload cannot replace the prototype.
      Object.defineProperty(object, name, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return object;
  }

  ext(length) {
    this.need(1);
    const type = this.view.getInt8(this.pos);
    this.pos += 1;
    const data = this.take(length);
    if (type !== -1) return new ExtData(type, data);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (length === 4) return new Date(dv.getUint32(0) * 1000);
    if (length === 8) {
      const hi = dv.getUint32(0);
      const nsec = Math.floor(hi / 4);
      const sec = (hi & 0x3) * 0x100000000 + dv.getUint32(4);
      return new Date(sec * 1000 + nsec / 1e6);
    }
    if (length === 12) return new Date(Number(dv.getBigInt64(4)) * 1000 + dv.getUint32(0) / 1e6);
    throw new CodecError(CodecErrorCode.INVALID, `timestamp ext of ${length} bytes (expected 4, 8 or 12)`);
  }
}
