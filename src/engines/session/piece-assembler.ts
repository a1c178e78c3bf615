/**
 * Collects the blocks of pieces being downloaded, in memory, until a piece is complete and can be
 * verified. Nothing is written to storage before its piece verifies, so a corrupt or half-received
 * piece never reaches the files and a crash never leaves unverified data that looks complete.
 *
 * Memory is bounded by `maxBytes`: `open` refuses new pieces past the budget (the picker then
 * finishes partial pieces first). Freed buffers are reused. Piece buffers are plain ArrayBuffers:
 * pieces are hashed on the main thread (see HashPool), and V8 copies blocks into a
 * SharedArrayBuffer at about half the speed of a plain one.
 */
import { TorrentkitError } from '../../util/errors.js';

export const BLOCK_SIZE = 16 * 1024;

interface Assembly {
  data: Uint8Array;
  blocks: Uint8Array;
  missing: number;
}

export type AddResult = 'added' | 'complete' | 'duplicate' | 'unexpected';

export class PieceAssembler {
  private readonly pieces = new Map<number, Assembly>();
  private readonly pool: Uint8Array[] = [];
  private inUse = 0;
  /** False after `trim` (nothing to download) until a piece opens again. */
  private pooling = true;
  /** Freed buffers kept for reuse: the whole budget, so a steady download allocates nothing. */
  private poolMax: number;

  constructor(
    private readonly pieceLength: number,
    private readonly totalLength: number,
    private maxBytes: number,
  ) {
    this.poolMax = Math.max(1, Math.floor(maxBytes / pieceLength));
  }

  /** Changes the budget (more peers downloading at once need more pieces open). */
  setBudget(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.poolMax = Math.max(1, Math.floor(maxBytes / this.pieceLength));
    if (this.pool.length > this.poolMax) this.pool.length = this.poolMax;
  }

  get budget(): number {
    return this.maxBytes;
  }

  get pieceCount(): number {
    return Math.ceil(this.totalLength / this.pieceLength);
  }

  /** Length of piece `i` (the last one may be shorter). */
  lengthOf(i: number): number {
    return i === this.pieceCount - 1 ? this.totalLength - i * this.pieceLength : this.pieceLength;
  }

  /** Bytes held by open pieces and by buffers handed out and not yet released. */
  get bytesInUse(): number {
    return this.inUse;
  }

  /**
   * True when a new piece fits in the memory budget. Pieces handed over with `take` count until
   * they are released (verified and written), so a slow disk holds the download back instead of
   * letting complete pieces pile up in memory. With nothing in use, one piece always fits.
   */
  canOpen(): boolean {
    return this.inUse + this.pieceLength <= this.maxBytes || this.inUse === 0;
  }

  /** How many more whole pieces `open` accepts now (at least one when nothing is in use). */
  get freeSlots(): number {
    const n = Math.max(0, Math.floor((this.maxBytes - this.inUse) / this.pieceLength));
    return this.inUse === 0 ? Math.max(1, n) : n;
  }

  isOpen(i: number): boolean {
    return this.pieces.has(i);
  }

  get openPieces(): IterableIterator<number> {
    return this.pieces.keys();
  }

  /** Starts collecting piece `i`; false when over the memory budget. */
  open(i: number): boolean {
    if (this.pieces.has(i)) return true;
    if (i < 0 || i >= this.pieceCount) throw new TorrentkitError('BT_ERR_PIECE_RANGE', `piece ${i} out of range`);
    if (!this.canOpen()) return false;
    this.pooling = true;
    const len = this.lengthOf(i);
    const reuse = len === this.pieceLength ? this.pool.pop() : undefined;
    const blocks = Math.ceil(len / BLOCK_SIZE);
    this.pieces.set(i, { data: reuse ?? new Uint8Array(len), blocks: new Uint8Array(blocks), missing: blocks });
    this.inUse += len;
    return true;
  }

  /** Copies a received block into its piece. */
  addBlock(i: number, offset: number, block: Uint8Array): AddResult {
    const a = this.pieces.get(i);
    if (!a) return 'unexpected';
    const len = a.data.length;
    if (offset % BLOCK_SIZE !== 0 || offset >= len) return 'unexpected';
    const expected = Math.min(BLOCK_SIZE, len - offset);
    if (block.length !== expected) return 'unexpected';
    const b = offset / BLOCK_SIZE;
    if (a.blocks[b]) return 'duplicate';
    a.data.set(block, offset);
    a.blocks[b] = 1;
    a.missing--;
    return a.missing === 0 ? 'complete' : 'added';
  }

  hasBlock(i: number, offset: number): boolean {
    return this.pieces.get(i)?.blocks[offset / BLOCK_SIZE] === 1;
  }

  /**
   * Hands the complete piece over (to verification, then storage). The caller must `release` the
   * buffer when done with it so that the memory budget and the pool stay right.
   */
  take(i: number): Uint8Array {
    const a = this.pieces.get(i);
    if (!a || a.missing !== 0) throw new TorrentkitError('BT_ERR_PIECE_INCOMPLETE', `piece ${i} is not complete`);
    this.pieces.delete(i);
    return a.data;
  }

  /** Returns a buffer obtained from `take`; `reuse` false when the caller keeps it (a cache). */
  release(buf: Uint8Array, reuse = true): void {
    this.inUse -= buf.length;
    if (reuse) this.recycle(buf);
  }

  /**
   * Takes back, for reuse, a piece buffer that its keeper no longer needs and nothing references
   * (see PieceReader); false when declined (after `trim` until a piece opens, or the pool is full).
   */
  recycle(buf: Uint8Array): boolean {
    if (!this.pooling || buf.length !== this.pieceLength || this.pool.length >= this.poolMax) return false;
    this.pool.push(buf);
    return true;
  }

  /** Frees the buffers kept for reuse (e.g. once the download is done). */
  trim(): void {
    this.pool.length = 0;
    this.pooling = false;
  }

  /** Forgets a partial piece (peer gone with its blocks, piece deselected). */
  drop(i: number): void {
    const a = this.pieces.get(i);
    if (!a) return;
    this.pieces.delete(i);
    this.release(a.data);
  }

  /** Forgets the blocks a peer sent into a piece (e.g. it turned out to be a liar), keeping others. */
  clearBlocks(i: number, offsets: readonly number[]): void {
    const a = this.pieces.get(i);
    if (!a) return;
    for (const o of offsets) {
      const b = o / BLOCK_SIZE;
      if (a.blocks[b]) {
        a.blocks[b] = 0;
        a.missing++;
      }
    }
  }
}
