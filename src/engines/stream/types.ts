/**
 * What the streaming layer needs of a torrent (`PieceSource`), so readers run over a real Torrent,
 * over a test double, or in a browser alike.
 */
import type { Clock } from '../../ports/clock.js';

export interface PieceSource {
  readonly pieceLength: number;
  readonly totalLength: number;
  readonly clock: Clock;
  /** The piece is verified and readable. */
  has(piece: number): boolean;
  /** Reads a verified piece (whole). */
  readPiece(piece: number): Promise<Uint8Array>;
  /** Calls `fn` for each piece verified from now on; returns the unsubscribe function. */
  onPiece(fn: (piece: number) => void): () => void;
  /** Calls `fn` once when the torrent stops (removed or failed); returns the unsubscribe function. */
  onClose(fn: (err: Error) => void): () => void;
  /** Makes the piece critical (earliest deadline first; `deadline` on `clock`). */
  setDeadline(piece: number, deadline: number): void;
  /**
   * The piece is no longer critical and no reader needs it now: cancel its outstanding requests
   * (it is fetched later like any other wanted piece).
   */
  dropDeadline(piece: number): void;
  /**
   * The deadlines changed: send requests for the critical pieces now. With `jumped` (a seek, a new
   * reader), first cancel queued requests for pieces no reader needs now, so that the peers'
   * queues drain for the critical pieces instead of delaying them.
   */
  commit(jumped: boolean): void;
}
