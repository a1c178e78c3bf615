/**
 * Per-file priorities mapped onto pieces: a piece's priority is the highest priority of the files
 * it touches (so a piece shared by a wanted and an unwanted file is still downloaded; storage keeps
 * the unwanted part aside). Zero-length files touch no piece, and pad files (BEP 47) raise no
 * piece's priority: their bytes are known zeros.
 */
import type { TorrentLayout } from '../../codecs/metainfo/layout.js';
import { TorrentkitError } from '../../util/errors.js';
import { PRIORITY_MAX } from './types.js';

/** Piece priorities for `filePriorities` (one per file of `layout`, 0..7). */
export function piecePrioritiesFromFiles(
  layout: TorrentLayout,
  filePriorities: readonly number[],
  isPad: (file: number) => boolean = () => false,
): Uint8Array {
  if (layout.fileCount !== filePriorities.length) {
    throw new TorrentkitError('BT_ERR_PRIORITY', `${filePriorities.length} priorities for ${layout.fileCount} files`);
  }
  const out = new Uint8Array(layout.pieceCount);
  for (let f = 0; f < layout.fileCount; f++) {
    const p = filePriorities[f];
    if (!Number.isInteger(p) || p < 0 || p > PRIORITY_MAX) {
      throw new TorrentkitError('BT_ERR_PRIORITY', `file ${f}: priority ${p} is not an integer in 0..${PRIORITY_MAX}`);
    }
    if (p === 0 || isPad(f)) continue;
    const { start, end } = layout.piecesOfFile(f);
    for (let i = start; i < end; i++) if (out[i] < p) out[i] = p;
  }
  return out;
}
