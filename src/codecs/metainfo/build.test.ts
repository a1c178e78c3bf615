import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../bencode/decode.js';
import type { BDict } from '../bencode/types.js';
import { binaryToUtf8, toHex, utf8Decode, utf8ToBinary } from '../../util/bytes.js';
import { isTorrentkitError } from '../../util/errors.js';
import { sha1, sha256 } from '../../util/sha.js';
import { buildTorrent } from './build.js';
import { BLOCK_SIZE, rootFromLeaves, pieceLayerFromLeaves, rootFromPieceLayer } from './merkle.js';
import { planTorrent } from './plan.js';

const P = 32 * 1024;

/** Deterministic content and its hashes, computed here with the pure hash functions. */
function content(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return b;
}

function v1Pieces(stream: Uint8Array, pieceLength: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(stream.length / pieceLength) * 20);
  for (let i = 0; i * pieceLength < stream.length; i++) out.set(sha1(stream.subarray(i * pieceLength, (i + 1) * pieceLength)), i * 20);
  return out;
}

function leaves(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += BLOCK_SIZE) out.push(sha256(data.subarray(i, i + BLOCK_SIZE)));
  return out;
}

const keys = (d: BDict) => Object.keys(d);
const str = (v: unknown) => utf8Decode(v as Uint8Array);

test('a plain v1 torrent holds only the standard info keys (mktorrent compatible)', () => {
  const data = content(70_000, 1);
  const plan = planTorrent([{ path: ['f.bin'], length: data.length }], { pieceLength: P, singleFile: true });
  const built = buildTorrent(plan, { name: 'f.bin' }, { pieces: v1Pieces(data, P) });
  const t = decode(built.torrent) as BDict;
  assert.deepEqual(keys(t), ['info']);
  const info = t.info as BDict;
  assert.deepEqual(keys(info), ['length', 'name', 'piece length', 'pieces']);
  assert.equal(info.length, 70_000);
  assert.equal(str(info.name), 'f.bin');
  assert.equal(toHex(built.infoHash!), toHex(sha1(built.info)));
  assert.equal(built.infoHashV2, undefined);
  // The info dictionary inside the torrent is byte-equal to the hashed one.
  assert.ok(Buffer.from(built.torrent).includes(Buffer.from(built.info)));
});

test('v1 multi-file with every option: trackers by tier, web seeds, private, source, comment, dates', () => {
  const a = content(5, 1);
  const b = content(40_000, 2);
  const plan = planTorrent(
    [
      { path: ['sub', 'b'], length: b.length },
      { path: ['a'], length: a.length },
    ],
    { pieceLength: P },
  );
  const stream = new Uint8Array([...a, ...b]);
  const built = buildTorrent(
    plan,
    {
      name: 'Ünïcode',
      announce: [['http://t1/a', 'http://t2/a'], ['udp://t3:80']],
      urlList: ['http://ws/'],
      private: true,
      source: 'SRC',
      comment: 'hello',
      createdBy: 'torrentkit test',
      creationDate: 1_700_000_000.7,
    },
    { pieces: v1Pieces(stream, P) },
  );
  const t = decode(built.torrent) as BDict;
  assert.deepEqual(keys(t).sort(), ['announce', 'announce-list', 'comment', 'created by', 'creation date', 'info', 'url-list']);
  assert.equal(str(t.announce), 'http://t1/a');
  assert.deepEqual((t['announce-list'] as Uint8Array[][]).map((tier) => tier.map(str)), [['http://t1/a', 'http://t2/a'], ['udp://t3:80']]);
  assert.deepEqual((t['url-list'] as Uint8Array[]).map(str), ['http://ws/']);
  assert.equal(t['creation date'], 1_700_000_000);
  const info = t.info as BDict;
  assert.deepEqual(keys(info), ['files', 'name', 'piece length', 'pieces', 'private', 'source']);
  assert.equal(info.private, 1);
  assert.equal(str(info.name), 'Ünïcode');
  assert.deepEqual(
    (info.files as BDict[]).map((f) => [(f.path as Uint8Array[]).map(str).join('/'), f.length]),
    [['a', 5], ['sub/b', 40_000]],
  );
  // One tracker: no announce-list (BEP 12 is only needed for several).
  const one = decode(buildTorrent(plan, { name: 'x', announce: [['http://t/a']] }, { pieces: v1Pieces(stream, P) }).torrent) as BDict;
  assert.equal(one['announce-list'], undefined);
});

