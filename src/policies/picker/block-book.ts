/**
 * The block book: block-level state of the pieces being downloaded, for the piece picker.
 *
 * Owns: the partial pieces (per block: state, holders, first request time, sender), the set of
 * blocks each peer holds a request for, the count of free blocks of wanted pieces, and the peers
 * that sent blocks of pieces that failed their hash check.
 * Invariants:
 *  - `free` is the number of NONE blocks summed over wanted pieces, a wanted piece without partial
 *    state counting all its blocks (the picker calls `addFree` when a piece's wanted status flips);
 *  - block key k is in `held.get(peer)` exactly when `peer` is one of that block's holders;
 *  - a partial piece with every block NONE is dropped (its state is the default);
 *  - a piece that failed its hash check is fetched again from a single peer at a time (no block
 *    of it is requested from two peers), so that a second failure has a lone contributor;
 *  - `withFree` holds exactly the partial pieces that have a NONE block, so the picker visits
 *    only those when it finishes partial pieces (not every fully requested one).
 * The picker hears through `hooks` when a piece gains or loses its partial state.
 */
import { FINISHED, NONE, PartialPiece, REQUESTED, WRITING } from './partial-piece.js';
import type { PieceGeometry } from './geometry.js';
import type { BlockReceipt, BlockRequest, PeerRequest, PieceFailure, SpeedClass } from './types.js';
import { DOUBLE_ZERO } from '../../util/double.js';

export type BlockStateName = 'none' | 'requested' | 'writing' | 'finished';

export interface BlockBookHooks {
  /** Whether the piece is wanted (priority above 0, not verified). */
  wants(piece: number): boolean;
  /** The piece now has partial state. */
  opened(piece: number): void;
  /** The piece lost its partial state (idle again, failed, or verified). */
  closed(piece: number): void;
}

export class BlockBook<P> {
  private readonly partials = new Map<number, PartialPiece<P>>();
  private readonly withFree = new Set<number>();
  private readonly held = new Map<P, Set<number>>();
  private freeCount = DOUBLE_ZERO;
  private readonly failedFrom = new Map<number, Set<P>>();

  private readonly wants: (piece: number) => boolean;

  constructor(
    private readonly geo: PieceGeometry,
    private readonly hooks: BlockBookHooks,
  ) {
    this.wants = (i) => hooks.wants(i);
  }

  get free(): number {
    return this.freeCount;
  }

  addFree(delta: number): void {
    this.freeCount += delta;
  }

  get partialCount(): number {
    return this.partials.size;
  }

  partial(piece: number): PartialPiece<P> | undefined {
    return this.partials.get(piece);
  }

  /** Partial pieces in the order they were started. */
  partialPieces(): IterableIterator<PartialPiece<P>> {
    return this.partials.values();
  }

  /**
   * Partial pieces that have a block nobody holds, as a new array (so blocks may be taken while
   * walking it; a piece may have no free block left by the time the walk reaches it).
   */
  partialsWithFree(): PartialPiece<P>[] {
    const out: PartialPiece<P>[] = [];
    for (const i of this.withFree) {
      const pp = this.partials.get(i);
      if (pp !== undefined && pp.free > 0) out.push(pp);
    }
    return out;
  }

  /** The partial state of `piece`, created for a peer of class `speed` if there is none. */
  open(piece: number, speed: SpeedClass | undefined): PartialPiece<P> {
    let pp = this.partials.get(piece);
    if (!pp) {
      pp = new PartialPiece<P>(piece, this.geo.blocksIn(piece), speed);
      this.partials.set(piece, pp);
      this.withFree.add(piece);
      this.hooks.opened(piece);
    }
    return pp;
  }

  private close(piece: number): void {
    if (!this.partials.delete(piece)) return;
    this.withFree.delete(piece);
    this.hooks.closed(piece);
  }

  /** NONE blocks of `piece`. */
  noneBlocks(piece: number): number {
    const pp = this.partials.get(piece);
    return pp ? pp.free : this.geo.blocksIn(piece);
  }

  blockState(piece: number, block: number): BlockStateName {
    const pp = this.partials.get(piece);
    const s = pp ? pp.state[block] : NONE;
    return s === NONE ? 'none' : s === REQUESTED ? 'requested' : s === WRITING ? 'writing' : 'finished';
  }

  holders(piece: number, block: number): readonly P[] {
    return this.partials.get(piece)?.holders[block] ?? [];
  }

  requestsOf(peer: P): BlockRequest[] {
    const keys = this.held.get(peer);
    return keys ? [...keys].map((k) => this.geo.requestOfKey(k)) : [];
  }

  requestCount(peer: P): number {
    return this.held.get(peer)?.size ?? 0;
  }

  /** Records `peer` as a holder of `block` and returns the request to send. */
  assign(pp: PartialPiece<P>, block: number, peer: P, now: number): BlockRequest {
    if (pp.state[block] === NONE && this.wants(pp.piece)) this.freeCount--;
    pp.addHolder(block, peer, now);
    if (pp.free === 0) this.withFree.delete(pp.piece);
    let keys = this.held.get(peer);
    if (!keys) this.held.set(peer, (keys = new Set()));
    keys.add(this.geo.key(pp.piece, block));
    return this.geo.request(pp.piece, block);
  }

  /** Removes one holder; a block left with none goes back to the pool. */
  unhold(pp: PartialPiece<P>, block: number, peer: P): void {
    this.held.get(peer)?.delete(this.geo.key(pp.piece, block));
    if (pp.removeHolder(block, peer)) {
      if (this.wants(pp.piece)) this.freeCount++;
      if (pp.idle) this.close(pp.piece);
      else this.withFree.add(pp.piece);
    }
  }

