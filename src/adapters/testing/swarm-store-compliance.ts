/**
 * The compliance suite every SwarmStore passes (memory, SQLite, Redis): call it from a test file
 * with a factory and each store runs the same checks of the invariants listed in
 * src/ports/swarm-store.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compactPeer } from '../../codecs/tracker/ip.js';
import type { StoredPeer, SwarmAnnounce, SwarmStore } from '../../ports/swarm-store.js';
import { bytesToBinary } from '../../util/bytes.js';

export interface StoreFactory {
  /** A fresh, empty store (a new database, a new Redis key prefix...). */
  create(): Promise<SwarmStore>;
  /** Reopens the store over the same data when the store persists (SQLite, Redis). */
  reopen?(previous: SwarmStore): Promise<SwarmStore>;
}

const TTL = 60_000;

function id(n: number, tag = 0): Uint8Array {
  const b = new Uint8Array(20);
  b[0] = tag;
  b[18] = n >> 8;
  b[19] = n & 0xff;
  return b;
}

function ann(hash: Uint8Array, n: number, left: number, extra: Partial<SwarmAnnounce> = {}): SwarmAnnounce {
  return {
    infoHash: hash,
    peer: { peerId: id(n, 0xaa), ip: `127.0.${n >> 8}.${n & 0xff}`, port: 1000 + n },
    left,
    event: undefined,
    numwant: 50,
    family: 'any',
    now: 1_000_000,
    ttlMs: TTL,
    ...extra,
  };
}

const ids = (peers: StoredPeer[]) => peers.map((p) => bytesToBinary(p.peerId)).sort();

