/**
 * Block-level state of one piece being downloaded (libtorrent's downloading_piece).
 *
 * Owns: per block its state, the peers that hold a request for it, when it was first requested,
 * and the peer that delivered it.
 * Invariants:
 *  - `counts[s]` is the number of blocks in state `s`, and the counts sum to `blocks`;
 *  - a block is REQUESTED exactly when it has at least one holder; NONE, WRITING and FINISHED
 *    blocks have no holders;
 *  - `from[b]` is set exactly when block `b` is WRITING or FINISHED.
 */
import type { SpeedClass } from './types.js';

export const NONE = 0;
export const REQUESTED = 1;
/** Received, on its way to storage. */
export const WRITING = 2;
/** Written to storage. */
export const FINISHED = 3;
export type BlockStateCode = typeof NONE | typeof REQUESTED | typeof WRITING | typeof FINISHED;

export class PartialPiece<P> {
  readonly state: Uint8Array;
  readonly holders: (P[] | undefined)[];
  readonly requestedAt: Float64Array;
  readonly from: (P | undefined)[];
  readonly counts = [0, 0, 0, 0];

  constructor(
    readonly piece: number,
    readonly blocks: number,
    /** Speed class of the peer that started the piece (piece affinity). */
    public speed: SpeedClass | undefined,
  ) {
    this.state = new Uint8Array(blocks);
    this.holders = new Array<P[] | undefined>(blocks);
    this.requestedAt = new Float64Array(blocks);
    this.from = new Array<P | undefined>(blocks);
    this.counts[NONE] = blocks;
  }

  get free(): number {
    return this.counts[NONE];
  }

  /** All blocks received (WRITING or FINISHED). */
  get complete(): boolean {
    return this.counts[WRITING] + this.counts[FINISHED] === this.blocks;
  }

  /** Nothing requested or received: the piece may be forgotten. */
  get idle(): boolean {
    return this.counts[NONE] === this.blocks;
  }

  setState(block: number, s: BlockStateCode): void {
    this.counts[this.state[block]]--;
    this.counts[s]++;
    this.state[block] = s;
  }

  /** Adds `peer` as a holder of `block`; the first holder moves it NONE -> REQUESTED. */
  addHolder(block: number, peer: P, now: number): void {
    const list = this.holders[block];
    if (list) list.push(peer);
    else {
      this.holders[block] = [peer];
      this.requestedAt[block] = now;
      this.setState(block, REQUESTED);
    }
  }

  /** Removes `peer` as a holder; returns true when that left the block with no holder (NONE). */
  removeHolder(block: number, peer: P): boolean {
    const list = this.holders[block];
    if (!list) return false;
    const at = list.indexOf(peer);
    if (at < 0) return false;
    list.splice(at, 1);
    if (list.length > 0) return false;
    this.holders[block] = undefined;
    this.setState(block, NONE);
    return true;
  }

  holderCount(block: number): number {
    return this.holders[block]?.length ?? 0;
  }

  isHeldBy(block: number, peer: P): boolean {
    return this.holders[block]?.includes(peer) ?? false;
  }
}
