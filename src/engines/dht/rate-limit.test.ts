import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limit.js';

test('a token bucket per address: burst, then the sustained rate', () => {
  const r = new RateLimiter({ perSecond: 10, burst: 5 });
  const allowed = Array.from({ length: 8 }, () => r.allow('a', 0)).filter(Boolean).length;
  assert.equal(allowed, 5);
  assert.equal(r.allow('b', 0), true, 'other addresses are not affected');
  assert.equal(r.allow('a', 50), false, 'half a token after 50 ms');
  assert.equal(r.allow('a', 100), true);
});

test('memory: idle addresses are forgotten, and the map is bounded', () => {
  const r = new RateLimiter({ perSecond: 10, burst: 5, maxAddresses: 100 });
  for (let i = 0; i < 1000; i++) r.allow(`10.0.${i >> 8}.${i & 255}`, 0);
  assert.equal(r.size, 100);
  r.allow('x', 10_000);
  assert.equal(r.size, 1, 'entries idle past a full refill are dropped');
});
