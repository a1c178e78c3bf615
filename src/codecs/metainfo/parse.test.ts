import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTorrent, bytesOf, spliceBinary } from '../../../test/helpers/torrents.js';
import { decodeWithRaw, encode } from '../bencode/index.js';
import { toHex, utf8Encode } from '../../util/bytes.js';
import { sha1, sha256 } from '../../util/sha.js';
import { MetainfoError } from './errors.js';
import { parseInfoDictionary, parseMetainfo } from './parse.js';

const files = [
  { path: ['a.bin'], data: bytesOf(40000, 1) },
  { path: ['empty'], data: new Uint8Array(0) },
  { path: ['sub', 'b.txt'], data: bytesOf(100, 2) },
  { path: ['sub', 'c'], data: bytesOf(20000, 3) },
];

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Error && 'code' in err, `expected a coded error, got ${err}`);
    return (err as MetainfoError).code;
  }
  assert.fail('expected an error');
}

test('v1 multi-file: hash over raw info, files with offsets, optional fields', () => {
  const bytes = buildTorrent(files, {
    name: 'd',
    top: {
      announce: 'http://a/announce',
      'announce-list': [['http://t1/a', 'http://t2/a'], ['udp://t3:80', 'http://t1/a']],
      'url-list': ['http://ws/', 'http://ws/'],
      comment: 'hello',
      'created by': 'me',
      'creation date': 1700000000,
      nodes: [['router.example', 6881], ['bad']],
    },
    info: { private: 1, source: 'SRC' },
  });
  const m = parseMetainfo(bytes);
  const rawInfo = decodeWithRaw(bytes, ['info']).raw.get('info')!;
  assert.equal(m.version, 'v1');
  assert.equal(toHex(m.infoHash!), toHex(sha1(rawInfo)));
  assert.deepEqual(m.id, m.infoHash);
  assert.equal(m.infoHashV2, undefined);
  assert.equal(m.name, 'd');
  assert.equal(m.multiFile, true);
  assert.equal(m.pieceLength, 16384);
  assert.equal(m.totalLength, 60100);
  assert.equal(m.contentLength, 60100);
  assert.equal(m.pieceCount, 4);
  assert.equal(m.pieces!.length, 80);
  assert.deepEqual(
    m.files.map((f) => [f.path.join('/'), f.length, f.offset, f.pad]),
    [
      ['d/a.bin', 40000, 0, false],
      ['d/empty', 0, 40000, false],
      ['d/sub/b.txt', 100, 40000, false],
      ['d/sub/c', 20000, 40100, false],
    ],
  );
  // BEP 12: announce-list wins over announce; duplicates across tiers dropped.
  assert.deepEqual(m.announce, [['http://t1/a', 'http://t2/a'], ['udp://t3:80']]);
  assert.deepEqual(m.urlList, ['http://ws/']);
  assert.equal(m.private, true);
  assert.deepEqual(m.nodes, [{ host: 'router.example', port: 6881 }]);
  assert.equal(m.comment, 'hello');
  assert.equal(m.createdBy, 'me');
  assert.equal(m.creationDate, 1700000000);
  assert.equal(m.source, 'SRC');
  assert.deepEqual(m.infoBytes, rawInfo);
});

test('v1 single file; announce alone is one tier; url-list as a string', () => {
  const m = parseMetainfo(
    buildTorrent([{ path: ['x'], data: bytesOf(16385) }], { single: true, name: 'movie.mkv', top: { announce: 'http://a/', 'url-list': 'http://ws/f' } }),
  );
  assert.equal(m.multiFile, false);
  assert.deepEqual(m.files.map((f) => [f.path, f.length, f.offset]), [[['movie.mkv'], 16385, 0]]);
  assert.equal(m.pieceCount, 2);
  assert.deepEqual(m.announce, [['http://a/']]);
  assert.deepEqual(m.urlList, ['http://ws/f']);
  assert.equal(m.private, false);
});

