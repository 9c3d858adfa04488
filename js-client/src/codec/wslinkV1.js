// wslink 1.x framing: JSON text envelopes, binary values as attachments. Before an envelope
// that references `wslink_binN` keys, each attachment travels as a text header
// {"wslink":"1.0","method":"wslink.binary.attachment","args":[key]} plus one binary message.

import { parseJSON } from './json.js';
import { CodecError, CodecErrorCode } from './errors.js';

/** Method name of attachment headers. */
export const ATTACHMENT_METHOD = 'wslink.binary.attachment';
const KEY_PATTERN = /^wslink_bin\d+$/;

/**
 * Whether a string is an attachment key (`wslink_bin` + digits, the whole string).
 * @param {unknown} value
 * @returns {boolean}
 */
export function isAttachmentKey(value) {
  return typeof value === 'string' && KEY_PATTERN.test(value);
}

/** The attachment header text for `key`, as the original JS client writes it. */
export function attachmentHeader(key) {
  return JSON.stringify({ wslink: '1.0', method: ATTACHMENT_METHOD, args: [key] });
}

/**
 * Collects attachment keys used anywhere in `value` (whole strings only, unlike the original's
 * substring match that confused `wslink_bin1` with `wslink_bin12`).
 * @param {unknown} value
 * @param {Set<string>} [into]
 * @returns {Set<string>}
 */
export function referencedKeys(value, into = new Set()) {
  if (isAttachmentKey(value)) into.add(value);
  else if (Array.isArray(value)) for (const item of value) referencedKeys(item, into);
  else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const item of Object.values(value)) referencedKeys(item, into);
  }
  return into;
}

/**
 * Encodes one outgoing 1.x envelope: the WebSocket messages to send, in order (attachment
 * header text, attachment bytes, …, then the envelope JSON).
 * @param {object} envelope  must not contain binary values: use attachment keys
 * @param {Map<string, Uint8Array>} attachments  registered keys → bytes; used ones are removed
 * @returns {Array<string|Uint8Array>}
 * @throws {CodecError} 'unencodable' for BigInt or binary values outside attachments
 */
export function encodeV1(envelope, attachments) {
  let text;
  try {
    text = JSON.stringify(envelope, (key, value) => {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
        throw new CodecError(CodecErrorCode.UNENCODABLE, 'binary values must go through session.addAttachment() in wslink 1.x');
      }
      return value;
    });
  } catch (error) {
    if (error instanceof CodecError) throw error;
    throw new CodecError(CodecErrorCode.UNENCODABLE, `cannot encode as JSON: ${error.message}`);
  }
  const messages = [];
  for (const key of referencedKeys(envelope)) {
    const bytes = attachments.get(key);
    if (bytes === undefined) continue;
    messages.push(attachmentHeader(key), bytes);
    attachments.delete(key);
  }
  messages.push(text);
  return messages;
}

/**
 * Receiving side of 1.x: feed every text and binary message; returns complete envelopes with
 * attachment keys replaced by their bytes.
 */
export class V1Receiver {
  constructor() {
    /** @type {Array<{key: string, data: Uint8Array|null}>} */
    this.slots = [];
  }

  /**
   * @param {string} text
   * @returns {object|null} the envelope, or null for an attachment header
   * @throws {CodecError} 'invalid' when the text is not a JSON object
   */
  pushText(text) {
    const message = parseJSON(text);
    if (!message || typeof message !== 'object' || Array.isArray(message)) {
      throw new CodecError(CodecErrorCode.INVALID, 'wslink 1.x message is not a JSON object');
    }
    if (message.id === undefined && message.method === ATTACHMENT_METHOD) {
      for (const key of message.args ?? []) this.slots.push({ key, data: null });
      return null;
    }
    if (message.error) {
      this.slots = [];
      return message;
    }
    const filled = new Map(this.slots.filter((s) => s.data !== null).map((s) => [s.key, s.data]));
    const result = filled.size ? substitute(message, filled) : message;
    const used = referencedKeys(message);
    this.slots = this.slots.filter((s) => !used.has(s.key));
    return result;
  }

  /**
   * @param {Uint8Array} bytes
   * @returns {boolean} whether a header was waiting for these bytes
   */
  pushBinary(bytes) {
    const slot = this.slots.find((s) => s.data === null);
    if (!slot) return false;
    slot.data = bytes;
    return true;
  }

  /** Forgets pending attachments (on close). */
  reset() {
    this.slots = [];
  }
}

function substitute(value, filled) {
  if (typeof value === 'string') return filled.has(value) ? filled.get(value) : value;
  if (Array.isArray(value)) return value.map((item) => substitute(item, filled));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, filled);
    return out;
  }
  return value;
}
