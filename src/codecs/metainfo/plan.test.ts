import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTorrentkitError } from '../../util/errors.js';
import { autoPieceLength, isValidPieceLength, orderFiles, planTorrent } from './plan.js';

const KiB = 1024;
const MiB = 1024 * KiB;

test('automatic piece length keeps 1,000-2,000 pieces, a power of two from 16 KiB to 16 MiB', () => {
  assert.equal(autoPieceLength(1), 16 * KiB);
  assert.equal(autoPieceLength(2000 * 16 * KiB), 16 * KiB);
  assert.equal(autoPieceLength(2000 * 16 * KiB + 1), 32 * KiB);
  assert.equal(autoPieceLength(1024 * MiB), 1 * MiB);
  assert.equal(autoPieceLength(4096 * 1024 * MiB), 16 * MiB);
  for (const total of [100 * MiB, 700 * MiB, 3 * 1024 * MiB, 29 * 1024 * MiB + 12345]) {
    const p = autoPieceLength(total);
    const pieces = Math.ceil(total / p);
    assert.ok(pieces > 1000 && pieces <= 2000, `${total} -> ${p} -> ${pieces} pieces`);
    assert.ok(isValidPieceLength(p));
  }
  assert.equal(isValidPieceLength(3 * 16 * KiB), false);
  assert.equal(isValidPieceLength(8 * KiB), false);
});

test('v1 orders paths like mktorrent (bytes of the joined path), v2 like the file tree', () => {
  const files = ['a/b', 'a.txt', 'a-z', 'B/c', 'Z', 'é', 'e'].map((p) => ({ path: p.split('/'), length: 1 }));
  assert.deepEqual(
    orderFiles(files, 'v1').map((f) => f.path.join('/')),
    ['B/c', 'Z', 'a-z', 'a.txt', 'a/b', 'e', 'é'],
  );
  assert.deepEqual(
    orderFiles(files, 'hybrid').map((f) => f.path.join('/')),
    ['B/c', 'Z', 'a/b', 'a-z', 'a.txt', 'e', 'é'],
  );
});

test('duplicate paths, file/folder clashes and bad components are refused', () => {
  const code = (files: { path: string[]; length: number }[]) => {
    try {
      planTorrent(files);
      return 'ok';
    } catch (e) {
      assert.ok(isTorrentkitError(e));
      return e.code;
    }
  };
  assert.equal(code([{ path: ['a'], length: 1 }, { path: ['a'], length: 2 }]), 'BT_ERR_CREATE_DUPLICATE');
  assert.equal(code([{ path: ['a'], length: 1 }, { path: ['a', 'b'], length: 2 }]), 'BT_ERR_CREATE_DUPLICATE');
  assert.equal(code([{ path: ['..', 'b'], length: 1 }]), 'BT_ERR_CREATE_PATH');
  assert.equal(code([{ path: ['a', ''], length: 1 }]), 'BT_ERR_CREATE_PATH');
  assert.equal(code([{ path: [], length: 1 }]), 'BT_ERR_CREATE_PATH');
  assert.equal(code([{ path: ['a'], length: -1 }]), 'BT_ERR_CREATE_LENGTH');
  assert.equal(code([{ path: ['a'], length: 0 }]), 'BT_ERR_CREATE_EMPTY');
  assert.equal(code([]), 'BT_ERR_CREATE_EMPTY');
  assert.throws(() => planTorrent([{ path: ['a'], length: 1 }], { pieceLength: 1000 }), (e) => isTorrentkitError(e, 'BT_ERR_CREATE_PIECE_LENGTH'));
});

test('hybrid plans put every non-empty file on a piece boundary with .pad files, the last one included', () => {
  const p = 32 * KiB;
  const plan = planTorrent(
    [
      { path: ['one'], length: 40_000 },
      { path: ['d', 'exact'], length: p },
      { path: ['d', 'empty'], length: 0 },
      { path: ['z'], length: 3 },
    ],
    { version: 'hybrid', pieceLength: p },
  );
  assert.deepEqual(
    plan.v1Files.map((f) => [f.path.join('/'), f.length, f.offset, f.source]),
    [
      ['d/empty', 0, 0, 0],
      ['d/exact', p, 0, 1],
      ['one', 40_000, p, 2],
      ['.pad/25536', 25_536, p + 40_000, -1],
      ['z', 3, 3 * p, 3],
      ['.pad/32765', 32_765, 3 * p + 3, -1],
    ],
  );
  assert.equal(plan.v1Length, 4 * p);
  assert.equal(plan.pieceCount, 4);
  assert.equal(plan.totalLength, 40_000 + p + 3);
  for (const f of plan.v1Files) if (f.source >= 0 && f.length > 0) assert.equal(f.offset % p, 0);

  const v1 = planTorrent([{ path: ['one'], length: 40_000 }, { path: ['z'], length: 3 }], { pieceLength: p });
  assert.deepEqual(v1.v1Files.map((f) => f.offset), [0, 40_000]);
  assert.equal(v1.pieceCount, 2);
  const single = planTorrent([{ path: ['one'], length: 40_000 }], { version: 'hybrid', pieceLength: p, singleFile: true });
  assert.equal(single.v1Files.length, 1, 'a single-file hybrid has no pad file');
  const v2 = planTorrent([{ path: ['one'], length: 40_000 }], { version: 'v2', pieceLength: p });
  assert.deepEqual(v2.v1Files, []);
  assert.equal(v2.pieceCount, 0);
});