export function swarmStoreCompliance(name: string, factory: StoreFactory): void {
  describe(`SwarmStore compliance: ${name}`, () => {
    const use = async (fn: (s: SwarmStore) => Promise<void>) => {
      const s = await factory.create();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    };

    test('counts seeders and leechers, never returns the peer itself', () =>
      use(async (s) => {
        const h = id(1, 1);
        const first = await s.announce(ann(h, 1, 100, { event: 'started' }));
        assert.deepEqual(first.peers, []);
        assert.equal(first.incomplete, 1);
        await s.announce(ann(h, 2, 0, { event: 'started' }));
        const r = await s.announce(ann(h, 3, 5));
        assert.equal(r.complete, 1);
        assert.equal(r.incomplete, 2);
        assert.deepEqual(ids(r.peers), ids([ann(h, 1, 0).peer, ann(h, 2, 0).peer]));
        const p = r.peers.find((x) => x.port === 1002)!;
        assert.equal(p.ip, '127.0.0.2');
        assert.deepEqual(p.peerId, id(2, 0xaa));
        const [scr] = await s.scrape([h], 1_000_000);
        assert.deepEqual({ c: scr.complete, i: scr.incomplete, d: scr.downloaded }, { c: 1, i: 2, d: 0 });
      }));

    test('a seeder gets no seeders; a leecher gets seeders first', () =>
      use(async (s) => {
        const h = id(2, 1);
        for (let i = 1; i <= 5; i++) await s.announce(ann(h, i, 0));
        for (let i = 6; i <= 10; i++) await s.announce(ann(h, i, 10));
        const seed = await s.announce(ann(h, 1, 0));
        assert.equal(seed.peers.length, 5);
        for (const p of seed.peers) assert.ok(p.port >= 1006, 'seeder was sent a seeder');
        const leech = await s.announce(ann(h, 6, 10, { numwant: 6 }));
        assert.equal(leech.peers.length, 6);
        assert.deepEqual(
          leech.peers.slice(0, 5).map((p) => p.port).sort(),
          [1001, 1002, 1003, 1004, 1005],
        );
        assert.ok(leech.peers[5].port > 1006);
      }));

    test('numwant caps the list; address family is honoured', () =>
      use(async (s) => {
        const h = id(3, 1);
        for (let i = 1; i <= 30; i++) await s.announce(ann(h, i, 10));
        await s.announce({ ...ann(h, 31, 10), peer: { peerId: id(31, 0xaa), ip: '::1', port: 2000 } });
        assert.equal((await s.announce(ann(h, 1, 10, { numwant: 7 }))).peers.length, 7);
        assert.equal((await s.announce(ann(h, 1, 10, { numwant: 0 }))).peers.length, 0);
        const v6 = await s.announce(ann(h, 1, 10, { family: 'IPv6' }));
        assert.deepEqual(v6.peers.map((p) => p.ip), ['::1']);
        const v4 = await s.announce(ann(h, 1, 10, { family: 'IPv4' }));
        assert.equal(v4.peers.length, 29);
        assert.ok(v4.peers.every((p) => !p.ip.includes(':')));
      }));

    test('re-announce replaces address and state; stopped removes the peer', () =>
      use(async (s) => {
        const h = id(4, 1);
        await s.announce(ann(h, 1, 10));
        await s.announce({ ...ann(h, 1, 0), peer: { peerId: id(1, 0xaa), ip: '127.9.9.9', port: 4444 } });
        const r = await s.announce(ann(h, 2, 10));
        assert.equal(r.complete, 1);
        assert.equal(r.incomplete, 1);
        assert.deepEqual(r.peers.map((p) => [p.ip, p.port]), [['127.9.9.9', 4444]]);
        const stop = await s.announce(ann(h, 1, 0, { event: 'stopped' }));
        assert.deepEqual(stop.peers, []);
        assert.equal(stop.complete, 0);
        const after = await s.announce(ann(h, 2, 10));
        assert.deepEqual(after.peers, []);
        assert.equal(after.incomplete, 1);
      }));

    test('completed is counted once per peer and survives the peer leaving', () =>
      use(async (s) => {
        const h = id(5, 1);
        await s.announce(ann(h, 1, 10, { event: 'started' }));
        await s.announce(ann(h, 1, 0, { event: 'completed' }));
        await s.announce(ann(h, 1, 0, { event: 'completed' }));
        await s.announce(ann(h, 2, 0, { event: 'completed' }));
        await s.announce(ann(h, 1, 0, { event: 'stopped' }));
        const [e] = await s.scrape([h], 1_000_000);
        assert.equal(e.downloaded, 2);
        assert.equal(e.complete, 1);
        const totals = await s.totals(1_000_000);
        assert.equal(totals.completed, 2);
        assert.equal(totals.seeders, 1);
        // A leecher that turns seeder without `completed`, and one that stops with nothing left.
        await s.announce(ann(h, 3, 10, { event: 'started' }));
        await s.announce(ann(h, 3, 0));
        await s.announce(ann(h, 3, 0));
        await s.announce(ann(h, 4, 10, { event: 'started' }));
        await s.announce(ann(h, 4, 0, { event: 'stopped' }));
        await s.announce(ann(h, 5, 10, { event: 'started' }));
        await s.announce(ann(h, 5, 10, { event: 'stopped' }));
        const [f] = await s.scrape([h], 1_000_000);
        assert.equal(f.downloaded, 4);
      }));

    test('peers expire after their ttl', () =>
      use(async (s) => {
        const h = id(6, 1);
        await s.announce(ann(h, 1, 10, { now: 1_000_000 }));
        await s.announce(ann(h, 2, 0, { now: 1_030_000 }));
        const mid = await s.announce(ann(h, 3, 10, { now: 1_059_000 }));
        assert.equal(mid.peers.length, 2);
        const removed = await s.expire(1_065_000);
        assert.equal(removed, 1);
        const [e] = await s.scrape([h], 1_065_000);
        assert.deepEqual([e.complete, e.incomplete], [1, 1]);
        const later = await s.announce(ann(h, 3, 10, { now: 1_065_000 }));
        assert.deepEqual(later.peers.map((p) => p.port), [1002]);
      }));

    test('scrape of many hashes keeps order; unknown hashes are zeros; totals add up', () =>
      use(async (s) => {
        const hashes = [id(7, 1), id(8, 1), id(9, 1)];
        await s.announce(ann(hashes[0], 1, 0));
        await s.announce(ann(hashes[2], 1, 5));
        await s.announce(ann(hashes[2], 2, 5));
        const res = await s.scrape(hashes, 1_000_000);
        assert.deepEqual(
          res.map((e) => [bytesToBinary(e.infoHash), e.complete, e.incomplete]),
          [
            [bytesToBinary(hashes[0]), 1, 0],
            [bytesToBinary(hashes[1]), 0, 0],
            [bytesToBinary(hashes[2]), 0, 2],
          ],
        );
        const t = await s.totals(1_000_000);
        assert.deepEqual([t.torrents, t.seeders, t.leechers], [2, 1, 2]);
      }));

    test('swarms are independent and a stopped unknown peer is harmless', () =>
      use(async (s) => {
        await s.announce(ann(id(10, 1), 1, 0));
        const r = await s.announce(ann(id(11, 1), 2, 5));
        assert.deepEqual(r.peers, []);
        const stop = await s.announce(ann(id(12, 1), 3, 5, { event: 'stopped' }));
        assert.equal(stop.incomplete, 0);
      }));

    test('announceSync compact lists are the compact forms of its peers, through moves, stops and expiry', () =>
      use(async (s) => {
        if (!s.announceSync) return;
        const sync = s.announceSync.bind(s);
        const h = id(14, 1);
        let seed = 7;
        const rnd = (n: number) => {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          return seed % n;
        };
        const ipOf = (n: number, v: number) => (n % 5 === 0 ? `2001:db8::${n}:${v}` : n % 11 === 0 ? '::ffff:10.0.0.1' : `10.${v}.${n >> 8}.${n & 0xff}`);
        for (let step = 0; step < 600; step++) {
          const n = 1 + rnd(40);
          const event = rnd(10) === 0 ? 'stopped' : undefined;
          const r = sync({
            ...ann(h, n, rnd(3) === 0 ? 0 : 10, { event, numwant: 1 + rnd(30), now: 1_000_000 + step * 100, family: (['any', 'IPv4', 'IPv6'] as const)[rnd(3)] }),
            peer: { peerId: id(n, 0xaa), ip: ipOf(n, rnd(2)), port: 1000 + rnd(50) },
          });
          if (step % 100 === 99) await s.expire(1_000_000 + step * 100 - 30_000);
          const four = r.peers.map((p) => compactPeer(p.ip, p.port)!).filter((c) => c.length === 6);
          const six = r.peers.map((p) => compactPeer(p.ip, p.port)!).filter((c) => c.length === 18);
          if (r.peers4 === undefined) continue;
          assert.deepEqual([...r.peers4], four.flatMap((c) => [...c]), `step ${step}: IPv4 list`);
          assert.deepEqual([...(r.peers6 ?? [])], six.flatMap((c) => [...c]), `step ${step}: IPv6 list`);
          if (six.length === 0) assert.equal(r.peers6, undefined);
        }
        const viaPromise = await s.announce(ann(h, 1, 10));
        assert.equal(viaPromise.peers4, undefined, 'a promised answer outlives the store buffers its lists may view');
      }));

    if (factory.reopen) {
      test('swarms and completed counts survive a reopen', async () => {
        const s = await factory.create();
        const h = id(13, 1);
        await s.announce(ann(h, 1, 0, { event: 'completed' }));
        await s.announce(ann(h, 2, 9, { event: 'started' }));
        const again = await factory.reopen!(s);
        try {
          const [e] = await again.scrape([h], 1_000_000);
          assert.deepEqual([e.complete, e.incomplete, e.downloaded], [1, 1, 1]);
          const r = await again.announce(ann(h, 3, 9));
          assert.equal(r.peers.length, 2);
          assert.equal(r.peers[0].port, 1001);
        } finally {
          await again.close();
        }
      });
    }
  });
}
