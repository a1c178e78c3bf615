import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { decode } from '../../codecs/bencode/decode.js';
import type { BDict } from '../../codecs/bencode/types.js';
import { BLOCK_SIZE, pieceLayerFromLeaves, rootFromLeaves } from '../../codecs/metainfo/merkle.js';
import type { ContentFile, ContentSource } from '../../ports/content-source.js';
import type { Hasher, RangeJob } from '../../ports/hasher.js';
import { toHex, utf8Decode } from '../../util/bytes.js';
import { isTorrentkitError, throwIfAborted, TorrentkitError } from '../../util/errors.js';
import { type CreateProgress, createTorrent } from './create.js';

/** Content held in memory; `location` is the key. */
function memorySource(files: Record<string, Uint8Array>, singleFile = false): ContentSource & { data: Map<string, Uint8Array> } {
  const data = new Map(Object.entries(files));
  return {
    data,
    async list() {
      const list: ContentFile[] = [...data].map(([p, b]) => ({ path: p.split('/'), length: b.length, location: p }));
      return { name: singleFile ? list[0].path[0] : 'root', singleFile, files: list };
    },
  };
}

/** A Hasher that hashes in the calling thread from memory and records the jobs it got. */
function memoryHasher(data: Map<string, Uint8Array>): Hasher & { jobs: RangeJob[] } {
  const jobs: RangeJob[] = [];
  return {
    jobs,
    concurrency: 2,
    async hashBuffer() {
      throw new Error('unused');
    },
    async hashRanges(job, options = {}) {
      throwIfAborted(options.signal);
      jobs.push(job);
      await new Promise((r) => setImmediate(r));
      const parts = job.segments.map((s) => (s.kind === 'zeros' ? new Uint8Array(s.length) : data.get(s.path)!.subarray(s.offset, s.offset + s.length)));
      const stream = Buffer.concat(parts);
      options.onProgress?.(stream.length);
      return job.outputs.map((o) => {
        const from = o.offset ?? 0;
        const covered = stream.subarray(from, o.length === undefined ? stream.length : from + o.length);
        const digests: Uint8Array[] = [];
        for (let i = 0; i * o.blockSize < covered.length; i++) {
          digests.push(createHash(o.algorithm).update(covered.subarray(i * o.blockSize, (i + 1) * o.blockSize)).digest());
        }
        const folded = o.merkleLeaves ? pieceLayerFromLeaves(digests, o.merkleLeaves * BLOCK_SIZE) : digests;
        return new Uint8Array(Buffer.concat(folded));
      });
    },
    async close() {},
  };
}

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff);
}

const P = 32 * 1024;
const files = { 'b/x': bytes(5 * P + 123, 1), a: bytes(100, 2), 'b/empty': new Uint8Array(0), c: bytes(2 * P, 3) };

test('v1 pieces are the SHA-1 of the mktorrent-ordered stream, whatever the job size', async () => {
  const source = memorySource(files);
  const stream = Buffer.concat([files.a, files['b/empty'], files['b/x'], files.c]);
  const expected: string[] = [];
  for (let i = 0; i < stream.length; i += P) expected.push(createHash('sha1').update(stream.subarray(i, i + P)).digest('hex'));
  for (const jobBytes of [1, 3 * P, 1 << 30]) {
    const hasher = memoryHasher(source.data);
    const progress: CreateProgress[] = [];
    const r = await createTorrent({ input: 'root', pieceLength: P }, { source, hasher }, { jobBytes, onProgress: (p) => progress.push(p) });
    const info = (decode(r.torrent) as BDict).info as BDict;
    assert.equal(toHex(info.pieces as Uint8Array), expected.join(''));
    assert.equal(hasher.jobs.length, jobBytes === 1 ? 8 : jobBytes === 3 * P ? 3 : 1);
    assert.equal(progress.at(-1)!.phase, 'done');
    assert.equal(progress.at(-1)!.hashedBytes, stream.length);
    assert.equal(r.name, 'root');
  }
});

test('v2 and hybrid roots and layers equal a direct computation; hybrid jobs hash pads with the file', async () => {
  const source = memorySource(files);
  const hasher = memoryHasher(source.data);
  const r = await createTorrent({ input: 'root', pieceLength: P, version: 'hybrid', name: 'named' }, { source, hasher }, { jobBytes: 2 * P });
  const t = decode(r.torrent) as BDict;
  const info = t.info as BDict;
  assert.equal(utf8Decode(info.name as Uint8Array), 'named');
  const x = files['b/x'];
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < x.length; i += BLOCK_SIZE) leaves.push(createHash('sha256').update(x.subarray(i, i + BLOCK_SIZE)).digest());
  const entry = (((info['file tree'] as BDict).b as BDict).x as BDict)[''] as BDict;
  assert.equal(toHex(entry['pieces root'] as Uint8Array), toHex(rootFromLeaves(leaves)));
  const layer = (t['piece layers'] as BDict)[String.fromCharCode(...(entry['pieces root'] as Uint8Array))] as Uint8Array;
  assert.equal(layer.length, 6 * 32);
  // v1 side: every file starts on a piece boundary; b/x's last piece includes its pad.
  const padded = Buffer.concat([x, new Uint8Array(P - 123)]);
  const pieces = info.pieces as Uint8Array;
  const xFirstPiece = 1; // 'a' (padded) is piece 0, b/empty has no bytes
  assert.equal(toHex(pieces.subarray((xFirstPiece + 5) * 20, (xFirstPiece + 6) * 20)), createHash('sha1').update(padded.subarray(5 * P)).digest('hex'));
  assert.ok(hasher.jobs.some((j) => j.segments.length === 2 && j.segments[1].kind === 'zeros'));
  assert.equal(r.plan.pieceCount, 1 + 6 + 2);

  assert.deepEqual(Buffer.concat(r.chunks), Buffer.from(r.torrent));

  const v2 = await createTorrent({ input: 'root', pieceLength: P, version: 'v2' }, { source, hasher: memoryHasher(source.data) });
  const tree2 = ((decode(v2.torrent) as BDict).info as BDict)['file tree'] as BDict;
  assert.deepEqual(tree2, (info['file tree'] as BDict), 'v2 and hybrid share the file tree');
});

