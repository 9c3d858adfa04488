export interface DecodeLimits {
  maxDepth: number;
  maxStringLength: number;
  maxBinaryLength: number;
  maxArrayLength: number;
  maxMapLength: number;
}
export const DEFAULT_LIMITS: Readonly<DecodeLimits>;
export class ExtData {
  constructor(type: number, data: Uint8Array);
  type: number;
  data: Uint8Array;
}
/** Canonical msgpack (smallest forms); throws CodecError 'unencodable' for BigInt, functions, symbols, Blobs, cycles. */
export function encode(value: unknown, options?: { maxDepth?: number }): Uint8Array;
/** Decodes one value; throws CodecError 'truncated' | 'invalid' | 'limit' | 'trailing-bytes'. */
export function decode(bytes: Uint8Array, options?: Partial<DecodeLimits> & { lenientKeys?: boolean }): unknown;
