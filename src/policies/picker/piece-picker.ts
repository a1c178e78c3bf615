/**
 * The piece picker: decides which blocks to request from which peer (BEP 3 leaves the strategy to
 * the client; this follows libtorrent's piece_picker and the BitTorrent economics paper).
 *
 * Owns:
 *  - availability: per piece the number of connected peers that have it (`avail`), plus the number
 *    of seeds (have-all peers, BEP 6) kept apart so a have-all costs O(1);
 *  - our have set (verified pieces) and per-piece priority 0..7 (0 = do not download);
 *  - the rarity buckets of the wanted pieces (priority > 0, not had) that nobody has started;
 *  - block state of the partial pieces (none / requested / writing / finished), which peers hold a
 *    request for each block, and who delivered each block;
 *  - the blocks each peer holds (so a peer that leaves or chokes returns its blocks to the pool);
 *  - deadlines of time-critical pieces (streaming; deadlines.ts), sequential mode;
 *  - the peers that sent blocks of pieces that failed their hash check.
 * Invariants:
 *  - a piece is in the rarity buckets exactly when it is wanted and has no partial state (partial
 *    pieces are found through the block book), under key rarityKey(prio, avail);
 *  - `missingCount` is the number of wanted pieces;
 *  - the block book's free count is the number of NONE blocks over wanted pieces, so endgame is
 *    detectable in O(1) (see block-book.ts for the block-level invariants);
 *  - a partial piece exists only for a piece we do not have.
 * Block-level state lives in the block book (block-book.ts); the pick order in pick-order.ts.
 * Per-call costs: have / priority / deadline changes are O(1) (plus O(distinct keys) when a rarity
 * bucket appears or empties; deadlines re-sort the small critical list); picking for one peer
 * visits critical pieces, partial pieces with free blocks, then the buckets in rarity order,
 * skipping pieces the peer lacks, and takes whole pieces, so its cost follows the number of blocks
 * requested, not the number of pieces (a peer with few pieces is scanned through its own bitfield
 * instead; sequential mode walks forward from the first missing piece).
 */
import { Bitfield } from '../../util/bitfield.js';
import { TorrentkitError } from '../../util/errors.js';
import type { Random } from '../random.js';
import { BlockBook, type BlockStateName } from './block-book.js';
import { Deadlines } from './deadlines.js';
import { PieceGeometry } from './geometry.js';
import { pickBlocks, type PickSource } from './pick-order.js';
import { keyAvailability, RarityBuckets, rarityKey } from './rarity-buckets.js';
import {
  type BlockReceipt,
  type BlockRequest,
  type PeerRequest,
  type PickPeer,
  type PieceFailure,
  PRIORITY_DEFAULT,
  PRIORITY_MAX,
} from './types.js';

/** Wanted pieces (priority > 0, not in `have`) among `has`, counting up to `stopAt`; byte-wise. */
function countWanted(has: Bitfield, have: Bitfield, prio: Uint8Array, stopAt: number): number {
  const theirs = has.bytes;
  const ours = have.bytes;
  const n = Math.min(theirs.length, ours.length);
  let found = 0;
  for (let k = 0; k < n; k++) {
    const candidates = theirs[k] & ~ours[k];
    if (candidates === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((candidates & (0x80 >> bit)) !== 0 && prio[k * 8 + bit] > 0 && ++found >= stopAt) return found;
    }
  }
  return found;
}

export interface PiecePickerOptions {
  /** Bytes per piece (every piece but the last). */
  readonly pieceLength: number;
  /** Bytes of the whole torrent. */
  readonly totalLength: number;
  /** Request size; BEP 3 clients use 16 KiB. */
  readonly blockSize?: number;
  /** Duplicate requests for the last blocks (endgame). Default true. */
  readonly endgame?: boolean;
  /** At most this many peers hold a request for one block in endgame. Default 2. */
  readonly endgameMaxHolders?: number;
  /** At most this many peers hold a request for one block of a critical piece. Default 2. */
  readonly criticalMaxHolders?: number;
  /** A critical block is requested from a second fast peer after this long. Default 1000 ms. */
  readonly criticalDuplicateAfterMs?: number;
  /**
   * Slow peers stay off a critical piece that a faster peer could serve until this long after its
   * deadline. Default 5000 ms.
   */
  readonly criticalSlowGraceMs?: number;
}

