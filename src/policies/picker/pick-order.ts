/**
 * The order in which the piece picker hands out blocks to one peer. Stateless functions over the
 * picker's state (`PickSource`), so the picker class keeps only bookkeeping.
 *
 * Order: critical pieces by deadline (duplicated to fast peers once a block is late); for a peer
 * that chokes us only its allowed-fast pieces (BEP 6); partial pieces of the peer's speed class;
 * pieces the peer suggested (BEP 6); new pieces, rarest first with random tie breaks (or in index
 * order in sequential mode); partial pieces of other speed classes; and in endgame, blocks already
 * requested from other peers, fewest holders and oldest request first. A piece that failed its
 * hash check is never shared between peers again (neither split nor duplicated), so that the next
 * failure names its sender.
 */
import type { Bitfield } from '../../util/bitfield.js';
import type { Random } from '../random.js';
import type { BlockBook } from './block-book.js';
import type { PieceGeometry } from './geometry.js';
import { NONE, type PartialPiece, REQUESTED } from './partial-piece.js';
import { keyAvailability, type RarityBuckets } from './rarity-buckets.js';
import type { BlockRequest, PickPeer } from './types.js';

/** What the pick order reads from the picker. */
export interface PickSource<P> {
  readonly geo: PieceGeometry;
  readonly book: BlockBook<P>;
  readonly buckets: RarityBuckets;
  readonly rng: Random;
  readonly endgameMaxHolders: number;
  readonly criticalMaxHolders: number;
  readonly criticalDuplicateAfterMs: number;
  readonly criticalSlowGraceMs: number;
  wants(piece: number): boolean;
  /** Every wanted piece is verified. */
  done(): boolean;
  availability(piece: number): number;
  deadlineOf(piece: number): number | undefined;
  criticalPieces(): readonly number[];
  /** First piece to consider in sequential mode, or undefined when rarest first. */
  sequentialStart(): number | undefined;
  inEndgame(): boolean;
}

interface Pick<P> {
  readonly src: PickSource<P>;
  readonly peer: PickPeer<P>;
  readonly count: number;
  readonly now: number;
  readonly out: BlockRequest[];
  /** Pieces not started yet that this pick may still start (PickPeer.newPieces). */
  newLeft: number;
}

/** Picks up to `count` blocks for `peer` and records it as their holder. */
export function pickBlocks<P>(src: PickSource<P>, peer: PickPeer<P>, count: number, now: number): BlockRequest[] {
  const ctx: Pick<P> = { src, peer, count, now, out: [], newLeft: peer.newPieces ?? Number.POSITIVE_INFINITY };
  if (count <= 0 || src.done()) return ctx.out;
  pickCritical(ctx);
  if (peer.choked) {
    for (const i of peer.allowedFast ?? []) if (full(ctx) || tryPiece(ctx, i)) break;
  } else {
    pickPartials(ctx, true);
    for (let k = (peer.suggested?.length ?? 0) - 1; k >= 0 && !full(ctx); k--) tryPiece(ctx, peer.suggested![k]);
    if (!full(ctx)) {
      const start = src.sequentialStart();
      if (start !== undefined) pickSequential(ctx, start);
      else pickRarest(ctx);
    }
    pickPartials(ctx, false);
  }
  if (!full(ctx) && src.inEndgame()) pickBusy(ctx);
  return ctx.out;
}

function full<P>(ctx: Pick<P>): boolean {
  return ctx.out.length >= ctx.count;
}

function peerHas<P>(peer: PickPeer<P>, piece: number): boolean {
  return peer.has === 'all' || peer.has.get(piece);
}

function allowed<P>(peer: PickPeer<P>, piece: number): boolean {
  return !peer.choked || (peer.allowedFast?.has(piece) ?? false);
}

/**
 * Critical pieces are kept from slow peers, unless the slow peer is the only one with the piece or
 * the deadline passed `criticalSlowGraceMs` ago (then any source beats none).
 */
function keptFrom<P>(ctx: Pick<P>, piece: number): boolean {
  if (ctx.peer.speed !== 'slow') return false;
  const d = ctx.src.deadlineOf(piece);
  return d !== undefined && ctx.now < d + ctx.src.criticalSlowGraceMs && ctx.src.availability(piece) > 1;
}

function eligible<P>(ctx: Pick<P>, piece: number): boolean {
  if (piece < 0 || piece >= ctx.src.geo.pieceCount || !ctx.src.wants(piece) || !peerHas(ctx.peer, piece) || keptFrom(ctx, piece)) return false;
  // A piece that failed its hash check is fetched from one peer at a time.
  const source = ctx.src.book.sourceOf(piece);
  return source === undefined || source === ctx.peer.id;
}

/** Takes free blocks of `piece` if the peer may have them; returns whether the pick is full. */
function tryPiece<P>(ctx: Pick<P>, piece: number): boolean {
  const { src } = ctx;
  if (eligible(ctx, piece)) {
    if (src.book.partial(piece) === undefined) {
      if (ctx.newLeft <= 0) return full(ctx);
      ctx.newLeft--;
    }
    const pp = src.book.open(piece, ctx.peer.speed ?? 'medium');
    // Nobody works on it now: it takes the class of the peer that picks it up.
    if (pp.counts[REQUESTED] === 0) pp.speed = ctx.peer.speed ?? 'medium';
    for (let b = 0; b < pp.blocks && pp.free > 0 && !full(ctx); b++) if (pp.state[b] === NONE) take(ctx, pp, b);
  }
  return full(ctx);
}

