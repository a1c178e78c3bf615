export { decode, decodePrefix, decodeWithRaw } from './decode.js';
export { Bencoded, DEFAULT_MIN_CHUNK, encode, encodeChunks, encodeInto, encodingLength } from './encode.js';
export { BencodeError, BencodeErrorCode } from './errors.js';
export type { BDict, BEncodable, BValue, DecodeLimits, DecodeOptions } from './types.js';
export { DEFAULT_DECODE_LIMITS } from './types.js';
