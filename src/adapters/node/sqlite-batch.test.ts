/** The SQLite store batches its writes: announces reach the file at the flush, not one by one. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SeededRng } from '../testing/seeded-rng.js';
import { VirtualClock } from '../testing/virtual-clock.js';
import { SqliteSwarmStore } from './sqlite-store.js';

test('SQLite writes are batched: nothing reaches the file before the flush timer, then every change', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tk-sqlite-batch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new VirtualClock();
  const path = join(dir, 'tracker.db');
  const store = new SqliteSwarmStore({ rng: new SeededRng(1), clock }, { path, flushMs: 1000 });
  const hash = (i: number) => new Uint8Array(20).fill(i + 1);
  for (let i = 0; i < 500; i++) {
    const peerId = new TextEncoder().encode(`-TK0100-${String(i).padStart(12, '0')}`);
    store.announceSync({
      infoHash: hash(i % 10),
      peer: { peerId, ip: `10.0.${i >> 8}.${i & 255}`, port: 6881 },
      left: i % 2,
      event: 'started',
      numwant: 0,
      family: 'any',
      now: clock.wallTime(),
      ttlMs: 3_600_000,
    });
  }
  const ro = new Database(path, { readonly: true });
  t.after(() => ro.close());
  const peers = () => (ro.prepare('SELECT count(*) AS n FROM peers').get() as { n: number }).n;
  assert.equal(peers(), 0, 'no write per announce');
  clock.advance(1000);
  for (let i = 0; i < 250 && peers() < 500; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(peers(), 500, 'the flush wrote every change');
  await store.close();
});
