import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binaryToBytes, bytesToBinary } from './bytes.js';

test('bytesToBinary and binaryToBytes round-trip every byte value, at every length and offset', () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (const len of [0, 1, 19, 20, 21, 256]) {
    for (const start of [0, 3]) {
      const end = Math.min(all.length, start + len);
      const s = bytesToBinary(all, start, end);
      assert.equal(s.length, end - start);
      for (let i = 0; i < s.length; i++) assert.equal(s.charCodeAt(i), all[start + i]);
      assert.deepEqual(binaryToBytes(s), all.subarray(start, end));
    }
  }
  // Longer than one fromCharCode batch.
  const big = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);
  assert.deepEqual(binaryToBytes(bytesToBinary(big)), big);
});
