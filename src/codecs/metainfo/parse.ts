/**
 * Metainfo (.torrent) parser: BEP 3 v1 (single and multi-file), BEP 52 v2 and hybrid, with
 * BEP 12 tiers, BEP 19 web seeds, BEP 27 private flag and BEP 47 pad files and attributes.
 *
 * Invariants:
 * - Info hashes are computed over the ORIGINAL bytes of `info` (BEP 52 "infohash": never over a
 *   re-encoding), SHA-1 for v1 and SHA-256 for v2.
 * - Limits (types.ts `DEFAULT_METAINFO_LIMITS`) are checked before anything proportional to the
 *   named size is allocated: the piece count is checked against `maxPieces` before the `pieces`
 *   string is looked at, files are counted as they are read.
 * - Every path is sanitised (paths.ts) and duplicate paths are rejected or renamed.
 * - Optional, advisory fields (comment, created by, nodes, url-list, announce-list) are read
 *   leniently: a malformed one is skipped (libtorrent does the same), unless `strict` is set, in
 *   which case it is BT_ERR_METAINFO_BAD_FIELD.
 */
import { type BDict, decode, decodeWithRaw } from '../bencode/index.js';
import { binaryToBytes, bytesToBinary, concatBytes, isUtf8, toHex, utf8Decode } from '../../util/bytes.js';
import { sha1, sha256 } from '../../util/sha.js';
import type { InfoHash, InfoHashV2 } from '../../util/units.js';
import { MetainfoError, MetainfoErrorCode as E } from './errors.js';
import { BLOCK_SIZE } from './merkle.js';
import { PathRegistry, sanitizePath, sanitizePathElement } from './paths.js';
import {
  DEFAULT_METAINFO_LIMITS,
  type Digests,
  type Metainfo,
  type MetainfoFile,
  type MetainfoLimits,
  type MetainfoVersion,
  type ParseMetainfoOptions,
} from './types.js';
import { preferUtf8, readOptional } from './fields.js';
import { asLength, isDict, readAttr, readByteList, type V2FileEntry, validatePieceLayers, walkFileTree } from './v2.js';

/** A file as read from v1 `files` / `length`, before layout. */
interface RawFile {
  rawPath: Uint8Array[];
  length: number;
  attr: string;
  symlinkPath?: Uint8Array[];
  sha1?: Uint8Array;
  mtime?: number;
  piecesRoot?: Uint8Array;
}

export interface ParseMetainfoFullOptions extends ParseMetainfoOptions {
  /**
   * Accept a v2 or hybrid torrent without `piece layers` (an info dictionary fetched over
   * ut_metadata has none). Layers that are present are still validated.
   */
  allowMissingPieceLayers?: boolean;
}

const PURE_DIGESTS: Digests = { sha1, sha256 };

function limitsOf(options: ParseMetainfoOptions | undefined): MetainfoLimits {
  return { ...DEFAULT_METAINFO_LIMITS, ...options?.limits };
}

function readPieceLength(info: BDict, limits: MetainfoLimits, v2: boolean): number {
  const pl = info['piece length'];
  if (typeof pl !== 'number' || !Number.isSafeInteger(pl) || pl <= 0) {
    throw new MetainfoError(E.BadPieceLength, 'missing or not a positive integer', 'info.piece length');
  }
  if (pl > limits.maxPieceLength) {
    throw new MetainfoError(E.BadPieceLength, `${pl} exceeds the limit of ${limits.maxPieceLength}`, 'info.piece length');
  }
  // BEP 52: "It must be a power of two and at least 16KiB."
  if (v2 && (pl < BLOCK_SIZE || (pl & (pl - 1)) !== 0)) {
    throw new MetainfoError(E.BadPieceLength, `${pl} is not a power of two of at least 16 KiB (BEP 52)`, 'info.piece length');
  }
  return pl;
}

