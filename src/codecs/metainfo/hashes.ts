/**
 * Expected piece hashes, for verification: v1 SHA-1 hashes (BEP 3) and v2 merkle hashes (BEP 52).
 *
 * In v2 every piece belongs to exactly one file (files are piece-aligned). Its expected hash is
 * the file's piece-layer entry, or, for a file of at most one piece, the file's pieces root; the
 * merkle subtree under that hash covers `leaves` 16 KiB blocks, zero-padded past the file's end:
 * `pieceLength / 16 KiB` for a layer entry, the next power of two of the file's block count for a
 * pieces root (merkle.ts `rootFromLeaves`).
 */
import { toHex } from '../../util/bytes.js';
import type { TorrentLayout } from './layout.js';
import { BLOCK_SIZE, HASH_SIZE, leafCount, nextPowerOfTwo } from './merkle.js';
import type { Metainfo } from './types.js';

/** The 20-byte SHA-1 of piece `piece`, or undefined for a v2-only torrent. */
export function v1PieceHash(meta: Metainfo, piece: number): Uint8Array | undefined {
  if (!meta.pieces || piece < 0 || piece >= meta.pieceCount) return undefined;
  return meta.pieces.subarray(piece * 20, piece * 20 + 20);
}

export interface V2PieceHash {
  /** Index of the file the piece belongs to. */
  readonly file: number;
  /** Index of the piece within the file. */
  readonly pieceInFile: number;
  /** Bytes of file data in the piece (the rest of the piece, if any, is alignment padding). */
  readonly dataLength: number;
  /** Expected merkle hash; undefined when the piece layer is not known yet (ut_metadata). */
  readonly hash: Uint8Array | undefined;
  /** 16 KiB leaves under `hash` (zero leaves past the file's end). */
  readonly leaves: number;
}

/** The v2 hash of piece `piece`, or undefined for a v1-only torrent or a piece out of range. */
export function v2PieceHash(meta: Metainfo, layout: TorrentLayout, piece: number): V2PieceHash | undefined {
  if (meta.version === 'v1' || piece < 0 || piece >= meta.pieceCount) return undefined;
  const file = layout.fileAt(piece * meta.pieceLength);
  const f = meta.files[file];
  if (!f.piecesRoot) return undefined;
  const pieceInFile = Math.floor((piece * meta.pieceLength - f.offset) / meta.pieceLength);
  const dataLength = Math.min(meta.pieceLength, f.length - pieceInFile * meta.pieceLength);
  if (f.length <= meta.pieceLength) {
    return { file, pieceInFile, dataLength, hash: f.piecesRoot, leaves: nextPowerOfTwo(leafCount(f.length)) };
  }
  const layer = meta.pieceLayers?.get(toHex(f.piecesRoot));
  const hash = layer ? layer.subarray(pieceInFile * HASH_SIZE, (pieceInFile + 1) * HASH_SIZE) : undefined;
  return { file, pieceInFile, dataLength, hash, leaves: meta.pieceLength / BLOCK_SIZE };
}
