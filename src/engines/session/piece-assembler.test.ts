import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_SIZE, PieceAssembler } from './piece-assembler.js';

test('assembles pieces from blocks, detects duplicates and bad blocks', () => {
  const a = new PieceAssembler(BLOCK_SIZE * 2, BLOCK_SIZE * 3 + 100, BLOCK_SIZE * 4);
  assert.equal(a.pieceCount, 2);
  assert.equal(a.lengthOf(1), BLOCK_SIZE + 100);
  assert.ok(a.open(0));
  assert.equal(a.addBlock(0, 0, new Uint8Array(BLOCK_SIZE).fill(1)), 'added');
  assert.equal(a.addBlock(0, 0, new Uint8Array(BLOCK_SIZE).fill(1)), 'duplicate');
  assert.equal(a.addBlock(0, 5, new Uint8Array(BLOCK_SIZE)), 'unexpected');
  assert.equal(a.addBlock(0, BLOCK_SIZE, new Uint8Array(10)), 'unexpected');
  assert.equal(a.addBlock(1, 0, new Uint8Array(BLOCK_SIZE)), 'unexpected');
  assert.equal(a.addBlock(0, BLOCK_SIZE, new Uint8Array(BLOCK_SIZE).fill(2)), 'complete');
  const piece = a.take(0);
  assert.equal(piece[0], 1);
  assert.equal(piece[BLOCK_SIZE], 2);
  assert.equal(a.bytesInUse, BLOCK_SIZE * 2);
  a.release(piece);
  assert.equal(a.bytesInUse, 0);
});

test('memory budget bounds open pieces', () => {
  const a = new PieceAssembler(BLOCK_SIZE, BLOCK_SIZE * 10, BLOCK_SIZE * 2);
  assert.ok(a.open(0));
  assert.ok(a.open(1));
  assert.equal(a.open(2), false);
  a.drop(0);
  assert.ok(a.open(2));
  a.clearBlocks(2, [0]);
  assert.equal(a.hasBlock(2, 0), false);
});
