import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../adapters/testing/seeded-rng.js';
import { Bitfield } from './bitfield.js';

test('bitfield uses the BEP 3 bit order and keeps its count', () => {
  const b = new Bitfield(10);
  b.set(0);
  b.set(9);
  assert.deepEqual([...b.bytes], [0x80, 0x40]);
  assert.equal(b.count(), 2);
  b.set(0, false);
  assert.equal(b.count(), 1);
  assert.deepEqual([...b.ones()], [9]);
  assert.equal(b.get(10), false);
  assert.throws(() => b.set(10), RangeError);
});

test('spare bits are cleared and detected', () => {
  const b = new Bitfield(10, Uint8Array.from([0xff, 0xff]));
  assert.deepEqual([...b.bytes], [0xff, 0xc0]);
  assert.equal(b.count(), 10);
  assert.ok(b.isFull());
  assert.equal(Bitfield.hasSpareBits(Uint8Array.from([0xff, 0xc0]), 10), false);
  assert.equal(Bitfield.hasSpareBits(Uint8Array.from([0xff, 0xe0]), 10), true);
  assert.equal(Bitfield.hasSpareBits(Uint8Array.from([0xff]), 10), true);
  const f = Bitfield.full(12);
  assert.deepEqual([...f.bytes], [0xff, 0xf0]);
});

test('nextSet finds the next set bit from any position, as a bit-by-bit scan does', () => {
  const rng = new SeededRng(7);
  for (const length of [0, 1, 7, 8, 9, 63, 100, 1000]) {
    for (const density of [0, 0.01, 0.3, 1]) {
      const b = new Bitfield(length);
      for (let i = 0; i < length; i++) if (rng.random() < density) b.set(i);
      const naive = (from: number): number => {
        for (let i = Math.max(0, from); i < length; i++) if (b.get(i)) return i;
        return -1;
      };
      for (let from = -1; from <= length + 9; from++) assert.equal(b.nextSet(from), naive(from), `length ${length} from ${from}`);
      assert.deepEqual(b.ones(), [...Array(length).keys()].filter((i) => b.get(i)));
    }
  }
});
