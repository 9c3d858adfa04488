// siyi messages: request / response / event, compact JSON with nulls written out, keys in the
// order pydantic's model_dump_json emits them.

import { parseJSON } from '../../codec/json.js';
import { CodecError, CodecErrorCode } from '../../codec/errors.js';

const UUID = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/**
 * The form an id is matched in: UUID-looking strings (any case, with or without dashes or
 * braces) become lowercase canonical, as the library does; other strings stay verbatim.
 * @param {string} id
 * @returns {string}
 */
export function normalizeId(id) {
  const m = UUID.exec(id);
  return m ? m.slice(1).join('-').toLowerCase() : id;
}

/** @returns {string} `{"id":…,"type":"request","command":…,"params":…}` */
export function encodeRequest(id, command, params = null) {
  return JSON.stringify({ id, type: 'request', command, params: params ?? null });
}

/** @returns {string} an ok response (error null) or an error response (data null) */
export function encodeResponse(id, { status, data = null, error = null }) {
  return status === 'ok'
    ? JSON.stringify({ id, type: 'response', status: 'ok', data: data ?? null, error: null })
    : JSON.stringify({ id, type: 'response', status: 'error', data: null, error: String(error ?? 'error') });
}

/** @returns {string} `{"id":…,"type":"event","name":…,"data":…}` */
export function encodeEvent(id, name, data = null) {
  return JSON.stringify({ id, type: 'event', name, data: data ?? null });
}

function isObjectOrNull(value) {
  return value === null || value === undefined || (typeof value === 'object' && !Array.isArray(value));
}

/**
 * Parses and validates one frame (text, or a binary frame holding UTF-8 JSON).
 * @param {string|Uint8Array} frame
 * @returns {{type: 'request', id: string|undefined, command: string, params: object|null}
 *   | {type: 'response', id: string, status: 'ok'|'error', data: unknown, error: string|null}
 *   | {type: 'event', id: string|undefined, name: string, data: object|null}}
 * @throws {CodecError} 'invalid' with `recoverableId` set when a request carried a usable id
 */
export function decodeMessage(frame) {
  const text = typeof frame === 'string' ? frame : new TextDecoder().decode(frame);
  const message = parseJSON(text);
  if (!message || typeof message !== 'object' || Array.isArray(message)) throw new CodecError(CodecErrorCode.INVALID, 'not a JSON object');
  const { type } = message;
  const invalid = (reason) => {
    const error = new CodecError(CodecErrorCode.INVALID, reason);
    if (type === 'request' && message.id !== undefined && message.id !== null) error.recoverableId = message.id;
    return error;
  };
  if (!['request', 'response', 'event'].includes(type)) throw new CodecError(CodecErrorCode.INVALID, `unknown type ${JSON.stringify(type)}`);
  if (message.id !== undefined && typeof message.id !== 'string') throw invalid('id must be a string');
  if (type === 'request') {
    if (typeof message.command !== 'string') throw invalid('command must be a string');
    if (!isObjectOrNull(message.params)) throw invalid('params must be an object or null');
    return { type, id: message.id, command: message.command, params: message.params ?? null };
  }
  if (type === 'event') {
    if (typeof message.name !== 'string') throw invalid('name must be a string');
    if (!isObjectOrNull(message.data)) throw invalid('data must be an object or null');
    return { type, id: message.id, name: message.name, data: message.data ?? null };
  }
  if (typeof message.id !== 'string') throw invalid('response without an id');
  if (message.status !== 'ok' && message.status !== 'error') throw invalid('status must be "ok" or "error"');
  // Inconsistent responses (ok with an error text) count as errors instead of being dropped.
  const failed = message.status === 'error' || (message.error !== undefined && message.error !== null);
  return failed
    ? { type, id: message.id, status: 'error', data: null, error: message.error ?? null }
    : { type, id: message.id, status: 'ok', data: message.data ?? null, error: null };
}
