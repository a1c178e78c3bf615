import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryPair } from '../../../adapters/testing/memory-stream.js';
import { SeededRng } from '../../../adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../../adapters/testing/virtual-clock.js';
import { decodeMetadataMessage, encodeMetadataMessage, METADATA_PIECE_SIZE, UT_METADATA } from '../../../codecs/wire/index.js';
import type { TorrentkitError } from '../../../util/errors.js';
import { sha1, sha256 } from '../../../util/sha.js';
import type { InfoHash, PeerId } from '../../../util/units.js';
import { Wire } from '../../wire/index.js';
import { MetadataFetcher, type MetadataPeer } from './metadata-fetcher.js';
import { UtMetadataExtension } from './ut-metadata.js';

const hash = async (data: Uint8Array, alg: 'sha1' | 'sha256') => (alg === 'sha1' ? sha1(data) : sha256(data));
const tick = () => new Promise((r) => setImmediate(r));

class FakePeer implements MetadataPeer {
  requests: number[] = [];
  dropped: TorrentkitError | undefined;
  constructor(readonly key: string) {}
  request(piece: number): boolean {
    this.requests.push(piece);
    return true;
  }
  drop(reason: TorrentkitError): void {
    this.dropped = reason;
  }
}

function pieceOf(info: Uint8Array, i: number): Uint8Array {
  return info.subarray(i * METADATA_PIECE_SIZE, (i + 1) * METADATA_PIECE_SIZE);
}

/** Answers every request the peer received so far from `info` (or `lie` for some pieces). */
function answer(f: MetadataFetcher, p: FakePeer, info: Uint8Array, lie?: (piece: number, data: Uint8Array) => Uint8Array): void {
  const reqs = p.requests.splice(0);
  for (const piece of reqs) {
    const data = pieceOf(info, piece);
    f.onData(p, piece, info.length, lie ? lie(piece, data) : data);
  }
}

function setup(info: Uint8Array, opts: { v2?: boolean; maxSize?: number } = {}) {
  const clock = new VirtualClock();
  const f = new MetadataFetcher(
    { clock, hash },
    opts.v2 ? { infoHashV2: sha256(info), maxSize: opts.maxSize, requestTimeoutMs: 5_000 } : { infoHash: sha1(info), maxSize: opts.maxSize, requestTimeoutMs: 5_000 },
  );
  const got: Uint8Array[] = [];
  const rejected: [string, string][] = [];
  f.on('metadata', (m) => got.push(m));
  f.on('peerRejected', (p, r) => rejected.push([p.key, r.code]));
  return { clock, f, got, rejected };
}

test('pieces are spread over several peers and the verified dictionary is emitted once', async () => {
  const info = new SeededRng(1).bytes(11 * METADATA_PIECE_SIZE + 77);
  const { f, got } = setup(info);
  const peers = [new FakePeer('a'), new FakePeer('b'), new FakePeer('c')];
  for (const p of peers) f.addPeer(p, info.length);
  assert.ok(peers.every((p) => p.requests.length > 0), 'every peer is asked for something');
  assert.equal(new Set(peers.flatMap((p) => p.requests)).size, 12, 'twelve distinct pieces requested');
  for (let i = 0; i < 3; i++) for (const p of peers) answer(f, p, info);
  await tick();
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], info);
  assert.equal(f.finished, true);
});

test('a v2 (btmh) link is verified with SHA-256', async () => {
  const info = new SeededRng(2).bytes(20_000);
  const { f, got } = setup(info, { v2: true });
  const p = new FakePeer('a');
  f.addPeer(p, info.length);
  answer(f, p, info);
  await tick();
  assert.deepEqual(got[0], info);
});

test('a peer announcing oversized metadata is dropped and others are used', async () => {
  const info = new SeededRng(3).bytes(30_000);
  const { f, got, rejected } = setup(info, { maxSize: 1024 * 1024 });
  const big = new FakePeer('big');
  f.addPeer(big, 2 * 1024 * 1024);
  assert.equal(big.dropped?.code, 'BT_ERR_METADATA_TOO_LARGE');
  assert.equal(big.requests.length, 0, 'nothing asked of it');
  const ok = new FakePeer('ok');
  f.addPeer(ok, info.length);
  answer(f, ok, info);
  await tick();
  assert.deepEqual(got[0], info);
  assert.deepEqual(rejected, [['big', 'BT_ERR_METADATA_TOO_LARGE']]);
});

test('a peer whose whole copy fails the hash check is dropped; another peer completes it', async () => {
  const info = new SeededRng(4).bytes(3 * METADATA_PIECE_SIZE);
  const { f, got, rejected } = setup(info);
  const liar = new FakePeer('liar');
  f.addPeer(liar, info.length);
  answer(f, liar, info, (piece, d) => (piece === 1 ? d.map((b) => b ^ 1) : d));
  await tick();
  assert.equal(liar.dropped?.code, 'BT_ERR_METADATA_HASH_MISMATCH');
  assert.equal(got.length, 0);
  const honest = new FakePeer('honest');
  f.addPeer(honest, info.length);
  answer(f, honest, info);
  await tick();
  assert.deepEqual(got[0], info);
  assert.deepEqual(rejected, [['liar', 'BT_ERR_METADATA_HASH_MISMATCH']]);
});

