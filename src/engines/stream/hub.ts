/**
 * The streaming side of one torrent: its read heads (deadline windows) and the readers waiting for
 * pieces. One PieceSource subscription serves every reader.
 */
import { TorrentkitError } from '../../util/errors.js';
import { ReadHeads } from './read-heads.js';
import { type ReaderOptions, TorrentReader } from './reader.js';
import type { PieceSource } from './types.js';

export interface FileSpan {
  /** Offset of the file in the torrent's content. */
  offset: number;
  length: number;
}

export class StreamHub {
  readonly heads: ReadHeads;
  private readonly waiters = new Map<number, Set<() => void>>();
  private readonly closeWaiters = new Set<() => void>();
  private closedWith: Error | undefined;

  constructor(readonly source: PieceSource) {
    this.heads = new ReadHeads(source);
    source.onPiece((piece) => {
      this.heads.verified(piece);
      const set = this.waiters.get(piece);
      if (!set) return;
      this.waiters.delete(piece);
      for (const fn of set) fn();
    });
    source.onClose((err) => {
      this.closedWith = err;
      for (const set of this.waiters.values()) for (const fn of set) fn();
      this.waiters.clear();
      for (const fn of this.closeWaiters) fn();
    });
  }

  /** Why the torrent stopped, once it did. */
  get closed(): Error | undefined {
    return this.closedWith;
  }

  /** Opens a reader over `span` (a file of the torrent); it prioritises its window at once. */
  createReader(span: FileSpan, options: ReaderOptions = {}): TorrentReader {
    if (this.closedWith) throw new TorrentkitError('BT_ERR_TORRENT_CLOSED', 'the torrent is closed', { cause: this.closedWith });
    return new TorrentReader(this, span, options);
  }

  /** Calls `fn` once `piece` is verified or the torrent closes; returns a function that cancels. */
  whenPiece(piece: number, fn: () => void): () => void {
    if (this.closedWith || this.source.has(piece)) {
      fn();
      return () => {};
    }
    let set = this.waiters.get(piece);
    if (!set) this.waiters.set(piece, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.waiters.get(piece) === set) this.waiters.delete(piece);
    };
  }
}
