/**
 * BEP 52 merkle trees: SHA-256 over 16 KiB blocks, branching factor 2. Leaf hashes beyond the end
 * of a file are zero (32 zero bytes) and the tree is padded to a power of two with them; interior
 * padding nodes are therefore hashes of zero subtrees, computed like any other node.
 *
 * Pure and synchronous (util/sha256): used to validate piece layers against pieces roots and to
 * build the upper layers of a tree whose leaves were hashed elsewhere (worker threads).
 */
import { sha256 } from '../../util/sha.js';

export const BLOCK_SIZE = 16 * 1024;
export const HASH_SIZE = 32;
const ZERO_LEAF = new Uint8Array(HASH_SIZE);

/** Root of a perfect subtree of `leaves` zero leaves (leaves a power of two), memoised per height. */
const zeroRoots: Uint8Array[] = [ZERO_LEAF];
export function zeroSubtreeRoot(leaves: number): Uint8Array {
  const height = Math.log2(leaves);
  if (!Number.isInteger(height)) throw new RangeError(`${leaves} is not a power of two`);
  while (zeroRoots.length <= height) {
    const z = zeroRoots[zeroRoots.length - 1];
    zeroRoots.push(hashPair(z, z));
  }
  return zeroRoots[height];
}

export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(HASH_SIZE * 2);
  buf.set(a, 0);
  buf.set(b, HASH_SIZE);
  return sha256(buf);
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Root over `nodes` (all at one level), padding the level to `width` nodes (a power of two, at
 * least nodes.length) with `pad` (the root of a zero subtree at that level).
 */
export function merkleRoot(nodes: readonly Uint8Array[], width: number, pad: Uint8Array): Uint8Array {
  if (nodes.length === 0) throw new RangeError('no nodes');
  let level = nodes.slice();
  let padNode = pad;
  let w = width;
  while (w > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i], i + 1 < level.length ? level[i + 1] : padNode));
    padNode = hashPair(padNode, padNode);
    level = next;
    w /= 2;
  }
  return level[0];
}

/** Number of 16 KiB leaves of a file (at least 1 for a non-empty file). */
export function leafCount(fileLength: number): number {
  return Math.ceil(fileLength / BLOCK_SIZE);
}

/** Pieces root of a file from its leaf (16 KiB block) hashes. */
export function rootFromLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(leaves, nextPowerOfTwo(leaves.length), ZERO_LEAF);
}

/**
 * The piece layer of a file (one hash per `pieceLength` bytes) from its leaf hashes; the last
 * piece's subtree is padded with zero leaves.
 */
export function pieceLayerFromLeaves(leaves: readonly Uint8Array[], pieceLength: number): Uint8Array[] {
  const perPiece = pieceLength / BLOCK_SIZE;
  const out: Uint8Array[] = [];
  for (let i = 0; i < leaves.length; i += perPiece) {
    out.push(merkleRoot(leaves.slice(i, i + perPiece), perPiece, ZERO_LEAF));
  }
  return out;
}

/**
 * Pieces root of a file from its piece layer: the layer is padded to a power of two with roots of
 * zero subtrees of one piece each. Only meaningful for files larger than one piece (BEP 52 gives
 * piece layers for those only); the caller checks the layer holds ceil(length / pieceLength) hashes.
 */
export function rootFromPieceLayer(layer: readonly Uint8Array[], pieceLength: number): Uint8Array {
  const perPiece = pieceLength / BLOCK_SIZE;
  return merkleRoot(layer, nextPowerOfTwo(layer.length), zeroSubtreeRoot(perPiece));
}
