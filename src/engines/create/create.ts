/**
 * Torrent creation: list the content (ContentSource), plan the layout (codecs/metainfo/plan),
 * hash it on the Hasher (worker threads in Node) and build the .torrent (codecs/metainfo/build).
 *
 * Memory stays bounded: jobs are small descriptors, at most `2 * hasher.concurrency` run at once,
 * and the workers fold v2 leaf hashes into piece-layer hashes, so what is kept is 20 bytes per v1
 * piece and 32 bytes per v2 piece (plus the leaves of files of one piece or less).
 */
import { type BuiltTorrent, buildTorrent, checkName, type FileMerkle, type TorrentMeta } from '../../codecs/metainfo/build.js';
import { HASH_SIZE, rootFromLeaves, rootFromPieceLayer } from '../../codecs/metainfo/merkle.js';
import { planTorrent, type TorrentPlan, type TorrentVersion } from '../../codecs/metainfo/plan.js';
import type { ContentSource } from '../../ports/content-source.js';
import type { Hasher } from '../../ports/hasher.js';
import { TorrentkitError, throwIfAborted } from '../../util/errors.js';
import { type CreateJob, planJobs } from './jobs.js';

export interface CreateRequest extends Omit<TorrentMeta, 'name'> {
  /** The file or folder to share (as the ContentSource understands it). */
  readonly input: string;
  /** Torrent name (default: the file's or folder's name). */
  readonly name?: string;
  readonly version?: TorrentVersion;
  /** Bytes per piece; automatic when omitted (plan.ts `autoPieceLength`). */
  readonly pieceLength?: number;
}

export interface CreateDeps {
  readonly source: ContentSource;
  readonly hasher: Hasher;
}

/** Progress of a creation; `hashedBytes` counts pad bytes of hybrid torrents too. */
export interface CreateProgress {
  readonly phase: 'listing' | 'hashing' | 'done';
  readonly hashedBytes: number;
  readonly totalBytes: number;
}

export interface CreateOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CreateProgress) => void;
  /** Bytes per hash job (rounded to whole pieces; default jobs.ts JOB_BYTES). */
  readonly jobBytes?: number;
}

export interface CreateResult extends BuiltTorrent {
  readonly plan: TorrentPlan;
  readonly name: string;
}

/** Creates a torrent; rejects with BT_ERR_ABORTED when `signal` aborts. */
export async function createTorrent(request: CreateRequest, deps: CreateDeps, options: CreateOptions = {}): Promise<CreateResult> {
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  onProgress?.({ phase: 'listing', hashedBytes: 0, totalBytes: 0 });
  const listing = await deps.source.list(request.input, { signal });
  if (listing.files.length === 0) throw new TorrentkitError('BT_ERR_CREATE_EMPTY', `${request.input} holds no files`);
  const name = request.name ?? listing.name;
  checkName(name); // before hashing, which may take minutes
  const version = request.version ?? 'v1';
  const plan = planTorrent(
    listing.files.map((f) => ({ path: f.path, length: f.length })),
    { version, pieceLength: request.pieceLength, singleFile: listing.singleFile },
  );
  // planTorrent sorts; map the sorted files back to where the hasher reads them.
  const byPath = new Map(listing.files.map((f) => [f.path.join('/'), f.location]));
  const locations = plan.files.map((f) => byPath.get(f.path.join('/'))!);
  const jobs = planJobs(plan, locations, options.jobBytes);
  const totalBytes = jobs.reduce((n, j) => n + j.bytes, 0);
  const collector = new HashCollector(plan);
  let hashedBytes = 0;
  const report = (n: number) => {
    hashedBytes += n;
    onProgress?.({ phase: 'hashing', hashedBytes, totalBytes });
  };
  // The first failed job (a file vanished or shrank) cancels the jobs still running.
  const failure = new AbortController();
  const jobSignal = signal ? AbortSignal.any([signal, failure.signal]) : failure.signal;
  await runBounded(jobs, Math.max(1, deps.hasher.concurrency * 2), failure, async (job) => {
    throwIfAborted(signal);
    // Progress only when someone listens: each report is a message from a worker.
    const outputs = await deps.hasher.hashRanges(job, { signal: jobSignal, onProgress: onProgress && report });
    collector.add(job, outputs);
  });
  throwIfAborted(signal);
  const { name: _n, input: _i, version: _v, pieceLength: _p, ...meta } = request;
  const built = buildTorrent(plan, { ...meta, name }, collector.finish());
  onProgress?.({ phase: 'done', hashedBytes, totalBytes });
  // Not a spread: it would join the torrent's chunks (`torrent` is computed on first use).
  return Object.assign(built, { plan, name });
}

/**
 * Runs `work` over `items` with at most `limit` in flight. The first failure aborts `failure` (so
 * work in flight stops early), stops the lanes, and is what this rejects with.
 */
async function runBounded<T>(items: readonly T[], limit: number, failure: AbortController, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: { err: unknown } | undefined;
  const lane = async () => {
    while (!firstError && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        firstError ??= { err };
        failure.abort(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (firstError) throw firstError.err;
}

/** Places each job's digests: v1 pieces by index, v2 piece-layer hashes (or small files' leaves) per file. */
class HashCollector {
  private readonly pieces: Uint8Array | undefined;
  private readonly layers: (Uint8Array | undefined)[];
  private readonly smallLeaves: (Uint8Array | undefined)[];

  constructor(private readonly plan: TorrentPlan) {
    this.pieces = plan.version !== 'v2' ? new Uint8Array(plan.pieceCount * 20) : undefined;
    this.layers = plan.files.map((f) => (plan.version !== 'v1' && f.length > plan.pieceLength ? new Uint8Array(Math.ceil(f.length / plan.pieceLength) * HASH_SIZE) : undefined));
    this.smallLeaves = plan.files.map(() => undefined);
  }

  add(job: CreateJob, outputs: Uint8Array[]): void {
    if (job.outputs[0]?.algorithm === 'sha1') this.pieces!.set(outputs[0], job.firstPiece * 20);
    for (const part of job.parts) {
      const digests = outputs[part.output];
      const layer = this.layers[part.file];
      // Files larger than a piece: the job asked for piece-layer hashes (merkleLeaves).
      if (layer) layer.set(digests, part.filePiece * HASH_SIZE);
      else this.smallLeaves[part.file] = digests;
    }
  }

  finish(): { pieces?: Uint8Array; files?: (FileMerkle | undefined)[] } {
    if (this.plan.version === 'v1') return { pieces: this.pieces };
    const files = this.plan.files.map((f, i): FileMerkle | undefined => {
      if (f.length === 0) return undefined;
      const layer = this.layers[i];
      if (layer) return { root: rootFromPieceLayer(split(layer), this.plan.pieceLength), layer };
      return { root: rootFromLeaves(split(this.smallLeaves[i]!)) };
    });
    return { pieces: this.pieces, files };
  }
}

function split(concat: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < concat.length; i += HASH_SIZE) out.push(concat.subarray(i, i + HASH_SIZE));
  return out;
}
