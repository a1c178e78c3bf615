/**
 * Piece picker cost per pick on a large torrent (100,000 pieces, 50 peers that each have 60% of
 * it): the picker's rarity buckets against a naive rarest-first scan over every piece per pick
 * (what a picker without buckets does), in the same run. Both pick whole pieces of 16 blocks,
 * 16 blocks per call, for peers in turn, and both see the same haves arrive between picks.
 */
import { SeededRng } from '../src/adapters/testing/seeded-rng.js';
import { PiecePicker } from '../src/policies/picker/piece-picker.js';
import { Bitfield } from '../src/util/bitfield.js';
import { printReport } from './lib/report.js';

const PIECES = 100_000;
const BLOCKS = 16;
const PEERS = 50;
const PICKS = 20_000;

function swarm(seed: number): Bitfield[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: PEERS }, () => {
    const b = new Bitfield(PIECES);
    for (let i = 0; i < PIECES; i++) if (rng.random() < 0.6) b.set(i);
    return b;
  });
}

/** Rarest first by scanning every piece: availability array, random tie break, no buckets. */
class NaivePicker {
  readonly avail = new Uint32Array(PIECES);
  readonly taken = new Uint8Array(PIECES);
  constructor(private readonly rng: SeededRng) {}

  pick(has: Bitfield): number[] {
    let best = -1;
    let bestAvail = Infinity;
    let ties = 0;
    for (let i = 0; i < PIECES; i++) {
      if (this.taken[i] || !has.get(i)) continue;
      const a = this.avail[i];
      if (a < bestAvail) {
        best = i;
        bestAvail = a;
        ties = 1;
      } else if (a === bestAvail && this.rng.int(++ties) === 0) best = i;
    }
    if (best < 0) return [];
    this.taken[best] = 1;
    return Array.from({ length: BLOCKS }, (_, b) => best * BLOCKS + b);
  }
}

function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const peers = swarm(1);
const haveRng = new SeededRng(2);
const haves = Array.from({ length: PICKS }, () => haveRng.int(PIECES));

const picker = new PiecePicker<number>({ rng: new SeededRng(3) }, { pieceLength: BLOCKS * 16 * 1024, totalLength: PIECES * BLOCKS * 16 * 1024 });
const setupOurs = timeIt(() => {
  for (const b of peers) picker.addAvailability(b);
});
let oursBlocks = 0;
const ours = timeIt(() => {
  for (let k = 0; k < PICKS; k++) {
    picker.peerHave(haves[k]);
    oursBlocks += picker.pickBlocks({ id: k % PEERS, has: peers[k % PEERS] }, BLOCKS, k).length;
  }
});

const naive = new NaivePicker(new SeededRng(3));
const NAIVE_PICKS = 500; // a full scan per pick: fewer picks, the same per-pick figure
const setupNaive = timeIt(() => {
  for (const b of peers) for (const i of b.ones()) naive.avail[i]++;
});
let naiveBlocks = 0;
const theirs = timeIt(() => {
  for (let k = 0; k < NAIVE_PICKS; k++) {
    naive.avail[haves[k]]++;
    naiveBlocks += naive.pick(peers[k % PEERS]).length;
  }
});

if (oursBlocks !== PICKS * BLOCKS || naiveBlocks !== NAIVE_PICKS * BLOCKS) throw new Error(`picks came up short: ${oursBlocks}, ${naiveBlocks}`);

printReport('piece picker, 100,000 pieces, 50 peers', [
  { metric: 'time per pick of 16 blocks', unit: 'us', ours: (ours * 1000) / PICKS, anchor: 'naive scan', theirs: (theirs * 1000) / NAIVE_PICKS, higherIsBetter: false },
  { metric: 'adding 50 bitfields', unit: 'ms', ours: setupOurs, anchor: 'naive scan', theirs: setupNaive, higherIsBetter: false },
]);