export class PiecePicker<P> {
  readonly geo: PieceGeometry;
  readonly pieceCount: number;
  private readonly src: PickSource<P>;
  private readonly endgameEnabled: boolean;
  private readonly avail: Uint32Array;
  private seeds = 0;
  private readonly haveSet: Bitfield;
  private readonly prio: Uint8Array;
  private readonly buckets: RarityBuckets;
  private readonly book: BlockBook<P>;
  /** Deadlines of time-critical pieces (streaming). */
  readonly deadlines: Deadlines<P>;
  private sequential = false;
  private seqCursor = 0;
  private missingCount = 0;
  /** Free blocks in pieces nobody has, or -1 when it must be recounted (see inEndgame). */
  private unavailableFree = -1;

  constructor(deps: { rng: Random }, options: PiecePickerOptions) {
    this.geo = new PieceGeometry(options.pieceLength, options.totalLength, options.blockSize);
    const n = (this.pieceCount = this.geo.pieceCount);
    this.endgameEnabled = options.endgame ?? true;
    this.avail = new Uint32Array(n);
    this.haveSet = new Bitfield(n);
    this.prio = new Uint8Array(n).fill(PRIORITY_DEFAULT);
    this.buckets = new RarityBuckets(n);
    this.book = new BlockBook<P>(this.geo, {
      wants: (i) => this.wants(i),
      opened: (i) => this.buckets.remove(i),
      closed: (i) => {
        if (this.wants(i)) this.buckets.set(i, rarityKey(this.prio[i], this.avail[i]));
      },
    });
    this.deadlines = new Deadlines<P>(this.geo, this.book, (i) => this.haveSet.get(i));
    for (let i = 0; i < n; i++) {
      this.buckets.set(i, rarityKey(PRIORITY_DEFAULT, 0));
      this.book.addFree(this.geo.blocksIn(i));
    }
    this.missingCount = n;
    this.src = {
      geo: this.geo,
      book: this.book,
      buckets: this.buckets,
      rng: deps.rng,
      endgameMaxHolders: options.endgameMaxHolders ?? 2,
      criticalMaxHolders: options.criticalMaxHolders ?? 2,
      criticalDuplicateAfterMs: options.criticalDuplicateAfterMs ?? 1000,
      criticalSlowGraceMs: options.criticalSlowGraceMs ?? 5000,
      wants: (i) => this.wants(i),
      done: () => this.missingCount === 0,
      availability: (i) => this.availability(i),
      deadlineOf: (i) => this.deadlines.of(i),
      criticalPieces: () => this.deadlines.pieces(),
      sequentialStart: () => (this.sequential ? this.advanceCursor() : undefined),
      inEndgame: () => this.inEndgame(),
    };
  }

  // ---- queries ----

  /** Our verified pieces (read only: change it through pieceVerified). */
  get have(): Bitfield {
    return this.haveSet;
  }

  /** Number of peers known to have `piece`, seeds included. */
  availability(piece: number): number {
    return this.avail[piece] + this.seeds;
  }

  priority(piece: number): number {
    return this.prio[piece];
  }

  /** We want the piece: priority above 0 and not verified yet. */
  wants(piece: number): boolean {
    return this.prio[piece] > 0 && !this.haveSet.get(piece);
  }

  /** Number of wanted pieces still missing. */
  get missing(): number {
    return this.missingCount;
  }

  /** Every wanted piece is verified. */
  get done(): boolean {
    return this.missingCount === 0;
  }

  /**
   * Whether a peer with these pieces has something we want (decides BEP 3 "interested"). Scans
   * the bitfields a byte at a time (pieces we have are masked out 8 at once) and stops at the
   * first wanted piece: about pieces / 8 steps at worst, cheap enough to recheck every peer when
   * a piece completes.
   */
  interestedIn(has: Bitfield | 'all'): boolean {
    if (has === 'all') return this.missingCount > 0;
    return countWanted(has, this.haveSet, this.prio, 1) > 0;
  }

  /** Number of wanted pieces among `has` (same scan as interestedIn, without stopping early). */
  wantedCount(has: Bitfield | 'all'): number {
    if (has === 'all') return this.missingCount;
    return countWanted(has, this.haveSet, this.prio, Infinity);
  }

  /** Blocks of wanted pieces that nobody has requested or sent yet. */
  get freeBlocks(): number {
    return this.book.free;
  }

  /** Number of pieces with partial block state. */
  get partialCount(): number {
    return this.book.partialCount;
  }

  blockState(piece: number, block: number): BlockStateName {
    return this.haveSet.get(piece) ? 'finished' : this.book.blockState(piece, block);
  }

  /** Peers holding a request for the block. */
  holders(piece: number, block: number): readonly P[] {
    return this.book.holders(piece, block);
  }

