import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTorrent, bytesOf } from '../../../test/helpers/torrents.js';
import { concatBytes, toHex } from '../../util/bytes.js';
import { sha1, sha256 } from '../../util/sha.js';
import { v1PieceHash, v2PieceHash } from './hashes.js';
import { layoutOf } from './layout.js';
import { BLOCK_SIZE, merkleRoot, zeroSubtreeRoot } from './merkle.js';
import { parseInfoDictionary, parseMetainfo } from './parse.js';

const big = bytesOf(40000, 1);
const small = bytesOf(100, 2);
const files = [
  { path: ['a'], data: big },
  { path: ['b'], data: small },
];

/** Merkle hash of `data` as `leaves` 16 KiB blocks, zero leaves past its end. */
function subtree(data: Uint8Array, leaves: number): Uint8Array {
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += BLOCK_SIZE) hashes.push(sha256(data.subarray(i, i + BLOCK_SIZE)));
  return merkleRoot(hashes, leaves, zeroSubtreeRoot(1));
}

test('v2 piece hashes: layer entries for big files, the pieces root for one-piece files', () => {
  const meta = parseMetainfo(buildTorrent(files, { version: 'hybrid', pieceLength: 32768 }));
  const layout = layoutOf(meta);
  assert.equal(meta.pieceCount, 3);
  const p0 = v2PieceHash(meta, layout, 0)!;
  const p1 = v2PieceHash(meta, layout, 1)!;
  const p2 = v2PieceHash(meta, layout, 2)!;
  assert.deepEqual([p0.file, p0.pieceInFile, p0.dataLength, p0.leaves], [0, 0, 32768, 2]);
  assert.deepEqual([p1.file, p1.pieceInFile, p1.dataLength, p1.leaves], [0, 1, 40000 - 32768, 2]);
  assert.deepEqual([p2.file, p2.pieceInFile, p2.dataLength, p2.leaves], [2, 0, 100, 1]);
  assert.equal(toHex(p0.hash!), toHex(subtree(big.subarray(0, 32768), 2)));
  assert.equal(toHex(p1.hash!), toHex(subtree(big.subarray(32768), 2)));
  assert.equal(toHex(p2.hash!), toHex(subtree(small, 1)));
  // v1 hashes of the same hybrid cover the padded piece space.
  const space = concatBytes([big, new Uint8Array(65536 - 40000), small]);
  assert.equal(toHex(v1PieceHash(meta, 1)!), toHex(sha1(space.subarray(32768, 65536))));
  assert.equal(v1PieceHash(meta, 3), undefined);
  assert.equal(v2PieceHash(meta, layout, 3), undefined);
});

test('v1-only torrents have no v2 hashes; missing layers give no hash', () => {
  const v1 = parseMetainfo(buildTorrent(files));
  assert.equal(v2PieceHash(v1, layoutOf(v1), 0), undefined);
  const bytes = buildTorrent(files, { version: 'v2', pieceLength: 16384 });
  const v2 = parseMetainfo(bytes);
  const fromInfo = parseInfoDictionary(v2.infoBytes);
  assert.equal(v2PieceHash(fromInfo, layoutOf(fromInfo), 0)!.hash, undefined);
  assert.ok(v2PieceHash(v2, layoutOf(v2), 0)!.hash);
  assert.equal(v1PieceHash(v2, 0), undefined);
});
