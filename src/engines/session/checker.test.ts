import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileStorage } from '../../adapters/node/file-storage.js';
import { HashPool } from '../../adapters/node/hash-pool.js';
import type { StorageFile } from '../../ports/storage.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import { checkPieces } from './checker.js';

const pool = new HashPool({ threads: 2 });
after(() => pool.close());

function setup(lengths: number[], pieceLength: number, pads: number[] = []) {
  let offset = 0;
  const files: StorageFile[] = lengths.map((length, i) => {
    const f = { path: ['t', `f${i}`], length, offset, pad: pads.includes(i) || undefined };
    offset += length;
    return f;
  });
  const content = new Uint8Array(randomBytes(offset));
  for (const f of files) if (f.pad) content.fill(0, f.offset, f.offset + f.length);
  const hashes: Buffer[] = [];
  for (let o = 0; o < offset; o += pieceLength) hashes.push(createHash('sha1').update(content.subarray(o, o + pieceLength)).digest());
  return { files, content, pieceHashes: new Uint8Array(Buffer.concat(hashes)) };
}

test('checks file data: good pieces found, corrupt and missing ones not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tk-check-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const pieceLength = 32 * 1024;
  const { files, content, pieceHashes } = setup([100_000, 16_384, 50_000, 90_000], pieceLength, [1]);
  mkdirSync(join(dir, 't'));
  const corrupt = content.slice();
  corrupt[40_000] ^= 1; // piece 1
  writeFileSync(join(dir, 't', 'f0'), corrupt.subarray(0, 100_000));
  writeFileSync(join(dir, 't', 'f2'), content.subarray(116_384, 166_384));
  // f3 missing entirely.
  const storage = new FileStorage(files, { dir, id: 'x' });
  const have = await checkPieces(pool, { files, pieceLength, pieceHashes, storage, stats: await storage.stat() }, { jobBytes: 64 * 1024 });
  // Pieces: 0..[0,32k) 1..[32k,64k) 2..[64k,96k) 3..[96k,128k) 4..[128k,160k) 5..[160k,192k) ...
  // f3 starts at 166,384: pieces 5.. are missing; piece 1 is corrupt.
  assert.deepEqual([...have.ones()], [0, 2, 3, 4]);
  await storage.close();
});

test('checks memory storage through read + hashBuffer, honours `only` and abort', async () => {
  const pieceLength = 16 * 1024;
  const { files, content, pieceHashes } = setup([70_000], pieceLength);
  const storage = new MemoryStorage(files);
  await storage.write(0, content);
  const all = await checkPieces(pool, { files, pieceLength, pieceHashes, storage, stats: await storage.stat() });
  assert.equal(all.count(), 5);
  const only = all.clone();
  only.clear();
  only.set(3);
  const some = await checkPieces(pool, { files, pieceLength, pieceHashes, storage, stats: await storage.stat(), only });
  assert.deepEqual([...some.ones()], [3]);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(
    checkPieces(pool, { files, pieceLength, pieceHashes, storage, stats: await storage.stat() }, { signal: ac.signal }),
    (e: Error & { code?: string }) => e.code === 'BT_ERR_ABORTED',
  );
});
