import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { keyAvailability, RarityBuckets, rarityKey } from './rarity-buckets.js';

test('keys order higher priority first, then lower availability', () => {
  assert.ok(rarityKey(7, 100) < rarityKey(6, 0));
  assert.ok(rarityKey(4, 1) < rarityKey(4, 2));
  assert.equal(keyAvailability(rarityKey(3, 42)), 42);
});

test('buckets stay consistent through random moves, and are visited best first', () => {
  const rng = new SeededRng(5);
  const n = 200;
  const b = new RarityBuckets(n);
  const model = new Map<number, number>();
  for (let step = 0; step < 5000; step++) {
    const i = rng.int(n);
    if (rng.random() < 0.2) {
      b.remove(i);
      model.delete(i);
    } else {
      const key = rarityKey(1 + rng.int(7), rng.int(6));
      b.set(i, key);
      model.set(i, key);
    }
  }
  assert.equal(b.size, model.size);
  const seen: [number, number][] = [];
  for (let k = 0; k < b.bucketCount; k++) {
    const bucket = b.bucketAt(k);
    assert.ok(bucket.pieces.length > 0, 'no empty bucket');
    for (const i of bucket.pieces) seen.push([bucket.key, i]);
  }
  assert.equal(seen.length, model.size);
  for (const [key, i] of seen) assert.equal(model.get(i), key);
  for (let k = 1; k < seen.length; k++) assert.ok(seen[k - 1][0] <= seen[k][0], 'buckets in key order');
  for (let i = 0; i < n; i++) assert.equal(b.has(i), model.has(i));
});
