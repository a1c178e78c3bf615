/**
 * Bulk hashing off the event loop. Torrent creation and piece verification both go through this
 * port: SHA-1 of v1 pieces (BEP 3) and SHA-256 of the 16 KiB blocks that are the leaves of v2
 * merkle trees (BEP 52).
 *
 * Two kinds of work:
 * - `hashBuffer`: bytes the caller already holds (a downloaded piece). The buffer may be
 *   transferred to the hashing thread (`transfer: true`), after which the caller must not use it.
 * - `hashRanges`: a byte stream described as ranges of files and runs of zeros (BEP 47 pad
 *   files). The implementation reads the files itself, so bulk data never crosses threads and
 *   memory stays bounded by the read buffers of its workers, whatever the size of the input.
 *
 * Digests come back concatenated (20 bytes per SHA-1 block, 32 per SHA-256 block), one
 * Uint8Array per requested output. Every call takes an AbortSignal; an aborted call rejects with
 * BT_ERR_ABORTED.
 */

export type HashAlgorithm = 'sha1' | 'sha256';

export const DIGEST_LENGTH: Readonly<Record<HashAlgorithm, number>> = { sha1: 20, sha256: 32 };

/** One part of the stream a range job hashes. */
export type Segment =
  /** `length` bytes of the file at `path` (a path the hasher's file system understands), from `offset`. */
  | { readonly kind: 'file'; readonly path: string; readonly offset: number; readonly length: number }
  /** `length` zero bytes (a BEP 47 pad file). */
  | { readonly kind: 'zeros'; readonly length: number };

/** What to compute over a stream: one digest per `blockSize` bytes (the last block may be shorter). */
export interface HashOutput {
  readonly algorithm: HashAlgorithm;
  /** Bytes per digest, e.g. the piece length (v1) or 16 KiB (v2 leaves). */
  readonly blockSize: number;
  /**
   * Only `length` bytes of the stream are covered (default: all of it from `offset`). A hybrid
   * torrent hashes a file's v2 leaves over the file's bytes but its last v1 piece over the file
   * and the pad file after it; both come from one read.
   */
  readonly length?: number;
  /**
   * Coverage starts `offset` bytes into the stream (default 0) and runs for `length` bytes. A job
   * over several small files (and their pads) gives each file its own v2 output this way.
   */
  readonly offset?: number;
  /**
   * BEP 52 merkle subtrees (sha256 with a 16 KiB block size): instead of every leaf digest, return
   * the root of each run of `merkleLeaves` leaves (a power of two), the last run padded with zero
   * leaves. With `merkleLeaves = pieceLength / 16 KiB` these are a file's piece-layer hashes, which
   * is what v2 creation keeps and what v2 piece verification compares.
   */
  readonly merkleLeaves?: number;
}

export interface RangeJob {
  readonly segments: readonly Segment[];
  readonly outputs: readonly HashOutput[];
}

export interface HashCallOptions {
  readonly signal?: AbortSignal;
  /** Called with the number of stream bytes just hashed (increments, not totals). */
  readonly onProgress?: (bytes: number) => void;
}

export interface Hasher {
  /** How many jobs run in parallel (worker threads); callers queue about this many at once. */
  readonly concurrency: number;
  /**
   * Digests of `data` split into `output.blockSize` blocks (default: one digest of all of it);
   * with `merkleLeaves`, roots of merkle subtrees as in `HashOutput` (a v2 piece's hash).
   */
  hashBuffer(
    data: Uint8Array,
    output: { readonly algorithm: HashAlgorithm; readonly blockSize?: number; readonly merkleLeaves?: number },
    options?: HashCallOptions & { readonly transfer?: boolean },
  ): Promise<Uint8Array>;
  /** Reads the job's segments in order and returns one concatenation of digests per output. */
  hashRanges(job: RangeJob, options?: HashCallOptions): Promise<Uint8Array[]>;
  /** Stops the workers; pending and later calls reject with BT_ERR_HASHER_CLOSED. Idempotent. */
  close(): Promise<void>;
}

/** Total bytes of a job's stream. */
export function streamLength(segments: readonly Segment[]): number {
  let n = 0;
  for (const s of segments) n += s.length;
  return n;
}

/** Number of digests an output yields over a stream of `total` bytes. */
export function digestCount(output: HashOutput, total: number): number {
  const rest = Math.max(0, total - (output.offset ?? 0));
  const covered = Math.min(rest, output.length ?? rest);
  return Math.ceil(covered / output.blockSize / (output.merkleLeaves ?? 1));
}
