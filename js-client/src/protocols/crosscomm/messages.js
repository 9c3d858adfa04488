// CrossComm (pywayne cross_comm) envelope: exactly seven keys in a fixed order, 13 msg_types.

import { parseJSON } from '../../codec/json.js';
import { toPythonJSON } from '../../codec/pythonJSON.js';
import { toBase64, fromBase64 } from '../../codec/base64.js';
import { CodecError, CodecErrorCode } from '../../codec/errors.js';

/** The 13 msg_type values pywayne knows; anything else is dropped by pywayne peers. */
export const MSG_TYPES = Object.freeze([
  'text', 'json', 'dict', 'bytes', 'image', 'file', 'folder',
  'heartbeat', 'login', 'logout', 'list_clients', 'list_clients_response', 'login_response',
]);
/** Envelope keys in wire order. */
export const KEYS = Object.freeze(['msg_id', 'from_client_id', 'to_client_id', 'msg_type', 'content', 'timestamp', 'oss_key']);
const REQUIRED = KEYS.slice(0, 6);
/** Largest message pywayne accepts (1 MiB); larger ones close the connection with 1009. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Builds the content a msg_type carries on the wire, as pywayne's sender does: `text` → string,
 * `json` → a string holding JSON (validated), `bytes` → padded base64, `dict` → the value.
 * @param {unknown} content
 * @param {string} msgType
 * @returns {unknown}
 * @throws {CodecError} 'unencodable' for an unknown type or invalid json content
 */
export function wireContent(content, msgType) {
  switch (msgType) {
    case 'text': return typeof content === 'string' ? content : String(content);
    case 'json':
      if (typeof content !== 'string') return toPythonJSON(content);
      try { JSON.parse(content); } catch { throw new CodecError(CodecErrorCode.UNENCODABLE, 'json content must be valid JSON text'); }
      return content;
    case 'bytes': {
      if (typeof content === 'string') return toBase64(new TextEncoder().encode(content));
      if (content instanceof ArrayBuffer) return toBase64(new Uint8Array(content));
      if (ArrayBuffer.isView(content)) return toBase64(new Uint8Array(content.buffer, content.byteOffset, content.byteLength));
      throw new CodecError(CodecErrorCode.UNENCODABLE, 'bytes content must be a Uint8Array, ArrayBuffer or string');
    }
    default:
      if (!MSG_TYPES.includes(msgType)) throw new CodecError(CodecErrorCode.UNENCODABLE, `unknown msg_type ${JSON.stringify(msgType)}`);
      return content;
  }
}

/**
 * Serializes an envelope in pywayne's key order and JSON style.
 * @param {{msg_id: string, from_client_id: string, to_client_id: string, msg_type: string, content: unknown, timestamp: number, oss_key?: string|null}} message
 * @returns {string}
 */
export function encodeMessage(message) {
  return toPythonJSON(Object.fromEntries(KEYS.map((k) => [k, message[k] ?? null])));
}

/**
 * Parses a frame as pywayne does: the six required keys, no unknown keys, a known msg_type.
 * `bytes` content is base64-decoded into a Uint8Array (left as is when it is not base64).
 * @param {string|Uint8Array} frame  text, or a binary frame holding JSON
 * @returns {object} the message
 * @throws {CodecError} 'invalid' with the reason pywayne would drop it for
 */
export function decodeMessage(frame) {
  const text = typeof frame === 'string' ? frame : new TextDecoder().decode(frame);
  const message = parseJSON(text);
  if (!message || typeof message !== 'object' || Array.isArray(message)) throw new CodecError(CodecErrorCode.INVALID, 'not a JSON object');
  for (const key of REQUIRED) if (!(key in message)) throw new CodecError(CodecErrorCode.INVALID, `missing key ${key}`);
  for (const key of Object.keys(message)) if (!KEYS.includes(key)) throw new CodecError(CodecErrorCode.INVALID, `unexpected key ${key}`);
  if (!MSG_TYPES.includes(message.msg_type)) throw new CodecError(CodecErrorCode.INVALID, `unknown msg_type ${JSON.stringify(message.msg_type)}`);
  if (!('oss_key' in message)) message.oss_key = null;
  if (message.msg_type === 'bytes' && typeof message.content === 'string') {
    const bytes = fromBase64(message.content);
    if (bytes) message.content = bytes;
  }
  return message;
}
