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
