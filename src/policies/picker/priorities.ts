/**
 * Per-file priorities mapped onto pieces: a piece's priority is the highest priority of the files
 * it touches (so a piece shared by a wanted and an unwanted file is still downloaded; storage keeps
 * the unwanted part aside). Zero-length files touch no piece.
 */
import { TorrentkitError } from '../../util/errors.js';
import { PRIORITY_MAX } from './types.js';

/** Piece priorities for files of `fileLengths` bytes laid end to end (BEP 3 multi-file layout). */
export function piecePrioritiesFromFiles(
  fileLengths: readonly number[],
  filePriorities: readonly number[],
  pieceLength: number,
): Uint8Array {
  if (fileLengths.length !== filePriorities.length) {
    throw new TorrentkitError('BT_ERR_PRIORITY', `${filePriorities.length} priorities for ${fileLengths.length} files`);
  }
  const total = fileLengths.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(Math.ceil(total / pieceLength));
  let offset = 0;
  for (let f = 0; f < fileLengths.length; f++) {
    const len = fileLengths[f];
    const p = filePriorities[f];
    if (!Number.isInteger(p) || p < 0 || p > PRIORITY_MAX) {
      throw new TorrentkitError('BT_ERR_PRIORITY', `file ${f}: priority ${p} is not an integer in 0..${PRIORITY_MAX}`);
    }
    if (len > 0 && p > 0) {
      const last = Math.floor((offset + len - 1) / pieceLength);
      for (let i = Math.floor(offset / pieceLength); i <= last; i++) if (out[i] < p) out[i] = p;
    }
    offset += len;
  }
  return out;
}
