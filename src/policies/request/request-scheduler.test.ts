import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { PiecePicker } from '../picker/piece-picker.js';
import { RequestScheduler } from './request-scheduler.js';

const B = 16 * 1024;

function setup(pieces: number, options = {}) {
  const picker = new PiecePicker<string>({ rng: new SeededRng(7) }, { pieceLength: 4 * B, totalLength: pieces * 4 * B });
  picker.addAvailability('all');
  picker.addAvailability('all');
  const sched = new RequestScheduler<string>({ picker }, options);
  return { picker, sched };
}

test('fill keeps the pipeline at its depth; arrivals make room (and in slow start one more)', () => {
  const { picker, sched } = setup(8);
  sched.addPeer('a', 0);
  const first = sched.fill('a', { has: 'all' }, 0);
  assert.equal(first.length, 4);
  assert.deepEqual(sched.fill('a', { has: 'all' }, 0), []);
  const r = first[0];
  const receipt = sched.blockReceived('a', r.piece, r.begin, r.length, 10);
  assert.equal(receipt.duplicate, false);
  assert.equal(sched.fill('a', { has: 'all' }, 10).length, 2, 'the block that left a full queue makes room for two');
  assert.equal(picker.requestCount('a'), 5);
  assert.deepEqual(sched.fill('nobody', { has: 'all' }, 10), [], 'unknown peers get nothing');
  sched.addPeer('b', 10);
  assert.equal(sched.fill('b', { has: 'all' }, 10, 2).length, 2, 'a rate limit caps the requests');
  assert.equal(sched.fill('b', { has: 'all' }, 10, 0).length, 0);
});

test('timed out requests go back to the pool and are reported for cancelling', () => {
  const { picker, sched } = setup(2, { requestTimeoutMs: 5_000 });
  sched.addPeer('a', 0);
  sched.fill('a', { has: 'all' }, 0);
  const free = picker.freeBlocks;
  const { cancel } = sched.tick(5_000);
  assert.equal(cancel.length, 4);
  assert.ok(cancel.every((c) => c.peer === 'a'));
  assert.equal(picker.freeBlocks, free + 4);
  assert.equal(sched.pipeline('a')!.outstanding, 0);
});

test('a choke without the fast extension drops the requests; with it they stand', () => {
  const { picker, sched } = setup(2);
  sched.addPeer('a', 0);
  sched.fill('a', { has: 'all' }, 0);
  assert.deepEqual(sched.choked('a', true), []);
  assert.equal(picker.requestCount('a'), 4);
  assert.equal(sched.choked('a', false).length, 4);
  assert.equal(picker.requestCount('a'), 0);
  assert.equal(sched.pipeline('a')!.outstanding, 0);
  sched.fill('a', { has: 'all' }, 0);
  const r = picker.requestsOf('a')[0];
  sched.requestEnded('a', r.piece, r.begin);
  assert.equal(picker.requestCount('a'), 3);
  assert.equal(sched.removePeer('a').length, 3);
});

test('a slow peer loses the critical blocks it holds to a fast peer', () => {
  const { picker, sched } = setup(4, { criticalStallMs: 1_500 });
  sched.addPeer('slow', 0);
  sched.addPeer('fast', 0);
  // both deliver for a while; the fast one at 20x the rate
  for (let t = 0; t < 4_000; t += 100) {
    sched.pipeline('fast')!.received(99, 0, 20_000, t);
    sched.pipeline('slow')!.received(99, 0, 1_000, t);
  }
  sched.tick(4_000);
  assert.equal(sched.speedOf('fast'), 'fast');
  assert.equal(sched.speedOf('slow'), 'slow');
  const held = sched.fill('slow', { has: 'all' }, 4_000);
  const piece = held[0].piece;
  picker.deadlines.set(piece, 10_000);
  assert.deepEqual(sched.tick(5_000).cancel, [], 'not yet stalled');
  const { cancel } = sched.tick(5_500);
  assert.deepEqual(
    cancel.map((c) => [c.peer, c.piece]),
    held.filter((r) => r.piece === piece).map(() => ['slow', piece]),
  );
  const taken = sched.fill('fast', { has: 'all' }, 5_500);
  assert.ok(taken.filter((r) => r.piece === piece).length === 4, 'the fast peer requests the whole critical piece');
});

test('an endgame arrival removes the duplicate from the other peer\'s pipeline', () => {
  const { sched } = setup(1);
  sched.addPeer('a', 0);
  sched.addPeer('b', 0);
  const a = sched.fill('a', { has: 'all' }, 0);
  const b = sched.fill('b', { has: 'all' }, 1);
  assert.equal(b.length, 4, 'b duplicates all four blocks in endgame');
  const receipt = sched.blockReceived('b', a[0].piece, a[0].begin, a[0].length, 2);
  assert.deepEqual(receipt.cancel.map((c) => c.peer), ['a']);
  assert.equal(sched.pipeline('a')!.outstanding, 3);
  assert.equal(sched.pipeline('b')!.outstanding, 3);
});

test('a peer that stops sending is reported snubbed once, then gets one request at a time; reqq caps the depth', () => {
  const { sched } = setup(64, { snubTimeoutMs: 60_000 }); // requests time out after 20 s, before the snub
  sched.addPeer('a', 0);
  sched.setReqq('a', 2);
  assert.equal(sched.fill('a', { has: 'all' }, 0).length, 2, 'the peer queues at most 2');
  sched.setReqq('a', 0);
  assert.equal(sched.pipeline('a')!.reqq, 2, 'a bad reqq is ignored');
  sched.setReqq('a', 250);
  sched.fill('a', { has: 'all' }, 0);
  assert.deepEqual(sched.tick(59_999).snubbed, []);
  assert.deepEqual(sched.tick(60_000).snubbed, ['a']);
  assert.deepEqual(sched.tick(61_000).snubbed, []);
  assert.equal(sched.speedOf('a'), 'slow');
  assert.equal(sched.pipeline('a')!.depth(61_000), 1);
});
