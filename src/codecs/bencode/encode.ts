/**
 * Canonical bencode encoder (BEP 3): dictionary keys sorted as raw bytes, integers in shortest
 * form. Keys are binary strings (one char per byte); a key char above 0xFF is refused rather
 * than silently re-encoded. JS string values are written as UTF-8. `undefined` dictionary
 * values are skipped so optional fields can be left out.
 */
import { BencodeError, BencodeErrorCode as E } from './errors.js';
import type { BEncodable } from './types.js';

const textEncoder = new TextEncoder();

class Writer {
  buf: Uint8Array;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  ascii(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  bytes(b: Uint8Array): void {
    this.ascii(String(b.length));
    this.ensure(b.length + 1);
    this.buf[this.pos++] = 0x3a;
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  key(k: string): void {
    this.ascii(String(k.length));
    this.ensure(k.length + 1);
    this.buf[this.pos++] = 0x3a;
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i);
      if (c > 0xff) throw new BencodeError(E.Unencodable, `dictionary key ${JSON.stringify(k)} is not a binary string`, -1);
      this.buf[this.pos++] = c;
    }
  }

  value(v: BEncodable, depth: number): void {
    if (depth > 1000) throw new BencodeError(E.Unencodable, 'value nested too deeply (cycle?)', -1);
    if (v instanceof Uint8Array) {
      this.bytes(v);
      return;
    }
    switch (typeof v) {
      case 'string':
        this.bytes(textEncoder.encode(v));
        return;
      case 'number':
        if (!Number.isSafeInteger(v)) throw new BencodeError(E.Unencodable, `${v} is not a safe integer`, -1);
        this.byte(0x69);
        this.ascii(String(v));
        this.byte(0x65);
        return;
      case 'bigint':
        this.byte(0x69);
        this.ascii(v.toString());
        this.byte(0x65);
        return;
      case 'object':
        break;
      default:
        throw new BencodeError(E.Unencodable, `cannot encode a ${typeof v}`, -1);
    }
    if (v === null) throw new BencodeError(E.Unencodable, 'cannot encode null', -1);
    if (Array.isArray(v)) {
      this.byte(0x6c);
      for (const item of v as readonly BEncodable[]) this.value(item, depth + 1);
      this.byte(0x65);
      return;
    }
    this.byte(0x64);
    if (v instanceof Map) {
      const keys = [...v.keys()].sort();
      for (const k of keys) {
        const item = v.get(k);
        if (item === undefined) continue;
        this.key(k);
        this.value(item, depth + 1);
      }
    } else {
      const obj = v as { readonly [key: string]: BEncodable | undefined };
      const keys = Object.keys(obj).sort();
      for (const k of keys) {
        const item = obj[k];
        if (item === undefined) continue;
        this.key(k);
        this.value(item, depth + 1);
      }
    }
    this.byte(0x65);
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

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : String(n).length;
}

/**
 * Size of the encoding, so the output is allocated once at its final size: encoding a torrent
 * with megabytes of piece hashes then costs one copy of them, not a chain of doublings.
 * Anything the encoder would refuse is sized loosely; `value` still checks it and throws.
 */
function sizeOf(v: BEncodable, depth: number): number {
  if (depth > 1000) return 0;
  if (v instanceof Uint8Array) return digits(v.length) + 1 + v.length;
  switch (typeof v) {
    case 'string': {
      const n = utf8Length(v);
      return digits(n) + 1 + n;
    }
    case 'number':
      return 2 + String(v).length;
    case 'bigint':
      return 2 + v.toString().length;
    case 'object':
      break;
    default:
      return 0;
  }
  if (v === null) return 0;
  let n = 2;
  if (Array.isArray(v)) {
    for (const item of v as readonly BEncodable[]) n += sizeOf(item, depth + 1);
    return n;
  }
  if (v instanceof Map) {
    for (const [k, item] of v as ReadonlyMap<string, BEncodable>) n += digits(k.length) + 1 + k.length + sizeOf(item, depth + 1);
    return n;
  }
  const obj = v as { readonly [key: string]: BEncodable | undefined };
  for (const k in obj) {
    const item = obj[k];
    if (item === undefined || !Object.hasOwn(obj, k)) continue;
    n += digits(k.length) + 1 + k.length + sizeOf(item, depth + 1);
  }
  return n;
}

/** Encodes a value canonically. */
export function encode(value: BEncodable): Uint8Array {
  const w = new Writer(Math.max(16, sizeOf(value, 0)));
  w.value(value, 0);
  return w.pos === w.buf.length ? w.buf : w.buf.subarray(0, w.pos);
}
