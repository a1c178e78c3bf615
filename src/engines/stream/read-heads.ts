/**
 * The read heads of one torrent: each open reader owns a window of pieces with deadlines; the
 * picker sees their union, each piece with the earliest deadline any reader gave it (a video and
 * its subtitles, or two players, each get their window).
 *
 * Owns: each head's window (piece -> deadline) and the union last applied to the PieceSource.
 * Invariants: `applied` equals the union of the windows restricted to pieces not verified; a piece
 * leaves the union through `dropDeadline` (which cancels its requests) unless it was verified.
 */
import type { PieceSource } from './types.js';

export type Window = ReadonlyMap<number, number>;

export class ReadHeads {
  private readonly heads = new Map<object, Window>();
  private readonly applied = new Map<number, number>();

  constructor(private readonly source: PieceSource) {}

  /** Number of open heads. */
  get size(): number {
    return this.heads.size;
  }

  /** The union of the windows as applied (piece -> earliest deadline). */
  get critical(): ReadonlyMap<number, number> {
    return this.applied;
  }

  /** Sets `head`'s window; with `jumped` (a seek), queued requests nothing needs are cancelled. */
  update(head: object, window: Window, jumped = false): void {
    this.heads.set(head, window);
    this.apply(jumped);
  }

  remove(head: object): void {
    if (this.heads.delete(head)) this.apply(false);
  }

  /** A piece was verified: it leaves the union without cancelling anything. */
  verified(piece: number): void {
    this.applied.delete(piece);
  }

  private apply(jumped: boolean): void {
    const union = new Map<number, number>();
    for (const w of this.heads.values()) {
      for (const [piece, deadline] of w) {
        if (this.source.has(piece)) continue;
        const d = union.get(piece);
        if (d === undefined || deadline < d) union.set(piece, deadline);
      }
    }
    for (const piece of [...this.applied.keys()]) {
      if (union.has(piece)) continue;
      this.applied.delete(piece);
      if (!this.source.has(piece)) this.source.dropDeadline(piece);
    }
    let changed = false;
    for (const [piece, deadline] of union) {
      if (this.applied.get(piece) === deadline) continue;
      this.applied.set(piece, deadline);
      this.source.setDeadline(piece, deadline);
      changed = true;
    }
    if (changed || jumped) this.source.commit(jumped);
  }
}
