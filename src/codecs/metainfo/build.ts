/**
 * Builds a .torrent from a plan (plan.ts) and its hashes. Pure: hashing happens elsewhere (the
 * create engine over the Hasher port); this module only assembles and encodes.
 *
 * - v1 (BEP 3): with no options the info dictionary holds only `name`, `piece length`, `pieces`
 *   and `length` or `files` — the keys mktorrent writes — so the info hash equals mktorrent's for
 *   the same input and piece length. `private` (BEP 27) and `source` are written only when asked.
 * - v2 (BEP 52): `file tree`, `meta version` 2, `piece layers` outside the info dictionary for
 *   each file larger than one piece.
 * - hybrid (BEP 52 "upgrade path"): both, the v1 file list with BEP 47 pad files (attr "p").
 * - Outside the info dictionary: announce and announce-list tiers (BEP 12), url-list (BEP 19),
 *   comment, created by, creation date.
 */
import { Bencoded, encode, encodeChunks } from '../bencode/encode.js';
import type { BEncodable } from '../bencode/types.js';
import { concatBytes, utf8ToBinary } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import { sha1, sha256 } from '../../util/sha.js';
import { HASH_SIZE } from './merkle.js';
import type { TorrentPlan } from './plan.js';

/** v2 hashes of one file: its pieces root and, for files larger than a piece, its piece layer. */
export interface FileMerkle {
  readonly root: Uint8Array;
  /** Concatenated 32-byte piece hashes; present only when the file is larger than one piece. */
  readonly layer?: Uint8Array;
}

export interface TorrentMeta {
  /** Torrent name: the root folder's name, or the file's name for a single file. */
  readonly name: string;
  /** Tracker tiers (BEP 12): each inner list is one tier. The first URL also becomes `announce`. */
  readonly announce?: readonly (readonly string[])[];
  /** Web seeds (BEP 19). */
  readonly urlList?: readonly string[];
  /** BEP 27 private flag (in the info dictionary; changes the info hash). */
  readonly private?: boolean;
  /** `source` in the info dictionary (private trackers use it to make info hashes unique). */
  readonly source?: string;
  readonly comment?: string;
  readonly createdBy?: string;
  /** Seconds since the epoch. */
  readonly creationDate?: number;
}

export interface TorrentHashes {
  /** v1: concatenated 20-byte SHA-1 piece hashes (plan.pieceCount of them). */
  readonly pieces?: Uint8Array;
  /** v2: one entry per file of plan.files (undefined for empty files). */
  readonly files?: readonly (FileMerkle | undefined)[];
}

export interface BuiltTorrent {
  /** The encoded .torrent (`chunks` joined, on first use). */
  readonly torrent: Uint8Array;
  /**
   * The encoded .torrent as chunks: the info dictionary (`info`) and large piece layers are
   * listed, not copied, so writing these (writev, or writeFile of the list) copies nothing big.
   */
  readonly chunks: readonly Uint8Array[];
  /** The encoded info dictionary (what the info hashes hash). */
  readonly info: Uint8Array;
  /** SHA-1 of the info dictionary (v1 and hybrid). */
  readonly infoHash?: Uint8Array;
  /** SHA-256 of the info dictionary (v2 and hybrid). */
  readonly infoHashV2?: Uint8Array;
}

type Dict = Map<string, BEncodable>;

function bin(s: string): string {
  return utf8ToBinary(s);
}

/** Throws BT_ERR_CREATE_NAME unless `name` can name a torrent (no separators, not `.` or `..`). */
export function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new TorrentkitError('BT_ERR_CREATE_NAME', `bad torrent name ${JSON.stringify(name)}`);
  }
}

function v1Info(plan: TorrentPlan, info: Dict, pieces: Uint8Array | undefined): void {
  if (!pieces || pieces.length !== plan.pieceCount * 20) {
    throw new TorrentkitError('BT_ERR_CREATE_HASHES', `expected ${plan.pieceCount} v1 piece hashes, got ${pieces ? pieces.length / 20 : 0}`);
  }
  info.set('pieces', pieces);
  if (plan.singleFile) {
    info.set('length', plan.files[0].length);
    return;
  }
  info.set(
    'files',
    plan.v1Files.map((f) => {
      const entry: Dict = new Map();
      // BEP 47: pad files carry attr "p"; clients neither create nor show them.
      if (f.source < 0) entry.set('attr', 'p');
      entry.set('length', f.length);
      entry.set('path', [...f.path]);
      return entry;
    }),
  );
}