function readV1Files(info: BDict, limits: MetainfoLimits): { files: RawFile[]; multiFile: boolean } {
  const list = info.files;
  if (list !== undefined) {
    if (!Array.isArray(list)) throw new MetainfoError(E.NoFiles, 'files is not a list', 'info.files');
    if (list.length === 0) throw new MetainfoError(E.NoFiles, 'empty file list', 'info.files');
    if (list.length > limits.maxFiles) throw new MetainfoError(E.TooManyFiles, `more than ${limits.maxFiles} files`, 'info.files');
    const files: RawFile[] = [];
    for (let i = 0; i < list.length; i++) {
      const f = list[i];
      const field = `info.files[${i}]`;
      if (!isDict(f)) throw new MetainfoError(E.NotDict, 'file entry is not a dictionary', field);
      const length = asLength(f.length);
      if (length === undefined) throw new MetainfoError(E.BadLength, 'length is not a non-negative integer below 2^53', `${field}.length`);
      const attr = readAttr(f.attr);
      const rawPathValue = preferUtf8(f, 'path');
      let rawPath = readByteList(rawPathValue);
      // BEP 47: pad files should not be required to have a path.
      if (rawPath === undefined && attr.includes('p') && rawPathValue === undefined) rawPath = [];
      if (rawPath === undefined) throw new MetainfoError(E.BadPath, 'path is not a list of strings', `${field}.path`);
      if (rawPath.length > limits.maxPathDepth) {
        throw new MetainfoError(E.PathTooDeep, `more than ${limits.maxPathDepth} path elements`, `${field}.path`);
      }
      files.push(rawFile(f, rawPath, length, attr));
    }
    return { files, multiFile: true };
  }
  const length = info.length;
  if (length === undefined) throw new MetainfoError(E.NoFiles, 'neither length nor files', 'info');
  const n = asLength(length);
  if (n === undefined) throw new MetainfoError(E.BadLength, 'length is not a non-negative integer below 2^53', 'info.length');
  return { files: [rawFile(info, [], n, readAttr(info.attr))], multiFile: false };
}

function rawFile(d: BDict, rawPath: Uint8Array[], length: number, attr: string): RawFile {
  const symlinkPath = readByteList(d['symlink path']);
  const sha = d.sha1;
  const mtime = asLength(d.mtime);
  return {
    rawPath,
    length,
    attr,
    ...(symlinkPath ? { symlinkPath } : {}),
    ...(sha instanceof Uint8Array && sha.length === 20 ? { sha1: sha } : {}),
    ...(mtime !== undefined ? { mtime } : {}),
  };
}

const BITCOMET_PAD = '_____padding_file_';

/** BEP 47 pad file; BitComet wrote them without attr, named `_____padding_file_N_...`. */
function isPad(f: RawFile): boolean {
  if (f.attr.includes('p')) return true;
  const last = f.rawPath[f.rawPath.length - 1];
  return last !== undefined && last.length >= BITCOMET_PAD.length && last[0] === 0x5f && bytesToBinary(last, 0, BITCOMET_PAD.length) === BITCOMET_PAD;
}

/** Inserts the pad files BEP 52 implies between piece-aligned v2 files (not after the last data). */
function padV2(entries: readonly V2FileEntry[], pieceLength: number): RawFile[] {
  let lastData = -1;
  for (let i = 0; i < entries.length; i++) if (entries[i].length > 0) lastData = i;
  const out: RawFile[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    out.push(e);
    const rem = e.length % pieceLength;
    if (rem !== 0 && i < lastData) {
      const padLength = pieceLength - rem;
      out.push({ rawPath: [binaryToBytes('.pad'), binaryToBytes(String(padLength))], length: padLength, attr: 'p' });
    }
  }
  return out;
}

/**
 * BEP 52 hybrid: the v1 list without its pad files must be the v2 files, in the same order, with
 * the same paths and lengths, each non-empty one starting on a piece boundary.
 */
function checkHybrid(v1: readonly RawFile[], multiFile: boolean, v2: readonly V2FileEntry[], pieceLength: number): void {
  const real = v1.map((f, i) => ({ f, i })).filter(({ f }) => !isPad(f));
  if (real.length !== v2.length) {
    throw new MetainfoError(E.HybridMismatch, `v1 lists ${real.length} files, v2 ${v2.length}`, 'info.files');
  }
  const v2Single = v2.length === 1 && v2[0].rawPath.length === 1;
  if (!multiFile && !v2Single) throw new MetainfoError(E.HybridMismatch, 'v1 is single-file, v2 is not', 'info.file tree');
  let offset = 0;
  const offsets: number[] = [];
  for (const f of v1) {
    offsets.push(offset);
    offset += f.length;
  }
  for (let k = 0; k < v2.length; k++) {
    const { f, i } = real[k];
    const field = multiFile ? `info.files[${i}]` : 'info.length';
    if (f.length !== v2[k].length) throw new MetainfoError(E.HybridMismatch, `length ${f.length} differs from v2's ${v2[k].length}`, field);
    if (multiFile) {
      const a = sanitizePath(f.rawPath).join('/');
      const b = sanitizePath(v2[k].rawPath).join('/');
      if (a !== b) throw new MetainfoError(E.HybridMismatch, `path "${a}" differs from v2's "${b}"`, field);
    }
    if (f.length > 0 && offsets[i] % pieceLength !== 0) {
      throw new MetainfoError(E.HybridMismatch, 'file is not aligned to a piece boundary', field);
    }
  }
}

