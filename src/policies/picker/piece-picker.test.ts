import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { Bitfield } from '../../util/bitfield.js';
import { isTorrentkitError } from '../../util/errors.js';
import { PiecePicker } from './piece-picker.js';
import { TorrentLayout } from '../../codecs/metainfo/layout.js';
import { piecePrioritiesFromFiles } from './priorities.js';
import type { BlockRequest, PickPeer } from './types.js';

const B = 16 * 1024;

/**
 * A picker drawn as a picture, one character per piece (libtorrent's test_piece_picker style):
 * `avail` digits = how many peers have the piece, `have` '*' = verified, `prio` digits = priority.
 * Pieces are 4 blocks of 16 KiB.
 */
function picker(pic: { avail?: string; have?: string; prio?: string }, options: { seed?: number; endgame?: boolean } = {}) {
  const n = (pic.avail ?? pic.have ?? pic.prio)!.length;
  const p = new PiecePicker<string>({ rng: new SeededRng(options.seed ?? 1) }, { pieceLength: 4 * B, totalLength: n * 4 * B, endgame: options.endgame });
  if (pic.avail) {
    const most = Math.max(...[...pic.avail].map(Number));
    for (let peer = 0; peer < most; peer++) p.addAvailability(bits([...pic.avail].map((c) => (Number(c) > peer ? '1' : '0')).join('')));
  }
  if (pic.have) for (let i = 0; i < n; i++) if (pic.have[i] === '*') p.pieceVerified(i);
  if (pic.prio) for (let i = 0; i < n; i++) p.setPiecePriority(i, Number(pic.prio[i]));
  return p;
}

function bits(s: string): Bitfield {
  const b = new Bitfield(s.length);
  for (let i = 0; i < s.length; i++) if (s[i] === '1') b.set(i);
  return b;
}

function seed(id: string, extra: Partial<PickPeer<string>> = {}): PickPeer<string> {
  return { id, has: 'all', ...extra };
}

const pieces = (rs: BlockRequest[]) => [...new Set(rs.map((r) => r.piece))];

/** Checks the picker's bookkeeping against its own block states. */
function checkInvariants(p: PiecePicker<string>, peers: string[]) {
  let free = 0;
  for (let i = 0; i < p.pieceCount; i++) {
    if (!p.wants(i)) continue;
    for (let b = 0; b < p.geo.blocksIn(i); b++) if (p.blockState(i, b) === 'none') free++;
  }
  assert.equal(p.freeBlocks, free, 'free block count');
  for (const peer of peers) {
    for (const r of p.requestsOf(peer)) {
      assert.equal(p.blockState(r.piece, r.block), 'requested');
      assert.ok(p.holders(r.piece, r.block).includes(peer), `${peer} holds ${r.piece}/${r.block}`);
    }
  }
  for (let i = 0; i < p.pieceCount; i++) {
    for (let b = 0; b < p.geo.blocksIn(i); b++) {
      const hs = p.holders(i, b);
      assert.equal(hs.length > 0, p.blockState(i, b) === 'requested', `holders of ${i}/${b}`);
      for (const h of hs) assert.ok(p.requestsOf(h).some((r) => r.piece === i && r.block === b));
    }
  }
}

test('rarest first: the rarest piece, then the next rarest, whole pieces at a time', () => {
  const p = picker({ avail: '3213' });
  const rs = p.pickBlocks(seed('a'), 8, 0);
  assert.deepEqual(pieces(rs), [2, 1]);
  assert.deepEqual(
    rs.slice(0, 4).map((r) => [r.block, r.begin, r.length]),
    [
      [0, 0, B],
      [1, B, B],
      [2, 2 * B, B],
      [3, 3 * B, B],
    ],
  );
});

test('priority beats rarity; priority 0 is never picked; had pieces are skipped', () => {
  const p = picker({ avail: '51111', have: '____*', prio: '71104' });
  assert.deepEqual(pieces(p.pickBlocks(seed('a'), 100, 0)), [0, 1, 2]);
  assert.equal(p.missing, 3);
  assert.equal(p.wantedCount(bits('11011')), 2);
  assert.equal(p.interestedIn(bits('00011')), false);
  assert.equal(p.interestedIn(bits('00100')), true);
  assert.equal(p.wants(3), false);
  assert.equal(p.wants(4), false);
});

