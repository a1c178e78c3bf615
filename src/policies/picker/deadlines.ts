/**
 * Deadlines of time-critical pieces (streaming): the picker serves them first, earliest deadline
 * first (see pick-order.ts).
 *
 * Owns: each critical piece's deadline (a time on the caller's clock) and the pieces sorted by it.
 * Invariants: `sorted` holds exactly the pieces with a deadline, earliest first (ties by index);
 * a piece we have has no deadline. The window is small (the pieces under a reader's read-ahead),
 * so it is re-sorted on each change.
 */
import type { BlockBook } from './block-book.js';
import type { PieceGeometry } from './geometry.js';
import type { PeerRequest } from './types.js';

export class Deadlines<P> {
  private readonly at = new Map<number, number>();
  private sorted: number[] = [];

  constructor(
    private readonly geo: PieceGeometry,
    private readonly book: BlockBook<P>,
    private readonly have: (piece: number) => boolean,
  ) {}

  /** Number of critical pieces. */
  get size(): number {
    return this.at.size;
  }

  /**
   * Makes `piece` critical with `deadline`. Critical pieces are picked before everything else, kept
   * from slow peers (`criticalSlowGraceMs`), and a block outstanding for `criticalDuplicateAfterMs`
   * is requested again from a fast peer. With several readers, pass the earliest deadline any of
   * them has for the piece. A piece we have is ignored.
   */
  set(piece: number, deadline: number): void {
    this.geo.checkPiece(piece);
    if (this.have(piece)) return;
    this.at.set(piece, deadline);
    this.sort();
  }

  /**
   * The piece is no longer critical (the reader moved on). Returns the duplicate requests that
   * only the deadline justified (all holders but the first of each block): cancel them.
   */
  clear(piece: number): PeerRequest<P>[] {
    if (!this.at.delete(piece)) return [];
    this.sort();
    return this.book.dropDuplicates(piece);
  }

  /**
   * The piece is no longer critical and nothing needs it soon (a reader seeked away): returns
   * every outstanding request on it, to cancel; its blocks go back to the pool.
   */
  drop(piece: number): PeerRequest<P>[] {
    if (this.at.delete(piece)) this.sort();
    return this.book.dropRequests(piece);
  }

  /** Drops every deadline (a seek); returns the duplicate requests to cancel. */
  clearAll(): PeerRequest<P>[] {
    return [...this.at.keys()].flatMap((i) => this.clear(i));
  }

  /** Forgets the deadline of a piece that is now verified. */
  forget(piece: number): void {
    if (this.at.delete(piece)) this.sort();
  }

  of(piece: number): number | undefined {
    return this.at.get(piece);
  }

  /** Critical pieces, earliest deadline first. */
  pieces(): readonly number[] {
    return this.sorted;
  }

  /**
   * Requests on critical pieces outstanding for at least `maxAgeMs`: the scheduler cancels those
   * held by a peer that fell behind so that a faster peer takes the block.
   */
  stalled(now: number, maxAgeMs: number): PeerRequest<P>[] {
    return this.book.stalled(this.sorted, now, maxAgeMs);
  }

  private sort(): void {
    this.sorted = [...this.at.keys()].sort((a, b) => this.at.get(a)! - this.at.get(b)! || a - b);
  }
}
