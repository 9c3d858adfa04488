export const CodecErrorCode: {
  readonly UNENCODABLE: 'unencodable';
  readonly TRUNCATED: 'truncated';
  readonly INVALID: 'invalid';
  readonly LIMIT: 'limit';
  readonly TRAILING_BYTES: 'trailing-bytes';
  readonly CHUNK: 'chunk';
};
export class CodecError extends Error {
  constructor(code: string, message: string);
  readonly code: 'unencodable' | 'truncated' | 'invalid' | 'limit' | 'trailing-bytes' | 'chunk';
}