test('the info hash is over the original bytes even when keys are unsorted', () => {
  const bytes = buildTorrent(files.slice(0, 1), { name: 'n' });
  // Swap "name" after "piece length" by rewriting the raw info: keep the same content, unsorted.
  const m1 = parseMetainfo(bytes);
  const unsorted = spliceBinary(bytes, '4:name1:n', '');
  const reordered = spliceBinary(unsorted, '6:pieces', '4:name1:n6:pieces');
  const m2 = parseMetainfo(reordered);
  assert.notEqual(toHex(m1.infoHash!), toHex(m2.infoHash!));
  assert.equal(toHex(m2.infoHash!), toHex(sha1(decodeWithRaw(reordered, ['info']).raw.get('info')!)));
  assert.equal(code(() => parseMetainfo(reordered, { strict: true })), 'BT_ERR_BENCODE_UNSORTED_KEYS');
});

test('v2: file tree in byte order, implied pad files, piece layers checked', () => {
  const bytes = buildTorrent(files, { version: 'v2', name: 'd' });
  const m = parseMetainfo(bytes);
  const rawInfo = decodeWithRaw(bytes, ['info']).raw.get('info')!;
  assert.equal(m.version, 'v2');
  assert.equal(m.infoHash, undefined);
  assert.equal(toHex(m.infoHashV2!), toHex(sha256(rawInfo)));
  assert.equal(toHex(m.infoHashV2Truncated!), toHex(sha256(rawInfo)).slice(0, 40));
  assert.deepEqual(m.id, m.infoHashV2Truncated);
  assert.deepEqual(
    m.files.map((f) => [f.path.join('/'), f.length, f.offset, f.pad]),
    [
      ['d/a.bin', 40000, 0, false],
      ['d/.pad/9152', 9152, 40000, true],
      ['d/empty', 0, 49152, false],
      ['d/sub/b.txt', 100, 49152, false],
      ['d/.pad/16284', 16284, 49252, true],
      ['d/sub/c', 20000, 65536, false],
    ],
  );
  assert.equal(m.pieceCount, 6);
  assert.equal(m.totalLength, 85536);
  assert.equal(m.contentLength, 60100);
  assert.equal(m.files[0].piecesRoot!.length, 32);
  assert.equal(m.files[2].piecesRoot, undefined);
  assert.equal(m.pieceLayers!.size, 2);
  assert.equal(m.pieceLayers!.get(toHex(m.files[0].piecesRoot!))!.length, 3 * 32);
});

test('v2 keys sort as raw bytes, not as JavaScript integer-like keys', () => {
  const m = parseMetainfo(
    buildTorrent(
      [
        { path: ['9'], data: bytesOf(10, 1) },
        { path: ['10'], data: bytesOf(10, 2) },
      ],
      { version: 'v2' },
    ),
  );
  assert.deepEqual(m.files.filter((f) => !f.pad).map((f) => f.path[1]), ['10', '9']);
});

test('v2 single file and hybrid', () => {
  const single = parseMetainfo(buildTorrent([{ path: ['f'], data: bytesOf(70000) }], { version: 'v2', single: true, name: 'f.bin' }));
  assert.equal(single.multiFile, false);
  assert.deepEqual(single.files.map((f) => [f.path, f.length]), [[['f.bin'], 70000]]);
  assert.equal(single.pieceCount, 5);
  const bytes = buildTorrent(files, { version: 'hybrid', name: 'd' });
  const h = parseMetainfo(bytes);
  const rawInfo = decodeWithRaw(bytes, ['info']).raw.get('info')!;
  assert.equal(h.version, 'hybrid');
  assert.equal(toHex(h.infoHash!), toHex(sha1(rawInfo)));
  assert.equal(toHex(h.infoHashV2!), toHex(sha256(rawInfo)));
  assert.deepEqual(h.id, h.infoHash);
  assert.equal(h.files.filter((f) => f.pad).length, 2);
  assert.ok(h.files.filter((f) => !f.pad && f.length > 0).every((f) => f.piecesRoot?.length === 32));
  assert.equal(h.pieceCount, 6);
  const hs = parseMetainfo(buildTorrent([{ path: ['f'], data: bytesOf(70000) }], { version: 'hybrid', single: true, name: 'f.bin' }));
  assert.equal(hs.version, 'hybrid');
  assert.equal(hs.multiFile, false);
});

