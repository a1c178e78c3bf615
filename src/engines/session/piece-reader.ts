/**
 * Reads blocks of verified pieces for uploading (and streaming), through a small LRU cache of
 * whole pieces: peers request a piece's blocks one after another, so one storage read serves
 * them all. Concurrent requests for the same piece share one read.
 *
 * Lazy verification: when the user says the data is complete (`seed --assume-complete`), pieces
 * are not hashed up front but on their first read; a piece that fails is reported through
 * `onBadPiece` and the read rejects with BT_ERR_PIECE_HASH.
 *
 * Buffer reuse: when the cache lets go of a piece (one just downloaded and `insert`ed, or one
 * read ahead with `prefetch`), its buffer goes back to the downloader (`recycle`), or else is kept
 * for the next storage read, instead of going to the garbage collector. A buffer may only be
 * reused once nothing else can see it, so:
 * - blocks taken with `cachedBlock` are counted with `hold` until the transport has written them
 *   (`release`); a buffer evicted while held is reused after its last `release`;
 * - a buffer handed out whole by `piece`, whose callers may keep it, is never reused (a read they
 *   wait for is marked as theirs before it is cached); `heldBlock` blocks are held like cached ones.
 */
import type { Hasher } from '../../ports/hasher.js';
import type { Storage } from '../../ports/storage.js';
import type { Bitfield } from '../../util/bitfield.js';
import { TorrentkitError } from '../../util/errors.js';

export interface PieceReaderOptions {
  pieceLength: number;
  totalLength: number;
  /** Bytes of whole pieces kept in the cache. */
  cacheBytes: number;
  /** Pieces not yet verified whose hash must be checked on first read (lazy seeding). */
  unverified?: Bitfield;
  /** Concatenated SHA-1 piece hashes, needed with `unverified`. */
  pieceHashes?: Uint8Array;
  onBadPiece?: (piece: number) => void;
  onVerified?: (piece: number) => void;
  /** Takes back a piece buffer that nothing references any more (see above); false to decline. */
  recycle?: (buf: Uint8Array) => boolean;
}

/** Whether `data` spans its whole buffer (a piece's own memory, which can be reused as one). */
function isWholeBuffer(data: Uint8Array): boolean {
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
}

/** Piece buffers kept for storage reads when the downloader declines them. */
const SPARE_BUFFERS = 4;

export class PieceReader {
  private readonly cache = new Map<number, Uint8Array>();
  /** The piece last put at the LRU end of `cache` (a key no longer cached is harmless). */
  private newest = -1;
  private readonly pending = new Map<number, Promise<Uint8Array>>();
  private cached = 0;
  /** Memory of cached pieces that no caller of `piece` has seen: reusable once evicted. */
  private readonly own = new WeakSet<ArrayBufferLike>();
  /** Blocks of each buffer not yet written by the transport (`hold` / `release`). */
  private readonly holds = new WeakMap<ArrayBufferLike, number>();
  /** Recyclable buffers evicted while held: recycled by their last `release`. */
  private readonly retired = new WeakSet<ArrayBufferLike>();
  /** Pieces being read for a caller of `piece`: their buffers are not ours to reuse. */
  private readonly escaping = new Set<number>();
  /** Holds to take on each piece being read, for `heldBlock` callers waiting for it. */
  private readonly holdOnLoad = new Map<number, number>();
  /** Free piece buffers for the next storage reads. */
  private readonly spare: Uint8Array[] = [];

  constructor(
    private readonly deps: { storage: Storage; hasher: Hasher },
    private options: PieceReaderOptions,
  ) {}

  private lengthOf(piece: number): number {
    return Math.min(this.options.pieceLength, this.options.totalLength - piece * this.options.pieceLength);
  }

  /**
   * The block when its piece is cached (no promise, no read): the uploader's fast path. The caller
   * `hold`s the block until the transport has written it and then `release`s it.
   */
  cachedBlock(piece: number, offset: number, length: number): Uint8Array | undefined {
    const hit = this.cache.get(piece);
    if (!hit || offset < 0 || length <= 0 || offset + length > hit.length) return undefined;
    this.touch(piece, hit);
    return hit.subarray(offset, offset + length);
  }

  /**
   * A block for a caller that `release`s it once done (the uploader's slow path): from the cache
   * or storage, held from the moment its piece is read, like `cachedBlock` + `hold`.
   */
  async heldBlock(piece: number, offset: number, length: number): Promise<Uint8Array> {
    if (piece < 0 || offset < 0 || length <= 0 || offset + length > this.lengthOf(piece)) {
      throw new TorrentkitError('BT_ERR_PIECE_RANGE', `block ${piece}:${offset}+${length} outside the piece`);
    }
    const hit = this.cachedBlock(piece, offset, length);
    if (hit) {
      this.hold(hit);
      return hit;
    }
    this.holdOnLoad.set(piece, (this.holdOnLoad.get(piece) ?? 0) + 1);
    const data = await this.fetch(piece);
    return data.subarray(offset, offset + length);
  }

  /** Counts a block of a cached piece as referenced (by a write in progress). */
  hold(block: Uint8Array): void {
    const key = block.buffer;
    this.holds.set(key, (this.holds.get(key) ?? 0) + 1);
  }

  /** Ends a `hold`; the last one recycles a buffer the cache has evicted meanwhile. */
  release(block: Uint8Array): void {
    const key = block.buffer;
    const n = (this.holds.get(key) ?? 0) - 1;
    if (n > 0) {
      this.holds.set(key, n);
      return;
    }
    this.holds.delete(key);
    if (!this.retired.has(key)) return;
    this.retired.delete(key);
    this.reuse(new Uint8Array(key));
  }

