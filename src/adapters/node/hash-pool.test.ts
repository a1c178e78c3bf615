import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance as nodePerformance } from 'node:perf_hooks';
import { test } from 'node:test';
import { tempDir } from '../../../test/helpers/tools.js';
import { pieceLayerFromLeaves } from '../../codecs/metainfo/merkle.js';
import { toHex } from '../../util/bytes.js';
import { isTorrentkitError } from '../../util/errors.js';
import { HashPool } from './hash-pool.js';

function blocks(data: Uint8Array, size: number, algorithm: 'sha1' | 'sha256'): string {
  let out = '';
  for (let i = 0; i < data.length; i += size) out += createHash(algorithm).update(data.subarray(i, i + size)).digest('hex');
  return out;
}

test('hashRanges reads files and zeros as one stream and serves several outputs from one read', async (t) => {
  const dir = tempDir(t);
  const a = randomBytes(100_003);
  const b = randomBytes(40_000);
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  // A small read buffer so blocks straddle reads and segments.
  const pool = new HashPool({ threads: 2, readSize: 4096 + 17 });
  t.after(() => pool.close());
  const zeros = new Uint8Array(7_000);
  const stream = Buffer.concat([a.subarray(5), zeros, b]);
  let progress = 0;
  const [pieces, leaves, head] = await pool.hashRanges(
    {
      segments: [
        { kind: 'file', path: join(dir, 'a'), offset: 5, length: a.length - 5 },
        { kind: 'zeros', length: zeros.length },
        { kind: 'file', path: join(dir, 'b'), offset: 0, length: b.length },
      ],
      outputs: [
        { algorithm: 'sha1', blockSize: 32_768 },
        { algorithm: 'sha256', blockSize: 16_384 },
        { algorithm: 'sha256', blockSize: 16_384, length: 20_000 },
      ],
    },
    { onProgress: (n) => (progress += n) },
  );
  assert.equal(toHex(pieces), blocks(stream, 32_768, 'sha1'));
  assert.equal(toHex(leaves), blocks(stream, 16_384, 'sha256'));
  assert.equal(toHex(head), blocks(stream.subarray(0, 20_000), 16_384, 'sha256'));
  assert.equal(progress, stream.length);
});

test('hashBuffer hashes whole or in blocks, with and without transfer', async (t) => {
  const pool = new HashPool({ threads: 1, inlineBytes: 0 });
  t.after(() => pool.close());
  const data = randomBytes(50_000);
  const whole = await pool.hashBuffer(new Uint8Array(data), { algorithm: 'sha1' });
  assert.equal(toHex(whole), createHash('sha1').update(data).digest('hex'));
  const copy = new Uint8Array(data);
  const leaves = await pool.hashBuffer(copy, { algorithm: 'sha256', blockSize: 16_384 }, { transfer: true });
  assert.equal(copy.byteLength, 0, 'the buffer was transferred');
  assert.equal(toHex(leaves), blocks(data, 16_384, 'sha256'));
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pool.hashBuffer(Uint8Array.of(i), { algorithm: 'sha1' })));
  results.forEach((r, i) => assert.equal(toHex(r), createHash('sha1').update(Uint8Array.of(i)).digest('hex')));
});

test('small buffers are hashed on the calling thread, with the same results and abort rules', async (t) => {
  const pool = new HashPool({ threads: 1, inlineBytes: 64 * 1024 });
  t.after(() => pool.close());
  const data = randomBytes(50_000);
  let progress = 0;
  const whole = await pool.hashBuffer(data, { algorithm: 'sha1' }, { onProgress: (n) => (progress += n) });
  assert.equal(toHex(whole), createHash('sha1').update(data).digest('hex'));
  assert.equal(progress, data.length);
  const leaves = await pool.hashBuffer(data, { algorithm: 'sha256', blockSize: 16_384 });
  assert.equal(toHex(leaves), blocks(data, 16_384, 'sha256'));
  const big = randomBytes(100_000);
  assert.equal(toHex(await pool.hashBuffer(big, { algorithm: 'sha1' })), createHash('sha1').update(big).digest('hex'), 'a bigger buffer goes to a worker');
  await assert.rejects(pool.hashBuffer(data, { algorithm: 'sha1' }, { signal: AbortSignal.abort() }), (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
  await pool.close();
  await assert.rejects(pool.hashBuffer(data, { algorithm: 'sha1' }), (e) => isTorrentkitError(e, 'BT_ERR_HASHER_CLOSED'));
});

test('missing and shrunken files fail with typed errors', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'short'), randomBytes(10));
  const pool = new HashPool({ threads: 1 });
  t.after(() => pool.close());
  const outputs = [{ algorithm: 'sha1' as const, blockSize: 16 }];
  await assert.rejects(pool.hashRanges({ segments: [{ kind: 'file', path: join(dir, 'nope'), offset: 0, length: 4 }], outputs }), (e) =>
    isTorrentkitError(e, 'BT_ERR_HASH_READ'),
  );
  await assert.rejects(pool.hashRanges({ segments: [{ kind: 'file', path: join(dir, 'short'), offset: 0, length: 11 }], outputs }), (e) =>
    isTorrentkitError(e, 'BT_ERR_HASH_SHORT_READ'),
  );
});

