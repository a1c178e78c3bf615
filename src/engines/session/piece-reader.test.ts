import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { HashPool } from '../../adapters/node/hash-pool.js';
import { Bitfield } from '../../util/bitfield.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import { PieceReader } from './piece-reader.js';

const pool = new HashPool({ threads: 1 });
after(() => pool.close());

class CountingStorage extends MemoryStorage {
  reads = 0;
  override read(offset: number, length: number) {
    this.reads++;
    return super.read(offset, length);
  }
}

test('serves blocks from one read per piece; lazily verifies and reports bad pieces', async () => {
  const content = Uint8Array.from({ length: 100 }, (_, i) => i);
  const storage = new CountingStorage([{ path: ['f'], length: 100, offset: 0 }]);
  await storage.write(0, content);
  const hashes = new Uint8Array(Buffer.concat([0, 40, 80].map((o) => createHash('sha1').update(content.subarray(o, o + 40)).digest())));
  hashes[25] ^= 1; // piece 1's hash is wrong: its data will not verify
  const unverified = Bitfield.full(3);
  const bad: number[] = [];
  const r = new PieceReader(
    { storage, hasher: pool },
    { pieceLength: 40, totalLength: 100, cacheBytes: 80, unverified, pieceHashes: hashes, onBadPiece: (p) => bad.push(p) },
  );
  const [a, b] = await Promise.all([r.heldBlock(0, 0, 10), r.heldBlock(0, 10, 10)]);
  assert.deepEqual([...a], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(b[0], 10);
  assert.equal(storage.reads, 1);
  assert.equal(unverified.get(0), false);
  await assert.rejects(r.heldBlock(1, 0, 10), (e: Error & { code?: string }) => e.code === 'BT_ERR_PIECE_HASH');
  assert.deepEqual(bad, [1]);
  assert.deepEqual([...(await r.heldBlock(2, 0, 20))].slice(0, 2), [80, 81]);
  await assert.rejects(r.heldBlock(2, 10, 20), (e: Error & { code?: string }) => e.code === 'BT_ERR_PIECE_RANGE');
});

test('cachedBlock answers synchronously from cached pieces only, including pieces inserted after download', async () => {
  const storage = new CountingStorage([{ path: ['f'], length: 100, offset: 0 }]);
  await storage.write(0, Uint8Array.from({ length: 100 }, (_, i) => i));
  const r = new PieceReader({ storage, hasher: pool }, { pieceLength: 40, totalLength: 100, cacheBytes: 80 });
  assert.equal(r.cachedBlock(0, 0, 10), undefined, 'not read yet');
  await r.heldBlock(0, 0, 1);
  assert.deepEqual([...r.cachedBlock(0, 5, 3)!], [5, 6, 7]);
  assert.equal(r.cachedBlock(0, 35, 10), undefined, 'outside the piece');
  r.insert(1, new Uint8Array(40).fill(9));
  assert.deepEqual([...r.cachedBlock(1, 0, 2)!], [9, 9]);
  r.insert(2, new Uint8Array(20).fill(7)); // over the 80-byte budget: the least recently used (0) goes
  assert.equal(r.cachedBlock(0, 0, 1), undefined);
  assert.equal(storage.reads, 1);
});

test('the cache evicts the least recently used piece, however often the newest is read', () => {
  const storage = new CountingStorage([{ path: ['f'], length: 200, offset: 0 }]);
  const r = new PieceReader({ storage, hasher: pool }, { pieceLength: 40, totalLength: 200, cacheBytes: 120 });
  for (const p of [0, 1, 2]) r.insert(p, new Uint8Array(40).fill(p));
  r.cachedBlock(2, 0, 1);
  r.cachedBlock(0, 0, 1); // 0 becomes the newest: 1 is now the oldest
  r.cachedBlock(0, 1, 1);
  r.cachedBlock(0, 2, 1);
  r.insert(3, new Uint8Array(40).fill(3));
  assert.equal(r.cachedBlock(1, 0, 1), undefined, 'the least recently used piece went first');
  r.cachedBlock(2, 0, 1); // order now 0, 3, 2
  r.insert(4, new Uint8Array(40).fill(4));
  assert.equal(r.cachedBlock(0, 0, 1), undefined);
  assert.deepEqual([3, 2, 4].map((p) => r.cachedBlock(p, 0, 1)?.[0]), [3, 2, 4]);
  r.clear();
  r.insert(4, new Uint8Array(40).fill(4));
  r.insert(1, new Uint8Array(40).fill(1));
  r.insert(0, new Uint8Array(40).fill(0));
  r.cachedBlock(4, 0, 1); // after clear(), the newest is the last inserted (0), not the 4 of before
  r.insert(2, new Uint8Array(40).fill(2));
  assert.equal(r.cachedBlock(1, 0, 1), undefined);
  assert.deepEqual([4, 0, 2].map((p) => r.cachedBlock(p, 0, 1)?.[0]), [4, 0, 2]);
});

test('inserted buffers are recycled once evicted and no longer held, never once handed out', async () => {
  const storage = new CountingStorage([{ path: ['f'], length: 200, offset: 0 }]);
  await storage.write(0, new Uint8Array(200).fill(1));
  const recycled: Uint8Array[] = [];
  const r = new PieceReader({ storage, hasher: pool }, { pieceLength: 40, totalLength: 200, cacheBytes: 80, recycle: (b) => (recycled.push(b), true) });
  const p0 = new Uint8Array(40).fill(10);
  const p1 = new Uint8Array(40).fill(11);
  const p2 = new Uint8Array(40).fill(12);
  const p3 = new Uint8Array(40).fill(13);
  r.insert(0, p0);
  r.insert(1, p1);

  // Two blocks of piece 0 are being written: evicting it does not recycle it yet.
  const a = r.cachedBlock(0, 0, 16)!;
  const b = r.cachedBlock(0, 16, 16)!;
  r.hold(a);
  r.hold(b);
  r.insert(2, p2); // evicts piece 1 (piece 0 was used more recently): nothing holds it
  assert.deepEqual(recycled, [p1]);
  r.insert(3, p3); // evicts piece 0, still held
  assert.equal(recycled.length, 1);
  r.release(a);
  assert.equal(recycled.length, 1, 'one block still held');
  r.release(b);
  assert.equal(recycled.length, 2);
  assert.equal(recycled[1].buffer, p0.buffer);
  assert.equal(recycled[1].length, 40);

  // A piece handed out whole may be kept by its caller: never recycled.
  const whole = await r.piece(2);
  assert.equal(whole, p2);
  r.insert(0, new Uint8Array(40));
  r.insert(1, new Uint8Array(40)); // evicts 2 and 3
  assert.equal(recycled.length, 3, 'only piece 3 came back');
  assert.equal(recycled[2], p3);

  // Holding and releasing a block of an unevicted piece recycles nothing; clear() retires all.
  const c = r.cachedBlock(0, 0, 8)!;
  r.hold(c);
  r.release(c);
  assert.equal(recycled.length, 3);
  r.clear();
  assert.equal(recycled.length, 5);

  // Pieces handed out whole after a read from storage are not the reader's to recycle.
  await r.piece(4);
  const x = new Uint8Array(40);
  r.insert(0, x);
  r.insert(1, new Uint8Array(40)); // evicts piece 4, read from storage
  assert.equal(recycled.length, 5);
  r.insert(2, new Uint8Array(40)); // evicts x
  assert.equal(recycled.length, 6);
  assert.equal(recycled[5], x);
  assert.equal(storage.reads, 1);
});

test('pieces read ahead are reused once evicted, for the downloader or for the next reads', async () => {
  const content = Uint8Array.from({ length: 200 }, (_, i) => i);
  const reads: Array<Uint8Array | undefined> = [];
  class IntoStorage extends MemoryStorage {
    override read(offset: number, length: number, options?: { into?: Uint8Array }) {
      reads.push(options?.into);
      return super.read(offset, length, options);
    }
  }
  const storage = new IntoStorage([{ path: ['f'], length: 200, offset: 0 }]);
  await storage.write(0, content);
  let downloaderWants = false;
  const recycled: Uint8Array[] = [];
  const r = new PieceReader(
    { storage, hasher: pool },
    { pieceLength: 40, totalLength: 200, cacheBytes: 40, recycle: (b) => downloaderWants && recycled.push(b) > 0 },
  );
  const settle = () => new Promise((res) => setImmediate(res));
  r.prefetch(0);
  await settle();
  const first = r.cachedBlock(0, 0, 40)!;
  assert.deepEqual([...first.subarray(0, 3)], [0, 1, 2]);
  r.prefetch(1); // evicts piece 0: nothing holds it and the downloader declines, so it is kept
  await settle();
  r.prefetch(2); // read into piece 0's old buffer; evicts piece 1
  await settle();
  assert.equal(reads[2]?.buffer, first.buffer, "the third read reuses the first piece's buffer");
  assert.deepEqual([...r.cachedBlock(2, 0, 3)!], [80, 81, 82], 'and its bytes are the new piece');

  // A read someone waits for through piece() is theirs: never reused, even if it was read ahead.
  r.prefetch(3);
  const mine = r.piece(3);
  const data = await mine;
  await settle();
  downloaderWants = true;
  r.prefetch(4); // evicts piece 3
  await settle();
  assert.equal(recycled.length, 0, 'piece 3 was handed out');
  assert.deepEqual([...data.subarray(0, 2)], [120, 121]);
  r.clear(); // piece 4, read ahead, goes to the downloader
  assert.equal(recycled.length, 1);
  assert.deepEqual([...recycled[0].subarray(0, 2)], [160, 161]);
});

test('heldBlock: a block read from storage is held from the read on, so its eviction waits for the release', async () => {
  const storage = new CountingStorage([{ path: ['f'], length: 120, offset: 0 }]);
  await storage.write(0, Uint8Array.from({ length: 120 }, (_, i) => i));
  const recycled: Uint8Array[] = [];
  const r = new PieceReader({ storage, hasher: pool }, { pieceLength: 40, totalLength: 120, cacheBytes: 40, recycle: (b) => (recycled.push(b), true) });
  // Two callers wait for the same read; a third piece's read evicts it before either releases.
  const [a, b] = await Promise.all([r.heldBlock(0, 0, 8), r.heldBlock(0, 8, 8)]);
  assert.equal(storage.reads, 1);
  assert.deepEqual([...b.subarray(0, 2)], [8, 9]);
  await r.heldBlock(1, 0, 8).then((c) => r.release(c)); // evicts piece 0, still held twice
  assert.equal(recycled.length, 0);
  r.release(a);
  assert.equal(recycled.length, 0);
  r.release(b);
  assert.equal(recycled.length, 1);
  assert.equal(recycled[0].buffer, a.buffer);
  // From the cache: held at once, like cachedBlock + hold.
  const c = await r.heldBlock(1, 8, 8);
  r.insert(2, new Uint8Array(40)); // evicts piece 1
  assert.equal(recycled.length, 1);
  r.release(c);
  assert.equal(recycled.length, 2);
  await assert.rejects(r.heldBlock(1, 35, 10), (e: Error & { code?: string }) => e.code === 'BT_ERR_PIECE_RANGE');
});