test('v2 and hybrid: file tree, pieces roots, piece layers and pad files', () => {
  const big = content(3 * P + 100, 3); // larger than a piece: has a piece layer
  const small = content(20_000, 4); // one piece: root only
  const files = [
    { path: ['dir', 'big'], length: big.length },
    { path: ['small'], length: small.length },
    { path: ['dir', 'empty'], length: 0 },
  ];
  const bigLeaves = leaves(big);
  const bigLayer = pieceLayerFromLeaves(bigLeaves, P);
  const bigRoot = rootFromPieceLayer(bigLayer, P);
  assert.equal(toHex(bigRoot), toHex(rootFromLeaves(bigLeaves)));
  const merkle = [{ root: bigRoot, layer: new Uint8Array(bigLayer.flatMap((h) => [...h])) }, undefined, { root: rootFromLeaves(leaves(small)) }];

  const v2 = planTorrent(files, { version: 'v2', pieceLength: P });
  assert.deepEqual(v2.files.map((f) => f.path.join('/')), ['dir/big', 'dir/empty', 'small']);
  const b2 = buildTorrent(v2, { name: 'v2' }, { files: merkle });
  const t2 = decode(b2.torrent) as BDict;
  const info2 = t2.info as BDict;
  assert.deepEqual(keys(info2), ['file tree', 'meta version', 'name', 'piece length']);
  assert.equal(info2['meta version'], 2);
  const tree = info2['file tree'] as BDict;
  const dir = tree.dir as BDict;
  assert.deepEqual({ ...((dir.empty as BDict)[''] as BDict) }, { length: 0 });
  const bigEntry = (dir.big as BDict)[''] as BDict;
  assert.equal(toHex(bigEntry['pieces root'] as Uint8Array), toHex(bigRoot));
  const layers = t2['piece layers'] as BDict;
  assert.deepEqual(keys(layers).map((k) => toHex(Uint8Array.from(k, (c) => c.charCodeAt(0)))), [toHex(bigRoot)]);
  assert.equal(b2.infoHash, undefined);
  assert.equal(toHex(b2.infoHashV2!), toHex(sha256(b2.info)));

  const hy = planTorrent(files, { version: 'hybrid', pieceLength: P });
  const stream = new Uint8Array(hy.v1Length);
  stream.set(big, 0);
  stream.set(small, 4 * P);
  const bh = buildTorrent(hy, { name: 'hy' }, { files: merkle, pieces: v1Pieces(stream, P) });
  const info = (decode(bh.torrent) as BDict).info as BDict;
  assert.deepEqual(keys(info), ['file tree', 'files', 'meta version', 'name', 'piece length', 'pieces']);
  assert.deepEqual(
    (info.files as BDict[]).map((f) => [(f.path as Uint8Array[]).map(str).join('/'), f.length, f.attr ? str(f.attr) : '']),
    [
      ['dir/big', 3 * P + 100, ''],
      ['.pad/32668', P - 100, 'p'],
      ['dir/empty', 0, ''],
      ['small', 20_000, ''],
      ['.pad/12768', P - 20_000, 'p'],
    ],
  );
  assert.ok(bh.infoHash && bh.infoHashV2);
});

test('names and file names are UTF-8, keys are binary strings', () => {
  const plan = planTorrent([{ path: ['日本', 'ü.txt'], length: 3 }], { version: 'v2', pieceLength: P });
  const built = buildTorrent(plan, { name: 'dossier' }, { files: [{ root: new Uint8Array(32) }] });
  const tree = ((decode(built.torrent) as BDict).info as BDict)['file tree'] as BDict;
  assert.deepEqual(keys(tree), [utf8ToBinary('日本')]);
  assert.equal(binaryToUtf8(keys(tree[utf8ToBinary('日本')] as BDict)[0]), 'ü.txt');
});

test('missing or misshapen hashes and bad names are refused', () => {
  const plan = planTorrent([{ path: ['a'], length: 3 * P }], { version: 'hybrid', pieceLength: P });
  const code = (fn: () => unknown) => assert.throws(fn, (e) => isTorrentkitError(e, 'BT_ERR_CREATE_HASHES'));
  code(() => buildTorrent(plan, { name: 'x' }, {}));
  code(() => buildTorrent(plan, { name: 'x' }, { pieces: new Uint8Array(60) }));
  code(() => buildTorrent(plan, { name: 'x' }, { pieces: new Uint8Array(60), files: [{ root: new Uint8Array(32) }] }));
  code(() => buildTorrent(plan, { name: 'x' }, { pieces: new Uint8Array(40), files: [{ root: new Uint8Array(32), layer: new Uint8Array(96) }] }));
  for (const name of ['', '..', 'a/b']) {
    assert.throws(() => buildTorrent(plan, { name }, {}), (e) => isTorrentkitError(e, 'BT_ERR_CREATE_NAME'));
  }
});