test('a liar among several peers is found: one peer at a time after a failed mixed copy', async () => {
  const info = new SeededRng(5).bytes(8 * METADATA_PIECE_SIZE);
  const { f, got, rejected } = setup(info);
  const honest = new FakePeer('honest');
  const liar = new FakePeer('liar');
  f.addPeer(honest, info.length);
  f.addPeer(liar, info.length);
  const corrupt = (_piece: number, d: Uint8Array) => d.map((b) => b ^ 0xff);
  for (let round = 0; round < 6 && got.length === 0; round++) {
    answer(f, honest, info);
    answer(f, liar, info, corrupt);
    await tick();
  }
  assert.deepEqual(got[0], info);
  assert.equal(liar.dropped?.code, 'BT_ERR_METADATA_HASH_MISMATCH');
  assert.equal(honest.dropped, undefined);
  assert.deepEqual(rejected.map(([k]) => k), ['liar']);
});

test('data with another total_size drops the sender; rejects and timeouts move a piece to another peer', async () => {
  const info = new SeededRng(6).bytes(2 * METADATA_PIECE_SIZE);
  const { clock, f, got } = setup(info);
  const a = new FakePeer('a');
  f.addPeer(a, info.length);
  assert.deepEqual(a.requests, [0, 1]);
  f.onData(a, 0, info.length + 1, new Uint8Array(METADATA_PIECE_SIZE));
  assert.equal(a.dropped?.code, 'BT_ERR_METADATA_SIZE_MISMATCH');
  const b = new FakePeer('b');
  const c = new FakePeer('c');
  f.addPeer(b, info.length);
  assert.deepEqual(b.requests, [0, 1]);
  f.onReject(b, 0);
  f.addPeer(c, info.length);
  assert.deepEqual(c.requests, [0], 'the rejected piece goes to the new peer');
  f.onData(b, 1, info.length, pieceOf(info, 1));
  // c never answers: after the timeout piece 0 cannot go back to b (it rejected it) nor to c.
  clock.advance(6_000);
  assert.deepEqual(c.requests, [0]);
  const d = new FakePeer('d');
  f.addPeer(d, info.length);
  assert.deepEqual(d.requests, [0]);
  // A late answer from c is ignored (no longer requested from it).
  f.onData(c, 0, info.length, new Uint8Array(METADATA_PIECE_SIZE));
  answer(f, d, info);
  await tick();
  assert.deepEqual(got[0], info);
  f.close();
});

test('over two wires in memory: served in 16 KiB pieces with metadata_size, requests past the end rejected', async () => {
  const rng = new SeededRng(7);
  const info = rng.bytes(40 * 1024 + 5);
  const infoHash = sha1(info) as InfoHash;
  const clock = new VirtualClock();
  const [ca, cb] = createMemoryPair({ clock, link: { latencyMs: 10, bytesPerSecond: 2_000_000 } });
  const leecher = new Wire(ca, { clock }, { direction: 'outgoing', peerId: rng.bytes(20) as PeerId, infoHash });
  const seeder = new Wire(cb, { clock }, { direction: 'incoming', peerId: rng.bytes(20) as PeerId, acceptInfoHash: () => true });
  const fetcher = new MetadataFetcher({ clock, hash }, { infoHash });
  const got: Uint8Array[] = [];
  fetcher.on('metadata', (m) => got.push(m));
  const ext = leecher.use((w) => new UtMetadataExtension(w, 'seeder', { fetcher, now: () => clock.now() }));
  seeder.on('handshake', () => seeder.use((w) => new UtMetadataExtension(w, 'leecher', { metadata: () => info, now: () => clock.now() })));
  leecher.start();
  seeder.start();
  for (let i = 0; i < 20 && got.length === 0; i++) {
    clock.advance(100);
    await tick();
  }
  assert.equal(leecher.remoteExtended?.metadataSize, info.length);
  assert.deepEqual(got[0], info);
  // A request past the end is answered with a reject.
  const replies: string[] = [];
  const orig = ext.onMessage.bind(ext);
  ext.onMessage = (payload) => {
    replies.push(decodeMetadataMessage(payload).type);
    orig(payload);
  };
  leecher.sendExtended(UT_METADATA, encodeMetadataMessage({ type: 'request', piece: 3 }));
  clock.advance(100);
  await tick();
  assert.deepEqual(replies, ['reject']);
  assert.equal(leecher.closed ?? false, false);
  leecher.destroy('local');
  seeder.destroy('local');
  fetcher.close();
});