test('equally rare pieces are picked in random order', () => {
  const firsts = new Set<number>();
  for (let s = 1; s <= 40; s++) firsts.add(pieces(picker({ avail: '2111112' }, { seed: s }).pickBlocks(seed('a'), 1, 0))[0]);
  assert.deepEqual([...firsts].sort(), [1, 2, 3, 4, 5]);
});

test('a peer gets only pieces it has; a peer with few pieces is scanned through its own bitfield', () => {
  const p = picker({ avail: '1'.repeat(100) });
  const has = bits('0'.repeat(50) + '1' + '0'.repeat(49));
  p.addAvailability(has);
  assert.deepEqual(pieces(p.pickBlocks({ id: 'a', has }, 10, 0)), [50]);
  assert.deepEqual(p.pickBlocks({ id: 'b', has: new Bitfield(100) }, 10, 0), []);
});

test('partial pieces are finished before new pieces are started', () => {
  const p = picker({ avail: '2221' });
  assert.deepEqual(
    p.pickBlocks(seed('a'), 2, 0).map((r) => [r.piece, r.block]),
    [
      [3, 0],
      [3, 1],
    ],
  );
  p.setPiecePriority(3, 4);
  // piece 0..2 are as rare as each other; b first finishes piece 3
  assert.deepEqual(
    p.pickBlocks(seed('b'), 3, 0).map((r) => [r.piece, r.block]).slice(0, 2),
    [
      [3, 2],
      [3, 3],
    ],
  );
});

test('newPieces bounds how many pieces a pick starts; started pieces are always offered', () => {
  const p = picker({ avail: '1111' }, { endgame: false });
  // Room for 12 blocks, memory for one more piece: one piece's four blocks, nothing of the rest.
  const first = p.pickBlocks(seed('a', { newPieces: 1 }), 12, 0);
  assert.equal(first.length, 4);
  assert.equal(pieces(first).length, 1);
  assert.deepEqual(p.pickBlocks(seed('b', { newPieces: 0 }), 12, 0), [], 'no memory: no new piece');
  // A block of the started piece comes back: it is offered even with no memory for new pieces.
  p.abortRequest('a', first[3].piece, first[3].block);
  assert.deepEqual(
    p.pickBlocks(seed('b', { newPieces: 0 }), 12, 0).map((r) => [r.piece, r.block]),
    [[first[3].piece, first[3].block]],
  );
  assert.equal(pieces(p.pickBlocks(seed('c', { newPieces: 2 }), 12, 0)).length, 2);
  assert.equal(pieces(p.pickBlocks(seed('d'), 12, 0)).length, 1, 'no bound: the last piece');
});

test('speed affinity: a fast peer does not join a slow peer\'s piece while new pieces remain', () => {
  const p = picker({ avail: '1222' });
  assert.deepEqual(pieces(p.pickBlocks(seed('slow', { speed: 'slow' }), 1, 0)), [0]);
  const fast = seed('fast', { speed: 'fast' });
  const first = pieces(p.pickBlocks(fast, 12, 0));
  assert.deepEqual(first.sort(), [1, 2, 3]);
  // once new pieces run out, the fast peer helps with the slow peer's piece
  assert.deepEqual(
    p.pickBlocks(fast, 4, 0).map((r) => [r.piece, r.block]),
    [
      [0, 1],
      [0, 2],
      [0, 3],
      [0, 0], // endgame: everything is requested now, so the slow peer's block is duplicated
    ],
  );
  checkInvariants(p, ['slow', 'fast']);
});