/** Parses a .torrent file. Throws MetainfoError (or BencodeError for undecodable input). */
export function parseMetainfo(bytes: Uint8Array, options?: ParseMetainfoFullOptions): Metainfo {
  const limits = limitsOf(options);
  const strict = options?.strict === true;
  const digests = options?.digests ?? PURE_DIGESTS;
  const { value: top, raw } = decodeWithRaw(bytes, ['info'], { strict });
  if (!isDict(top)) throw new MetainfoError(E.NotDict, 'the torrent is not a bencoded dictionary');
  const info = top.info;
  if (info === undefined) throw new MetainfoError(E.NoInfo, 'no info dictionary');
  if (!isDict(info)) throw new MetainfoError(E.NotDict, 'info is not a dictionary', 'info');
  const infoBytes = raw.get('info')!;

  // BEP 52: check `meta version` first and report a newer version as such.
  const metaVersion = info['meta version'];
  if (metaVersion !== undefined && metaVersion !== 2) {
    throw new MetainfoError(E.UnsupportedVersion, `meta version ${String(metaVersion)} is not supported`, 'info.meta version');
  }
  const hasV2 = metaVersion === 2;
  const hasV1 = info.pieces !== undefined || !hasV2;
  const version: MetainfoVersion = hasV1 && hasV2 ? 'hybrid' : hasV2 ? 'v2' : 'v1';
  const pieceLength = readPieceLength(info, limits, hasV2);

  let v2Entries: V2FileEntry[] | undefined;
  if (hasV2) {
    if (info['file tree'] === undefined) throw new MetainfoError(E.V2BadFileTree, 'meta version 2 without a file tree', 'info.file tree');
    if (!strict) {
      // The piece space follows the tree's byte order: a tree whose keys are not sorted (or
      // repeat) has no well-defined layout, so it is refused even in lenient mode.
      const tree = decodeWithRaw(infoBytes, ['file tree']).raw.get('file tree')!;
      try {
        decode(tree, { strict: true });
      } catch (err) {
        throw new MetainfoError(E.V2BadFileTree, `keys not sorted or repeated (${(err as Error).message})`, 'info.file tree');
      }
    }
    v2Entries = walkFileTree(info['file tree'], limits);
    if (v2Entries.length === 0) throw new MetainfoError(E.NoFiles, 'empty file tree', 'info.file tree');
  }

  let rawFiles: RawFile[];
  let multiFile: boolean;
  if (hasV1) {
    ({ files: rawFiles, multiFile } = readV1Files(info, limits));
    if (v2Entries) {
      checkHybrid(rawFiles, multiFile, v2Entries, pieceLength);
      const roots = v2Entries.map((e) => e.piecesRoot);
      let k = 0;
      rawFiles = rawFiles.map((f) => {
        if (isPad(f)) return f;
        const piecesRoot = roots[k++];
        return piecesRoot ? { ...f, piecesRoot } : f;
      });
    }
  } else {
    const entries = v2Entries!;
    // BEP 52 "Interpreting paths": one file at the root is a single-file torrent.
    multiFile = !(entries.length === 1 && entries[0].rawPath.length === 1);
    rawFiles = padV2(entries, pieceLength).map((f) => (multiFile ? f : { ...f, rawPath: [] }));
  }
  if (rawFiles.length > limits.maxFiles) throw new MetainfoError(E.TooManyFiles, `more than ${limits.maxFiles} files`, 'info');

  // Total length and piece count, checked against the limits before any per-piece work.
  let totalLength = 0;
  let contentLength = 0;
  for (const f of rawFiles) {
    totalLength += f.length;
    if (!isPad(f)) contentLength += f.length;
  }
  if (!Number.isSafeInteger(totalLength)) throw new MetainfoError(E.BadLength, 'total length beyond 2^53', 'info');
  if (totalLength === 0) throw new MetainfoError(E.NoFiles, 'the torrent holds no data (total length 0)', 'info');
  const pieceCount = Math.ceil(totalLength / pieceLength);
  if (pieceCount > limits.maxPieces) {
    throw new MetainfoError(E.TooManyPieces, `${pieceCount} pieces exceed the limit of ${limits.maxPieces}`, 'info');
  }

  let pieces: Uint8Array | undefined;
  if (hasV1) {
    const p = info.pieces;
    if (!(p instanceof Uint8Array)) throw new MetainfoError(E.BadPieces, 'missing or not a string', 'info.pieces');
    if (p.length % 20 !== 0) throw new MetainfoError(E.BadPieces, `length ${p.length} is not a multiple of 20`, 'info.pieces');
    if (p.length / 20 !== pieceCount) {
      throw new MetainfoError(E.PieceCountMismatch, `${p.length / 20} hashes for ${pieceCount} pieces`, 'info.pieces');
    }
    pieces = p;
  }

  if (v2Entries && hasV1) {
    // BEP 52: the v2 piece space gives each file whole pieces; the v1 one must have as many.
    let v2Pieces = 0;
    for (const e of v2Entries) v2Pieces += Math.ceil(e.length / pieceLength);
    if (v2Pieces !== pieceCount) {
      throw new MetainfoError(E.HybridMismatch, `v1 has ${pieceCount} pieces, v2 ${v2Pieces}`, 'info.pieces');
    }
  }

  let pieceLayers: Map<string, Uint8Array> | undefined;
  if (v2Entries) pieceLayers = validatePieceLayers(top['piece layers'], v2Entries, pieceLength, options?.allowMissingPieceLayers === true, digests.sha256);

  const infoHash = hasV1 ? (digests.sha1(infoBytes) as InfoHash) : undefined;
  const infoHashV2 = hasV2 ? (digests.sha256(infoBytes) as InfoHashV2) : undefined;
  const infoHashV2Truncated = infoHashV2 ? (infoHashV2.slice(0, 20) as InfoHash) : undefined;

  const rawName = preferUtf8(info, 'name');
  const name =
    (rawName instanceof Uint8Array ? sanitizePathElement(rawName) : undefined) ?? toHex(infoHash ?? infoHashV2Truncated!);
  const files = layoutFiles(rawFiles, name, multiFile, strict);

  return {
    version,
    name,
    ...(infoHash ? { infoHash } : {}),
    ...(infoHashV2 ? { infoHashV2, infoHashV2Truncated: infoHashV2Truncated! } : {}),
    id: (infoHash ?? infoHashV2Truncated)!,
    pieceLength,
    pieceCount,
    totalLength,
    contentLength,
    multiFile,
    files,
    ...(pieces ? { pieces } : {}),
    ...(pieceLayers ? { pieceLayers } : {}),
    ...readOptional(top, info, strict),
    infoBytes,
  };
}

