/**
 * The Torrent as the streaming layer sees it (a PieceSource): verified pieces read through the
 * PieceReader cache, deadlines handed to the Transfer's picker.
 */
import type { PieceSource } from '../stream/index.js';
import type { Clock } from '../../ports/clock.js';
import type { Bitfield } from '../../util/bitfield.js';
import type { PieceReader } from './piece-reader.js';
import type { Transfer } from './transfer.js';

export interface StreamSourceParts {
  clock: Clock;
  pieceLength: number;
  totalLength: number;
  have: Bitfield;
  reader: PieceReader;
  transfer: Transfer;
  /** Subscribes to verified pieces. */
  onPiece(fn: (piece: number) => void): () => void;
  /** Subscribes to the torrent stopping. */
  onClose(fn: (err: Error) => void): () => void;
}

export function torrentPieceSource(parts: StreamSourceParts): PieceSource {
  return {
    pieceLength: parts.pieceLength,
    totalLength: parts.totalLength,
    clock: parts.clock,
    has: (piece) => parts.have.get(piece),
    readPiece: (piece) => parts.reader.piece(piece),
    onPiece: parts.onPiece,
    onClose: parts.onClose,
    setDeadline: (piece, deadline) => parts.transfer.setDeadline(piece, deadline),
    dropDeadline: (piece) => parts.transfer.dropDeadline(piece),
    commit: (jumped) => parts.transfer.commitDeadlines(jumped),
  };
}
