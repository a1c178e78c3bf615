/**
 * Splits the hashing of a planned torrent into Hasher range jobs of about `JOB_BYTES` each, on
 * piece boundaries, so that every core gets work, progress is smooth and a job's digests land at a
 * known place:
 * - v1: the v1 stream (files and pad zeros in order), SHA-1 per piece.
 * - v2: each file on its own, SHA-256 per 16 KiB leaf (BEP 52 trees are per file).
 * - hybrid: each file with the pad that follows it; one read yields the file's SHA-1 pieces (pad
 *   included) and its SHA-256 leaves (pad excluded). Pads put every file on a piece boundary
 *   (BEP 47), so no piece spans two files.
 */
import { BLOCK_SIZE } from '../../codecs/metainfo/merkle.js';
import type { TorrentPlan } from '../../codecs/metainfo/plan.js';
import type { HashOutput, Segment } from '../../ports/hasher.js';

export const JOB_BYTES = 8 * 1024 * 1024;

export interface CreateJob {
  readonly segments: Segment[];
  readonly outputs: HashOutput[];
  /** First v1 piece this job hashes (when it has a SHA-1 output). */
  readonly firstPiece: number;
  /** v2: the file (index into plan.files) and the first of its pieces this job covers. */
  readonly file?: number;
  readonly filePiece?: number;
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
        bytes: end - start,
      });
    }
    return jobs;
  }
  const hybrid = plan.version === 'hybrid';
  const v1Index = new Map<number, number>();
  plan.v1Files.forEach((p, j) => v1Index.set(p.source, j));
  plan.files.forEach((f, i) => {
    if (f.length === 0) return;
    const v1 = hybrid ? v1Index.get(i)! : -1;
    const offset = hybrid ? plan.v1Files[v1].offset : 0;
    const pad = hybrid && plan.v1Files[v1 + 1]?.source === -1 ? plan.v1Files[v1 + 1].length : 0;
    for (let start = 0; start < f.length; start += perJob) {
      const end = Math.min(f.length, start + perJob);
      const segments: Segment[] = [{ kind: 'file', path: locations[i], offset: start, length: end - start }];
      const outputs: HashOutput[] = [{ algorithm: 'sha256', blockSize: BLOCK_SIZE, length: end - start }];
      if (hybrid) {
        if (end === f.length && pad > 0) segments.push({ kind: 'zeros', length: pad });
        outputs.unshift({ algorithm: 'sha1', blockSize: pieceLength });
      }
      jobs.push({
        segments,
        outputs,
        firstPiece: (offset + start) / pieceLength,
        file: i,
        filePiece: start / pieceLength,
        bytes: end - start + (end === f.length ? pad : 0),
      });
    }
  });
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
