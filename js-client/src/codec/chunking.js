// wslink 2.x framing: every msgpack payload travels as 1..n binary WebSocket messages, each a
// 12-byte little-endian header (id, offset, total size) followed by a slice of the payload.

import { CodecError, CodecErrorCode } from './errors.js';

/** Length of the chunk header in bytes. */
export const HEADER_LENGTH = 12;

/** Default caps of {@link Unchunker}. */
export const DEFAULT_UNCHUNK_LIMITS = Object.freeze({
  /** Largest payload one message may declare (4 GiB - 1 is the wire maximum). */
  maxMessageSize: 1024 * 1024 * 1024,
  /** Incomplete messages kept at once; the oldest is dropped beyond it. */
  maxPendingMessages: 64,
});

function randomId() {
  const bytes = new Uint32Array(1);
  globalThis.crypto.getRandomValues(bytes);
  return bytes[0];
}

/**
 * Splits a payload into chunks of at most `maxSize` bytes each (header included).
 * `maxSize` 0 means one chunk. Mirrors the original: content per chunk is `max(maxSize - 12, 1)`.
 *
 * @example chunk(payload, 4194304) // [Uint8Array(12 + payload.length)]
 * @param {Uint8Array} payload
 * @param {number} maxSize
 * @param {number} [id] the 32-bit message id; random when omitted
 * @returns {Uint8Array[]}
 */
export function chunk(payload, maxSize, id = randomId()) {
  const total = payload.length;
  const perChunk = maxSize === 0 ? Math.max(total, 1) : Math.max(maxSize - HEADER_LENGTH, 1);
  const chunks = [];
  let offset = 0;
  do {
    const end = Math.min(total, offset + perChunk);
    const message = new Uint8Array(HEADER_LENGTH + end - offset);
    const header = new DataView(message.buffer);
    header.setUint32(0, id >>> 0, true);
    header.setUint32(4, offset, true);
    header.setUint32(8, total, true);
    message.set(payload.subarray(offset, end), HEADER_LENGTH);
    chunks.push(message);
    offset = end;
  } while (offset < total);
  return chunks;
}

/**
 * Reads the header of one chunk.
 * @param {Uint8Array} message
 * @returns {{id: number, offset: number, size: number, content: Uint8Array}}
 * @throws {CodecError} code 'chunk' when the message is shorter than a header or overflows
 */
export function parseChunk(message) {
  if (message.length < HEADER_LENGTH) {
    throw new CodecError(CodecErrorCode.CHUNK, `binary message of ${message.length} bytes is shorter than the 12-byte chunk header`);
  }
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const id = view.getUint32(0, true);
  const offset = view.getUint32(4, true);
  const size = view.getUint32(8, true);
  const content = message.subarray(HEADER_LENGTH);
  if (offset + content.length > size) {
    throw new CodecError(CodecErrorCode.CHUNK, `chunk ${id} content [${offset}, ${offset + content.length}) exceeds the declared size ${size}`);
  }
  return { id, offset, size, content };
}

/**
 * Reassembles chunked messages: chunks may arrive in any order and messages may interleave.
 * Each id's buffer is allocated once (capped by `maxMessageSize`); completed payloads are
 * returned by {@link Unchunker#push}.
 */
export class Unchunker {
  /** @param {Partial<typeof DEFAULT_UNCHUNK_LIMITS>} [limits] */
  constructor(limits = {}) {
    this.limits = { ...DEFAULT_UNCHUNK_LIMITS, ...limits };
    /** @type {Map<number, {size: number, buffer: Uint8Array, received: number}>} */
    this.pending = new Map();
  }

  /**
   * Adds one binary WebSocket message.
   * @param {Uint8Array} message
   * @returns {Uint8Array|null} the complete payload, or null while parts are missing
   * @throws {CodecError} code 'chunk' or 'limit'; the offending message id is forgotten
   */
  push(message) {
    const { id, offset, size, content } = parseChunk(message);
    if (offset === 0 && content.length === size && !this.pending.has(id)) return content;
    let entry = this.pending.get(id);
    if (entry === undefined) {
      if (size > this.limits.maxMessageSize) {
        throw new CodecError(CodecErrorCode.LIMIT, `message ${id} declares ${size} bytes, over the ${this.limits.maxMessageSize}-byte cap`);
      }
      if (this.pending.size >= this.limits.maxPendingMessages) {
        this.pending.delete(this.pending.keys().next().value);
      }
      entry = { size, buffer: new Uint8Array(size), received: 0 };
      this.pending.set(id, entry);
    } else if (entry.size !== size) {
      this.pending.delete(id);
      throw new CodecError(CodecErrorCode.CHUNK, `chunk of message ${id} declares size ${size}, the first said ${entry.size}`);
    }
    entry.buffer.set(content, offset);
    entry.received += content.length;
    if (entry.received < entry.size) return null;
    this.pending.delete(id);
    return entry.buffer;
  }

  /** Number of incomplete messages held. */
  get pendingCount() {
    return this.pending.size;
  }

  /** Drops every incomplete message (on close). */
  reset() {
    this.pending.clear();
  }
}