test('choked: only allowed-fast pieces (BEP 6); suggested pieces come before rarest', () => {
  const p = picker({ avail: '2222' });
  p.peerHave(0);
  p.peerHave(0);
  assert.deepEqual(pieces(p.pickBlocks(seed('a', { choked: true, allowedFast: new Set([0]) }), 8, 0)), [0]);
  assert.deepEqual(p.pickBlocks(seed('b', { choked: true }), 8, 0), []);
  assert.deepEqual(pieces(p.pickBlocks(seed('c', { suggested: [3] }), 4, 0)), [3]);
});

test('sequential mode picks in index order and skips pieces not wanted', () => {
  const p = picker({ avail: '9911', prio: '1041' });
  p.setSequential(true);
  assert.deepEqual(pieces(p.pickBlocks(seed('a'), 100, 0)), [0, 2, 3]);
});

test('endgame: the last blocks are requested twice, and the arrival cancels the other request', () => {
  const p = picker({ avail: '11' });
  const all = p.pickBlocks(seed('a'), 8, 0);
  assert.equal(all.length, 8);
  assert.equal(p.inEndgame(), true);
  const dup = p.pickBlocks(seed('b'), 3, 5);
  assert.deepEqual(dup, all.slice(0, 3), 'the oldest requests are duplicated first');
  p.pieceVerified(all[4].piece);
  assert.deepEqual(p.pickBlocks(seed('c'), 8, 5), all.slice(3, 4), 'c gets only the block held once');
  assert.ok(p.pickBlocks(seed('c'), 8, 5).length === 0);
  const x = all[0].piece;
  const got = p.blockReceived('b', x, 1);
  assert.deepEqual(got.cancel, [{ peer: 'a', piece: x, block: 1, begin: B, length: B }]);
  assert.equal(got.pieceComplete, false);
  assert.equal(p.blockReceived('a', x, 1).duplicate, true);
  checkInvariants(p, ['a', 'b', 'c']);
  for (let b = 0; b < 4; b++) if (b !== 1) p.blockReceived('a', x, b);
  const last = p.requestsOf('b');
  assert.deepEqual(last, [], 'b holds nothing of piece 0 any more');
});

test('no endgame while free blocks remain in pieces some peer has, or when disabled', () => {
  const p = picker({ avail: '10' });
  p.addAvailability(bits('01'));
  p.pickBlocks({ id: 'a', has: bits('10') }, 4, 0);
  assert.equal(p.inEndgame(), false);
  assert.deepEqual(p.pickBlocks({ id: 'b', has: bits('10') }, 4, 0), []);
  p.removeAvailability(bits('01'));
  assert.equal(p.inEndgame(), true, 'the free blocks left are in a piece nobody has');
  assert.equal(p.pickBlocks({ id: 'b', has: bits('10') }, 4, 0).length, 4);
  const off = picker({ avail: '1' }, { endgame: false });
  off.pickBlocks(seed('a'), 4, 0);
  assert.equal(off.inEndgame(), false);
  assert.deepEqual(off.pickBlocks(seed('b'), 4, 0), []);
});

test('a peer that leaves returns its blocks and its availability', () => {
  const p = picker({ avail: '21' });
  const has = bits('11');
  p.addAvailability(has);
  p.pickBlocks({ id: 'a', has }, 3, 0);
  assert.equal(p.freeBlocks, 5);
  assert.equal(p.peerGone('a', has).length, 3);
  assert.equal(p.freeBlocks, 8);
  assert.equal(p.availability(0), 2);
  assert.equal(p.partialCount, 0);
  assert.throws(() => p.removeAvailability('all'), (e) => isTorrentkitError(e, 'BT_ERR_PICKER_AVAILABILITY'));
  p.addAvailability('all');
  assert.equal(p.availability(1), 2);
  checkInvariants(p, ['a']);
});

