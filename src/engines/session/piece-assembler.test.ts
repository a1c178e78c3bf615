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

test('complete pieces count against the budget until released: a slow disk holds new pieces back', () => {
  const a = new PieceAssembler(BLOCK_SIZE, BLOCK_SIZE * 10, BLOCK_SIZE * 2);
  const taken: Uint8Array[] = [];
  for (const i of [0, 1]) {
    assert.ok(a.open(i));
    assert.equal(a.addBlock(i, 0, new Uint8Array(BLOCK_SIZE)), 'complete');
    taken.push(a.take(i)); // handed to verification and storage, not yet released
  }
  assert.equal(a.canOpen(), false, 'no open piece, but two wait for the disk');
  assert.equal(a.freeSlots, 0);
  assert.equal(a.open(2), false);
  a.release(taken[0]);
  assert.equal(a.freeSlots, 1);
  assert.ok(a.open(2));
  a.release(taken[1], false); // kept by a cache: accounted free, not reused
  assert.equal(a.bytesInUse, BLOCK_SIZE);
  a.drop(2);
  assert.equal(a.bytesInUse, 0);
  assert.ok(a.canOpen(), 'with nothing in use a piece always fits');
  assert.equal(a.freeSlots, 2);
  a.setBudget(BLOCK_SIZE / 2);
  assert.equal(a.freeSlots, 1, 'with nothing in use one piece fits whatever the budget');
});

test('the budget can grow and shrink (more peers, more pieces open)', () => {
  const a = new PieceAssembler(BLOCK_SIZE, BLOCK_SIZE * 10, BLOCK_SIZE * 1);
  assert.ok(a.open(0));
  assert.equal(a.open(1), false);
  a.setBudget(BLOCK_SIZE * 3);
  assert.equal(a.budget, BLOCK_SIZE * 3);
  assert.ok(a.open(1));
  assert.ok(a.open(2));
  a.setBudget(BLOCK_SIZE);
  assert.equal(a.open(3), false, 'over the smaller budget: no new piece until memory is freed');
  a.drop(0);
  a.drop(1);
  assert.equal(a.open(3), false);
  a.drop(2);
  assert.ok(a.open(3));
});
