import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import type { SwarmAnnounce } from '../../ports/swarm-store.js';
import { MemorySwarmStore } from './memory-store.js';
import { readChanges, ReplicatedSwarmStore, writeChange } from './replicated-store.js';

const HASH = new Uint8Array(20).fill(3);
const NOW = 1_700_000_000_000;

function ann(peer: number, ip: string, left: number, event?: SwarmAnnounce['event']): SwarmAnnounce {
  return { infoHash: HASH, peer: { peerId: new Uint8Array(20).fill(peer), ip, port: 6000 + peer }, left, event, numwant: 50, family: 'any', now: NOW, ttlMs: 60_000 };
}

/** Two replicas wired to each other; deferred flushes run when `turn()` is called. */
function pair() {
  const deferred: (() => void)[] = [];
  const published: Uint8Array[] = [];
  const stores: ReplicatedSwarmStore[] = [];
  for (let i = 0; i < 2; i++) {
    stores.push(
      new ReplicatedSwarmStore({
        local: new MemorySwarmStore({ rng: new SeededRng(i + 1) }),
        publish: (batch) => {
          published.push(batch);
          stores[1 - i].apply(batch);
        },
        defer: (fn) => deferred.push(fn),
      }),
    );
  }
  const turn = () => deferred.splice(0).forEach((fn) => fn());
  return { a: stores[0], b: stores[1], turn, published };
}

test('a change record carries the whole announce', () => {
  const out = new Uint8Array(512);
  let o = writeChange(out, 0, ann(1, '127.0.0.1', 0, 'completed'));
  o = writeChange(out, o, { ...ann(2, '2001:db8::1', 123_456_789_012, 'paused'), ttlMs: 3_990_000 });
  const seen: SwarmAnnounce[] = [];
  readChanges(out.subarray(0, o), (a) => seen.push(a));
  assert.equal(seen.length, 2);
  assert.deepEqual(
    seen.map((a) => [a.peer.ip, a.peer.port, a.left, a.event, a.now, a.ttlMs, a.numwant, a.peer.peerId[0], a.infoHash[19]]),
    [
      ['127.0.0.1', 6001, 0, 'completed', NOW, 60_000, 0, 1, 3],
      ['2001:db8::1', 6002, 123_456_789_012, 'paused', NOW, 3_990_000, 0, 2, 3],
    ],
  );
  assert.throws(
    () => readChanges(out.subarray(0, o - 3), () => {}),
    (err: { code?: string }) => err.code === 'BT_ERR_TRACKER_REPLICA',
  );
  const bad = out.slice(0, o);
  bad[0] = 9;
  assert.throws(
    () => readChanges(bad, () => {}),
    (err: { code?: string }) => err.code === 'BT_ERR_TRACKER_REPLICA',
  );
});

test('a peer announced to one replica is handed out by the other after one turn', async () => {
  const { a, b, turn, published } = pair();
  a.announceSync(ann(1, '127.0.0.1', 0));
  a.announceSync(ann(2, '127.0.0.2', 10));
  // Nothing leaves before the turn ends, then both changes leave as one batch.
  assert.equal(published.length, 0);
  assert.equal((b.announceSync(ann(3, '127.0.0.3', 10)).peers.length), 0);
  turn();
  assert.equal(published.length, 2);
  const leech = b.announceSync(ann(4, '127.0.0.4', 10));
  assert.deepEqual([leech.complete, leech.incomplete], [1, 3]);
  // A leecher gets the seeder first.
  assert.equal(leech.peers[0].ip, '127.0.0.1');
  turn();
  assert.deepEqual(await a.totals(NOW), await b.totals(NOW));
  assert.deepEqual(await a.totals(NOW), { torrents: 1, seeders: 1, leechers: 3, completed: 0 });
  // A leecher finishing on one replica is counted once on both; leaving removes it from both.
  b.announceSync(ann(2, '127.0.0.2', 0, 'completed'));
  a.announceSync(ann(4, '127.0.0.4', 10, 'stopped'));
  turn();
  for (const s of [a, b]) assert.deepEqual(await s.totals(NOW), { torrents: 1, seeders: 2, leechers: 1, completed: 1 });
  const [sa] = await a.scrape([HASH], NOW);
  const [sb] = await b.scrape([HASH], NOW);
  assert.deepEqual(sa, sb);
  // Replicas expire their own copies by the same times.
  assert.equal(await a.expire(NOW + 60_000), 3);
  assert.equal(await b.expire(NOW + 60_000), 3);
  await a.close();
  await b.close();
});

test('a full batch leaves within the turn', () => {
  const { a, published } = pair();
  for (let i = 0; i < 2000; i++) a.announceSync({ ...ann(i % 250, '127.0.0.1', 10), peer: { peerId: new Uint8Array(20).fill(i % 250), ip: `127.0.${i >> 8}.${i & 255}`, port: 1 } });
  assert.ok(published.length >= 1);
  let records = 0;
  for (const batch of published) readChanges(batch, () => records++);
  assert.ok(records > 0 && records < 2000);
});
