/**
 * BEP 52 `file tree` walking and `piece layers` validation.
 *
 * The file tree is walked in the raw byte order of its keys (the order BEP 52 lays files out in
 * the piece space); JavaScript objects would put integer-like keys first, so keys are sorted here
 * explicitly. The walk uses an explicit stack: depth is bounded by `maxPathDepth`, not by the JS
 * call stack.
 */
import type { BDict, BValue } from '../bencode/index.js';
import { binaryToBytes, bytesToBinary, equalBytes, toHex } from '../../util/bytes.js';
import { BLOCK_SIZE, HASH_SIZE, nextPowerOfTwo, zeroSubtreeRoot } from './merkle.js';
import { MetainfoError, MetainfoErrorCode as E } from './errors.js';
import type { Digests, MetainfoLimits } from './types.js';

/** A file found in a v2 file tree, before path sanitising. */
export interface V2FileEntry {
  /** Raw path elements (tree keys), root first. */
  readonly rawPath: Uint8Array[];
  readonly length: number;
  readonly piecesRoot?: Uint8Array;
  /** BEP 47 attributes (`attr`), as text. */
  readonly attr: string;
  readonly symlinkPath?: Uint8Array[];
  readonly mtime?: number;
}

export function isDict(v: BValue | undefined): v is BDict {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !Array.isArray(v);
}

/** A non-negative safe integer, or undefined. */
export function asLength(v: BValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** Reads BEP 47 `attr` as a string of flag characters (unknown characters are kept and ignored). */
export function readAttr(v: BValue | undefined): string {
  return v instanceof Uint8Array ? bytesToBinary(v) : '';
}

/** Reads a list of byte strings (`path`, `symlink path`), or undefined when it is not one. */
export function readByteList(v: BValue | undefined): Uint8Array[] | undefined {
  if (!Array.isArray(v)) return undefined;
  for (const el of v) if (!(el instanceof Uint8Array)) return undefined;
  return v as Uint8Array[];
}

const byRawBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Lists the files of a BEP 52 file tree in piece-space order. Rejects a file at the root, a file
 * entry with siblings, non-dictionary nodes, bad lengths and missing or malformed pieces roots.
 */
export function walkFileTree(tree: BValue, limits: MetainfoLimits): V2FileEntry[] {
  if (!isDict(tree)) throw new MetainfoError(E.V2BadFileTree, 'not a dictionary', 'info.file tree');
  if ('' in tree) throw new MetainfoError(E.V2BadFileTree, 'the root of the tree must not be a file', 'info.file tree');
  const out: V2FileEntry[] = [];
  // Stack of directories still to visit, each with its remaining keys in reverse order.
  const stack: { node: BDict; keys: string[]; path: string[] }[] = [
    { node: tree, keys: Object.keys(tree).sort(byRawBytes).reverse(), path: [] },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const key = top.keys.pop();
    if (key === undefined) {
      stack.pop();
      continue;
    }
    const path = [...top.path, key];
    const field = `info.file tree/${path.join('/')}`;
    if (key === '') throw new MetainfoError(E.V2BadFileTree, 'empty name next to other entries', field);
    if (path.length > limits.maxPathDepth) {
      throw new MetainfoError(E.PathTooDeep, `more than ${limits.maxPathDepth} path elements`, field);
    }
    const node = top.node[key];
    if (!isDict(node)) throw new MetainfoError(E.V2BadFileTree, 'entry is not a dictionary', field);
    const leaf = node[''];
    if (leaf === undefined) {
      stack.push({ node, keys: Object.keys(node).sort(byRawBytes).reverse(), path });
      continue;
    }
    if (!isDict(leaf) || !('length' in leaf)) throw new MetainfoError(E.V2BadFileTree, 'file entry without a length', field);
    if (Object.keys(node).length !== 1) throw new MetainfoError(E.V2BadFileTree, 'a file entry must have no siblings', field);
    const length = asLength(leaf.length);
    if (length === undefined) throw new MetainfoError(E.BadLength, 'length is not a non-negative integer below 2^53', field);
    const root = leaf['pieces root'];
    let piecesRoot: Uint8Array | undefined;
    if (length > 0) {
      if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) {
        throw new MetainfoError(E.V2BadFileTree, 'a non-empty file needs a 32-byte pieces root', field);
      }
      piecesRoot = root;
    }
    if (out.length >= limits.maxFiles) throw new MetainfoError(E.TooManyFiles, `more than ${limits.maxFiles} files`, 'info.file tree');
    const mtime = asLength(leaf.mtime);
    const symlinkPath = readByteList(leaf['symlink path']);
    out.push({
      rawPath: path.map((p) => binaryToBytes(p)),
      length,
      attr: readAttr(leaf.attr),
      ...(piecesRoot ? { piecesRoot } : {}),
      ...(symlinkPath ? { symlinkPath } : {}),
      ...(mtime !== undefined ? { mtime } : {}),
    });
  }
  return out;
}

