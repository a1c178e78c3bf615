/**
 * Metainfo and magnet error codes, stable across releases: callers and tests match on `code`,
 * the message is for humans.
 */
import { type ErrorCode, TorrentkitError } from '../../util/errors.js';

export const MetainfoErrorCode = {
  /** The top level (or `info`) is not a bencoded dictionary. */
  NotDict: 'BT_ERR_METAINFO_NOT_DICT',
  /** No `info` dictionary. */
  NoInfo: 'BT_ERR_METAINFO_NO_INFO',
  /** `meta version` is not 2 (BEP 52: a newer version than we can handle). */
  UnsupportedVersion: 'BT_ERR_METAINFO_UNSUPPORTED_VERSION',
  /** `piece length` missing, not a positive integer, too large, or (v2) not a power of two >= 16 KiB. */
  BadPieceLength: 'BT_ERR_METAINFO_BAD_PIECE_LENGTH',
  /** `pieces` missing or not a multiple of 20 bytes. */
  BadPieces: 'BT_ERR_METAINFO_BAD_PIECES',
  /** `pieces` holds a different number of hashes than the total length needs. */
  PieceCountMismatch: 'BT_ERR_METAINFO_PIECE_COUNT_MISMATCH',
  /** A file length is missing, negative, not an integer or beyond 2^53. */
  BadLength: 'BT_ERR_METAINFO_BAD_LENGTH',
  /** Neither `length`, `files` nor `file tree`, or an empty file list. */
  NoFiles: 'BT_ERR_METAINFO_NO_FILES',
  /** A path that is not a list of byte strings, or that is empty after sanitising. */
  BadPath: 'BT_ERR_METAINFO_BAD_PATH',
  /** Two files with the same path, or a path that is both a file and a directory. */
  DuplicatePath: 'BT_ERR_METAINFO_DUPLICATE_PATH',
  /** More files than `limits.maxFiles`. */
  TooManyFiles: 'BT_ERR_METAINFO_TOO_MANY_FILES',
  /** More pieces than `limits.maxPieces`. */
  TooManyPieces: 'BT_ERR_METAINFO_TOO_MANY_PIECES',
  /** A path with more elements than `limits.maxPathDepth`. */
  PathTooDeep: 'BT_ERR_METAINFO_PATH_TOO_DEEP',
  /** A field has the wrong type (e.g. `private` is a string, `announce-list` is not a list of lists). */
  BadField: 'BT_ERR_METAINFO_BAD_FIELD',
  /** BEP 52 `file tree` malformed: a file with siblings, a file at the root, unsorted keys, bad pieces root. */
  V2BadFileTree: 'BT_ERR_METAINFO_V2_BAD_FILE_TREE',
  /** BEP 52 `piece layers` missing a layer, holding a layer of the wrong size or not 32-byte hashes. */
  V2BadPieceLayer: 'BT_ERR_METAINFO_V2_BAD_PIECE_LAYER',
  /** A piece layer whose merkle root differs from the file's `pieces root`. */
  V2PieceLayerMismatch: 'BT_ERR_METAINFO_V2_PIECE_LAYER_MISMATCH',
  /** The v1 and v2 halves of a hybrid torrent describe different files or layouts. */
  HybridMismatch: 'BT_ERR_METAINFO_HYBRID_MISMATCH',
} as const satisfies Record<string, ErrorCode>;
export type MetainfoErrorCode = (typeof MetainfoErrorCode)[keyof typeof MetainfoErrorCode];

/** A metainfo that cannot be used, with the field that decided it when known. */
export class MetainfoError extends TorrentkitError {
  override readonly code: MetainfoErrorCode;
  /** Dotted field path, e.g. `info.files[3].path`. */
  readonly field: string | undefined;

  constructor(code: MetainfoErrorCode, message: string, field?: string) {
    super(code, field ? `${field}: ${message}` : message);
    this.code = code;
    this.field = field;
    this.name = 'MetainfoError';
  }
}

export const MagnetErrorCode = {
  /** Not a `magnet:?` URI. */
  NotMagnet: 'BT_ERR_MAGNET_NOT_MAGNET',
  /** No `xt` with a BitTorrent info hash (urn:btih or urn:btmh). */
  NoInfoHash: 'BT_ERR_MAGNET_NO_INFO_HASH',
  /** An `xt` info hash that is not 40 hex, 32 base32 or a sha2-256 multihash. */
  BadInfoHash: 'BT_ERR_MAGNET_BAD_INFO_HASH',
  /** Two different v1 (or v2) info hashes in one link. */
  ConflictingInfoHash: 'BT_ERR_MAGNET_CONFLICTING_INFO_HASH',
  /** A malformed `so` (BEP 53) value. */
  BadParameter: 'BT_ERR_MAGNET_BAD_PARAMETER',
} as const satisfies Record<string, ErrorCode>;
export type MagnetErrorCode = (typeof MagnetErrorCode)[keyof typeof MagnetErrorCode];

export class MagnetError extends TorrentkitError {
  override readonly code: MagnetErrorCode;

  constructor(code: MagnetErrorCode, message: string) {
    super(code, message);
    this.code = code;
    this.name = 'MagnetError';
  }
}
