/**
 * The parsed metainfo model (.torrent files: BEP 3 v1, BEP 52 v2, and hybrids of both).
 *
 * Ids are bytes (`InfoHash`, `InfoHashV2`); hex exists only at the edges. Every file carries its
 * byte offset in the concatenated piece space, so storage, streaming and the picker share one
 * layout (see layout.ts). Paths are sanitised (see paths.ts) and never leave the torrent folder.
 */
import type { InfoHash, InfoHashV2 } from '../../util/units.js';

export type MetainfoVersion = 'v1' | 'v2' | 'hybrid';

/** One file of the torrent, in piece-space order (pad files included, flagged `pad`). */
export interface MetainfoFile {
  /** Position in `Metainfo.files`. */
  readonly index: number;
  /**
   * Sanitised path relative to the download directory: for a multi-file torrent it starts with
   * the (sanitised) torrent name, for a single-file torrent it is `[name]`. Never empty, never
   * holding `.`, `..`, separators or reserved names (paths.ts).
   */
  readonly path: readonly string[];
  /** The path elements as found in the torrent (raw bytes), when they differ from `path`. */
  readonly rawPath?: readonly Uint8Array[];
  /** Length in bytes. */
  readonly length: number;
  /** Byte offset of the first byte in the torrent's piece space. */
  readonly offset: number;
  /**
   * BEP 47 padding file (attr `p`): zeros that align the next file to a piece boundary. For v2-only
   * torrents the pads are implied by BEP 52 and synthesised here as `.pad/N` entries.
   */
  readonly pad: boolean;
  /** BEP 47 attr `x`. */
  readonly executable: boolean;
  /** BEP 47 attr `h`. */
  readonly hidden: boolean;
  /** BEP 47 attr `l`: a symlink to `symlinkPath`. */
  readonly symlink: boolean;
  /** Sanitised symlink target, relative to the torrent folder (BEP 47 `symlink path`). */
  readonly symlinkPath?: readonly string[];
  /** BEP 52 merkle root of the file (32 bytes), for non-empty files of v2 and hybrid torrents. */
  readonly piecesRoot?: Uint8Array;
  /** BEP 47 `sha1` hint of the file contents (20 bytes), when present. */
  readonly sha1?: Uint8Array;
  /** Modification time (seconds since the epoch), when the torrent carries `mtime`. */
  readonly mtime?: number;
}

export interface Metainfo {
  readonly version: MetainfoVersion;
  /** Sanitised display name; the root folder of a multi-file torrent. */
  readonly name: string;
  /** SHA-1 of the raw info dictionary (v1 and hybrid). */
  readonly infoHash?: InfoHash;
  /** SHA-256 of the raw info dictionary (v2 and hybrid). */
  readonly infoHashV2?: InfoHashV2;
  /** First 20 bytes of `infoHashV2`: how v2 swarms are named to trackers and the DHT (BEP 52). */
  readonly infoHashV2Truncated?: InfoHash;
  /**
   * The 20-byte id of the swarm: `infoHash` for v1 and hybrid, else the truncated v2 hash.
   * (A hybrid torrent is announced under both; this is the one used by default.)
   */
  readonly id: InfoHash;
  readonly pieceLength: number;
  readonly pieceCount: number;
  /** Sum of all file lengths, pad files included: the size of the piece space. */
  readonly totalLength: number;
  /** Sum of the lengths of the non-pad files: what lands on disk. */
  readonly contentLength: number;
  /** True when `info` had a `files` list or the v2 tree is not a single root file. */
  readonly multiFile: boolean;
  readonly files: readonly MetainfoFile[];
  /** v1 piece hashes: `pieceCount` * 20 bytes (a view on the input). */
  readonly pieces?: Uint8Array;
  /**
   * BEP 52 piece layers, by hex pieces root: one 32-byte hash per piece of the file (only files
   * larger than one piece have a layer), each validated against the file's pieces root.
   */
  readonly pieceLayers?: ReadonlyMap<string, Uint8Array>;
  /** BEP 12 tiers; `announce` alone becomes a single tier. Duplicates and empty URLs are dropped. */
  readonly announce: readonly (readonly string[])[];
  /** BEP 19 web seeds (`url-list`). */
  readonly urlList: readonly string[];
  /** BEP 27 private flag. */
  readonly private: boolean;
  /** BEP 5 DHT bootstrap nodes (`nodes`). */
  readonly nodes: readonly { host: string; port: number }[];
  /** `creation date` (seconds since the epoch). */
  readonly creationDate?: number;
  readonly comment?: string;
  readonly createdBy?: string;
  /** `info.source` (private trackers use it to give a torrent a distinct info hash). */
  readonly source?: string;
  /** The original bytes of the info dictionary, which both info hashes are computed over. */
  readonly infoBytes: Uint8Array;
}

/** Limits that bound what a hostile torrent can make us allocate or compute. */
export interface MetainfoLimits {
  /** Maximum pieces (libtorrent's load_torrent_limits default: 0x200000). */
  maxPieces: number;
  /** Maximum files, pad files included. */
  maxFiles: number;
  /** Maximum elements of one path (v1 list length, v2 tree depth). */
  maxPathDepth: number;
  /** Maximum piece length in bytes. */
  maxPieceLength: number;
}

export const DEFAULT_METAINFO_LIMITS: MetainfoLimits = {
  maxPieces: 0x200000,
  maxFiles: 1_000_000,
  maxPathDepth: 64,
  maxPieceLength: 512 * 1024 * 1024,
};

/**
 * Synchronous hash functions. The default is the pure TypeScript implementation (util/sha.ts),
 * which runs anywhere; Node callers can pass node:crypto's (adapters/node/digests.ts), several
 * times faster on large info dictionaries and piece layers.
 */
export interface Digests {
  sha1(data: Uint8Array): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;
}

export interface ParseMetainfoOptions {
  limits?: Partial<MetainfoLimits>;
  /** Hash functions for the info hashes and the v2 merkle checks (default: pure TypeScript). */
  digests?: Digests;
  /**
   * Strict mode: bencode must be canonical (sorted, unique keys), and paths that collide only
   * after sanitising are rejected (BT_ERR_METAINFO_DUPLICATE_PATH) instead of renamed.
   */
  strict?: boolean;
}
