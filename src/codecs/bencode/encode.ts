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

/** Encodes a value canonically. */
export function encode(value: BEncodable): Uint8Array {
  const w = new Writer(256);
  w.value(value, 0);
  return w.buf.subarray(0, w.pos);
}
