export { decode, decodePrefix, decodeWithRaw } from './decode.js';
export { encode } from './encode.js';
export { BencodeError, BencodeErrorCode } from './errors.js';
export type { BDict, BEncodable, BValue, DecodeLimits, DecodeOptions } from './types.js';
export { DEFAULT_DECODE_LIMITS } from './types.js';
