/**
 * Maps a byte range of a torrent's content onto its files. Files are sorted by offset and
 * contiguous; lookups are binary searches, so a range costs O(log files + files touched).
 */
import type { StorageFile } from '../../ports/storage.js';

export interface Span {
  file: number;
  /** Offset inside the file. */
  fileOffset: number;
  /** Offset inside the caller's buffer. */
  bufferOffset: number;
  length: number;
}

/** Index of the file containing content byte `offset` (skipping empty files), or -1. */
export function fileAt(files: readonly StorageFile[], offset: number): number {
  let lo = 0;
  let hi = files.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (files[mid].offset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Several files can start at the same offset when some are empty: take the first non-empty one
  // that contains the byte.
  while (found >= 0 && found < files.length && files[found].offset + files[found].length <= offset) found++;
  if (found >= files.length) return -1;
  while (found > 0 && files[found - 1].offset === files[found].offset && files[found - 1].length > 0) found--;
  return found;
}

/** The pieces of files covering [offset, offset + length); empty files are skipped. */
export function spansOf(files: readonly StorageFile[], offset: number, length: number): Span[] {
  const out: Span[] = [];
  if (length <= 0) return out;
  let i = fileAt(files, offset);
  if (i < 0) return out;
  let pos = offset;
  const end = offset + length;
  for (; i < files.length && pos < end; i++) {
    const f = files[i];
    if (f.length === 0) continue;
    const fileEnd = f.offset + f.length;
    if (fileEnd <= pos) continue;
    const take = Math.min(end, fileEnd) - pos;
    out.push({ file: i, fileOffset: pos - f.offset, bufferOffset: pos - offset, length: take });
    pos += take;
  }
  return out;
}

/** Total content length of a file list. */
export function totalLength(files: readonly StorageFile[]): number {
  const last = files[files.length - 1];
  return last ? last.offset + last.length : 0;
}
