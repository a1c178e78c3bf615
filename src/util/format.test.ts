import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatDuration, formatRate, parseSize, progressBar } from './format.js';

test('formats sizes, rates, durations and bars', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(1024 ** 3 * 12.3), '12.3 GiB');
  assert.equal(formatRate(2 * 1024 * 1024), '2.00 MiB/s');
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(185), '3m05s');
  assert.equal(formatDuration(3720), '1h02m');
  assert.equal(formatDuration(Number.POSITIVE_INFINITY), '--');
  assert.equal(progressBar(0.5, 10), '#####-----');
  assert.equal(progressBar(2, 4), '####');
});

test('parses sizes and rejects garbage with a code', () => {
  assert.equal(parseSize('500'), 500);
  assert.equal(parseSize('16k'), 16384);
  assert.equal(parseSize('1.5M'), 1572864);
  assert.equal(parseSize('2MiB/s'), 2097152);
  assert.throws(() => parseSize('fast'), (e: Error & { code?: string }) => e.code === 'BT_ERR_BAD_SIZE');
  assert.throws(() => parseSize('-1k'), (e: Error & { code?: string }) => e.code === 'BT_ERR_BAD_SIZE');
});