/**
 * Validates BEP 52 `piece layers` against the files' pieces roots and returns the layers by hex
 * root. Every file larger than one piece needs a layer of exactly ceil(length / pieceLength)
 * hashes whose merkle root (padded with zero-subtree roots) is the file's pieces root. Files of at
 * most one piece have none: their pieces root is their piece hash. Layers for unknown roots are
 * ignored. With `optional`, a missing dictionary or layer is allowed (an info dictionary received
 * over ut_metadata carries no layers; they are fetched from peers later), but a present one is
 * still checked.
 */
export function validatePieceLayers(
  layers: BValue | undefined,
  files: readonly V2FileEntry[],
  pieceLength: number,
  optional: boolean,
  sha256: Digests['sha256'],
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (layers === undefined && optional) return out;
  if (layers !== undefined && !isDict(layers)) throw new MetainfoError(E.V2BadPieceLayer, 'not a dictionary', 'piece layers');
  const perPiece = pieceLength / BLOCK_SIZE;
  for (const f of files) {
    if (!f.piecesRoot || f.length <= pieceLength) continue;
    const key = toHex(f.piecesRoot);
    const field = `piece layers[${key}]`;
    const count = Math.ceil(f.length / pieceLength);
    const known = out.get(key);
    if (known !== undefined) {
      // Identical files share a root and a layer; a shared root with another size is a lie.
      if (known.length !== count * HASH_SIZE) throw new MetainfoError(E.V2BadPieceLayer, 'one pieces root for files of different sizes', field);
      continue;
    }
    const layer = layers?.[bytesToBinary(f.piecesRoot)];
    if (layer === undefined) {
      if (optional) continue;
      throw new MetainfoError(E.V2BadPieceLayer, 'missing layer for a file larger than one piece', field);
    }
    if (!(layer instanceof Uint8Array) || layer.length !== count * HASH_SIZE) {
      throw new MetainfoError(E.V2BadPieceLayer, `expected ${count} hashes of ${HASH_SIZE} bytes`, field);
    }
    if (!equalBytes(layerRoot(layer, count, perPiece, sha256), f.piecesRoot)) {
      throw new MetainfoError(E.V2PieceLayerMismatch, 'layer does not hash to the pieces root', field);
    }
    out.set(key, layer);
  }
  return out;
}

/**
 * Merkle root over a piece layer of `count` hashes, padded to a power of two with roots of
 * all-zero subtrees of one piece each (BEP 52; the same as merkle.ts `rootFromPieceLayer`, with
 * the hash function passed in).
 */
function layerRoot(layer: Uint8Array, count: number, leavesPerPiece: number, sha256: Digests['sha256']): Uint8Array {
  const pair = new Uint8Array(HASH_SIZE * 2);
  let level: Uint8Array[] = [];
  for (let i = 0; i < count; i++) level.push(layer.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  let width = nextPowerOfTwo(count);
  let padLeaves = leavesPerPiece;
  while (width > 1) {
    const pad = zeroSubtreeRoot(padLeaves);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      pair.set(level[i], 0);
      pair.set(i + 1 < level.length ? level[i + 1] : pad, HASH_SIZE);
      next.push(sha256(pair));
    }
    level = next;
    width /= 2;
    padLeaves *= 2;
  }
  return level[0];
}
