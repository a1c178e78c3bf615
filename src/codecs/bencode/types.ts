/**
 * Bencoded values (BEP 3). Byte strings decode to Uint8Array; integers to number, or bigint beyond
 * 2^53; lists to arrays; dictionaries to null-prototype objects whose keys are binary strings
 * (one char per byte, so that any key survives a round trip; see util/bytes `bytesToBinary`).
 */
import type { Bencoded } from './encode.js';

export type BValue = number | bigint | Uint8Array | BValue[] | BDict;
export interface BDict {
  [key: string]: BValue;
}

/**
 * What the encoder accepts: the decoded shapes plus JS strings (encoded as UTF-8), Maps, and
 * already encoded bytes (`Bencoded`, written as they are).
 */
export type BEncodable =
  | Bencoded
  | number
  | bigint
  | string
  | Uint8Array
  | readonly BEncodable[]
  | { readonly [key: string]: BEncodable | undefined }
  | ReadonlyMap<string, BEncodable>;

export interface DecodeLimits {
  /** Maximum nesting of lists and dictionaries (libtorrent: 100). */
  maxDepth: number;
  /** Maximum number of tokens: integers, strings, lists, dictionaries (libtorrent: 2,000,000). */
  maxTokens: number;
  /** Maximum input length in bytes. */
  maxLength: number;
  /** Maximum digits of an integer; longer ones are rejected instead of parsed (DoS on bigint). */
  maxIntegerDigits: number;
}

export interface DecodeOptions extends Partial<DecodeLimits> {
  /** Reject dictionaries whose keys are not sorted as raw bytes or are repeated. */
  strict?: boolean;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxDepth: 100,
  maxTokens: 2_000_000,
  maxLength: 256 * 1024 * 1024,
  maxIntegerDigits: 20,
};