  /** Releases every request on `piece`; returns them, for cancelling. */
  dropRequests(piece: number): PeerRequest<P>[] {
    const pp = this.partials.get(piece);
    const out: PeerRequest<P>[] = [];
    if (!pp) return out;
    for (let b = 0; b < pp.blocks; b++) {
      for (const peer of [...(pp.holders[b] ?? [])]) {
        out.push({ peer, ...this.geo.request(piece, b) });
        this.unhold(pp, b, peer);
      }
    }
    return out;
  }

  /** Releases all holders of each block of `piece` but the first; returns them, for cancelling. */
  dropDuplicates(piece: number): PeerRequest<P>[] {
    const pp = this.partials.get(piece);
    const out: PeerRequest<P>[] = [];
    if (!pp) return out;
    for (let b = 0; b < pp.blocks; b++) {
      const list = pp.holders[b];
      if (!list || list.length < 2) continue;
      for (const peer of list.slice(1)) {
        this.unhold(pp, b, peer);
        out.push({ peer, ...this.geo.request(piece, b) });
      }
    }
    return out;
  }

  /** Requests on `pieces` first made at least `maxAgeMs` before `now`. */
  stalled(pieces: readonly number[], now: number, maxAgeMs: number): PeerRequest<P>[] {
    const out: PeerRequest<P>[] = [];
    for (const i of pieces) {
      const pp = this.partials.get(i);
      if (!pp) continue;
      for (let b = 0; b < pp.blocks; b++) {
        const list = pp.holders[b];
        if (list && now - pp.requestedAt[b] >= maxAgeMs) for (const peer of list) out.push({ peer, ...this.geo.request(i, b) });
      }
    }
    return out;
  }

  /** A block arrived from `peer` for a piece we do not have. */
  received(peer: P, piece: number, block: number): BlockReceipt<P> {
    const key = this.geo.key(piece, block);
    this.held.get(peer)?.delete(key);
    const pp = this.open(piece, undefined);
    const s = pp.state[block];
    if (s === WRITING || s === FINISHED) {
      pp.removeHolder(block, peer);
      return { cancel: [], pieceComplete: false, duplicate: true };
    }
    const cancel: PeerRequest<P>[] = [];
    for (const other of pp.holders[block] ?? []) {
      if (other === peer) continue;
      this.held.get(other)?.delete(key);
      cancel.push({ peer: other, ...this.geo.request(piece, block) });
    }
    if (s === NONE && this.wants(piece)) this.freeCount--;
    pp.holders[block] = undefined;
    pp.setState(block, WRITING);
    pp.from[block] = peer;
    if (pp.free === 0) this.withFree.delete(piece);
    return { cancel, pieceComplete: pp.complete, duplicate: false };
  }

  /** A received block reached storage; true when every block of the piece is written. */
  written(piece: number, block: number): boolean {
    const pp = this.partials.get(piece);
    if (!pp || pp.state[block] !== WRITING) return false;
    pp.setState(block, FINISHED);
    return pp.counts[FINISHED] === pp.blocks;
  }

  /** `peer`'s request for the block ended without data. */
  abort(peer: P, piece: number, block: number): void {
    const pp = this.partials.get(piece);
    if (pp) this.unhold(pp, block, peer);
    else this.held.get(peer)?.delete(this.geo.key(piece, block));
  }

  /** Drops every request `peer` holds; returns them. */
  releasePeer(peer: P): BlockRequest[] {
    const keys = this.held.get(peer);
    if (!keys) return [];
    const out: BlockRequest[] = [];
    for (const k of [...keys]) {
      const r = this.geo.requestOfKey(k);
      const pp = this.partials.get(r.piece);
      if (pp) this.unhold(pp, r.block, peer);
      out.push(r);
    }
    this.held.delete(peer);
    return out;
  }

  /** Forgets a piece that is now verified (its requests must have been dropped already). */
  forget(piece: number): void {
    this.close(piece);
    this.failedFrom.delete(piece);
  }

  /** The piece failed its hash check: every block returns to the pool; who sent them? */
  failed(piece: number): PieceFailure<P> {
    const pp = this.partials.get(piece);
    if (!pp) return { contributors: [], repeat: [], senders: [] };
    const counts = new Map<P, number>();
    for (let b = 0; b < pp.blocks; b++) {
      const from = pp.from[b];
      if (from !== undefined) counts.set(from, (counts.get(from) ?? 0) + 1);
    }
    // A piece is hashed once complete, when none of its blocks is requested any more; drop any
    // request left anyway so that the counts stay exact.
    this.dropRequests(piece);
    const before = this.noneBlocks(piece);
    if (this.wants(piece)) this.freeCount += this.geo.blocksIn(piece) - before;
    this.close(piece);
    const earlier = this.failedFrom.get(piece);
    const repeat = earlier ? [...counts.keys()].filter((p) => earlier.has(p)) : [];
    this.failedFrom.set(piece, new Set([...(earlier ?? []), ...counts.keys()]));
    return { contributors: [...counts].map(([peer, blocks]) => ({ peer, blocks })), repeat, senders: pp.from.slice() };
  }

  /** The piece failed before: its next copy comes from one peer, so a failure names the culprit. */
  isSingleSource(piece: number): boolean {
    return this.failedFrom.has(piece);
  }

  /**
   * For a single-source piece, the peer now fetching it (the holder of any requested block);
   * undefined when nobody is, so anyone may take it over.
   */
  sourceOf(piece: number): P | undefined {
    if (!this.failedFrom.has(piece)) return undefined;
    const pp = this.partials.get(piece);
    if (!pp) return undefined;
    for (let b = 0; b < pp.blocks; b++) {
      const h = pp.holders[b];
      if (h && h.length > 0) return h[0];
    }
    return undefined;
  }
}