function take<P>(ctx: Pick<P>, pp: PartialPiece<P>, block: number): void {
  ctx.out.push(ctx.src.book.assign(pp, block, ctx.peer.id, ctx.now));
}

function pickCritical<P>(ctx: Pick<P>): void {
  const { src, peer } = ctx;
  const critical = src.criticalPieces();
  for (const i of critical) if (allowed(peer, i) && tryPiece(ctx, i)) return;
  if (peer.speed !== 'fast') return;
  for (const i of critical) {
    const pp = src.book.partial(i);
    if (!pp || !src.wants(i) || !peerHas(peer, i) || !allowed(peer, i) || src.book.isSingleSource(i)) continue;
    const overdue = ctx.now >= src.deadlineOf(i)!;
    for (let b = 0; b < pp.blocks; b++) {
      if (pp.state[b] !== REQUESTED || pp.isHeldBy(b, peer.id) || pp.holderCount(b) >= src.criticalMaxHolders) continue;
      if (!overdue && ctx.now - pp.requestedAt[b] < src.criticalDuplicateAfterMs) continue;
      take(ctx, pp, b);
      if (full(ctx)) return;
    }
  }
}

/**
 * Partial pieces first, to finish pieces rather than open new ones. With `sameClass`, only pieces
 * started by a peer of the same speed class or that nobody is working on (piece affinity).
 */
function pickPartials<P>(ctx: Pick<P>, sameClass: boolean): void {
  if (full(ctx)) return;
  const cls = ctx.peer.speed ?? 'medium';
  const partials = ctx.src.book.partialsWithFree();
  for (let k = 0; k < partials.length; k++) {
    const pp = partials[k];
    const mine = pp.speed === cls || pp.counts[REQUESTED] === 0;
    if (mine === sameClass && tryPiece(ctx, pp.piece)) return;
  }
}

function pickSequential<P>(ctx: Pick<P>, start: number): void {
  const { src } = ctx;
  // No new piece may start: the started ones are pickPartials' (both classes), no scan needed.
  if (ctx.newLeft <= 0) return;
  for (let i = start; i < src.geo.pieceCount; i++) {
    const pp = src.book.partial(i);
    if (pp && pp.free === 0) continue;
    if (tryPiece(ctx, i)) return;
  }
}

/** New pieces (the rarity buckets hold only pieces nobody has started). */
function pickRarest<P>(ctx: Pick<P>): void {
  const { src } = ctx;
  if (ctx.newLeft <= 0) return;
  const has = ctx.peer.has;
  if (has !== 'all' && has.count() * 8 < src.buckets.size) {
    pickRarestFromPeer(ctx, has);
    return;
  }
  // Choose first, take after: taking a piece moves it out of the buckets being walked.
  const chosen: number[] = [];
  let need = ctx.count - ctx.out.length;
  const buckets = src.buckets;
  walk: for (let kb = 0; kb < buckets.bucketCount; kb++) {
    const b = buckets.bucketAt(kb);
    // A peer with a bitfield counts in the availability of its pieces, so it has none of these.
    if (has !== 'all' && keyAvailability(b.key) === 0) continue;
    const n = b.pieces.length;
    const start = src.rng.int(n);
    for (let k = 0; k < n; k++) {
      const i = b.pieces[(start + k) % n];
      if (!eligible(ctx, i)) continue;
      chosen.push(i);
      need -= src.geo.blocksIn(i);
      if (need <= 0 || chosen.length >= ctx.newLeft) break walk;
    }
  }
  for (const i of chosen) if (tryPiece(ctx, i)) return;
}

/**
 * Rarest first over the peer's own pieces: cheaper when the peer has few of them. Keys are
 * integers, so key + a random fraction orders by key with a random tie break; two number arrays
 * and an index sort instead of an object per candidate.
 */
function pickRarestFromPeer<P>(ctx: Pick<P>, has: Bitfield): void {
  const { src } = ctx;
  const pieces: number[] = [];
  const order: number[] = [];
  for (let i = has.nextSet(0); i !== -1; i = has.nextSet(i + 1)) {
    if (!src.buckets.has(i)) continue;
    pieces.push(i);
    order.push(src.buckets.keyOfPiece(i) + src.rng.random());
  }
  const idx = new Array<number>(pieces.length);
  for (let k = 0; k < idx.length; k++) idx[k] = k;
  idx.sort((a, b) => order[a] - order[b]);
  for (let k = 0; k < idx.length; k++) if (tryPiece(ctx, pieces[idx[k]])) return;
}

/** Endgame: blocks other peers hold, fewest holders first, then the oldest requests. */
function pickBusy<P>(ctx: Pick<P>): void {
  const { src, peer } = ctx;
  const cand: { pp: PartialPiece<P>; block: number; holders: number; at: number }[] = [];
  for (const pp of src.book.partialPieces()) {
    const i = pp.piece;
    if (pp.counts[REQUESTED] === 0 || !src.wants(i) || !peerHas(peer, i) || !allowed(peer, i) || keptFrom(ctx, i)) continue;
    if (src.book.isSingleSource(i)) continue;
    for (let b = 0; b < pp.blocks; b++) {
      if (pp.state[b] !== REQUESTED || pp.isHeldBy(b, peer.id)) continue;
      const holders = pp.holderCount(b);
      if (holders < src.endgameMaxHolders) cand.push({ pp, block: b, holders, at: pp.requestedAt[b] });
    }
  }
  cand.sort((a, b) => a.holders - b.holders || a.at - b.at);
  for (const c of cand) {
    if (full(ctx)) return;
    take(ctx, c.pp, c.block);
  }
}