test('BEP 47 attributes and symlinks; pad files need no path and are not duplicate-checked', () => {
  const m = parseMetainfo(
    buildTorrent(
      [
        { path: ['a'], data: bytesOf(10) },
        { path: ['b'], data: bytesOf(10) },
      ],
      {
        editInfo: (info) => {
          const list = info.files as Record<string, unknown>[];
          list[0].attr = 'xh?';
          list.splice(1, 0, { length: 16374, attr: 'p' }, { length: 0, attr: 'l', path: ['link'], 'symlink path': ['..', 'a'] });
          list.push({ length: 0, attr: 'p', path: ['.pad', '0'] }, { length: 0, attr: 'p', path: ['.pad', '0'] });
          info.pieces = new Uint8Array(40);
        },
      },
    ),
  );
  const [a, pad, link, b] = m.files;
  assert.deepEqual([a.executable, a.hidden, a.symlink, a.pad], [true, true, false, false]);
  assert.deepEqual([pad.pad, pad.path.join('/'), pad.offset], [true, 'test/.pad/16374', 10]);
  assert.deepEqual([link.symlink, link.symlinkPath], [true, ['a']]);
  assert.equal(b.offset, 16384);
  assert.equal(m.contentLength, 20);
  assert.equal(m.totalLength, 16394);
});

test('name.utf-8 and path.utf-8 win over legacy encodings; missing name falls back to the hash', () => {
  const m = parseMetainfo(
    buildTorrent([{ path: ['\xe9'], data: bytesOf(5) }], {
      info: { 'name.utf-8': 'é' },
      editInfo: (info) => {
        (info.files as Record<string, unknown>[])[0].path = [new Uint8Array([0xe9])];
        (info.files as Record<string, unknown>[])[0]['path.utf-8'] = ['é'];
      },
    }),
  );
  assert.equal(m.name, 'é');
  assert.deepEqual(m.files[0].path, ['é', 'é']);
  const noName = parseMetainfo(buildTorrent([{ path: ['x'], data: bytesOf(5) }], { editInfo: (i) => delete i.name }));
  assert.equal(noName.name, toHex(noName.infoHash!));
});

test('sanitised paths keep the raw path; sanitising collisions are renamed, raw duplicates rejected', () => {
  const m = parseMetainfo(
    buildTorrent(
      [
        { path: ['a:b'], data: bytesOf(5) },
        { path: ['a_b'], data: bytesOf(5) },
        { path: ['..', 'etc', 'passwd'], data: bytesOf(5) },
      ],
      {},
    ),
  );
  assert.deepEqual(m.files.map((f) => f.path.join('/')), ['test/a_b', 'test/a_b.1', 'test/etc/passwd']);
  assert.deepEqual(m.files[0].rawPath, [utf8Encode('a:b')]);
  assert.deepEqual(m.files[1].rawPath, [utf8Encode('a_b')]);
  assert.equal(m.files[2].rawPath!.length, 3);
  assert.equal(
    code(() => parseMetainfo(buildTorrent([{ path: ['a:b'], data: bytesOf(5) }, { path: ['a_b'], data: bytesOf(5) }]), { strict: true })),
    'BT_ERR_METAINFO_DUPLICATE_PATH',
  );
  assert.equal(code(() => parseMetainfo(buildTorrent([{ path: ['a'], data: bytesOf(5) }, { path: ['a'], data: bytesOf(5) }]))), 'BT_ERR_METAINFO_DUPLICATE_PATH');
  assert.equal(code(() => parseMetainfo(buildTorrent([{ path: ['a'], data: bytesOf(5) }, { path: ['a', 'b'], data: bytesOf(5) }]))), 'BT_ERR_METAINFO_DUPLICATE_PATH');
  assert.equal(code(() => parseMetainfo(buildTorrent([{ path: ['a', 'b'], data: bytesOf(5) }, { path: ['a'], data: bytesOf(5) }]))), 'BT_ERR_METAINFO_DUPLICATE_PATH');
});

test('parseInfoDictionary accepts a v2 info dictionary without piece layers', () => {
  const bytes = buildTorrent(files, { version: 'v2', name: 'd' });
  const infoBytes = decodeWithRaw(bytes, ['info']).raw.get('info')!;
  const m = parseInfoDictionary(infoBytes);
  assert.equal(toHex(m.infoHashV2!), toHex(sha256(infoBytes)));
  assert.equal(m.pieceLayers!.size, 0);
  assert.equal(code(() => parseMetainfo(encode({ info: { 'piece length': 16384, pieces: '' } }))), 'BT_ERR_METAINFO_NO_FILES');
});
