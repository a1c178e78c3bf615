/**
 * Builds .torrent bytes for tests (v1, v2, hybrid) from in-memory files, with hooks to corrupt
 * any part. Independent of the library's own torrent creator, so parser tests do not share its bugs.
 */
import { type BEncodable, encode } from '../../src/codecs/bencode/index.js';
import { BLOCK_SIZE, pieceLayerFromLeaves, rootFromLeaves } from '../../src/codecs/metainfo/merkle.js';
import { bytesToBinary, concatBytes, utf8Encode } from '../../src/util/bytes.js';
import { sha1, sha256 } from '../../src/util/sha.js';

export interface TestFile {
  path: string[];
  data: Uint8Array;
}

/** Deterministic pseudo-random bytes. */
export function bytesOf(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

type Dict = Record<string, BEncodable | undefined>;

export interface BuildOptions {
  version?: 'v1' | 'v2' | 'hybrid';
  pieceLength?: number;
  name?: string;
  /** Single-file torrent (exactly one file; its path is ignored). */
  single?: boolean;
  /** Extra top-level keys. */
  top?: Dict;
  /** Extra info keys. */
  info?: Dict;
  /** Edits the info dictionary before encoding. */
  editInfo?: (info: Dict) => void;
  /** Edits the top-level dictionary (after info was placed). */
  editTop?: (top: Dict) => void;
}

function v1Pieces(data: Uint8Array, pieceLength: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += pieceLength) parts.push(sha1(data.subarray(i, i + pieceLength)));
  return concatBytes(parts);
}

function leavesOf(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += BLOCK_SIZE) out.push(sha256(data.subarray(i, i + BLOCK_SIZE)));
  return out;
}

/** Builds a torrent; returns its bytes. Files are laid out in the order given (v2: sorted by path). */
export function buildTorrent(files: TestFile[], options: BuildOptions = {}): Uint8Array {
  const version = options.version ?? 'v1';
  const pieceLength = options.pieceLength ?? 16384;
  const name = options.name ?? 'test';
  const single = options.single ?? false;
  const info: Dict = { name, 'piece length': pieceLength, ...options.info };
  const top: Dict = { ...options.top };
  const ordered =
    version === 'v1' ? files : [...files].sort((a, b) => (bytesToBinary(utf8Encode(a.path.join('\u0000'))) < bytesToBinary(utf8Encode(b.path.join('\u0000'))) ? -1 : 1));
  if (version !== 'v1') {
    const tree: Dict = {};
    const layers: Record<string, Uint8Array> = {};
    for (const f of ordered) {
      let node = tree;
      const path = single ? [name] : f.path;
      for (const el of path.slice(0, -1)) node = (node[el] ??= {}) as Dict;
      const leaf: Dict = { length: f.data.length };
      if (f.data.length > 0) {
        const leaves = leavesOf(f.data);
        const root = rootFromLeaves(leaves);
        leaf['pieces root'] = root;
        if (f.data.length > pieceLength) layers[bytesToBinary(root)] = concatBytes(pieceLayerFromLeaves(leaves, pieceLength));
      }
      node[path[path.length - 1]] = { '': leaf };
    }
    info['meta version'] = 2;
    info['file tree'] = tree;
    top['piece layers'] = layers;
  }
  if (version !== 'v2') {
    const parts: Uint8Array[] = [];
    const list: Dict[] = [];
    for (let i = 0; i < ordered.length; i++) {
      const f = ordered[i];
      parts.push(f.data);
      list.push({ length: f.data.length, path: f.path });
      const rem = f.data.length % pieceLength;
      if (version === 'hybrid' && rem !== 0 && i < ordered.length - 1) {
        parts.push(new Uint8Array(pieceLength - rem));
        list.push({ length: pieceLength - rem, path: ['.pad', String(pieceLength - rem)], attr: 'p' });
      }
    }
    info.pieces = v1Pieces(concatBytes(parts), pieceLength);
    if (single) info.length = ordered[0].data.length;
    else info.files = list;
  }
  options.editInfo?.(info);
  top.info = info;
  options.editTop?.(top);
  return encode(top as BEncodable);
}

/** Splices raw bytes: replaces the first occurrence of `find` with `replace` (both latin1 strings). */
export function spliceBinary(bytes: Uint8Array, find: string, replace: string): Uint8Array {
  const s = bytesToBinary(bytes);
  const at = s.indexOf(find);
  if (at < 0) throw new Error(`"${find}" not found`);
  const out = s.slice(0, at) + replace + s.slice(at + find.length);
  const b = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) b[i] = out.charCodeAt(i);
  return b;
}
