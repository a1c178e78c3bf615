import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../adapters/testing/virtual-clock.js';
import type { AnnounceParams } from '../../codecs/tracker/types.js';
import type { SwarmStore } from '../../ports/swarm-store.js';
import { TrackerCore } from './core.js';
import { MemorySwarmStore } from './memory-store.js';

const HASH = new Uint8Array(20).fill(7);

function params(peer: number, left: number): AnnounceParams {
  return {
    infoHash: HASH,
    peerId: new Uint8Array(20).fill(peer),
    port: 1000 + peer,
    uploaded: 0,
    downloaded: 0,
    left,
    event: undefined,
    numwant: undefined,
    compact: true,
    noPeerId: true,
    ip: undefined,
    key: undefined,
    trackerId: undefined,
  };
}

test('announceSync answers like announce when the store is in this process', async () => {
  const clock = new VirtualClock();
  const core = new TrackerCore({ store: new MemorySwarmStore({ rng: new SeededRng(1) }), clock, rng: new SeededRng(2) }, { intervalS: 100, jitterS: 0 });
  assert.equal(core.answersSynchronously, true);
  const seed = core.announceSync(params(1, 0), { transport: 'udp', ip: '127.0.0.1' });
  assert.ok(seed);
  assert.deepEqual([seed.complete, seed.incomplete, seed.peers.length, seed.interval], [1, 0, 0, 100]);
  const leech = await core.announce(params(2, 5), { transport: 'http', ip: '127.0.0.2' });
  assert.deepEqual([leech.complete, leech.incomplete], [1, 1]);
  assert.deepEqual(
    leech.peers.map((p) => [p.ip, p.port]),
    [['127.0.0.1', 1001]],
  );
  const again = core.announceSync(params(1, 0), { transport: 'udp', ip: '127.0.0.1' })!;
  assert.deepEqual(
    again.peers.map((p) => [p.ip, p.port]),
    [['127.0.0.2', 1002]],
  );
  const snap = await core.snapshot();
  assert.equal(snap.stats.announces.udp + snap.stats.announces.http, 3);
});

test('announceSync refuses like announce, and declines stores that answer later', async () => {
  const clock = new VirtualClock();
  const core = new TrackerCore({ store: new MemorySwarmStore({ rng: new SeededRng(1) }), clock, rng: new SeededRng(2) }, { privateMode: true });
  assert.throws(
    () => core.announceSync(params(1, 0), { transport: 'udp', ip: '127.0.0.1' }),
    (err: { code?: string }) => err.code === 'BT_ERR_TRACKER_NOT_ALLOWED',
  );
  const mem = new MemorySwarmStore({ rng: new SeededRng(1) });
  const remote: SwarmStore = {
    announce: (a) => mem.announce(a),
    scrape: (h) => mem.scrape(h),
    expire: (now) => mem.expire(now),
    totals: () => mem.totals(),
    close: () => mem.close(),
  };
  const later = new TrackerCore({ store: remote, clock, rng: new SeededRng(2) });
  assert.equal(later.answersSynchronously, false);
  assert.equal(later.announceSync(params(1, 0), { transport: 'udp', ip: '127.0.0.1' }), undefined);
  assert.equal((await later.announce(params(1, 0), { transport: 'udp', ip: '127.0.0.1' })).complete, 1);
});

test('answers carry interval jitter, numwant is capped, and the expiry timer drops peers that went silent', async () => {
  const clock = new VirtualClock();
  const core = new TrackerCore(
    { store: new MemorySwarmStore({ rng: new SeededRng(1) }), clock, rng: new SeededRng(2) },
    { intervalS: 100, jitterS: 10, maxNumwant: 200, peerTtlMs: 60_000 },
  );
  const src = { transport: 'http', ip: '127.0.0.1' } as const;
  const intervals = new Set<number>();
  for (let p = 1; p <= 250; p++) intervals.add(core.announceSync(params(p, 5), src)!.interval);
  assert.ok([...intervals].every((s) => s >= 100 && s <= 110), `intervals ${[...intervals]} within 100 + 10`);
  assert.ok(intervals.size >= 5, `intervals vary (${intervals.size} distinct)`);
  const greedy = core.announceSync({ ...params(251, 5), numwant: 1000 }, src)!;
  assert.equal(greedy.peers.length, 200, 'numwant is capped at maxNumwant');
  assert.equal(core.announceSync({ ...params(252, 5), numwant: 3 }, src)!.peers.length, 3);
  core.start();
  // Peer 1 keeps announcing; everyone else falls silent past the TTL (60 s). The expiry timer
  // runs every TTL / 4, so within 75 s of their last announce the silent peers are gone.
  for (let s = 0; s < 8; s++) {
    clock.advance(10_000);
    core.announceSync(params(1, 5), src);
  }
  await new Promise((resolve) => setImmediate(resolve));
  const [entry] = await core.scrape([HASH], 'http');
  assert.equal(entry.incomplete, 1, 'only the peer that kept announcing is left');
  await core.close();
});
