import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { equalBytes } from '../../util/bytes.js';
import { BLOCK_SIZE, pieceLayerFromLeaves, rootFromLeaves, rootFromPieceLayer } from './merkle.js';

const h = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

function leavesOf(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < data.length; o += BLOCK_SIZE) out.push(h(data.subarray(o, o + BLOCK_SIZE)));
  return out;
}

test('a one-block file has its block hash as root', () => {
  const data = randomBytes(1000);
  assert.ok(equalBytes(rootFromLeaves(leavesOf(data)), h(data)));
});

test('three blocks: root pads with a zero leaf', () => {
  const data = randomBytes(BLOCK_SIZE * 2 + 5);
  const l = leavesOf(data);
  const zero = new Uint8Array(32);
  const cat = (a: Uint8Array, b: Uint8Array) => h(Uint8Array.from([...a, ...b]));
  assert.ok(equalBytes(rootFromLeaves(l), cat(cat(l[0], l[1]), cat(l[2], zero))));
});

test('the root from the piece layer equals the root from the leaves', () => {
  for (const blocks of [1, 2, 3, 4, 5, 7, 8, 9, 33]) {
    const l = Array.from({ length: blocks }, () => new Uint8Array(randomBytes(32)));
    for (const pieceLength of [BLOCK_SIZE, BLOCK_SIZE * 2, BLOCK_SIZE * 4, BLOCK_SIZE * 16]) {
      // BEP 52: only files larger than one piece have a piece layer.
      if (blocks * BLOCK_SIZE <= pieceLength) continue;
      const layer = pieceLayerFromLeaves(l, pieceLength);
      assert.equal(layer.length, Math.ceil(blocks / (pieceLength / BLOCK_SIZE)));
      assert.ok(equalBytes(rootFromPieceLayer(layer, pieceLength), rootFromLeaves(l)), `${blocks} ${pieceLength}`);
    }
  }
});
