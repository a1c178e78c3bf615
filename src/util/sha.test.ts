import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { toHex } from './bytes.js';
import { sha1, sha256 } from './sha.js';

test('sha1 and sha256 match node:crypto for lengths around block boundaries', () => {
  for (const n of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 70_000, 1_000_003]) {
    const b = randomBytes(n);
    assert.equal(toHex(sha1(b)), createHash('sha1').update(b).digest('hex'), `sha1 length ${n}`);
    assert.equal(toHex(sha256(b)), createHash('sha256').update(b).digest('hex'), `sha256 length ${n}`);
  }
});