test('a failed piece goes back to the pool and names its senders; repeat senders are flagged', () => {
  const p = picker({ avail: '1' });
  for (const [peer, block] of [
    ['a', 0],
    ['a', 1],
    ['b', 2],
    ['b', 3],
  ] as const) {
    p.pickBlocks(seed(peer), 1, 0);
    const r = p.blockReceived(peer, 0, block);
    assert.equal(r.pieceComplete, block === 3);
  }
  const f1 = p.pieceFailed(0);
  assert.deepEqual(f1.contributors, [
    { peer: 'a', blocks: 2 },
    { peer: 'b', blocks: 2 },
  ]);
  assert.deepEqual(f1.repeat, []);
  assert.deepEqual(f1.senders, ['a', 'a', 'b', 'b']);
  assert.equal(p.freeBlocks, 4);
  // the retry comes from one peer: b starts it, a may neither join nor duplicate it
  assert.equal(p.pickBlocks(seed('b'), 2, 0).length, 2);
  assert.deepEqual(p.pickBlocks(seed('a'), 4, 0), [], 'a does not join b\'s retry, even in endgame');
  assert.equal(p.pickBlocks(seed('b'), 4, 0).length, 2);
  p.releasePeer('b');
  for (let b = 0; b < 4; b++) p.blockReceived('b', 0, b);
  assert.deepEqual(p.pieceFailed(0).repeat, ['b']);
  for (let b = 0; b < 4; b++) p.blockReceived('c', 0, b);
  assert.deepEqual(p.pieceVerified(0), []);
  assert.equal(p.done, true);
  assert.deepEqual(p.pickBlocks(seed('a'), 4, 0), []);
});

test('verifying or skipping a piece returns the requests to cancel', () => {
  const p = picker({ avail: '11' });
  p.pickBlocks(seed('a'), 5, 0);
  const prio0 = p.setPiecePriority(0, 0).concat(p.setPiecePriority(1, 0));
  assert.equal(prio0.length, 5);
  assert.equal(p.requestCount('a'), 0);
  p.setPiecePriority(1, 1);
  p.pickBlocks(seed('a'), 2, 0);
  assert.deepEqual(
    p.pieceVerified(1).map((r) => [r.peer, r.piece, r.block]),
    [
      ['a', 1, 0],
      ['a', 1, 1],
    ],
  );
  assert.throws(() => p.setPiecePriority(0, 8), (e) => isTorrentkitError(e, 'BT_ERR_PRIORITY'));
  assert.throws(() => p.peerHave(2), (e) => isTorrentkitError(e, 'BT_ERR_PIECE_INDEX'));
});

test('deadlines: critical pieces first, kept from slow peers until overdue, duplicated to fast peers', () => {
  const p = picker({ avail: '1111199999' });
  p.deadlines.set(8, 5000);
  p.deadlines.set(7, 3000);
  assert.deepEqual(pieces(p.pickBlocks(seed('m'), 5, 0)), [7, 8]);
  assert.deepEqual(p.deadlines.pieces(), [7, 8]);
  const slow = p.pickBlocks(seed('s', { speed: 'slow' }), 3, 0);
  assert.ok(!pieces(slow).includes(8), 'slow peer stays off the critical piece');
  assert.deepEqual(p.pickBlocks(seed('f', { speed: 'fast' }), 1, 500).length, 1, 'a free block of 8 first');
  assert.deepEqual(
    p.pickBlocks(seed('f', { speed: 'fast' }), 2, 999).filter((r) => r.piece === 7),
    [],
    'not duplicated before criticalDuplicateAfterMs',
  );
  const dup = p.pickBlocks(seed('f', { speed: 'fast' }), 2, 1000);
  assert.deepEqual(
    dup.map((r) => [r.piece, r.block]),
    [
      [7, 0],
      [7, 1],
    ],
  );
  assert.deepEqual(
    p
      .deadlines.stalled(2000, 2000)
      .filter((r) => r.peer === 'm')
      .map((r) => [r.piece, r.block]),
    [
      [7, 0],
      [7, 1],
      [7, 2],
      [7, 3],
      [8, 0],
    ],
    'm has held these for 2 s',
  );
  assert.equal(p.deadlines.stalled(1999, 2000).length, 0);
  assert.deepEqual(
    p.deadlines.clear(7).map((r) => [r.peer, r.block]),
    [
      ['f', 0],
      ['f', 1],
    ],
  );
  checkInvariants(p, ['m', 's', 'f']);
  // long overdue, or a slow peer as the only source: a slow peer may take a critical piece
  const q = picker({ avail: '221' });
  q.deadlines.set(1, 100);
  q.deadlines.set(2, 100);
  assert.deepEqual(pieces(q.pickBlocks(seed('s', { speed: 'slow' }), 8, 0)), [2, 0], 'sole source of 2');
  assert.deepEqual(pieces(q.pickBlocks(seed('s', { speed: 'slow' }), 4, 5099)), []);
  assert.deepEqual(pieces(q.pickBlocks(seed('s', { speed: 'slow' }), 4, 5100)), [1]);
});

