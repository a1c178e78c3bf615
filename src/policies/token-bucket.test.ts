import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from './token-bucket.js';

test('token bucket enforces its rate over time', () => {
  const b = new TokenBucket(100_000, 0, 500); // 100 kB/s, 50 kB burst
  assert.equal(b.take(1_000_000, 0), 50_000);
  assert.equal(b.take(10, 0), 0);
  assert.equal(b.waitMs(16_384, 0), 164);
  assert.equal(b.take(1_000_000, 100), 10_000);
  let sent = 0;
  for (let t = 100; t <= 10_100; t += 10) sent += b.take(1_000_000, t);
  assert.ok(Math.abs(sent - 1_000_000) <= 1_000, `sent ${sent}`);
  assert.equal(b.tryTake(10_000, 10_100), false);
  assert.equal(b.tryTake(10_000, 10_200), true);
});

test('unlimited buckets grant everything', () => {
  const b = new TokenBucket(0, 0);
  assert.equal(b.take(1e9, 0), 1e9);
  assert.equal(b.waitMs(1e9, 0), 0);
  b.setRate(1000, 0);
  assert.equal(b.unlimited, false);
  assert.equal(b.take(1e9, 0), 16_384);
});
