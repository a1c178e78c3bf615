import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PeerPipeline } from './peer-pipeline.js';

const B = 16 * 1024;
const req = (piece: number, block: number) => ({ piece, block, begin: block * B, length: B });

test('depth follows the rate (3 s of data), within the minimum, reqq and maximum', () => {
  const p = new PeerPipeline(0);
  assert.equal(p.depth(0), 4, 'a new peer gets the minimum');
  for (let t = 0; t < 5_000; t += 10) p.received(0, 0, 10 * 1024, t); // ~1 MiB/s
  const d = p.depth(5_000);
  assert.ok(d >= 180 && d <= 200, `depth ${d} ~ 3 s x 1 MiB/s / 16 KiB = 192`);
  p.reqq = 100;
  assert.equal(p.depth(5_000), 100, 'bounded by the peer reqq');
  const capped = new PeerPipeline(0, { maxDepth: 50 });
  for (let t = 0; t < 5_000; t += 10) capped.received(0, 0, 10 * 1024, t);
  assert.equal(capped.depth(5_000), 50);
  p.sent([req(1, 0), req(1, 1)], 5_000);
  assert.equal(p.room(5_000), 98);
  const short = p.room(5_000, 1);
  assert.ok(short >= 58 && short <= 64, `a one-second queue while critical pieces are wanted: ${short}`);
  assert.equal(p.bytesOutstanding(), 2 * B);
  const drain = p.expectedDrainMs(5_000);
  assert.ok(drain > 25 && drain < 40, `32 KiB at ~1 MiB/s drains in ~31 ms: ${drain}`);
  assert.equal(new PeerPipeline(0).expectedDrainMs(0), Infinity, 'unknown rate');
});

test('a request is late only when the peer has made no progress for the timeout', () => {
  const p = new PeerPipeline(0, { requestTimeoutMs: 10_000 });
  p.sent([req(0, 0), req(0, 1), req(0, 2)], 0);
  assert.deepEqual(p.late(9_999), []);
  p.received(0, 0, B, 9_000);
  assert.deepEqual(p.late(15_000), [], 'the peer delivered 6 s ago');
  assert.deepEqual(
    p.late(19_000).map((r) => r.block),
    [1, 2],
  );
  assert.equal(p.outstanding, 2, 'late requests stay until the caller removes them');
});

test('no block for the snub timeout: snubbed, one request at a time, until the next block', () => {
  const p = new PeerPipeline(0, { snubTimeoutMs: 60_000 });
  assert.equal(p.checkSnubbed(100_000), false, 'nothing outstanding: not snubbed');
  p.sent([req(0, 0), req(0, 1)], 100_000);
  assert.equal(p.checkSnubbed(159_999), false);
  assert.equal(p.checkSnubbed(160_000), true);
  assert.equal(p.checkSnubbed(170_000), false, 'reported once');
  assert.equal(p.snubbed, true);
  assert.equal(p.depth(170_000), 1);
  p.received(0, 0, B, 171_000);
  assert.equal(p.snubbed, false);
  assert.equal(p.clear().length, 1);
});

test('a peer that never answers is snubbed even though each request times out first', () => {
  const p = new PeerPipeline(0, { requestTimeoutMs: 20_000, snubTimeoutMs: 60_000 });
  let t = 0;
  p.sent([req(0, 0)], t);
  for (; t <= 60_000; t += 1_000) {
    if (p.checkSnubbed(t)) break;
    for (const r of p.late(t)) p.remove(r.piece, r.begin, true);
    if (p.outstanding === 0) p.sent([req(0, 1)], t); // the scheduler asks again
  }
  assert.equal(t, 60_000, 'snubbed 60 s after the first unanswered request');
  // withdrawing our requests (a choke) ends the wait: no snub for that time
  const q = new PeerPipeline(0, { snubTimeoutMs: 60_000 });
  q.sent([req(0, 0)], 0);
  q.clear();
  q.sent([req(0, 0)], 50_000);
  assert.equal(q.checkSnubbed(100_000), false);
  assert.equal(q.checkSnubbed(110_000), true);
  const c = new PeerPipeline(0, { snubTimeoutMs: 60_000 });
  c.sent([req(0, 0)], 0);
  c.remove(0, 0);
  assert.equal(c.checkSnubbed(100_000), false, 'cancelled by us: not the peer\'s fault');
});

test('slow start: a full queue grows by one per delivered block until the rate stops growing', () => {
  // A tiny queue time keeps the rate term out of the way: the depth is the slow-start depth.
  const p = new PeerPipeline(0, { queueSeconds: 0.001 });
  let next = 0;
  const fill = (now: number) => {
    const room = p.room(now);
    p.sent(Array.from({ length: room }, () => req(next >> 4, next++ & 15)), now);
  };
  fill(0);
  assert.equal(p.outstanding, 4);
  // Each round trip (100 ms) the peer delivers the whole queue: the queue doubles per round trip.
  let now = 0;
  for (let rtt = 0; rtt < 5; rtt++) {
    now += 100;
    for (const r of p.requests()) p.received(r.piece, r.begin, B, now);
    fill(now);
  }
  assert.equal(p.outstanding, 4 * 2 ** 5, 'doubled every round trip');
  assert.ok(p.inSlowStart);
  assert.equal(p.depth(now, 0.0001), 4, 'a shorter (critical) queue never takes the slow-start depth');
  p.tickRate(now);
  // The rate keeps growing until the next tick: still in slow start.
  for (let rtt = 0; rtt < 3; rtt++) {
    now += 100;
    for (const r of p.requests()) p.received(r.piece, r.begin, B, now);
    fill(now);
  }
  p.tickRate(now);
  assert.ok(p.inSlowStart, 'the rate grew since the last tick');
  // A flat second: slow start ends and the depth falls back to what the rate asks for.
  for (let i = 0; i < 10; i++) {
    now += 100;
    const batch = p.requests().slice(0, 4);
    for (const r of batch) p.received(r.piece, r.begin, B, now);
  }
  for (let i = 0; i < 10; i++) {
    now += 100;
    const batch = p.requests().slice(0, 4);
    for (const r of batch) p.received(r.piece, r.begin, B, now);
  }
  p.tickRate(now);
  assert.equal(p.inSlowStart, false, 'a flat rate ends slow start');
  assert.equal(p.depth(now), 4, 'the (tiny) rate term and the minimum set the depth from now on');
});