  /** The requests `peer` holds. */
  requestsOf(peer: P): BlockRequest[] {
    return this.book.requestsOf(peer);
  }

  requestCount(peer: P): number {
    return this.book.requestCount(peer);
  }

  /**
   * Endgame: every block of every wanted piece that some peer has is requested, so idle peers
   * may duplicate requests for the remaining blocks.
   */
  inEndgame(): boolean {
    if (!this.endgameEnabled || this.missingCount === 0) return false;
    const free = this.book.free;
    if (free === 0) return true;
    if (this.seeds > 0) return false;
    // Free blocks may remain only in pieces no connected peer has; those cannot be requested.
    // Picking never changes that count (a peer has what it picks), so it is cached until a change
    // of availability, priority or piece state, and idle peers asking again cost O(1).
    if (this.unavailableFree < 0) {
      let unavailable = 0;
      const buckets = this.buckets;
      for (let kb = 0; kb < buckets.bucketCount; kb++) {
        const b = buckets.bucketAt(kb);
        if (keyAvailability(b.key) !== 0) continue;
        for (let k = 0; k < b.pieces.length; k++) unavailable += this.book.noneBlocks(b.pieces[k]);
      }
      const partials = this.book.partialsWithFree();
      for (let k = 0; k < partials.length; k++) {
        const pp = partials[k];
        if (this.avail[pp.piece] === 0 && this.wants(pp.piece)) unavailable += pp.free;
      }
      this.unavailableFree = unavailable;
    }
    return this.unavailableFree === free;
  }

  // ---- availability (BEP 3 have / bitfield, BEP 6 have all / have none) ----

  /** A peer announced `piece` (have). The caller ignores repeated haves for the same piece. */
  peerHave(piece: number): void {
    this.geo.checkPiece(piece);
    this.avail[piece]++;
    this.rekey(piece);
  }

  /** A peer's bitfield or have-all arrived (BEP 6 have-none adds nothing). */
  addAvailability(has: Bitfield | 'all'): void {
    if (has === 'all') {
      this.seeds++;
      this.unavailableFree = -1;
      return;
    }
    this.unavailableFree = -1;
    for (let i = has.nextSet(0); i !== -1; i = has.nextSet(i + 1)) {
      this.avail[i]++;
      if (this.buckets.has(i)) this.buckets.set(i, rarityKey(this.prio[i], this.avail[i]));
    }
  }

  /** Undoes addAvailability and the peer's haves (the peer left). */
  removeAvailability(has: Bitfield | 'all'): void {
    if (has === 'all') {
      if (this.seeds === 0) throw new TorrentkitError('BT_ERR_PICKER_AVAILABILITY', 'no seed to remove');
      this.seeds--;
      this.unavailableFree = -1;
      return;
    }
    // Check first, so that a caller's mistake leaves the counts untouched.
    for (let i = has.nextSet(0); i !== -1; i = has.nextSet(i + 1)) {
      if (this.avail[i] === 0) throw new TorrentkitError('BT_ERR_PICKER_AVAILABILITY', `piece ${i} availability below zero`);
    }
    for (let i = has.nextSet(0); i !== -1; i = has.nextSet(i + 1)) {
      this.avail[i]--;
      this.rekey(i);
    }
  }

  /** The peer left: its requests return to the pool and its pieces leave the availability. */
  peerGone(peer: P, has: Bitfield | 'all' | undefined): BlockRequest[] {
    const released = this.releasePeer(peer);
    if (has !== undefined) this.removeAvailability(has);
    return released;
  }

  // ---- priorities and modes (deadlines: `this.deadlines`) ----

  /**
   * Sets a piece's priority (0..7, 0 = skip). Returns the requests to cancel: when a piece stops
   * being wanted its outstanding requests are dropped.
   */
  setPiecePriority(piece: number, priority: number): PeerRequest<P>[] {
    this.geo.checkPiece(piece);
    if (!Number.isInteger(priority) || priority < 0 || priority > PRIORITY_MAX) {
      throw new TorrentkitError('BT_ERR_PRIORITY', `priority ${priority} is not an integer in 0..${PRIORITY_MAX}`);
    }
    const was = this.wants(piece);
    this.prio[piece] = priority;
    this.update(piece, was);
    if (piece < this.seqCursor && this.wants(piece)) this.seqCursor = piece;
    return priority === 0 ? this.book.dropRequests(piece) : [];
  }

