import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TorrentLayout } from './layout.js';

// Files: a=10 bytes [0,10), empty [10,10), b=25 [10,35), pad=5 [35,40), c=1 [40,41); pieces of 16.
const layout = new TorrentLayout([{ length: 10 }, { length: 0 }, { length: 25 }, { length: 5, pad: true }, { length: 1 }], 16);

test('piece count and sizes, last piece shorter', () => {
  assert.equal(layout.totalLength, 41);
  assert.equal(layout.pieceCount, 3);
  assert.deepEqual([0, 1, 2].map((p) => layout.pieceSize(p)), [16, 16, 9]);
  assert.deepEqual(layout.pieceRange(2), { start: 32, end: 41 });
  assert.throws(() => layout.pieceSize(3), RangeError);
  assert.throws(() => layout.pieceSize(-1), RangeError);
  assert.equal(new TorrentLayout([{ length: 32 }], 16).pieceSize(1), 16);
});

test('fileAt skips zero-length files and finds boundaries', () => {
  assert.deepEqual([0, 9, 10, 34, 35, 39, 40].map((o) => layout.fileAt(o)), [0, 0, 2, 2, 3, 3, 4]);
  assert.throws(() => layout.fileAt(41), RangeError);
});

test('pieces of files and ranges', () => {
  assert.deepEqual(layout.piecesOfFile(0), { start: 0, end: 1 });
  assert.deepEqual(layout.piecesOfFile(1), { start: 0, end: 0 });
  assert.deepEqual(layout.piecesOfFile(2), { start: 0, end: 3 });
  assert.deepEqual(layout.piecesOfFile(4), { start: 2, end: 3 });
  assert.deepEqual(layout.piecesOfRange(16, 32), { start: 1, end: 2 });
  assert.deepEqual(layout.piecesOfRange(15, 17), { start: 0, end: 2 });
  assert.equal(layout.pieceAt(31), 1);
});

test('segments of a piece, with and without pad files', () => {
  assert.deepEqual(layout.pieceSegments(0), [
    { file: 0, fileOffset: 0, offset: 0, length: 10 },
    { file: 2, fileOffset: 0, offset: 10, length: 6 },
  ]);
  assert.deepEqual(layout.pieceSegments(2), [
    { file: 2, fileOffset: 22, offset: 32, length: 3 },
    { file: 3, fileOffset: 0, offset: 35, length: 5 },
    { file: 4, fileOffset: 0, offset: 40, length: 1 },
  ]);
  assert.deepEqual(layout.pieceSegments(2, true).map((s) => s.file), [2, 4]);
  assert.deepEqual(layout.filesOfPiece(1), [2]);
  assert.deepEqual(layout.fileRange(2, 5, 10), { start: 15, end: 25 });
  assert.throws(() => layout.fileRange(2, 20, 10), RangeError);
  assert.deepEqual(layout.segments(5, 5), []);
});

test('segments cover every byte exactly once (random layouts)', () => {
  let x = 99;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) % n;
  for (let round = 0; round < 200; round++) {
    const files = Array.from({ length: 1 + rnd(8) }, () => ({ length: rnd(4) === 0 ? 0 : rnd(100) }));
    files.push({ length: 1 + rnd(50) });
    const l = new TorrentLayout(files, 1 + rnd(40));
    for (let p = 0; p < l.pieceCount; p++) {
      const segs = l.pieceSegments(p);
      const { start, end } = l.pieceRange(p);
      let at = start;
      for (const s of segs) {
        assert.equal(s.offset, at);
        assert.ok(s.length > 0);
        assert.equal(l.fileOffset(s.file) + s.fileOffset, s.offset);
        assert.ok(s.fileOffset + s.length <= l.fileLength(s.file));
        at += s.length;
      }
      assert.equal(at, end);
    }
    for (let f = 0; f < l.fileCount; f++) {
      const r = l.piecesOfFile(f);
      for (let p = r.start; p < r.end; p++) assert.ok(l.filesOfPiece(p).includes(f));
    }
  }
});

test('large layouts: lookups are binary searches', () => {
  const n = 200_000;
  const big = new TorrentLayout(Array.from({ length: n }, (_, i) => ({ length: (i % 7) * 1000 })), 1 << 20);
  let checked = 0;
  for (let f = 1; f < n; f += 997) {
    if (big.fileLength(f) === 0) continue;
    assert.equal(big.fileAt(big.fileOffset(f)), f);
    assert.equal(big.fileAt(big.fileOffset(f) + big.fileLength(f) - 1), f);
    checked++;
  }
  assert.ok(checked > 100);
});