/**
 * Parses a bare info dictionary (as fetched over ut_metadata, BEP 9): the same checks as a .torrent,
 * without piece layers, trackers or other fields outside `info`.
 */
export function parseInfoDictionary(infoBytes: Uint8Array, options?: ParseMetainfoOptions): Metainfo {
  const wrapped = concatBytes([binaryToBytes('d4:info'), infoBytes, binaryToBytes('e')]);
  return parseMetainfo(wrapped, { ...options, allowMissingPieceLayers: true });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function layoutFiles(rawFiles: readonly RawFile[], name: string, multiFile: boolean, strict: boolean): MetainfoFile[] {
  const registry = new PathRegistry(strict);
  const files: MetainfoFile[] = [];
  let offset = 0;
  for (let i = 0; i < rawFiles.length; i++) {
    const f = rawFiles[i];
    const pad = isPad(f);
    const field = multiFile ? `info.files[${i}].path` : 'info.name';
    let path: string[];
    if (!multiFile) path = [name];
    else {
      const rel = sanitizePath(f.rawPath);
      if (rel.length === 0) {
        if (!pad) throw new MetainfoError(E.BadPath, 'path is empty after sanitising', field);
        rel.push('.pad', String(f.length));
      }
      path = [name, ...rel];
      if (!pad) path = registry.add(path, f.rawPath, field);
    }
    const changed = multiFile && (f.rawPath.length !== path.length - 1 || f.rawPath.some((el, k) => !sameText(el, path[k + 1])));
    const file: Mutable<MetainfoFile> = {
      index: i,
      path,
      length: f.length,
      offset,
      pad,
      executable: f.attr.includes('x'),
      hidden: f.attr.includes('h'),
      symlink: f.attr.includes('l'),
    };
    if (changed) file.rawPath = f.rawPath;
    if (f.symlinkPath && file.symlink) file.symlinkPath = sanitizePath(f.symlinkPath);
    if (f.piecesRoot) file.piecesRoot = f.piecesRoot;
    if (f.sha1) file.sha1 = f.sha1;
    if (f.mtime !== undefined) file.mtime = f.mtime;
    files.push(file);
    offset += f.length;
  }
  return files;
}

/** True when raw path element `el` is exactly the UTF-8 text `s`. */
function sameText(el: Uint8Array, s: string | undefined): boolean {
  if (s === undefined) return false;
  if (el.length === s.length) {
    // ASCII fast path: equal lengths and every byte matches its char.
    let k = 0;
    while (k < el.length && el[k] < 0x80 && el[k] === s.charCodeAt(k)) k++;
    if (k === el.length) return true;
  }
  return isUtf8(el) && utf8Decode(el) === s;
}