function v2Info(plan: TorrentPlan, info: Dict, outer: Dict, files: readonly (FileMerkle | undefined)[] | undefined): void {
  if (!files || files.length !== plan.files.length) throw new TorrentkitError('BT_ERR_CREATE_HASHES', 'v2 hashes missing for some files');
  const tree: Dict = new Map();
  const layers: Dict = new Map();
  plan.files.forEach((f, i) => {
    const leaf: Dict = new Map();
    leaf.set('length', f.length);
    const merkle = files[i];
    if (f.length > 0) {
      if (!merkle || merkle.root.length !== HASH_SIZE) throw new TorrentkitError('BT_ERR_CREATE_HASHES', `no pieces root for ${f.path.join('/')}`);
      leaf.set('pieces root', merkle.root);
      if (f.length > plan.pieceLength) {
        const expected = Math.ceil(f.length / plan.pieceLength) * HASH_SIZE;
        if (!merkle.layer || merkle.layer.length !== expected) throw new TorrentkitError('BT_ERR_CREATE_HASHES', `bad piece layer for ${f.path.join('/')}`);
        layers.set(bytesKey(merkle.root), merkle.layer);
      }
    }
    // BEP 52: a file is a dictionary with the empty key "" holding its length and pieces root.
    // A single-file torrent's tree holds the file under its own name.
    const path = plan.singleFile ? [f.path[f.path.length - 1]] : f.path;
    let dir = tree;
    for (let c = 0; c < path.length - 1; c++) {
      const key = bin(path[c]);
      let next = dir.get(key) as Dict | undefined;
      if (!next) dir.set(key, (next = new Map()));
      dir = next;
    }
    dir.set(bin(path[path.length - 1]), new Map([['', leaf]]));
  });
  info.set('file tree', tree);
  info.set('meta version', 2);
  if (layers.size > 0) outer.set('piece layers', layers);
}

function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** Assembles and encodes the torrent; checks the hashes fit the plan. */
export function buildTorrent(plan: TorrentPlan, meta: TorrentMeta, hashes: TorrentHashes): BuiltTorrent {
  checkName(meta.name);
  const info: Dict = new Map();
  const outer: Dict = new Map();
  info.set('name', meta.name);
  info.set('piece length', plan.pieceLength);
  if (plan.version !== 'v2') v1Info(plan, info, hashes.pieces);
  if (plan.version !== 'v1') v2Info(plan, info, outer, hashes.files);
  // BEP 27: only written when set, so a public torrent keeps mktorrent's info hash.
  if (meta.private) info.set('private', 1);
  if (meta.source !== undefined && meta.source !== '') info.set('source', meta.source);

  const tiers = (meta.announce ?? []).map((t) => t.filter((u) => u !== '')).filter((t) => t.length > 0);
  if (tiers.length > 0) {
    outer.set('announce', tiers[0][0]);
    // BEP 12: announce-list is written when there is more than one tracker.
    if (tiers.length > 1 || tiers[0].length > 1) outer.set('announce-list', tiers.map((t) => [...t]));
  }
  const urls = (meta.urlList ?? []).filter((u) => u !== '');
  // BEP 19: a single web seed may be a string; a list is always valid and simpler for readers.
  if (urls.length > 0) outer.set('url-list', [...urls]);
  if (meta.comment !== undefined && meta.comment !== '') outer.set('comment', meta.comment);
  if (meta.createdBy !== undefined && meta.createdBy !== '') outer.set('created by', meta.createdBy);
  if (meta.creationDate !== undefined) outer.set('creation date', Math.floor(meta.creationDate));

  const infoBytes = encode(info);
  // The info dictionary is encoded once: hashed, kept as `info`, and listed in the torrent's chunks.
  outer.set('info', new Bencoded(infoBytes));
  const chunks = encodeChunks(outer);
  let torrent: Uint8Array | undefined;
  return {
    get torrent() {
      return (torrent ??= chunks.length === 1 ? chunks[0] : concatBytes(chunks));
    },
    chunks,
    info: infoBytes,
    infoHash: plan.version !== 'v2' ? sha1(infoBytes) : undefined,
    infoHashV2: plan.version !== 'v1' ? sha256(infoBytes) : undefined,
  };
}