test('the last piece and its last block are short', () => {
  const p = new PiecePicker<string>({ rng: new SeededRng(1) }, { pieceLength: 4 * B, totalLength: 5 * B + 100 });
  assert.equal(p.pieceCount, 2);
  assert.equal(p.geo.blocksIn(1), 2);
  p.setPiecePriority(0, 0);
  assert.deepEqual(
    p.pickBlocks(seed('a'), 4, 0).map((r) => [r.piece, r.begin, r.length]),
    [
      [1, 0, B],
      [1, B, 100],
    ],
  );
});

test('file priorities map to the highest priority of the files a piece touches', () => {
  // files of 10, 0, 15 and 5 bytes over pieces of 8: piece 1 holds bytes 8..15 (files 0 and 2)
  const layout = new TorrentLayout([10, 0, 15, 5].map((length) => ({ length })), 8);
  assert.deepEqual([...piecePrioritiesFromFiles(layout, [1, 7, 0, 3])], [1, 1, 0, 3]);
  assert.deepEqual([...piecePrioritiesFromFiles(layout, [0, 0, 2, 5])], [0, 2, 2, 5]);
  // a pad file (BEP 47) raises no piece
  assert.deepEqual([...piecePrioritiesFromFiles(layout, [0, 0, 0, 5], (f) => f === 3)], [0, 0, 0, 0]);
  assert.throws(() => piecePrioritiesFromFiles(layout, [9, 1, 1, 1]), (e) => isTorrentkitError(e, 'BT_ERR_PRIORITY'));
  assert.throws(() => piecePrioritiesFromFiles(layout, [1]), (e) => isTorrentkitError(e, 'BT_ERR_PRIORITY'));
});

test('random operations keep the bookkeeping consistent', () => {
  for (const s of [1, 2, 3, 4, 5]) {
    const rng = new SeededRng(s);
    const p = new PiecePicker<string>({ rng }, { pieceLength: 4 * B, totalLength: 30 * 4 * B - 7 });
    const peers = ['a', 'b', 'c', 'd'];
    const has = new Map<string, Bitfield>();
    try {
      for (let step = 0; step < 400; step++) {
        const peer = peers[rng.int(peers.length)];
        const op = rng.int(10);
        if (!has.has(peer)) {
          const bf = new Bitfield(p.pieceCount);
          for (let i = 0; i < p.pieceCount; i++) if (rng.random() < 0.6) bf.set(i);
          has.set(peer, bf);
          p.addAvailability(bf);
        } else if (op < 4) {
          p.pickBlocks({ id: peer, has: has.get(peer)!, speed: (['slow', 'medium', 'fast'] as const)[rng.int(3)] }, 1 + rng.int(10), step);
        } else if (op < 7) {
          const mine = p.requestsOf(peer);
          if (mine.length) {
            const r = mine[rng.int(mine.length)];
            const got = p.blockReceived(peer, r.piece, r.block);
            if (got.pieceComplete) {
              if (rng.random() < 0.2) p.pieceFailed(r.piece);
              else p.pieceVerified(r.piece);
            }
          }
        } else if (op === 7) {
          p.peerGone(peer, has.get(peer));
          has.delete(peer);
        } else if (op === 8) {
          p.setPiecePriority(rng.int(p.pieceCount), rng.int(8));
        } else {
          const i = rng.int(p.pieceCount);
          if (rng.random() < 0.5) p.deadlines.set(i, step + 10);
          else p.deadlines.clear(i);
        }
        checkInvariants(p, peers);
      }
    } catch (e) {
      console.error(`seed ${s}`);
      throw e;
    }
  }
});

