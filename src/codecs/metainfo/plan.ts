/**
 * The layout of a torrent being created, before any hashing: file order, BEP 47 pad files,
 * piece length and piece count. Pure; the create engine turns a plan into hash jobs and
 * `build.ts` turns a plan and its hashes into a .torrent.
 *
 * File order is deterministic and follows the common tools:
 * - v1: paths sorted by the bytes of their '/'-joined UTF-8 form, as mktorrent does (strcmp), so
 *   the same input and piece length give mktorrent's info hash.
 * - v2 and hybrid: paths sorted component by component, which is the order of the BEP 52 file tree
 *   (a bencoded dictionary, keys sorted as raw bytes); BEP 52 requires the v1 file list of a hybrid
 *   torrent to follow the file tree order.
 */
import { compareBytes, utf8Encode } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';

export type TorrentVersion = 'v1' | 'v2' | 'hybrid';

/** A file of the content: its path inside the torrent (components) and its size. */
export interface SourceFile {
  readonly path: readonly string[];
  readonly length: number;
}

/** A file of the v1 view: a source file or a pad file (BEP 47, attr "p"). */
export interface PlannedFile {
  readonly path: readonly string[];
  readonly length: number;
  /** Offset of the file in the v1 byte stream (all files concatenated, pads included). */
  readonly offset: number;
  /** Index into `TorrentPlan.files`, or -1 for a pad file. */
  readonly source: number;
}

export interface TorrentPlan {
  readonly version: TorrentVersion;
  readonly pieceLength: number;
  /** A single-file torrent (input was one file): v1 `length` instead of `files`. */
  readonly singleFile: boolean;
  /** The content's files in torrent order. */
  readonly files: readonly SourceFile[];
  /** The v1 file list (with pad files for hybrid); empty for v2-only. */
  readonly v1Files: readonly PlannedFile[];
  /** Bytes of the v1 stream (pads included); 0 for v2-only. */
  readonly v1Length: number;
  /** v1 piece count (0 for v2-only). */
  readonly pieceCount: number;
  /** Bytes of content (no pads). */
  readonly totalLength: number;
}

export const MIN_PIECE_LENGTH = 16 * 1024;
export const MAX_PIECE_LENGTH = 512 * 1024 * 1024;
const AUTO_MAX_PIECE_LENGTH = 16 * 1024 * 1024;
const AUTO_MAX_PIECES = 2000;
/** Directory holding BEP 47 pad files, as libtorrent names it. */
export const PAD_DIR = '.pad';

/**
 * Piece length chosen like the common tools: the smallest power of two from 16 KiB that keeps the
 * piece count at or below 2,000 (so between 1,000 and 2,000 pieces unless clamped), at most 16 MiB.
 */
export function autoPieceLength(totalLength: number): number {
  let p = MIN_PIECE_LENGTH;
  while (p < AUTO_MAX_PIECE_LENGTH && Math.ceil(totalLength / p) > AUTO_MAX_PIECES) p *= 2;
  return p;
}

export function isValidPieceLength(n: number): boolean {
  return Number.isSafeInteger(n) && n >= MIN_PIECE_LENGTH && n <= MAX_PIECE_LENGTH && (n & (n - 1)) === 0;
}

function checkPath(path: readonly string[]): void {
  if (path.length === 0) throw new TorrentkitError('BT_ERR_CREATE_PATH', 'a file has an empty path');
  for (const c of path) {
    if (c === '' || c === '.' || c === '..' || c.includes('/') || c.includes('\0')) {
      throw new TorrentkitError('BT_ERR_CREATE_PATH', `bad path component ${JSON.stringify(c)} in ${JSON.stringify(path.join('/'))}`);
    }
  }
}

