/**
 * Splits the hashing of a planned torrent into Hasher range jobs of about `JOB_BYTES` each, on
 * piece boundaries, so that every core gets work, progress is smooth and a job's digests land at a
 * known place:
 * - v1: the v1 stream (files and pad zeros in order), SHA-1 per piece.
 * - v2: each file on its own, SHA-256 per 16 KiB leaf (BEP 52 trees are per file), folded by the
 *   workers into piece-layer hashes for files larger than a piece.
 * - hybrid: each file with the pad that follows it; one read yields the file's SHA-1 pieces (pad
 *   included) and its SHA-256 leaves (pad excluded). Pads put every file on a piece boundary
 *   (BEP 47), so no piece spans two files.
 */
import { BLOCK_SIZE } from '../../codecs/metainfo/merkle.js';
import type { TorrentPlan } from '../../codecs/metainfo/plan.js';
import type { HashOutput, Segment } from '../../ports/hasher.js';

export const JOB_BYTES = 8 * 1024 * 1024;
/** Most files in one job: small files share jobs (fewer round trips), each with its own output. */
export const JOB_FILES = 64;

/** Where the digests of one file's output go: the file (index into plan.files), its first piece. */
export interface JobPart {
  readonly file: number;
  readonly filePiece: number;
  /** Index of the v2 output in the job's outputs. */
  readonly output: number;
}

export interface CreateJob {
  readonly segments: Segment[];
  readonly outputs: HashOutput[];
  /** First v1 piece this job hashes (when its first output is SHA-1). */
  readonly firstPiece: number;
  /** v2: the files (or file part) whose trees this job hashes. */
  readonly parts: JobPart[];
  /** Bytes of the job's stream (for progress totals). */
  readonly bytes: number;
}

export function planJobs(plan: TorrentPlan, locations: readonly string[], jobBytes = JOB_BYTES): CreateJob[] {
  const pieceLength = plan.pieceLength;
  const perJob = Math.max(1, Math.floor(jobBytes / pieceLength)) * pieceLength;
  const jobs: CreateJob[] = [];
  if (plan.version === 'v1') {
    const cursor = { file: 0 };
    for (let start = 0; start < plan.v1Length; start += perJob) {
      const end = Math.min(plan.v1Length, start + perJob);
      jobs.push({
        segments: v1Segments(plan, locations, start, end, cursor),
        outputs: [{ algorithm: 'sha1', blockSize: pieceLength }],
        firstPiece: start / pieceLength,
        parts: [],
        bytes: end - start,
      });
    }
    return jobs;
  }
  const hybrid = plan.version === 'hybrid';
  const v1Index = new Map<number, number>();
  plan.v1Files.forEach((p, j) => v1Index.set(p.source, j));
  // Files larger than a piece get their piece layer straight from the workers (subtree roots of
  // pieceLength / 16 KiB leaves); smaller ones their leaves, whose root is padded to the next
  // power of two of the leaf count rather than to a whole piece (BEP 52).
  const v2Output = (fileLength: number, offset: number, length: number): HashOutput => ({
    algorithm: 'sha256',
    blockSize: BLOCK_SIZE,
    offset,
    length,
    merkleLeaves: fileLength > pieceLength ? pieceLength / BLOCK_SIZE : undefined,
  });
  const newJob = (firstPiece: number): CreateJob => ({
    segments: [],
    outputs: hybrid ? [{ algorithm: 'sha1', blockSize: pieceLength }] : [],
    firstPiece,
    parts: [],
    bytes: 0,
  });
  let batch: CreateJob | undefined;
  const flush = () => {
    if (batch) jobs.push(batch);
    batch = undefined;
  };
  plan.files.forEach((f, i) => {
    if (f.length === 0) return;
    const v1 = hybrid ? v1Index.get(i)! : -1;
    const offset = hybrid ? plan.v1Files[v1].offset : 0;
    // Hybrid: the pad after the file is hashed with it (the file's last v1 piece includes it).
    const pad = hybrid && plan.v1Files[v1 + 1]?.source === -1 ? plan.v1Files[v1 + 1].length : 0;
    if (f.length + pad <= perJob) {
      // A small file: shares a job with its neighbours. In a hybrid their v1 bytes are
      // contiguous (pads included), so one SHA-1 output covers the whole job.
      if (batch && (batch.bytes + f.length + pad > perJob || batch.parts.length >= JOB_FILES)) flush();
      batch ??= newJob(offset / pieceLength);
      batch.segments.push({ kind: 'file', path: locations[i], offset: 0, length: f.length });
      if (pad > 0) batch.segments.push({ kind: 'zeros', length: pad });
      batch.parts.push({ file: i, filePiece: 0, output: batch.outputs.length });
      batch.outputs.push(v2Output(f.length, batch.bytes, f.length));
      (batch as { bytes: number }).bytes += f.length + pad;
      return;
    }
    flush();
    for (let start = 0; start < f.length; start += perJob) {
      const end = Math.min(f.length, start + perJob);
      const last = end === f.length;
      const job = newJob((offset + start) / pieceLength);
      job.segments.push({ kind: 'file', path: locations[i], offset: start, length: end - start });
      if (last && pad > 0) job.segments.push({ kind: 'zeros', length: pad });
      job.parts.push({ file: i, filePiece: start / pieceLength, output: job.outputs.length });
      job.outputs.push(v2Output(f.length, 0, end - start));
      jobs.push({ ...job, bytes: end - start + (last ? pad : 0) });
    }
  });
  flush();
  return jobs;
}

/** The segments of bytes [start, end) of the v1 stream; `cursor` moves forward across calls. */
function v1Segments(plan: TorrentPlan, locations: readonly string[], start: number, end: number, cursor: { file: number }): Segment[] {
  const out: Segment[] = [];
  const files = plan.v1Files;
  while (cursor.file < files.length && files[cursor.file].offset + files[cursor.file].length <= start) cursor.file++;
  for (let j = cursor.file; j < files.length && files[j].offset < end; j++) {
    const f = files[j];
    const a = Math.max(start, f.offset);
    const b = Math.min(end, f.offset + f.length);
    if (a >= b) continue;
    if (f.source < 0) out.push({ kind: 'zeros', length: b - a });
    else out.push({ kind: 'file', path: locations[f.source], offset: a - f.offset, length: b - a });
  }
  return out;
}
