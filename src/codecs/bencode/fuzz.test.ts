/**
 * Property tests: random and mutated inputs only ever give a value or a BencodeError; canonical
 * encodings of random values round-trip byte-exactly. Seeded, so any failure replays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBytes } from '../../util/bytes.js';
import { BencodeError, type BEncodable, decode, encode, encodeChunks, encodeInto, encodingLength } from './index.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth: number): BEncodable {
  const k = Math.floor(r() * (depth > 4 ? 2 : 4));
  if (k === 0) return Math.floor((r() - 0.5) * 1e12);
  if (k === 1) return Uint8Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256));
  if (k === 2) return Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1));
  const o: Record<string, BEncodable> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const key = String.fromCharCode(...Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * 256)));
    o[key] = randomValue(r, depth + 1);
  }
  return o;
}

const SEED = Number(process.env.FUZZ_SEED ?? 1337);

test(`random values round-trip byte-exactly (seed ${SEED})`, () => {
  const r = rng(SEED);
  for (let i = 0; i < 3000; i++) {
    const bytes = encode(randomValue(r, 0));
    assert.deepEqual(encode(decode(bytes, { strict: true })), bytes);
  }
});

test(`encodeInto, encodeChunks and encodingLength agree with encode on random values (seed ${SEED})`, () => {
  const r = rng(SEED + 2);
  const scratch = new Uint8Array(64 * 1024);
  for (let i = 0; i < 2000; i++) {
    const v = randomValue(r, 0);
    const bytes = encode(v);
    assert.equal(encodingLength(v), bytes.length);
    const offset = Math.floor(r() * 8);
    assert.equal(encodeInto(v, scratch, offset), bytes.length);
    assert.deepEqual(scratch.subarray(offset, offset + bytes.length), bytes);
    // Small thresholds make byte strings (even empty ones never) into listed chunks.
    const chunks = encodeChunks(v, 1 + Math.floor(r() * 30));
    assert.deepEqual(concatBytes(chunks), bytes);
    assert.ok(chunks.every((c) => c.length > 0), 'no empty chunks');
  }
});

test(`mutated and random inputs only produce BencodeError (seed ${SEED})`, () => {
  const r = rng(SEED + 1);
  const alphabet = [0x64, 0x6c, 0x69, 0x65, 0x3a, 0x2d, 0x30, 0x31, 0x39, 0x00, 0xff];
  let errors = 0;
  for (let i = 0; i < 20000; i++) {
    let input: Uint8Array;
    if (i % 2 === 0) {
      const base = encode(randomValue(r, 0));
      input = base.slice();
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits && input.length > 0; e++) {
        const at = Math.floor(r() * input.length);
        const op = r();
        if (op < 0.5) input[at] = alphabet[Math.floor(r() * alphabet.length)];
        else if (op < 0.75) input = input.subarray(0, at);
        else input = Uint8Array.from([...input.subarray(0, at), ...input.subarray(at + 1)]);
      }
    } else {
      input = Uint8Array.from({ length: Math.floor(r() * 30) }, () => alphabet[Math.floor(r() * alphabet.length)]);
    }
    try {
      decode(input, { strict: r() < 0.5 });
    } catch (err) {
      if (!(err instanceof BencodeError)) throw new Error(`input ${Buffer.from(input).toString('latin1')} threw ${err}`);
      assert.equal(typeof err.offset, 'number');
      errors++;
    }
  }
  assert.ok(errors > 1000, 'the fuzzer should hit many errors');
});

test('a length prefix naming gigabytes allocates nothing', () => {
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 1000; i++) {
    assert.throws(() => decode(new TextEncoder().encode('999999999:abc')), BencodeError);
  }
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
});