  /** The whole piece, from the cache or storage. The caller may keep it: it is never recycled. */
  piece(piece: number): Promise<Uint8Array> {
    const hit = this.cache.get(piece);
    if (hit) {
      this.touch(piece, hit);
      this.own.delete(hit.buffer);
      return Promise.resolve(hit);
    }
    this.escaping.add(piece);
    return this.fetch(piece);
  }

  /** The read of `piece` under way, or a new one. */
  private fetch(piece: number): Promise<Uint8Array> {
    let p = this.pending.get(piece);
    if (!p) {
      p = this.load(piece).finally(() => {
        this.pending.delete(piece);
        this.escaping.delete(piece);
        this.holdOnLoad.delete(piece);
      });
      this.pending.set(piece, p);
    }
    return p;
  }

  /**
   * Starts loading a piece that will be read soon (read-ahead), so that its storage read and lazy
   * hash overlap the sending of the piece before it. Failures surface on the real read.
   */
  prefetch(piece: number): void {
    if (this.cache.has(piece) || this.pending.has(piece)) return;
    if (piece < 0 || piece * this.options.pieceLength >= this.options.totalLength) return;
    this.fetch(piece).catch(() => {});
  }

  /** Sets the pieces to verify on their first read (lazy seeding). */
  setUnverified(pieces: Bitfield | undefined): void {
    this.options.unverified = pieces;
  }

  /**
   * Puts a piece just verified and written into the cache (peers that learn of it soon ask for
   * it). The reader owns `data` from now on: it goes to `recycle` once nothing references it.
   */
  insert(piece: number, data: Uint8Array): void {
    if (isWholeBuffer(data)) this.own.add(data.buffer);
    if (!this.store(piece, data)) this.retire(data);
  }

  /** Drops cached data (storage changed underneath, or memory is needed). */
  clear(): void {
    const dropped = [...this.cache.values()];
    this.cache.clear();
    this.cached = 0;
    for (const data of dropped) this.retire(data);
  }

  private async load(piece: number): Promise<Uint8Array> {
    const length = this.lengthOf(piece);
    const into = length === this.options.pieceLength ? this.spare.pop() : undefined;
    let data: Uint8Array;
    try {
      data = await this.deps.storage.read(piece * this.options.pieceLength, length, { into });
    } catch (err) {
      if (into) this.spare.push(into);
      throw err;
    }
    const { unverified, pieceHashes } = this.options;
    if (unverified?.get(piece) && pieceHashes) {
      const digest = await this.deps.hasher.hashBuffer(data, { algorithm: 'sha1' });
      const expected = pieceHashes.subarray(piece * 20, piece * 20 + 20);
      if (!digest.every((b, i) => b === expected[i])) {
        this.options.onBadPiece?.(piece);
        throw new TorrentkitError('BT_ERR_PIECE_HASH', `piece ${piece} on disk does not match its hash`);
      }
      unverified.set(piece, false);
      this.options.onVerified?.(piece);
    }
    // Ours to reuse once evicted, unless a caller waits for it; `heldBlock` callers hold it now.
    // Both are settled before the piece is cached, so no eviction can come in between.
    if (!this.escaping.has(piece) && isWholeBuffer(data)) this.own.add(data.buffer);
    const holds = this.holdOnLoad.get(piece);
    if (holds !== undefined) {
      this.holdOnLoad.delete(piece);
      this.holds.set(data.buffer, (this.holds.get(data.buffer) ?? 0) + holds);
    }
    if (!this.store(piece, data)) this.retire(data);
    return data;
  }

  /** Marks a cached piece as the most recently used (the LRU order is the map's order). */
  private touch(piece: number, data: Uint8Array): void {
    // Blocks of one piece are mostly asked for in a row: moving a piece that is already the most
    // recent would only leave a deleted entry behind, and the map rehashes as those pile up.
    if (piece === this.newest) return;
    this.cache.delete(piece);
    this.cache.set(piece, data);
    this.newest = piece;
  }

  /** Caches `data` (false when it is larger than the whole cache), evicting the oldest pieces. */
  private store(piece: number, data: Uint8Array): boolean {
    if (data.length > this.options.cacheBytes) return false;
    const old = this.cache.get(piece);
    if (old) {
      this.cached -= old.length;
      this.cache.delete(piece);
      if (old !== data) this.retire(old);
    }
    this.cache.set(piece, data);
    this.newest = piece;
    this.cached += data.length;
    while (this.cached > this.options.cacheBytes) {
      const [k, v] = this.cache.entries().next().value as [number, Uint8Array];
      this.cache.delete(k);
      this.cached -= v.length;
      this.retire(v);
    }
    return true;
  }

  /** The cache lets go of `data`: recycled now, or by the last `release` when held. */
  private retire(data: Uint8Array): void {
    const key = data.buffer;
    if (!this.own.has(key)) return;
    this.own.delete(key);
    if ((this.holds.get(key) ?? 0) > 0) this.retired.add(key);
    else this.reuse(data);
  }

  /** A buffer nothing references: to the downloader, or kept for a storage read. */
  private reuse(buf: Uint8Array): void {
    if (this.options.recycle?.(buf)) return;
    if (buf.length === this.options.pieceLength && this.spare.length < SPARE_BUFFERS) this.spare.push(buf);
  }
}
