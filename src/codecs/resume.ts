/**
 * The resume file: what a restart needs so that it does not re-hash verified data. Bencoded:
 *   { "format": "torrentkit-resume", "version": 1, "info hash": 20|32 bytes, "piece count": n,
 *     "pieces": bitfield bytes (BEP 3 order), "files": [[size, mtime ms], ...],
 *     "uploaded": n, "downloaded": n, "saved": wall time ms }
 * `resumeCheck` decides which pieces can be trusted: a piece is trusted only when every file it
 * touches still has the size and mtime recorded when the resume file was written.
 */
import { Bitfield } from '../util/bitfield.js';
import { equalBytes } from '../util/bytes.js';
import { TorrentkitError } from '../util/errors.js';
import { type BDict, decode, encode } from './bencode/index.js';

export interface ResumeData {
  infoHash: Uint8Array;
  pieceCount: number;
  have: Bitfield;
  files: Array<{ size: number; mtimeMs: number }>;
  uploaded: number;
  downloaded: number;
  savedAt: number;
}

const FORMAT = 'torrentkit-resume';

export function encodeResume(r: ResumeData): Uint8Array {
  return encode({
    format: FORMAT,
    version: 1,
    'info hash': r.infoHash,
    'piece count': r.pieceCount,
    pieces: r.have.bytes,
    files: r.files.map((f) => [f.size, f.mtimeMs]),
    uploaded: r.uploaded,
    downloaded: r.downloaded,
    saved: r.savedAt,
  });
}

function bad(message: string): never {
  throw new TorrentkitError('BT_ERR_RESUME_INVALID', `resume data: ${message}`);
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) bad(`${what} is not an integer`);
  return v;
}

/** Decodes and validates resume data for the torrent `infoHash` with `pieceCount` pieces. */
export function decodeResume(bytes: Uint8Array, infoHash: Uint8Array, pieceCount: number): ResumeData {
  let d: BDict;
  try {
    const v = decode(bytes, { maxTokens: 1_000_000 });
    if (typeof v !== 'object' || v instanceof Uint8Array || Array.isArray(v) || typeof v === 'bigint') bad('not a dictionary');
    d = v as BDict;
  } catch (err) {
    if (err instanceof TorrentkitError && err.code === 'BT_ERR_RESUME_INVALID') throw err;
    throw new TorrentkitError('BT_ERR_RESUME_INVALID', 'resume data is not valid bencode', { cause: err });
  }
  const format = d.format;
  if (!(format instanceof Uint8Array) || new TextDecoder().decode(format) !== FORMAT) bad('unknown format');
  if (int(d.version, 'version') !== 1) bad('unsupported version');
  const hash = d['info hash'];
  if (!(hash instanceof Uint8Array) || !equalBytes(hash, infoHash)) bad('belongs to another torrent');
  if (int(d['piece count'], 'piece count') !== pieceCount) bad('piece count differs');
  const pieces = d.pieces;
  if (!(pieces instanceof Uint8Array) || Bitfield.hasSpareBits(pieces, pieceCount)) bad('bad piece bitfield');
  const files = d.files;
  if (!Array.isArray(files)) bad('files is not a list');
  return {
    infoHash: hash,
    pieceCount,
    have: new Bitfield(pieceCount, pieces),
    files: files.map((f, i) => {
      if (!Array.isArray(f) || f.length !== 2) bad(`file ${i} entry malformed`);
      return { size: int(f[0], 'file size'), mtimeMs: int(f[1], 'file mtime') };
    }),
    uploaded: int(d.uploaded ?? 0, 'uploaded'),
    downloaded: int(d.downloaded ?? 0, 'downloaded'),
    savedAt: int(d.saved ?? 0, 'saved'),
  };
}

/**
 * Pieces of the resume data that can be trusted without hashing, given the files as they are now.
 * `files` gives each file's offset and length in the torrent's content (v1 order, pads included).
 */
export function resumeCheck(
  resume: ResumeData,
  now: ReadonlyArray<{ size: number; mtimeMs: number }>,
  files: ReadonlyArray<{ offset: number; length: number; pad?: boolean }>,
  pieceLength: number,
): Bitfield {
  const trusted = resume.have.clone();
  if (now.length !== files.length || resume.files.length !== files.length) {
    trusted.clear();
    return trusted;
  }
  for (let i = 0; i < files.length; i++) {
    const f = files[i];
    if (f.pad || f.length === 0) continue;
    const before = resume.files[i];
    const after = now[i];
    // Unchanged, or still absent (an unselected file whose bytes were kept aside).
    if (before.size === after.size && before.mtimeMs === after.mtimeMs) continue;
    const first = Math.floor(f.offset / pieceLength);
    const last = Math.floor((f.offset + f.length - 1) / pieceLength);
    for (let p = first; p <= last; p++) trusted.set(p, false);
  }
  return trusted;
}
