import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockKey, RequestSet } from './requests.js';

test('request keys are exact: ordinary blocks get distinct numbers, odd requests strings', () => {
  const seen = new Set<number | string>();
  for (const index of [0, 1, 2, 2_097_151]) {
    for (const begin of [0, 16_384, 32_768, 2_147_467_264]) {
      for (const length of [0, 1, 16_383, 16_384]) {
        const k = blockKey(index, begin, length);
        assert.equal(typeof k, 'number');
        assert.ok(Number.isSafeInteger(k));
        assert.ok(!seen.has(k), `${index}:${begin}:${length}`);
        seen.add(k);
      }
    }
  }
  assert.equal(blockKey(2_097_152, 0, 16_384), '2097152:0:16384');
  assert.equal(blockKey(0, 100, 16_384), '0:100:16384');
  assert.equal(blockKey(0, 0, 16_385), '0:0:16385');
  assert.equal(blockKey(1, 2_147_483_648, 10), '1:2147483648:10');
  const set = new RequestSet();
  set.add({ index: 3, begin: 16_384, length: 16_384 });
  set.add({ index: 3, begin: 100, length: 7 });
  assert.equal(set.has(3, 16_384, 16_384), true);
  assert.equal(set.has(3, 16_384, 16_383), false);
  assert.equal(set.has(3, 100, 7), true);
  assert.equal(set.delete(3, 100, 7), true);
  assert.deepEqual(set.list(), [{ index: 3, begin: 16_384, length: 16_384 }]);
});
