import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { storageCompliance } from '../testing/storage-compliance.js';
import { FileStorage } from './file-storage.js';

const root = mkdtempSync(join(tmpdir(), 'tk-storage-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

storageCompliance('file storage', (files) => new FileStorage(files, { dir: join(root, `case${n++}`), id: 'abc', maxOpenFiles: 2 }));

test('file storage refuses paths that escape the download folder', () => {
  for (const path of [['..', 'x'], ['a', '..', '..', 'x'], [], ['a/b'], ['']]) {
    assert.throws(
      () => new FileStorage([{ path, length: 1, offset: 0 }], { dir: root, id: 'x' }),
      (err: Error & { code?: string }) => err.code === 'BT_ERR_STORAGE_BAD_PATH',
    );
  }
});

test('file storage writes real files under the folder, lazily', async () => {
  const dir = join(root, 'lazy');
  const s = new FileStorage(
    [
      { path: ['t', 'a.bin'], length: 4, offset: 0 },
      { path: ['t', 'sub', 'b.bin'], length: 4, offset: 4 },
    ],
    { dir, id: 'x' },
  );
  assert.equal(existsSync(join(dir, 't')), false);
  await s.write(4, Uint8Array.from([1, 2, 3, 4]));
  assert.equal(existsSync(join(dir, 't', 'a.bin')), false);
  assert.deepEqual([...readFileSync(join(dir, 't', 'sub', 'b.bin'))], [1, 2, 3, 4]);
  await s.close();
});

test('a full disk gives BT_ERR_STORAGE_NO_SPACE', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const mnt = join(root, 'small-disk');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(mnt);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  if (r.status !== 0) {
    if (process.env.CI === 'true' && process.getuid?.() === 0) throw new Error(`mount failed: ${r.stderr}`);
    t.skip('cannot mount a small tmpfs here (needs root)');
    return;
  }
  t.after(() => spawnSync('umount', [mnt]));
  const s = new FileStorage([{ path: ['big.bin'], length: 1 << 20, offset: 0 }], { dir: mnt, id: 'x' });
  await assert.rejects(
    s.write(0, new Uint8Array(1 << 20)),
    (err: Error & { code?: string }) => err.code === 'BT_ERR_STORAGE_NO_SPACE',
  );
  await s.close();
});

test('concurrent writes into one file all land, in any order, adjacent or not', async () => {
  const dir = join(root, 'queued');
  const piece = 1000;
  const count = 40;
  const s = new FileStorage([{ path: ['q.bin'], length: piece * count, offset: 0 }], { dir, id: 'x' });
  const expected = new Uint8Array(piece * count);
  for (let i = 0; i < expected.length; i++) expected[i] = (i * 7 + (i >> 8)) & 0xff;
  // A shuffled order: runs of adjacent pieces and gaps, all in flight at once.
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => ((a * 17) % 11) - ((b * 17) % 11) || a - b);
  await Promise.all(order.map((i) => s.write(i * piece, expected.slice(i * piece, (i + 1) * piece))));
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'q.bin'))), expected);
  assert.deepEqual(await s.read(5 * piece + 3, 2 * piece), expected.subarray(5 * piece + 3, 7 * piece + 3));
  await s.close();
});

test('adjacent writes larger than one write call land whole: pieces split across calls and calls across pieces', async () => {
  const dir = join(root, 'chunked');
  // Pieces of 200 KiB and 700 KiB and a 1 MiB one: the 256 KiB calls start and end inside them.
  const sizes = [200 << 10, 200 << 10, 700 << 10, 1 << 20, 200 << 10, 3];
  const total = sizes.reduce((a, b) => a + b, 0);
  const s = new FileStorage([{ path: ['c.bin'], length: total, offset: 0 }], { dir, id: 'x' });
  const expected = new Uint8Array(total);
  for (let i = 0; i < total; i++) expected[i] = (i * 13 + (i >> 9)) & 0xff;
  let at = 0;
  const writes = sizes.map((n) => {
    const w = s.write(at, expected.slice(at, at + n));
    at += n;
    return w;
  });
  await Promise.all(writes);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'c.bin'))), expected);
  await s.close();
});

test('close waits for a write in progress: every call of it lands in its own file', async () => {
  const dir = join(root, 'close-during-write');
  const size = 32 << 20;
  const s = new FileStorage([{ path: ['w.bin'], length: size, offset: 0 }], { dir, id: 'x' });
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) data[i] = (i >> 12) & 0xff;
  const write = s.write(0, data);
  // Once the first calls have landed, close: the others (128 in all) still need the descriptor.
  const path = join(dir, 'w.bin');
  for (let i = 0; i < 100_000 && !(existsSync(path) && statSync(path).size > 0); i++) await new Promise((r) => setImmediate(r));
  assert.ok(statSync(path).size < size, 'the write was still in progress when close was called');
  await Promise.all([write, s.close()]);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'w.bin'))), data);
});

test('writes queued behind a file that cannot be created all fail with the error', async () => {
  const dir = join(root, 'blocked');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  // 'x' is a file, so 'x/q.bin' cannot be created.
  writeFileSync(join(dir, 'x'), 'not a folder');
  const s = new FileStorage([{ path: ['x', 'q.bin'], length: 300, offset: 0 }], { dir, id: 'x' });
  const results = await Promise.allSettled([0, 100, 200].map((o) => s.write(o, new Uint8Array(100))));
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal((r.reason as { code?: string }).code, 'BT_ERR_STORAGE_IO');
  }
  // The queue is not left stuck: a later write fails the same way instead of hanging.
  await assert.rejects(s.write(0, new Uint8Array(10)), (err: Error & { code?: string }) => err.code === 'BT_ERR_STORAGE_IO');
  await s.close();
});
