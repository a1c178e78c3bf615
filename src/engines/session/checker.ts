/**
 * Verifies data already on disk against a torrent's v1 piece hashes (a full recheck, or the pieces
 * the resume data could not vouch for). Runs near the machine's hashing speed: pieces are grouped
 * into jobs of several MiB that the Hasher's workers read and hash themselves (no bulk data on the
 * event loop, memory bounded by the workers' read buffers), `concurrency` jobs in flight.
 * A piece whose files are missing or too short is not hashed at all.
 */
import type { Hasher, Segment } from '../../ports/hasher.js';
import type { FileStat, Storage, StorageFile } from '../../ports/storage.js';
import { Bitfield } from '../../util/bitfield.js';
import { TorrentkitError, throwIfAborted } from '../../util/errors.js';
import { TorrentLayout } from '../../codecs/metainfo/layout.js';

export interface CheckInput {
  files: readonly StorageFile[];
  pieceLength: number;
  /** Concatenated 20-byte SHA-1 piece hashes (BEP 3). */
  pieceHashes: Uint8Array;
  storage: Storage;
  /** Current size of each file (from `storage.stat()`), to skip pieces that cannot be complete. */
  stats: readonly FileStat[];
  /** Only these pieces are checked (default: all). */
  only?: Bitfield;
}

export interface CheckOptions {
  signal?: AbortSignal;
  /** Called with the number of bytes just checked (increments). */
  onProgress?: (bytes: number) => void;
  /** Target bytes per hashing job. */
  jobBytes?: number;
}

function equalAt(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

/** Returns the pieces whose data on storage matches their hash. */
export async function checkPieces(hasher: Hasher, input: CheckInput, options: CheckOptions = {}): Promise<Bitfield> {
  const { files, pieceLength, pieceHashes, storage, stats } = input;
  const layout = new TorrentLayout(files, pieceLength);
  const total = layout.totalLength;
  const count = layout.pieceCount;
  if (pieceHashes.length !== count * 20) {
    throw new TorrentkitError('BT_ERR_CHECK_INPUT', `expected ${count} piece hashes, got ${pieceHashes.length / 20}`);
  }
  const have = new Bitfield(count);
  const fileBacked = typeof storage.localPath === 'function' && files.every((f, i) => f.pad || f.length === 0 || storage.localPath!(i) !== undefined);
  const jobBytes = Math.max(pieceLength, options.jobBytes ?? 8 * 1024 * 1024);
  const piecesPerJob = Math.max(1, Math.floor(jobBytes / pieceLength));

  // 'disk': every byte is in files on disk (hashed by the workers); 'storage': some bytes are not in
  // their file but part of the piece is, so the storage may hold the rest aside (an unselected
  // file): read through the storage; 'none': nothing to check.
  const kindOf = (p: number): 'disk' | 'storage' | 'none' => {
    if (input.only && !input.only.get(p)) return 'none';
    let onDisk = 0;
    let missing = 0;
    for (const s of layout.pieceSegments(p, true)) {
      if (stats[s.file].size >= s.fileOffset + s.length) onDisk++;
      else missing++;
    }
    if (missing === 0) return 'disk';
    return onDisk > 0 ? 'storage' : 'none';
  };
  const checkable = (p: number): boolean => kindOf(p) === 'disk';
  const viaStorage: number[] = [];
  for (let p = 0; p < count; p++) if (kindOf(p) === 'storage') viaStorage.push(p);

  // Runs of consecutive checkable pieces, cut into jobs.
  const jobs: Array<[first: number, n: number]> = [];
  for (let p = 0; p < count; ) {
    if (!checkable(p)) {
      p++;
      continue;
    }
    let n = 1;
    while (n < piecesPerJob && p + n < count && checkable(p + n)) n++;
    jobs.push([p, n]);
    p += n;
  }

  const runJob = async ([first, n]: [number, number]) => {
    throwIfAborted(options.signal);
    const offset = first * pieceLength;
    const length = Math.min(total, (first + n) * pieceLength) - offset;
    let digests: Uint8Array;
    try {
      if (fileBacked) {
        const segments: Segment[] = layout.segments(offset, offset + length).map((s) =>
          files[s.file].pad
            ? { kind: 'zeros', length: s.length }
            : { kind: 'file', path: storage.localPath!(s.file)!, offset: s.fileOffset, length: s.length },
        );
        [digests] = await hasher.hashRanges(
          { segments, outputs: [{ algorithm: 'sha1', blockSize: pieceLength }] },
          { signal: options.signal, onProgress: options.onProgress },
        );
      } else {
        const data = await storage.read(offset, length, { signal: options.signal });
        digests = await hasher.hashBuffer(data, { algorithm: 'sha1', blockSize: pieceLength }, { signal: options.signal, transfer: true });
        options.onProgress?.(length);
      }
    } catch (err) {
      if (err instanceof TorrentkitError && (err.code === 'BT_ERR_ABORTED' || err.code === 'BT_ERR_HASHER_CLOSED')) throw err;
      // A file vanished or shrank between stat and read: those pieces are simply not there.
      return;
    }
    for (let i = 0; i < n; i++) {
      if (equalAt(digests, i * 20, pieceHashes, (first + i) * 20, 20)) have.set(first + i);
    }
  };

  for (const p of viaStorage) {
    throwIfAborted(options.signal);
    try {
      const data = await storage.read(p * pieceLength, layout.pieceSize(p), { signal: options.signal });
      const digest = await hasher.hashBuffer(data, { algorithm: 'sha1' }, { signal: options.signal, transfer: true });
      if (equalAt(digest, 0, pieceHashes, p * 20, 20)) have.set(p);
      options.onProgress?.(data.length);
    } catch (err) {
      if (err instanceof TorrentkitError && (err.code === 'BT_ERR_ABORTED' || err.code === 'BT_ERR_HASHER_CLOSED')) throw err;
    }
  }

  let next = 0;
  const lanes = Array.from({ length: Math.max(1, hasher.concurrency) }, async () => {
    while (next < jobs.length) await runJob(jobs[next++]);
  });
  await Promise.all(lanes);
  return have;
}
