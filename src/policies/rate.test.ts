import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateEstimator } from './rate.js';

test('a steady stream is measured at its rate, over the window and from the first sample', () => {
  const r = new RateEstimator(5_000, 250);
  assert.equal(r.rate(0), 0);
  for (let t = 0; t < 10_000; t += 100) r.add(1_000, t); // 10 kB/s
  const rate = r.rate(10_000);
  assert.ok(Math.abs(rate - 10_000) < 200, `rate ${rate}`);
  const young = new RateEstimator(5_000, 250);
  for (let t = 1_000; t < 2_000; t += 100) young.add(1_000, t);
  const y = young.rate(2_000);
  assert.ok(y > 7_000 && y < 11_000, `a one-second-old stream is not diluted by the window: ${y}`);
  assert.equal(young.total, 10_000);
});

test('the rate decays to zero once data stops, including after a long gap', () => {
  const r = new RateEstimator(2_000, 500);
  r.add(10_000, 0);
  r.add(10_000, 600);
  assert.ok(r.rate(1_000) > 0);
  assert.ok(r.rate(2_400) > 0, 'still inside the window');
  assert.equal(r.rate(3_000), 0);
  r.add(500, 1_000_000);
  const after = r.rate(1_000_000);
  assert.ok(after > 0 && after <= 1_000, `only the new bytes count after a gap longer than the window: ${after}`);
});
