/** Torrents from build.ts read back by our parser (strict mode): every field survives. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../../util/bytes.js';
import { sha1, sha256 } from '../../util/sha.js';
import { buildTorrent, type FileMerkle } from './build.js';
import { BLOCK_SIZE, pieceLayerFromLeaves, rootFromLeaves, rootFromPieceLayer } from './merkle.js';
import { parseMetainfo } from './parse.js';
import { planTorrent, type SourceFile, type TorrentPlan, type TorrentVersion } from './plan.js';

const P = 16 * 1024;

function data(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Hashes a plan's content directly (no engine): v1 pieces over the padded stream, v2 trees per file. */
function hashes(plan: TorrentPlan, content: Map<string, Uint8Array>) {
  let pieces: Uint8Array | undefined;
  if (plan.version !== 'v2') {
    const stream = new Uint8Array(plan.v1Length);
    for (const f of plan.v1Files) if (f.source >= 0) stream.set(content.get(f.path.join('/'))!, f.offset);
    pieces = new Uint8Array(plan.pieceCount * 20);
    for (let i = 0; i < plan.pieceCount; i++) pieces.set(sha1(stream.subarray(i * P, (i + 1) * P)), i * 20);
  }
  const files = plan.version === 'v1' ? undefined : plan.files.map((f): FileMerkle | undefined => {
    if (f.length === 0) return undefined;
    const bytes = content.get(f.path.join('/'))!;
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += BLOCK_SIZE) leaves.push(sha256(bytes.subarray(i, i + BLOCK_SIZE)));
    if (f.length <= P) return { root: rootFromLeaves(leaves) };
    const layer = pieceLayerFromLeaves(leaves, P);
    return { root: rootFromPieceLayer(layer, P), layer: new Uint8Array(layer.flatMap((h) => [...h])) };
  });
  return { pieces, files };
}

const FILES: SourceFile[] = [
  { path: ['docs', 'readme.txt'], length: 1_234 },
  { path: ['docs', 'empty'], length: 0 },
  { path: ['video', 'clip.mkv'], length: 3 * P + 5 },
  { path: ['exact.bin'], length: 2 * P },
  { path: ['ünïcode ✓.txt'], length: 77 },
];

for (const version of ['v1', 'v2', 'hybrid'] as TorrentVersion[]) {
  test(`${version} torrents round-trip through the metainfo parser`, () => {
    const content = new Map(FILES.map((f, i) => [f.path.join('/'), data(f.length, i + 1)]));
    const plan = planTorrent(FILES, { version, pieceLength: P });
    const built = buildTorrent(
      plan,
      {
        name: 'round trip',
        announce: [['http://a/announce', 'http://b/announce'], ['udp://c:6969/announce']],
        urlList: ['http://seed/one/', 'http://seed/two/'],
        private: true,
        source: 'TK',
        comment: 'a comment',
        createdBy: 'torrentkit',
        creationDate: 1_700_000_123,
      },
      hashes(plan, content),
    );
    const meta = parseMetainfo(built.torrent, { strict: true });
    assert.equal(meta.version, version);
    assert.equal(meta.name, 'round trip');
    assert.equal(meta.infoHash && toHex(meta.infoHash), built.infoHash && toHex(built.infoHash));
    assert.equal(meta.infoHashV2 && toHex(meta.infoHashV2), built.infoHashV2 && toHex(built.infoHashV2));
    assert.equal(meta.pieceLength, P);
    assert.deepEqual(meta.announce, [['http://a/announce', 'http://b/announce'], ['udp://c:6969/announce']]);
    assert.deepEqual(meta.urlList, ['http://seed/one/', 'http://seed/two/']);
    assert.equal(meta.private, true);
    assert.equal(meta.source, 'TK');
    assert.equal(meta.comment, 'a comment');
    assert.equal(meta.createdBy, 'torrentkit');
    assert.equal(meta.creationDate, 1_700_000_123);
    const real = meta.files.filter((f) => !f.pad);
    assert.deepEqual(
      real.map((f) => [f.path.slice(1).join('/'), f.length]),
      plan.files.map((f) => [f.path.join('/'), f.length]),
    );
    assert.equal(meta.contentLength, plan.totalLength);
    if (version !== 'v2') {
      assert.equal(meta.pieceCount, plan.pieceCount);
      assert.deepEqual(meta.files.map((f) => [f.offset, f.length]), plan.v1Files.map((f) => [f.offset, f.length]));
    }
    if (version !== 'v1') {
      // The parser validated every piece layer against its pieces root; check the roots too.
      const h = hashes(plan, content).files!;
      for (const [i, f] of real.entries()) assert.equal(f.piecesRoot && toHex(f.piecesRoot), h[i] && toHex(h[i]!.root), f.path.join('/'));
      assert.equal(meta.pieceLayers?.size, 2, 'two files are larger than a piece');
    }
  });
}

test('a single-file torrent round-trips in each version', () => {
  for (const version of ['v1', 'v2', 'hybrid'] as TorrentVersion[]) {
    const file = { path: ['movie.mkv'], length: 5 * P + 1 };
    const content = new Map([['movie.mkv', data(file.length, 9)]]);
    const plan = planTorrent([file], { version, pieceLength: P, singleFile: true });
    const built = buildTorrent(plan, { name: 'movie.mkv' }, hashes(plan, content));
    const meta = parseMetainfo(built.torrent, { strict: true });
    assert.equal(meta.multiFile, false, version);
    assert.deepEqual(meta.files.filter((f) => !f.pad).map((f) => [f.path, f.length]), [[['movie.mkv'], file.length]]);
  }
});
