/**
 * Byte helpers that run in Node and in browsers (no Buffer). Ids are bytes inside the library;
 * hex and base32 exist only at the edges (CLI, API, magnet links).
 */
import { TorrentkitError } from './errors.js';

const encoder = new TextEncoder();
const fatalDecoder = new TextDecoder('utf-8', { fatal: true });
const lenientDecoder = new TextDecoder('utf-8');

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8; invalid sequences become U+FFFD unless `fatal` is set (then it throws). */
export function utf8Decode(b: Uint8Array, fatal = false): string {
  return fatal ? fatalDecoder.decode(b) : lenientDecoder.decode(b);
}

/** True when `b` is valid UTF-8. */
export function isUtf8(b: Uint8Array): boolean {
  try {
    fatalDecoder.decode(b);
    return true;
  } catch {
    return false;
  }
}

/**
 * A "binary string" holds one char per byte (codes 0-255). Dictionary keys decoded from bencode
 * are binary strings, which keeps them lossless whatever their bytes.
 */
export function bytesToBinary(b: Uint8Array, start = 0, end = b.length): string {
  // 20 bytes (info hashes, peer ids: map keys on hot paths) in one call, without an array-like.
  if (end - start === 20) {
    const i = start;
    return String.fromCharCode(
      b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9],
      b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15], b[i + 16], b[i + 17], b[i + 18], b[i + 19],
    );
  }
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

export function binaryToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new TorrentkitError('BT_ERR_NOT_BINARY_STRING', `character ${c} at ${i} is not a byte`);
    out[i] = c;
  }
  return out;
}

/** UTF-8 text to a binary string of its bytes (for bencode dictionary keys). */
export function utf8ToBinary(s: string): string {
  return bytesToBinary(utf8Encode(s));
}

/** A binary string's bytes read as UTF-8 (lenient). */
export function binaryToUtf8(s: string): string {
  return utf8Decode(binaryToBytes(s));
}

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = [];
for (let i = 0; i < 256; i++) HEX_PAIRS.push(HEX[i >> 4] + HEX[i & 15]);

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX_PAIRS[b[i]];
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new TorrentkitError('BT_ERR_BAD_HEX', 'not a hexadecimal string');
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding (magnet links use it for 20-byte info hashes). */
export function toBase32(b: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; i < b.length; i++) {
    value = (value << 8) | b[i];
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function fromBase32(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '').toUpperCase();
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let j = 0;
  for (let i = 0; i < clean.length; i++) {
    const idx = B32.indexOf(clean[i]);
    if (idx < 0) throw new TorrentkitError('BT_ERR_BAD_BASE32', 'not a base32 string');
    value = ((value << 5) | idx) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[j++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/**
 * A copy of `b` in its own memory. Not `b.slice()`: on a Node Buffer (a Uint8Array subclass)
 * `slice` returns a view of the same memory.
 */
export function copyBytes(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lexicographic comparison of raw bytes (-1, 0, 1). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Where a storage read of `length` bytes lands: the start of `into` when it is large enough (made
 * zero first when `zero`, for pad files, whose bytes are not read), else a new zeroed array.
 */
export function readTarget(length: number, into: Uint8Array | undefined, zero: boolean): Uint8Array {
  if (!into || into.length < length) return new Uint8Array(length);
  const out = into.subarray(0, length);
  if (zero) out.fill(0);
  return out;
}
