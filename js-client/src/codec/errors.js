// Typed codec errors: every malformed input or unencodable value becomes a CodecError with a
// stable `code`, never a TypeError or RangeError from deep inside the codec.

/** Stable codes of {@link CodecError}. */
export const CodecErrorCode = Object.freeze({
  UNENCODABLE: 'unencodable',
  TRUNCATED: 'truncated',
  INVALID: 'invalid',
  LIMIT: 'limit',
  TRAILING_BYTES: 'trailing-bytes',
  CHUNK: 'chunk',
});

/** An encoding or decoding failure with a stable `code` (see {@link CodecErrorCode}). */
export class CodecError extends Error {
  /**
   * @param {string} code one of CodecErrorCode
   * @param {string} message human-readable detail
   */
  constructor(code, message) {
    super(message);
    this.name = 'CodecError';
    this.code = code;
  }
}