/** Sorts files into torrent order and rejects duplicates and file/directory clashes. */
export function orderFiles(files: readonly SourceFile[], version: TorrentVersion): SourceFile[] {
  for (const f of files) {
    checkPath(f.path);
    if (!Number.isSafeInteger(f.length) || f.length < 0) throw new TorrentkitError('BT_ERR_CREATE_LENGTH', `bad length ${f.length} for ${f.path.join('/')}`);
  }
  // Sort keys are encoded once per file, not once per comparison.
  let sorted: SourceFile[];
  if (version === 'v1') {
    const keyed = files.map((f) => ({ f, key: utf8Encode(f.path.join('/')) }));
    keyed.sort((a, b) => compareBytes(a.key, b.key));
    sorted = keyed.map((k) => k.f);
  } else {
    const keyed = files.map((f) => ({ f, key: f.path.map(utf8Encode) }));
    keyed.sort((a, b) => {
      const n = Math.min(a.key.length, b.key.length);
      for (let i = 0; i < n; i++) {
        const c = compareBytes(a.key[i], b.key[i]);
        if (c !== 0) return c;
      }
      return a.key.length - b.key.length;
    });
    sorted = keyed.map((k) => k.f);
  }
  const seen = new Set<string>();
  for (const f of sorted) seen.add(f.path.join('/'));
  if (seen.size !== sorted.length) throw new TorrentkitError('BT_ERR_CREATE_DUPLICATE', 'two files have the same path');
  for (const f of sorted) {
    for (let i = 1; i < f.path.length; i++) {
      const dir = f.path.slice(0, i).join('/');
      if (seen.has(dir)) throw new TorrentkitError('BT_ERR_CREATE_DUPLICATE', `${dir} is both a file and a directory`);
    }
  }
  return sorted;
}

export interface PlanOptions {
  readonly version?: TorrentVersion;
  /** Bytes per piece (power of two, 16 KiB to 512 MiB); automatic when omitted. */
  readonly pieceLength?: number;
  /** The input is one file (its path is [name]). */
  readonly singleFile?: boolean;
}

export function planTorrent(input: readonly SourceFile[], options: PlanOptions = {}): TorrentPlan {
  const version = options.version ?? 'v1';
  if (input.length === 0) throw new TorrentkitError('BT_ERR_CREATE_EMPTY', 'no files to put in the torrent');
  const singleFile = options.singleFile ?? false;
  if (singleFile && input.length !== 1) throw new TorrentkitError('BT_ERR_CREATE_EMPTY', 'a single-file torrent holds exactly one file');
  const files = orderFiles(input, version);
  let totalLength = 0;
  for (const f of files) totalLength += f.length;
  if (totalLength === 0) throw new TorrentkitError('BT_ERR_CREATE_EMPTY', 'the content is empty (0 bytes)');
  const pieceLength = options.pieceLength ?? autoPieceLength(totalLength);
  if (!isValidPieceLength(pieceLength)) {
    throw new TorrentkitError('BT_ERR_CREATE_PIECE_LENGTH', `piece length ${pieceLength} is not a power of two between ${MIN_PIECE_LENGTH} and ${MAX_PIECE_LENGTH}`);
  }
  const v1Files: PlannedFile[] = [];
  let offset = 0;
  if (version !== 'v2') {
    files.forEach((f, i) => {
      v1Files.push({ path: f.path, length: f.length, offset, source: i });
      offset += f.length;
      // BEP 47 / BEP 52 hybrid: each non-empty file starts on a piece boundary, so a pad file
      // follows every file that does not end on one. libtorrent 2.0 pads the last file too;
      // doing the same keeps our hybrid info hashes equal to libtorrent's for the same input.
      const tail = f.length % pieceLength;
      if (version === 'hybrid' && !singleFile && tail !== 0) {
        const pad = pieceLength - tail;
        v1Files.push({ path: [PAD_DIR, String(pad)], length: pad, offset, source: -1 });
        offset += pad;
      }
    });
  }
  return {
    version,
    pieceLength,
    singleFile,
    files,
    v1Files,
    v1Length: offset,
    pieceCount: Math.ceil(offset / pieceLength),
    totalLength,
  };
}