  /** Sets every piece's priority (e.g. from file priorities); returns the requests to cancel. */
  setPriorities(priorities: ArrayLike<number>): PeerRequest<P>[] {
    if (priorities.length !== this.pieceCount) {
      throw new TorrentkitError('BT_ERR_PRIORITY', `${priorities.length} priorities for ${this.pieceCount} pieces`);
    }
    const cancel: PeerRequest<P>[] = [];
    for (let i = 0; i < this.pieceCount; i++) if (this.prio[i] !== priorities[i]) cancel.push(...this.setPiecePriority(i, priorities[i]));
    return cancel;
  }

  /** Sequential mode: pieces in index order instead of rarest first (deadlines still go first). */
  setSequential(on: boolean): void {
    this.sequential = on;
    this.seqCursor = 0;
  }

  // ---- picking and block events ----

  /**
   * Picks up to `count` blocks to request from `peer` and records the peer as their holder (see
   * pick-order.ts for the order).
   */
  pickBlocks(peer: PickPeer<P>, count: number, now: number): BlockRequest[] {
    const out = pickBlocks(this.src, peer, count, now);
    // Only a pick that took nothing is sure to leave the cached endgame count alone (a caller
    // may pick for a peer whose pieces it has not reported).
    if (out.length > 0) this.unavailableFree = -1;
    return out;
  }

  /**
   * A block arrived from `peer`. Returns the other peers' requests for it to cancel (endgame and
   * critical duplicates) and whether the piece is complete and ready to hash.
   */
  blockReceived(peer: P, piece: number, block: number): BlockReceipt<P> {
    this.geo.checkBlock(piece, block);
    if (this.haveSet.get(piece)) {
      this.book.abort(peer, piece, block);
      return { cancel: [], pieceComplete: false, duplicate: true };
    }
    this.unavailableFree = -1;
    return this.book.received(peer, piece, block);
  }

  /** A received block reached storage. Returns true when every block of the piece is written. */
  blockWritten(piece: number, block: number): boolean {
    this.geo.checkBlock(piece, block);
    return this.book.written(piece, block);
  }

  /**
   * A request ended without data (rejected, timed out, cancelled by us, or dropped by a choke
   * without the fast extension). The block returns to the pool unless another peer holds it.
   */
  abortRequest(peer: P, piece: number, block: number): void {
    this.geo.checkBlock(piece, block);
    this.unavailableFree = -1;
    this.book.abort(peer, piece, block);
  }

  /** Drops every request `peer` holds (it choked us without the fast extension); returns them. */
  releasePeer(peer: P): BlockRequest[] {
    this.unavailableFree = -1;
    return this.book.releasePeer(peer);
  }

  /**
   * The piece passed its hash check (or was found on disk at startup). Returns the requests for it
   * still outstanding, to cancel.
   */
  pieceVerified(piece: number): PeerRequest<P>[] {
    this.geo.checkPiece(piece);
    const cancel = this.book.dropRequests(piece);
    const was = this.wants(piece);
    this.haveSet.set(piece);
    this.update(piece, was);
    this.book.forget(piece);
    this.deadlines.forget(piece);
    return cancel;
  }

  /**
   * The piece failed its hash check: its blocks return to the pool. Returns who sent them, and
   * which of them also sent blocks of an earlier failed copy.
   */
  pieceFailed(piece: number): PieceFailure<P> {
    this.geo.checkPiece(piece);
    if (piece < this.seqCursor) this.seqCursor = piece;
    this.unavailableFree = -1;
    return this.book.failed(piece);
  }

  // ---- internals ----

  /** Keeps the buckets and the free count true after `wants(piece)` may have changed from `was`. */
  private update(piece: number, was: boolean): void {
    this.unavailableFree = -1;
    const now = this.wants(piece);
    if (was && !now) {
      this.buckets.remove(piece);
      this.book.addFree(-this.book.noneBlocks(piece));
      this.missingCount--;
    } else if (now) {
      if (!this.book.partial(piece)) this.buckets.set(piece, rarityKey(this.prio[piece], this.avail[piece]));
      if (!was) {
        this.book.addFree(this.book.noneBlocks(piece));
        this.missingCount++;
      }
    }
  }

  private rekey(piece: number): void {
    this.unavailableFree = -1;
    if (this.buckets.has(piece)) this.buckets.set(piece, rarityKey(this.prio[piece], this.avail[piece]));
  }

  private advanceCursor(): number {
    while (this.seqCursor < this.pieceCount && !this.wants(this.seqCursor)) this.seqCursor++;
    return this.seqCursor;
  }
}
