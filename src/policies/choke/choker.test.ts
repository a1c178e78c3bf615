import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { type ChokePeer, Choker } from './choker.js';

function peer(id: string, down: number, extra: Partial<ChokePeer<string>> = {}): ChokePeer<string> {
  return { id, interested: true, choked: true, downloadRate: down, uploadRate: 0, connectedAt: -1e9, ...extra };
}

/** Applies a rechoke result to the peers' `choked` flags, as the engine would. */
function apply(peers: ChokePeer<string>[], unchoked: Set<string>): ChokePeer<string>[] {
  return peers.map((p) => ({ ...p, choked: !unchoked.has(p.id) }));
}

const sorted = (s: Iterable<string>) => [...s].sort();

test('leeching: tit-for-tat by download rate, snubbed and uninterested peers left out, one optimistic', () => {
  const c = new Choker<string>({ uploadSlots: 3 });
  const peers = [
    peer('a', 100),
    peer('b', 500),
    peer('c', 300),
    peer('d', 900, { snubbed: true }),
    peer('e', 800, { interested: false }),
    peer('f', 200),
    peer('g', 50),
  ];
  const r = c.rechoke(peers, 0, new SeededRng(1), false);
  assert.equal(r.optimistic.size, 1);
  const regular = [...r.unchoked].filter((id) => !r.optimistic.has(id));
  assert.deepEqual(sorted(regular), ['b', 'c', 'f']);
  assert.ok(['a', 'd', 'g'].includes([...r.optimistic][0]), 'the optimistic peer is interested and outside the regular slots');
  assert.deepEqual(sorted(r.unchoke), sorted(r.unchoked));
  assert.deepEqual(r.choke, new Set());
  // a currently unchoked peer that drops out is choked
  const next = apply(peers, r.unchoked).map((p) => (p.id === 'b' ? { ...p, downloadRate: 0 } : p));
  const r2 = c.rechoke(next, 10_000, new SeededRng(2), false);
  assert.deepEqual(sorted([...r2.unchoked].filter((id) => !r2.optimistic.has(id))), ['a', 'c', 'f']);
  if (!r2.optimistic.has('b')) assert.ok(r2.choke.has('b'), 'b lost its slot');
  if (!r.optimistic.has('a')) assert.deepEqual(r2.optimistic, r.optimistic, 'the optimistic peer is kept within 30 s');
  assert.ok(!r2.unchoke.has('c'), 'c stays unchoked: no message');
  for (const id of r2.choke) assert.ok(!r2.unchoked.has(id));
});

test('the optimistic unchoke holds for 30 s, then rotates to another peer', () => {
  const c = new Choker<string>({ uploadSlots: 1 });
  let peers = ['a', 'b', 'c', 'd', 'e'].map((id, i) => peer(id, i === 0 ? 1000 : 0));
  const seen: string[] = [];
  for (let t = 0; t <= 120_000; t += 10_000) {
    const r = c.rechoke(peers, t, new SeededRng(t + 1), false);
    assert.equal(r.optimistic.size, 1);
    seen.push([...r.optimistic][0]);
    peers = apply(peers, r.unchoked);
  }
  // rotations at 0, 30, 60, 90, 120 s; held in between
  for (let k = 0; k < seen.length; k++) if (k % 3 !== 0) assert.equal(seen[k], seen[k - 1], `held at ${k * 10} s`);
  for (let k = 3; k < seen.length; k += 3) assert.notEqual(seen[k], seen[k - 1], `rotated at ${k * 10} s`);
  assert.ok(!seen.includes('a'), 'the regular peer is never the optimistic one');
});

test('newly connected peers are about three times as likely to be the optimistic unchoke', () => {
  const counts = new Map<string, number>();
  for (let s = 1; s <= 1200; s++) {
    const c = new Choker<string>({ uploadSlots: 0 });
    const peers = ['n', 'o1', 'o2', 'o3', 'o4', 'o5'].map((id) => peer(id, 0, { connectedAt: id === 'n' ? 50_000 : 0 }));
    const r = c.rechoke(peers, 100_000, new SeededRng(s), false);
    const id = [...r.optimistic][0];
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const newShare = counts.get('n')! / 1200; // expected 3/8
  const oldShare = (1200 - counts.get('n')!) / 5 / 1200; // expected 1/8 each
  assert.ok(newShare > 0.3 && newShare < 0.45, `new peer share ${newShare}`);
  assert.ok(newShare / oldShare > 2.2 && newShare / oldShare < 4, `ratio ${newShare / oldShare}`);
});

test('seeding, fastest upload: the peers we upload to fastest keep the slots', () => {
  const c = new Choker<string>({ uploadSlots: 2, optimisticSlots: 0, seeding: 'fastest-upload' });
  const peers = [peer('a', 0, { uploadRate: 10 }), peer('b', 0, { uploadRate: 30 }), peer('c', 0, { uploadRate: 20 }), peer('d', 999)];
  assert.deepEqual(sorted(c.rechoke(peers, 0, new SeededRng(1), true).unchoked), ['b', 'c']);
});

test('seeding, round robin: every interested peer gets turns, and the longest-waiting goes next', () => {
  const c = new Choker<string>({ uploadSlots: 2, optimisticSlots: 0, roundRobinTurnMs: 30_000 });
  let peers = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => peer(id, 0));
  const turns = new Map<string, number>();
  let prev = new Set<string>();
  for (let t = 0; t < 300_000; t += 10_000) {
    const r = c.rechoke(peers, t, new SeededRng(t + 7), true);
    assert.equal(r.unchoked.size, 2);
    for (const id of r.unchoke) turns.set(id, (turns.get(id) ?? 0) + 1);
    if (t % 30_000 !== 0) assert.deepEqual(r.unchoked, prev, `slots held within a turn at ${t}`);
    else if (t > 0) for (const id of r.unchoked) assert.ok(!prev.has(id), `a new pair at ${t}`);
    prev = r.unchoked;
    peers = apply(peers, r.unchoked);
  }
  // 10 turns of 2 slots over 6 peers: everyone served 3 or 4 times
  for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) assert.ok((turns.get(id) ?? 0) >= 3, `${id} had ${turns.get(id)} turns`);
});
