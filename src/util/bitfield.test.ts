import assert from 'node:assert/strict';
import { test } from 'node:test';
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