test('a have message moves a piece down the rarity order at once', () => {
  const p = picker({ avail: '1122' });
  p.peerHave(0);
  p.peerHave(0);
  p.peerHave(1);
  p.peerHave(1);
  // availability is now 3 3 2 2: pieces 2 and 3 first; after a leave, 0 (2) before 1 (3)
  assert.deepEqual(pieces(p.pickBlocks(seed('a'), 8, 0)).sort(), [2, 3]);
  p.removeAvailability(bits('1000'));
  assert.deepEqual(pieces(p.pickBlocks(seed('a'), 4, 0)), [0]);
});

test('blocks move from writing to finished; a piece is complete once every block has arrived', () => {
  const p = picker({ avail: '1' });
  const rs = p.pickBlocks(seed('a'), 4, 0);
  for (const r of rs.slice(0, 3)) assert.equal(p.blockReceived('a', r.piece, r.block).pieceComplete, false);
  assert.equal(p.blockState(0, 0), 'writing');
  assert.equal(p.blockWritten(0, 0), false);
  assert.equal(p.blockState(0, 0), 'finished');
  assert.equal(p.blockWritten(0, 3), false, 'not received yet');
  assert.equal(p.blockReceived('a', 0, 3).pieceComplete, true);
  for (const b of [1, 2]) p.blockWritten(0, b);
  assert.equal(p.blockWritten(0, 3), true, 'all written');
  p.pieceVerified(0);
  assert.equal(p.blockState(0, 2), 'finished');
  assert.equal(p.blockReceived('b', 0, 2).duplicate, true, 'a block of a verified piece');
});

test('file priorities apply to every piece at once; clearing all deadlines cancels every duplicate', () => {
  const p = picker({ avail: '1222' });
  assert.equal(p.pickBlocks(seed('a'), 6, 0).filter((r) => r.piece === 0).length, 4, 'piece 0 is the rarest');
  const cancel = p.setPriorities(piecePrioritiesFromFiles(new TorrentLayout([{ length: 4 * B }, { length: 12 * B }], 4 * B), [0, 1]));
  assert.deepEqual(
    cancel.map((r) => [r.peer, r.piece]),
    [0, 1, 2, 3].map(() => ['a', 0]),
  );
  assert.equal(p.wants(0), false);
  assert.equal(p.requestCount('a'), 2);
  assert.throws(() => p.setPriorities([1, 2]), (e) => isTorrentkitError(e, 'BT_ERR_PRIORITY'));
  const q = picker({ avail: '11' });
  q.deadlines.set(0, 0);
  q.deadlines.set(1, 0);
  q.pickBlocks(seed('m'), 8, 0);
  assert.equal(q.pickBlocks(seed('f', { speed: 'fast' }), 8, 1000).length, 8, 'overdue: every block duplicated');
  assert.equal(q.deadlines.clearAll().length, 8);
  assert.deepEqual(q.deadlines.pieces(), []);
  assert.equal(q.requestCount('f'), 0);
  assert.equal(q.requestCount('m'), 8);
});

test('interest and wanted counts agree with a piece-by-piece count', () => {
  const rng = new SeededRng(11);
  const p = new PiecePicker<string>({ rng }, { pieceLength: B, totalLength: 203 * B });
  for (let i = 0; i < 203; i++) {
    if (rng.random() < 0.5) p.pieceVerified(i);
    else if (rng.random() < 0.3) p.setPiecePriority(i, 0);
  }
  for (let k = 0; k < 50; k++) {
    const has = new Bitfield(203);
    const density = rng.random() * 0.2;
    for (let i = 0; i < 203; i++) if (rng.random() < density) has.set(i);
    let expected = 0;
    for (const i of has.ones()) if (p.wants(i)) expected++;
    assert.equal(p.wantedCount(has), expected);
    assert.equal(p.interestedIn(has), expected > 0);
  }
  assert.equal(p.wantedCount('all'), p.missing);
});
