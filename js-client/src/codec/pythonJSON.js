// JSON written the way Python's json.dumps writes it by default: ", " and ": " separators and
// non-ASCII escaped as \uXXXX (ensure_ascii). CrossComm peers accept compact JSON too; this
// form reproduces pywayne's frames byte for byte.

import { CodecError, CodecErrorCode } from './errors.js';

/**
 * @param {unknown} value  JSON-compatible; non-finite numbers are refused (they would not be JSON)
 * @returns {string}
 * @throws {CodecError} 'unencodable' for NaN/Infinity, BigInt, functions and cycles
 */
export function toPythonJSON(value) {
  return write(value, 0);
}

function write(value, depth) {
  if (depth > 1000) throw new CodecError(CodecErrorCode.UNENCODABLE, 'value nested too deeply (cycle?)');
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean': return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CodecError(CodecErrorCode.UNENCODABLE, `${value} is not valid JSON`);
      return JSON.stringify(value);
    case 'string': return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => write(v, depth + 1)).join(', ')}]`;
      if (typeof value.toJSON === 'function') return write(value.toJSON(), depth + 1);
      const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
      return `{${entries.map(([k, v]) => `${write(k, depth + 1)}: ${write(v, depth + 1)}`).join(', ')}}`;
    }
    default:
      throw new CodecError(CodecErrorCode.UNENCODABLE, `cannot encode a ${typeof value} as JSON`);
  }
}
