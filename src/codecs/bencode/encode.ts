/**
 * Canonical bencode encoder (BEP 3): dictionary keys sorted as raw bytes, integers in shortest
 * form. Keys are binary strings (one char per byte); a key char above 0xFF is refused rather
 * than silently re-encoded. JS string values are written as UTF-8. `undefined` dictionary
 * values are skipped so optional fields can be left out.
 *
 * Every entry point sizes the output exactly in a first pass (`encodingLength`), then writes each
 * byte once, with no intermediate arrays or strings:
 * - `encode` returns one new buffer: a torrent with megabytes of piece hashes costs one
 *   allocation and one copy of them.
 * - `encodeInto` writes into the caller's buffer (reused across calls, or a slice of a bigger one).
 * - `encodeChunks` copies nothing large: byte strings of at least `minChunk` bytes (and
 *   pre-encoded values) are returned as they are, between small chunks that hold the rest. Writing
 *   a .torrent with `writev` then never copies its piece hashes in user space.
 */
import { BencodeError, BencodeErrorCode as E } from './errors.js';
import type { BEncodable } from './types.js';

const textEncoder = new TextEncoder();

/** Nesting at which the encoder gives up (a cycle, or a value no torrent has). */
const MAX_DEPTH = 1000;

/** Default `minChunk` of encodeChunks: smaller byte strings are cheaper to copy than to list. */
export const DEFAULT_MIN_CHUNK = 1024;

/**
 * Bytes that are already bencoded, written as they are: an info dictionary whose hash must not
 * change, or one encoded earlier as chunks. The encoder trusts them; wrap only valid bencode.
 */
export class Bencoded {
  readonly chunks: readonly Uint8Array[];
  readonly length: number;

  constructor(bytes: Uint8Array | readonly Uint8Array[]) {
    this.chunks = bytes instanceof Uint8Array ? [bytes] : [...bytes];
    let n = 0;
    for (const c of this.chunks) n += c.length;
    this.length = n;
  }
}

class Writer {
  pos: number;
  private mark: number;

  /** `chunks` set: byte strings of `minChunk` bytes or more are listed there, not copied. */
  constructor(
    readonly buf: Uint8Array,
    offset: number,
    private readonly chunks?: Uint8Array[],
    private readonly minChunk = Infinity,
  ) {
    this.pos = offset;
    this.mark = offset;
  }

  /** Ends the current inline run and lists `b` after it (chunk mode). */
  private external(b: Uint8Array): void {
    if (this.pos > this.mark) this.chunks!.push(this.buf.subarray(this.mark, this.pos));
    this.chunks!.push(b);
    this.mark = this.pos;
  }

  /** Chunk mode: the inline tail after the last listed byte string. */
  finish(): void {
    if (this.chunks && this.pos > this.mark) this.chunks.push(this.buf.subarray(this.mark, this.pos));
  }

  /** A non-negative integer in decimal, written digit by digit (no string). */
  private uint(n: number): void {
    const buf = this.buf;
    const len = digits(n);
    let p = this.pos + len;
    this.pos = p;
    do {
      const q = Math.floor(n / 10);
      buf[--p] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  private header(length: number): void {
    this.uint(length);
    this.buf[this.pos++] = 0x3a; // ':'
  }

  private bytes(b: Uint8Array): void {
    this.header(b.length);
    if (b.length >= this.minChunk) {
      this.external(b);
      return;
    }
    if (b.length < 16) {
      // Tiny strings: a loop beats the call into set().
      for (let i = 0; i < b.length; i++) this.buf[this.pos + i] = b[i];
    } else this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  private string(s: string): void {
    const n = utf8Length(s);
    this.header(n);
    if (n === s.length) {
      // ASCII (latin1 chars above 0x7F have a longer UTF-8 form, so n would differ).
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
      this.pos = p;
      return;
    }
    this.pos += textEncoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + n)).written;
  }

  private key(k: string): void {
    this.header(k.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i);
      if (c > 0xff) throw new BencodeError(E.Unencodable, `dictionary key ${JSON.stringify(k)} is not a binary string`, -1);
      buf[p++] = c;
    }
    this.pos = p;
  }

  private integer(v: number | bigint): void {
    const buf = this.buf;
    buf[this.pos++] = 0x69; // 'i'
    if (typeof v === 'bigint') {
      const s = v.toString();
      for (let i = 0; i < s.length; i++) buf[this.pos++] = s.charCodeAt(i);
    } else {
      if (!Number.isSafeInteger(v)) throw new BencodeError(E.Unencodable, `${v} is not a safe integer`, -1);
      if (v < 0) {
        buf[this.pos++] = 0x2d; // '-'
        v = -v;
      }
      this.uint(v);
    }
    buf[this.pos++] = 0x65; // 'e'
  }

