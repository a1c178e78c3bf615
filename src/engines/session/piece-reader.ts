/**
 * Reads blocks of verified pieces for uploading (and streaming), through a small LRU cache of
 * whole pieces: peers request a piece's blocks one after another, so one storage read serves
 * them all. Concurrent requests for the same piece share one read.
 *
 * Lazy verification: when the user says the data is complete (`seed --assume-complete`), pieces
 * are not hashed up front but on their first read; a piece that fails is reported through
 * `onBadPiece` and the read rejects with BT_ERR_PIECE_HASH.
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
}

export class PieceReader {
  private readonly cache = new Map<number, Uint8Array>();
  private readonly pending = new Map<number, Promise<Uint8Array>>();
  private cached = 0;

  constructor(
    private readonly deps: { storage: Storage; hasher: Hasher },
    private options: PieceReaderOptions,
  ) {}

  private lengthOf(piece: number): number {
    return Math.min(this.options.pieceLength, this.options.totalLength - piece * this.options.pieceLength);
  }

  /** Reads `length` bytes at `offset` of `piece`. */
  async readBlock(piece: number, offset: number, length: number): Promise<Uint8Array> {
    const plen = this.lengthOf(piece);
    if (piece < 0 || offset < 0 || length <= 0 || offset + length > plen) {
      throw new TorrentkitError('BT_ERR_PIECE_RANGE', `block ${piece}:${offset}+${length} outside the piece`);
    }
    const data = await this.piece(piece);
    return data.subarray(offset, offset + length);
  }

  /** The block when its piece is cached (no promise, no read): the uploader's fast path. */
  cachedBlock(piece: number, offset: number, length: number): Uint8Array | undefined {
    const hit = this.cache.get(piece);
    if (!hit || offset < 0 || length <= 0 || offset + length > hit.length) return undefined;
    this.cache.delete(piece);
    this.cache.set(piece, hit);
    return hit.subarray(offset, offset + length);
  }

  /** The whole piece, from the cache or storage. */
  piece(piece: number): Promise<Uint8Array> {
    const hit = this.cache.get(piece);
    if (hit) {
      this.cache.delete(piece);
      this.cache.set(piece, hit);
      return Promise.resolve(hit);
    }
    let p = this.pending.get(piece);
    if (!p) {
      p = this.load(piece).finally(() => this.pending.delete(piece));
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
    this.piece(piece).catch(() => {});
  }

  /** Sets the pieces to verify on their first read (lazy seeding). */
  setUnverified(pieces: Bitfield | undefined): void {
    this.options.unverified = pieces;
  }

  /** Puts a piece just verified and written into the cache (it is likely to be requested soon). */
  insert(piece: number, data: Uint8Array): void {
    this.store(piece, data);
  }

  /** Drops cached data (storage changed underneath, or memory is needed). */
  clear(): void {
    this.cache.clear();
    this.cached = 0;
  }

  private async load(piece: number): Promise<Uint8Array> {
    const data = await this.deps.storage.read(piece * this.options.pieceLength, this.lengthOf(piece));
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
    this.store(piece, data);
    return data;
  }

  private store(piece: number, data: Uint8Array): void {
    if (data.length > this.options.cacheBytes) return;
    const old = this.cache.get(piece);
    if (old) {
      this.cached -= old.length;
      this.cache.delete(piece);
    }
    this.cache.set(piece, data);
    this.cached += data.length;
    while (this.cached > this.options.cacheBytes) {
      const [k, v] = this.cache.entries().next().value as [number, Uint8Array];
      this.cache.delete(k);
      this.cached -= v.length;
    }
  }
}
