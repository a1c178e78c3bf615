import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitfield } from '../util/bitfield.js';
import { decodeResume, encodeResume, resumeCheck } from './resume.js';

const hash = new Uint8Array(20).fill(7);

test('resume data round-trips and is checked against the torrent', () => {
  const have = new Bitfield(10);
  have.set(1);
  have.set(9);
  const bytes = encodeResume({
    infoHash: hash,
    pieceCount: 10,
    have,
    files: [{ size: 5, mtimeMs: 1000 }],
    uploaded: 3,
    downloaded: 4,
    savedAt: 99,
  });
  const r = decodeResume(bytes, hash, 10);
  assert.deepEqual([...r.have.ones()], [1, 9]);
  assert.deepEqual(r.files, [{ size: 5, mtimeMs: 1000 }]);
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  assert.equal(code(() => decodeResume(bytes, new Uint8Array(20), 10)), 'BT_ERR_RESUME_INVALID');
  assert.equal(code(() => decodeResume(bytes, hash, 11)), 'BT_ERR_RESUME_INVALID');
  assert.equal(code(() => decodeResume(Uint8Array.from([1, 2, 3]), hash, 10)), 'BT_ERR_RESUME_INVALID');
});

test('pieces of a changed file are no longer trusted', () => {
  const have = Bitfield.full(4);
  const files = [
    { offset: 0, length: 150 },
    { offset: 150, length: 250 },
  ];
  const r = { infoHash: hash, pieceCount: 4, have, files: [{ size: 150, mtimeMs: 1 }, { size: 250, mtimeMs: 2 }], uploaded: 0, downloaded: 0, savedAt: 0 };
  assert.deepEqual([...resumeCheck(r, [{ size: 150, mtimeMs: 1 }, { size: 250, mtimeMs: 2 }], files, 100).ones()], [0, 1, 2, 3]);
  // File 0 touched pieces 0 and 1.
  assert.deepEqual([...resumeCheck(r, [{ size: 150, mtimeMs: 5 }, { size: 250, mtimeMs: 2 }], files, 100).ones()], [2, 3]);
  assert.deepEqual([...resumeCheck(r, [{ size: 150, mtimeMs: 1 }, { size: -1, mtimeMs: -1 }], files, 100).ones()], [0]);
});