  value(v: BEncodable, depth: number): void {
    if (depth > MAX_DEPTH) throw new BencodeError(E.Unencodable, 'value nested too deeply (cycle?)', -1);
    if (v instanceof Uint8Array) {
      this.bytes(v);
      return;
    }
    switch (typeof v) {
      case 'string':
        this.string(v);
        return;
      case 'number':
      case 'bigint':
        this.integer(v);
        return;
      case 'object':
        break;
      default:
        throw new BencodeError(E.Unencodable, `cannot encode a ${typeof v}`, -1);
    }
    if (v === null) throw new BencodeError(E.Unencodable, 'cannot encode null', -1);
    if (v instanceof Bencoded) {
      for (const c of v.chunks) {
        if (c.length >= this.minChunk) this.external(c);
        else {
          this.buf.set(c, this.pos);
          this.pos += c.length;
        }
      }
      return;
    }
    if (Array.isArray(v)) {
      this.buf[this.pos++] = 0x6c; // 'l'
      for (const item of v as readonly BEncodable[]) this.value(item, depth + 1);
      this.buf[this.pos++] = 0x65;
      return;
    }
    this.buf[this.pos++] = 0x64; // 'd'
    // Keys are binary strings, so sorting UTF-16 code units sorts the raw bytes (BEP 3).
    if (v instanceof Map) {
      for (const k of [...v.keys()].sort()) {
        const item = v.get(k);
        if (item === undefined) continue;
        this.key(k);
        this.value(item, depth + 1);
      }
    } else {
      const obj = v as { readonly [key: string]: BEncodable | undefined };
      for (const k of Object.keys(obj).sort()) {
        const item = obj[k];
        if (item === undefined) continue;
        this.key(k);
        this.value(item, depth + 1);
      }
    }
    this.buf[this.pos++] = 0x65;
  }
}

/** UTF-8 length of a JS string, as TextEncoder writes it (a lone surrogate becomes U+FFFD). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a pair: 2 UTF-16 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

/** Decimal digits of a non-negative integer. */
function digits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  let d = 5;
  for (let x = Math.floor(n / 100000); x > 0; x = Math.floor(x / 10)) d++;
  return d;
}

/**
 * Bytes the encoding takes, leaving out byte strings of `minChunk` bytes or more (the chunks that
 * `encodeChunks` lists rather than copies). Values the encoder refuses are sized loosely; writing
 * them throws before anything overflows.
 */
function sizeOf(v: BEncodable, depth: number, minChunk: number): number {
  if (depth > MAX_DEPTH) return 0;
  if (v instanceof Uint8Array) return digits(v.length) + 1 + (v.length >= minChunk ? 0 : v.length);
  switch (typeof v) {
    case 'string': {
      const n = utf8Length(v);
      return digits(n) + 1 + n;
    }
    case 'number':
      return Number.isSafeInteger(v) ? 2 + (v < 0 ? 1 + digits(-v) : digits(v)) : 0;
    case 'bigint':
      return 2 + v.toString().length;
    case 'object':
      break;
    default:
      return 0;
  }
  if (v === null) return 0;
  if (v instanceof Bencoded) {
    let n = 0;
    for (const c of v.chunks) if (c.length < minChunk) n += c.length;
    return n;
  }
  let n = 2;
  if (Array.isArray(v)) {
    for (const item of v as readonly BEncodable[]) n += sizeOf(item, depth + 1, minChunk);
    return n;
  }
  if (v instanceof Map) {
    for (const [k, item] of v as ReadonlyMap<string, BEncodable | undefined>) {
      if (item !== undefined) n += digits(k.length) + 1 + k.length + sizeOf(item, depth + 1, minChunk);
    }
    return n;
  }
  const obj = v as { readonly [key: string]: BEncodable | undefined };
  for (const k of Object.keys(obj)) {
    const item = obj[k];
    if (item !== undefined) n += digits(k.length) + 1 + k.length + sizeOf(item, depth + 1, minChunk);
  }
  return n;
}

/** Exact length in bytes of `encode(value)`. */
export function encodingLength(value: BEncodable): number {
  return sizeOf(value, 0, Infinity);
}

/** Encodes a value canonically into one new buffer. */
export function encode(value: BEncodable): Uint8Array {
  const w = new Writer(new Uint8Array(sizeOf(value, 0, Infinity)), 0);
  w.value(value, 0);
  return w.pos === w.buf.length ? w.buf : w.buf.subarray(0, w.pos);
}

/**
 * Encodes a value canonically into `target` from `offset`; returns the bytes written. Throws
 * BT_ERR_BENCODE_UNENCODABLE when it does not fit (nothing is written then).
 */
export function encodeInto(value: BEncodable, target: Uint8Array, offset = 0): number {
  const n = sizeOf(value, 0, Infinity);
  if (!Number.isInteger(offset) || offset < 0 || offset + n > target.length) {
    throw new BencodeError(E.Unencodable, `the encoding takes ${n} bytes; ${Math.max(0, target.length - offset)} are free at offset ${offset}`, -1);
  }
  const w = new Writer(target, offset);
  w.value(value, 0);
  return w.pos - offset;
}

/**
 * Encodes a value canonically as a list of chunks whose concatenation is `encode(value)`. Byte
 * strings of `minChunk` bytes or more, and the chunks of `Bencoded` values, are listed as they
 * are (not copied), so they must not change while the chunks are in use; everything else shares
 * one small buffer.
 */
export function encodeChunks(value: BEncodable, minChunk = DEFAULT_MIN_CHUNK): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const w = new Writer(new Uint8Array(sizeOf(value, 0, minChunk)), 0, chunks, Math.max(1, minChunk));
  w.value(value, 0);
  w.finish();
  return chunks;
}