test('abort rejects queued and running jobs; close rejects what is left; the pool stays usable after aborts', async (t) => {
  const pool = new HashPool({ threads: 1, readSize: 1024 });
  const controller = new AbortController();
  const big = { segments: [{ kind: 'zeros' as const, length: 2 ** 40 }], outputs: [{ algorithm: 'sha1' as const, blockSize: 1 << 20 }] };
  const running = pool.hashRanges(big, { signal: controller.signal });
  const queued = pool.hashRanges(big, { signal: controller.signal });
  controller.abort();
  await assert.rejects(running, (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
  await assert.rejects(queued, (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
  await assert.rejects(pool.hashBuffer(new Uint8Array(1), { algorithm: 'sha1' }, { signal: AbortSignal.abort() }), (e) =>
    isTorrentkitError(e, 'BT_ERR_ABORTED'),
  );
  const ok = await pool.hashBuffer(new Uint8Array(0), { algorithm: 'sha1' });
  assert.equal(toHex(ok), createHash('sha1').digest('hex'));
  const pending = assert.rejects(pool.hashRanges(big), (e) => isTorrentkitError(e, 'BT_ERR_HASHER_CLOSED'));
  await pool.close();
  await pending;
  await assert.rejects(pool.hashBuffer(new Uint8Array(1), { algorithm: 'sha1' }), (e) => isTorrentkitError(e, 'BT_ERR_HASHER_CLOSED'));
  t.diagnostic('pool closed');
});

test('merkleLeaves folds SHA-256 leaves into BEP 52 subtree roots, the last padded with zero leaves', async (t) => {
  const dir = tempDir(t);
  const pool = new HashPool({ threads: 1, readSize: 5000 });
  t.after(() => pool.close());
  for (const [length, perPiece] of [[16_384 * 9 + 100, 4], [16_384 * 8, 8], [16_384 * 3, 2], [700, 2], [16_384 * 5, 1]] as const) {
    const data = randomBytes(length);
    writeFileSync(join(dir, 'f'), data);
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < length; i += 16_384) leaves.push(createHash('sha256').update(data.subarray(i, i + 16_384)).digest());
    const expected = toHex(Buffer.concat(pieceLayerFromLeaves(leaves, perPiece * 16_384)));
    const [layer] = await pool.hashRanges({
      segments: [{ kind: 'file', path: join(dir, 'f'), offset: 0, length }],
      outputs: [{ algorithm: 'sha256', blockSize: 16_384, merkleLeaves: perPiece }],
    });
    assert.equal(toHex(layer), expected, `${length} bytes, ${perPiece} leaves per root`);
    const fromBuffer = await pool.hashBuffer(new Uint8Array(data), { algorithm: 'sha256', blockSize: 16_384, merkleLeaves: perPiece });
    assert.equal(toHex(fromBuffer), expected);
  }
  await assert.rejects(
    async () => pool.hashRanges({ segments: [{ kind: 'zeros', length: 1 }], outputs: [{ algorithm: 'sha1', blockSize: 16_384, merkleLeaves: 2 }] }),
    (e) => isTorrentkitError(e, 'BT_ERR_HASHER_OPTIONS'),
  );
});

test('outputs may start at an offset into the stream', async (t) => {
  const dir = tempDir(t);
  const data = randomBytes(70_000);
  writeFileSync(join(dir, 'f'), data);
  const pool = new HashPool({ threads: 1, readSize: 3000 });
  t.after(() => pool.close());
  const outs = await pool.hashRanges({
    segments: [{ kind: 'file', path: join(dir, 'f'), offset: 0, length: data.length }, { kind: 'zeros', length: 5 }],
    outputs: [
      { algorithm: 'sha256', blockSize: 16_384, offset: 0, length: 1_000 },
      { algorithm: 'sha256', blockSize: 16_384, offset: 1_000, length: 40_000 },
      { algorithm: 'sha1', blockSize: 32_768, offset: 41_000 },
      { algorithm: 'sha1', blockSize: 10, offset: 70_005 },
    ],
  });
  const stream = Buffer.concat([data, new Uint8Array(5)]);
  assert.equal(toHex(outs[0]), blocks(stream.subarray(0, 1_000), 16_384, 'sha256'));
  assert.equal(toHex(outs[1]), blocks(stream.subarray(1_000, 41_000), 16_384, 'sha256'));
  assert.equal(toHex(outs[2]), blocks(stream.subarray(41_000), 32_768, 'sha1'));
  assert.equal(outs[3].length, 0);
});

test('start() boots the workers ahead of the first job; close() is shared by every caller', async () => {
  const pool = new HashPool({ threads: 2, inlineBytes: 0 });
  pool.start();
  pool.start(); // idempotent
  const data = randomBytes(70_000);
  const digest = await pool.hashBuffer(new Uint8Array(data), { algorithm: 'sha1' });
  assert.equal(toHex(digest), createHash('sha1').update(data).digest('hex'));
  const first = pool.close();
  assert.equal(pool.close(), first, 'a second close() returns the same promise');
  await first;
  pool.start(); // no workers after close
  await assert.rejects(pool.hashBuffer(new Uint8Array(1), { algorithm: 'sha1' }), (e) => isTorrentkitError(e, 'BT_ERR_HASHER_CLOSED'));
});

test('a worker holds the next job while it runs one; aborting the held job leaves the others intact', async (t) => {
  const dir = tempDir(t);
  const data = randomBytes(300_000);
  writeFileSync(join(dir, 'f'), data);
  const pool = new HashPool({ threads: 1, readSize: 4096, inlineBytes: 0 });
  t.after(() => pool.close());
  const job = { segments: [{ kind: 'file' as const, path: join(dir, 'f'), offset: 0, length: data.length }], outputs: [{ algorithm: 'sha1' as const, blockSize: 65_536 }] };
  const controller = new AbortController();
  const first = pool.hashRanges(job);
  const second = pool.hashRanges(job, { signal: controller.signal }); // held by the worker
  const third = pool.hashRanges(job); // queued here until a lane frees
  controller.abort();
  await assert.rejects(second, (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
  const expected = blocks(data, 65_536, 'sha1');
  assert.equal(toHex((await first)[0]), expected);
  assert.equal(toHex((await third)[0]), expected);
  // Many jobs through one worker, every result in its place.
  const many = await Promise.all(Array.from({ length: 9 }, (_, i) => pool.hashBuffer(data.subarray(i * 1000, i * 1000 + 5000), { algorithm: 'sha256' })));
  many.forEach((d, i) => assert.equal(toHex(d), createHash('sha256').update(data.subarray(i * 1000, i * 1000 + 5000)).digest('hex')));
});

test('creating a torrent hashes on the workers: the event loop stays mostly idle', async (t) => {
  const dir = tempDir(t);
  const data = randomBytes(48 * 1024 * 1024);
  writeFileSync(join(dir, 'big.bin'), data);
  const pool = new HashPool({ threads: 2 });
  t.after(() => pool.close());
  const { createTorrent } = await import('../../engines/create/create.js');
  const { NodeContentSource } = await import('./content-source.js');
  // Hashing 48 MiB on the calling thread would keep its loop busy nearly all the time; on the
  // workers the loop only plans jobs and collects digests.
  const before = nodePerformance.eventLoopUtilization();
  const r = await createTorrent({ input: 'big.bin', pieceLength: 256 * 1024 }, { source: new NodeContentSource({ cwd: dir }), hasher: pool });
  const elu = nodePerformance.eventLoopUtilization(before);
  const { parseMetainfo } = await import('../../codecs/metainfo/index.js');
  const meta = parseMetainfo(r.torrent);
  assert.equal(meta.pieceCount, 192);
  assert.equal(toHex(meta.pieces!.subarray(20, 40)), createHash('sha1').update(data.subarray(256 * 1024, 512 * 1024)).digest('hex'));
  assert.ok(elu.utilization < 0.5, `event loop busy ${(elu.utilization * 100).toFixed(0)}% of the time`);
});