test('the torrent comes as chunks that list the info dictionary and piece layers as they are', async () => {
  const one = memorySource({ 'big.bin': bytes(80 * 16_384, 4) }, true);
  const r = await createTorrent({ input: 'big.bin', pieceLength: 16_384, version: 'hybrid' }, { source: one, hasher: memoryHasher(one.data) });
  assert.ok(r.info.length >= 80 * 20);
  assert.ok(r.chunks.includes(r.info), 'the encoded info dictionary is one of the chunks, not a copy');
  const t = decode(r.torrent) as BDict;
  const layer = Object.values(t['piece layers'] as BDict)[0] as Uint8Array;
  assert.equal(layer.length, 80 * 32);
  assert.ok(r.chunks.some((c) => c.length === layer.length && Buffer.compare(c, layer) === 0), 'the piece layer is a chunk of its own');
  assert.deepEqual(Buffer.concat(r.chunks), Buffer.from(r.torrent));
  assert.equal(r.torrent, r.torrent, 'joined once');
});

test('single files, empty content and abort', async () => {
  const one = memorySource({ 'movie.mkv': bytes(70_000, 9) }, true);
  const r = await createTorrent({ input: 'movie.mkv' }, { source: one, hasher: memoryHasher(one.data) });
  const info = (decode(r.torrent) as BDict).info as BDict;
  assert.equal(info.length, 70_000);
  assert.equal(r.plan.pieceLength, 16 * 1024, 'automatic piece length');
  const empty = memorySource({ 'a/b': new Uint8Array(0) });
  await assert.rejects(createTorrent({ input: 'x' }, { source: empty, hasher: memoryHasher(empty.data) }), (e) => isTorrentkitError(e, 'BT_ERR_CREATE_EMPTY'));
  const c = new AbortController();
  const source = memorySource(files);
  const pending = createTorrent({ input: 'root', pieceLength: P }, { source, hasher: memoryHasher(source.data) }, { signal: c.signal, jobBytes: 1 });
  c.abort();
  await assert.rejects(pending, (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
});

test('small files share jobs (one v2 output each) and give the same torrent as one job per file', async () => {
  const many: Record<string, Uint8Array> = {};
  for (let i = 0; i < 150; i++) many[`d${i % 3}/f${i}`] = bytes(100 + i * 517, i);
  many['big'] = bytes(3 * P + 7, 1000);
  const source = memorySource(many);
  for (const version of ['v2', 'hybrid'] as const) {
    const batched = memoryHasher(source.data);
    const a = await createTorrent({ input: 'root', pieceLength: P, version }, { source, hasher: batched });
    const single = memoryHasher(source.data);
    const b = await createTorrent({ input: 'root', pieceLength: P, version }, { source, hasher: single }, { jobBytes: 1 });
    assert.deepEqual(a.torrent, b.torrent, version);
    assert.ok(batched.jobs.length <= 4, `${version}: ${batched.jobs.length} jobs`);
    assert.ok(batched.jobs.every((j) => j.outputs.length <= 65));
    assert.ok(single.jobs.length >= 151);
  }
});

test('the first failed job is reported and cancels the jobs in flight', async () => {
  const source = memorySource(files);
  const inner = memoryHasher(source.data);
  const aborted: string[] = [];
  let calls = 0;
  const hasher: Hasher = {
    ...inner,
    async hashRanges(job, options = {}) {
      if (++calls === 2) throw new TorrentkitError('BT_ERR_HASH_SHORT_READ', 'file shrank');
      // The others wait until cancelled.
      await new Promise<void>((resolve) => options.signal?.addEventListener('abort', () => resolve(), { once: true }));
      aborted.push('x');
      throw new TorrentkitError('BT_ERR_ABORTED', 'aborted');
    },
  };
  await assert.rejects(
    createTorrent({ input: 'root', pieceLength: P }, { source, hasher }, { jobBytes: 1 }),
    (e) => isTorrentkitError(e, 'BT_ERR_HASH_SHORT_READ'),
  );
  assert.ok(aborted.length >= 1, 'jobs in flight were cancelled');
});
