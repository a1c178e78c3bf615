/**
 * A corpus of hostile and malformed torrents, generated here: each is rejected with its specific
 * error code or parsed to a sanitised, safe result. Ends with a mutation fuzz: random damage to
 * valid torrents only ever yields a typed error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from '../src/codecs/bencode/index.js';
import { parseMetainfo } from '../src/codecs/metainfo/index.js';
import type { ParseMetainfoFullOptions } from '../src/codecs/metainfo/parse.js';
import { binaryToBytes, bytesToBinary, toHex } from '../src/util/bytes.js';
import { TorrentkitError } from '../src/util/errors.js';
import { type BuildOptions, buildTorrent, bytesOf, spliceBinary, type TestFile } from './helpers/torrents.js';

const two: TestFile[] = [
  { path: ['a'], data: bytesOf(40000, 1) },
  { path: ['dir', 'b'], data: bytesOf(20000, 2) },
];
const one = (path: string[], n = 10): TestFile[] => [{ path, data: bytesOf(n) }];
const b = binaryToBytes;
type Dict = Record<string, unknown>;
const filesOf = (info: Dict) => info.files as Dict[];

function codeOf(bytes: Uint8Array, options?: ParseMetainfoFullOptions): string {
  try {
    parseMetainfo(bytes, options);
  } catch (err) {
    assert.ok(err instanceof TorrentkitError, `not a TorrentkitError: ${(err as Error)?.stack}`);
    return err.code;
  }
  return 'parsed';
}

const rejected: [string, () => Uint8Array, string, ParseMetainfoFullOptions?][] = [
  ['integer at top level', () => b('i1e'), 'BT_ERR_METAINFO_NOT_DICT'],
  ['list at top level', () => b('l4:infoe'), 'BT_ERR_METAINFO_NOT_DICT'],
  ['empty input', () => new Uint8Array(0), 'BT_ERR_BENCODE_TRUNCATED'],
  ['truncated torrent', () => buildTorrent(two).subarray(0, 100), 'BT_ERR_BENCODE_TRUNCATED'],
  ['trailing garbage', () => b(`${bytesToBinary(buildTorrent(two))}x`), 'BT_ERR_BENCODE_TRAILING_DATA'],
  ['no info', () => b('d8:announce1:xe'), 'BT_ERR_METAINFO_NO_INFO'],
  ['info is a list', () => b('d4:infolee'), 'BT_ERR_METAINFO_NOT_DICT'],
  ['deep bencode nesting', () => b(`d4:info${'l'.repeat(200)}${'e'.repeat(200)}e`), 'BT_ERR_BENCODE_DEPTH'],
  ['overlong integer (21 digits)', () => spliceBinary(buildTorrent(one(['a'])), 'i10e', `i${'9'.repeat(21)}e`), 'BT_ERR_BENCODE_INTEGER_TOO_LONG'],
  ['length beyond 2^53 (bigint)', () => spliceBinary(buildTorrent(one(['a'])), 'i10e', 'i18446744073709551616e'), 'BT_ERR_METAINFO_BAD_LENGTH'],
  ['negative length', () => buildTorrent(one(['a']), { editInfo: (i) => (filesOf(i)[0].length = -1) }), 'BT_ERR_METAINFO_BAD_LENGTH'],
  ['length is a string', () => buildTorrent(one(['a']), { editInfo: (i) => (filesOf(i)[0].length = '10') }), 'BT_ERR_METAINFO_BAD_LENGTH'],
  ['missing length', () => buildTorrent(one(['a']), { editInfo: (i) => delete filesOf(i)[0].length }), 'BT_ERR_METAINFO_BAD_LENGTH'],
  [
    'total length beyond 2^53',
    () =>
      buildTorrent(one(['a']), {
        editInfo: (i) => {
          i.files = [{ length: 2 ** 52, path: ['a'] }, { length: 2 ** 52, path: ['b'] }];
        },
      }),
    'BT_ERR_METAINFO_BAD_LENGTH',
  ],
  ['huge piece count', () => buildTorrent(one(['a']), { editInfo: (i) => (filesOf(i)[0].length = 2 ** 50) }), 'BT_ERR_METAINFO_TOO_MANY_PIECES'],
  ['piece length 0', () => buildTorrent(two, { info: { 'piece length': 0 } }), 'BT_ERR_METAINFO_BAD_PIECE_LENGTH'],
  ['piece length negative', () => buildTorrent(two, { info: { 'piece length': -16384 } }), 'BT_ERR_METAINFO_BAD_PIECE_LENGTH'],
  ['piece length missing', () => buildTorrent(two, { editInfo: (i) => delete i['piece length'] }), 'BT_ERR_METAINFO_BAD_PIECE_LENGTH'],
  ['piece length a string', () => buildTorrent(two, { editInfo: (i) => (i['piece length'] = '16384') }), 'BT_ERR_METAINFO_BAD_PIECE_LENGTH'],
  ['piece length 1 TiB', () => buildTorrent(two, { editInfo: (i) => (i['piece length'] = 2 ** 40) }), 'BT_ERR_METAINFO_BAD_PIECE_LENGTH'],
  ['v2 piece length not a power of two', () => buildTorrent(two, { version: 'v2', pieceLength: 16384, editInfo: (i) => (i['piece length'] = 49152) }), 'BT_ERR_METAINFO_BAD_PIECE_LENGTH'],
  ['v2 piece length below 16 KiB', () => buildTorrent(two, { version: 'v2', editInfo: (i) => (i['piece length'] = 8192) }), 'BT_ERR_METAINFO_BAD_PIECE_LENGTH'],
  ['pieces not a multiple of 20', () => buildTorrent(two, { editInfo: (i) => (i.pieces = new Uint8Array(61)) }), 'BT_ERR_METAINFO_BAD_PIECES'],
  ['pieces missing', () => buildTorrent(two, { editInfo: (i) => delete i.pieces }), 'BT_ERR_METAINFO_BAD_PIECES'],
  ['pieces an integer', () => buildTorrent(two, { editInfo: (i) => (i.pieces = 3) }), 'BT_ERR_METAINFO_BAD_PIECES'],
  ['one hash too few', () => buildTorrent(two, { editInfo: (i) => (i.pieces = new Uint8Array(60)) }), 'BT_ERR_METAINFO_PIECE_COUNT_MISMATCH'],
  ['empty file list', () => buildTorrent(two, { editInfo: (i) => (i.files = []) }), 'BT_ERR_METAINFO_NO_FILES'],
  ['files not a list', () => buildTorrent(two, { editInfo: (i) => (i.files = 'x') }), 'BT_ERR_METAINFO_NO_FILES'],
  ['neither length nor files', () => buildTorrent(two, { editInfo: (i) => delete i.files }), 'BT_ERR_METAINFO_NO_FILES'],
  ['only empty files', () => buildTorrent([{ path: ['a'], data: new Uint8Array(0) }], { editInfo: (i) => (i.pieces = '') }), 'BT_ERR_METAINFO_NO_FILES'],
  ['file entry not a dict', () => buildTorrent(two, { editInfo: (i) => (filesOf(i)[0] = 'x' as never) }), 'BT_ERR_METAINFO_NOT_DICT'],
  ['path not a list', () => buildTorrent(two, { editInfo: (i) => (filesOf(i)[0].path = 'a') }), 'BT_ERR_METAINFO_BAD_PATH'],
  ['path element an integer', () => buildTorrent(two, { editInfo: (i) => (filesOf(i)[0].path = ['a', 1]) }), 'BT_ERR_METAINFO_BAD_PATH'],
  ['path only dots', () => buildTorrent(one(['..', '.', '']), {}), 'BT_ERR_METAINFO_BAD_PATH'],
  ['empty path', () => buildTorrent(one([]), {}), 'BT_ERR_METAINFO_BAD_PATH'],
  ['path 65 elements deep', () => buildTorrent(one(Array.from({ length: 65 }, (_, k) => `d${k}`))), 'BT_ERR_METAINFO_PATH_TOO_DEEP'],
  ['duplicate names', () => buildTorrent([...one(['x', 'a']), ...one(['x', 'a'])]), 'BT_ERR_METAINFO_DUPLICATE_PATH'],
  ['file and directory of one name', () => buildTorrent([...one(['x']), ...one(['x', 'a'])]), 'BT_ERR_METAINFO_DUPLICATE_PATH'],
  ['too many files', () => buildTorrent(Array.from({ length: 11 }, (_, k) => one([`f${k}`])[0])), 'BT_ERR_METAINFO_TOO_MANY_FILES', { limits: { maxFiles: 10 } }],
  ['too many pieces (limit)', () => buildTorrent(two), 'BT_ERR_METAINFO_TOO_MANY_PIECES', { limits: { maxPieces: 3 } }],
  ['meta version 3', () => buildTorrent(two, { version: 'v2', editInfo: (i) => (i['meta version'] = 3) }), 'BT_ERR_METAINFO_UNSUPPORTED_VERSION'],
  ['meta version 2 without file tree', () => buildTorrent(two, { info: { 'meta version': 2 } }), 'BT_ERR_METAINFO_V2_BAD_FILE_TREE'],
  ['v2 unordered file tree', unorderedTree, 'BT_ERR_METAINFO_V2_BAD_FILE_TREE'],
  ['v2 file at the root of the tree', () => buildTorrent(two, { version: 'v2', editInfo: (i) => ((i['file tree'] as Dict)[''] = { length: 1 }) }), 'BT_ERR_METAINFO_V2_BAD_FILE_TREE'],
  ['v2 file with a sibling', () => buildTorrent(two, { version: 'v2', editInfo: (i) => (((i['file tree'] as Dict).a as Dict).x = { '': { length: 0 } }) }), 'BT_ERR_METAINFO_V2_BAD_FILE_TREE'],
  ['v2 tree node not a dict', () => buildTorrent(two, { version: 'v2', editInfo: (i) => ((i['file tree'] as Dict).x = 5) }), 'BT_ERR_METAINFO_V2_BAD_FILE_TREE'],
  ['v2 tree not a dict', () => buildTorrent(two, { version: 'v2', editInfo: (i) => (i['file tree'] = []) }), 'BT_ERR_METAINFO_V2_BAD_FILE_TREE'],
  ['v2 short pieces root', () => buildTorrent(two, { version: 'v2', editInfo: (i) => (leafOf(i, 'a')['pieces root'] = new Uint8Array(31)) }), 'BT_ERR_METAINFO_V2_BAD_FILE_TREE'],
  ['v2 negative length', () => buildTorrent(two, { version: 'v2', editInfo: (i) => (leafOf(i, 'a').length = -5) }), 'BT_ERR_METAINFO_BAD_LENGTH'],
  ['v2 tree 70 deep', () => buildTorrent(one(Array.from({ length: 70 }, (_, k) => `d${k}`)), { version: 'v2' }), 'BT_ERR_METAINFO_PATH_TOO_DEEP'],
  ['v2 piece layers missing', () => buildTorrent(two, { version: 'v2', editTop: (t) => delete t['piece layers'] }), 'BT_ERR_METAINFO_V2_BAD_PIECE_LAYER'],
  ['v2 piece layers not a dict', () => buildTorrent(two, { version: 'v2', editTop: (t) => (t['piece layers'] = 'x') }), 'BT_ERR_METAINFO_V2_BAD_PIECE_LAYER'],
  ['v2 piece layer of the wrong size', () => buildTorrent(two, { version: 'v2', editTop: (t) => editLayer(t, (l) => l.subarray(0, 64)) }), 'BT_ERR_METAINFO_V2_BAD_PIECE_LAYER'],
  ['v2 piece layer not 32-byte hashes', () => buildTorrent(two, { version: 'v2', editTop: (t) => editLayer(t, (l) => l.subarray(0, 95)) }), 'BT_ERR_METAINFO_V2_BAD_PIECE_LAYER'],
  ['v2 corrupted piece layer', () => buildTorrent(two, { version: 'v2', editTop: (t) => editLayer(t, (l) => l.map((x, k) => (k === 40 ? x ^ 1 : x))) }), 'BT_ERR_METAINFO_V2_PIECE_LAYER_MISMATCH'],
  [
    'v2 one pieces root for files of different sizes',
    () =>
      buildTorrent(two, {
        version: 'v2',
        editInfo: (i) => (((((i['file tree'] as Dict).dir as Dict).b as Dict)[''] as Dict)['pieces root'] = leafOf(i, 'a')['pieces root']),
      }),
    'BT_ERR_METAINFO_V2_BAD_PIECE_LAYER',
  ],
  ['hybrid: v1 length differs', () => buildTorrent(two, { version: 'hybrid', editInfo: (i) => (filesOf(i)[2].length = 19999) }), 'BT_ERR_METAINFO_HYBRID_MISMATCH'],
  ['hybrid: v1 path differs', () => buildTorrent(two, { version: 'hybrid', editInfo: (i) => (filesOf(i)[2].path = ['dir', 'c']) }), 'BT_ERR_METAINFO_HYBRID_MISMATCH'],
  ['hybrid: pad file missing', () => buildTorrent(two, { version: 'hybrid', editInfo: (i) => filesOf(i).splice(1, 1) }), 'BT_ERR_METAINFO_HYBRID_MISMATCH'],
  ['hybrid: extra v1 file', () => buildTorrent(two, { version: 'hybrid', editInfo: (i) => filesOf(i).push({ length: 1, path: ['x'] }) }), 'BT_ERR_METAINFO_HYBRID_MISMATCH'],
  [
    'hybrid: trailing pad of two pieces',
    () =>
      buildTorrent(two, {
        version: 'hybrid',
        editInfo: (i) => {
          filesOf(i).push({ length: 32768 + 12768, path: ['.pad', 'x'], attr: 'p' });
          i.pieces = new Uint8Array(20 * 7);
        },
      }),
    'BT_ERR_METAINFO_HYBRID_MISMATCH',
  ],
  ['strict: malformed announce-list', () => buildTorrent(two, { top: { 'announce-list': ['http://a/'] } }), 'BT_ERR_METAINFO_BAD_FIELD', { strict: true }],
];

function leafOf(info: Dict, name: string): Dict {
  return ((info['file tree'] as Dict)[name] as Dict)[''] as Dict;
}

function editLayer(top: Dict, edit: (l: Uint8Array) => Uint8Array): void {
  const layers = top['piece layers'] as Record<string, Uint8Array>;
  const k = Object.keys(layers)[0];
  layers[k] = edit(layers[k]);
}

/** A v2 torrent whose file tree keys are out of byte order ("b" before "a"), hashes intact. */
function unorderedTree(): Uint8Array {
  const bytes = buildTorrent([...one(['a']), ...one(['b'])], { version: 'v2' });
  const s = bytesToBinary(bytes);
  const a = s.indexOf('1:ad0:d');
  const bStart = s.indexOf('1:bd0:d');
  const entryA = s.slice(a, bStart);
  const treeEnd = bStart + (bStart - a); // both entries have the same shape and size
  const entryB = s.slice(bStart, treeEnd);
  return binaryToBytes(s.slice(0, a) + entryB + entryA + s.slice(treeEnd));
}

for (const [name, make, expected, options] of rejected) {
  test(`hostile: ${name} -> ${expected}`, () => {
    assert.equal(codeOf(make(), options), expected);
  });
}

function parse(files: TestFile[], options: BuildOptions = {}) {
  return parseMetainfo(buildTorrent(files, options));
}
const paths = (m: ReturnType<typeof parseMetainfo>) => m.files.filter((f) => !f.pad).map((f) => f.path.join('/'));

test('sanitised: path traversal, absolute paths, drive letters, NUL, reserved names', () => {
  assert.deepEqual(paths(parse(one(['..', '..', 'etc', 'passwd']))), ['test/etc/passwd']);
  assert.deepEqual(paths(parse(one(['/etc/passwd']))), ['test/_etc_passwd']);
  assert.deepEqual(paths(parse(one(['C:', 'Windows', 'system32']))), ['test/C_/Windows/system32']);
  assert.deepEqual(paths(parse(one(['C:\\Windows\\evil.dll']))), ['test/C__Windows_evil.dll']);
  assert.deepEqual(paths(parse(one(['a\u0000b']))), ['test/a_b']);
  assert.deepEqual(paths(parse(one(['CON', 'aux.txt']))), ['test/CON_/aux_.txt']);
  assert.deepEqual(paths(parse(one(['\u202Egnp.exe']))), ['test/gnp.exe']);
  assert.deepEqual(paths(parse(one(['x', '..', 'y']), { version: 'v2' })), ['test/x/y']);
  assert.deepEqual(paths(parse(one(['x', 'C:', '\u0000']), { version: 'hybrid' })), ['test/x/C_/_']);
});

test('sanitised: hostile names fall back or are cleaned, single-file names cannot escape', () => {
  const dots = parse(one(['a']), { name: '..' });
  assert.equal(dots.name, toHex(dots.infoHash!));
  assert.equal(parse(one(['a']), { name: '../../.bashrc', single: true }).files[0].path.join('/'), '.._.._.bashrc');
  assert.equal(parse(one(['a']), { name: '/', single: true }).name, '_');
  const invalid = parseMetainfo(buildTorrent(one(['a']), { editInfo: (i) => (i.name = new Uint8Array([0xff, 0xfe, 0x41])) }));
  assert.equal(invalid.name, '__A');
  const long = parse(one([`${'x'.repeat(300)}.txt`]));
  assert.equal(long.files[0].path[1].length, 255);
  assert.ok(long.files[0].path[1].endsWith('.txt'));
});

test('sanitised: every accepted path stays inside the torrent folder', () => {
  const nasty = ['..', '.', '', '/', '\\', 'C:', '..\\..', '../..', 'a/../..', '\u0000', ' ..', '.. ', '...'];
  const files: TestFile[] = [];
  for (let i = 0; i < nasty.length; i++) for (let j = 0; j < nasty.length; j++) files.push({ path: [nasty[i], nasty[j], `f${i}_${j}`], data: bytesOf(1) });
  const m = parse(files);
  for (const f of m.files) {
    assert.equal(f.path[0], 'test');
    for (const el of f.path) assert.ok(el !== '' && el !== '.' && el !== '..' && !/[/\\\u0000:]/.test(el), JSON.stringify(f.path));
  }
});

test('lenient: malformed optional fields are skipped', () => {
  const m = parse(two, { top: { 'announce-list': ['http://flat/', [5, 'http://ok/'], 7], 'url-list': 3, nodes: 'x', comment: 5, 'creation date': 'x' }, info: { private: 'yes' } });
  assert.deepEqual(m.announce, [['http://flat/'], ['http://ok/']]);
  assert.deepEqual(m.urlList, []);
  assert.equal(m.private, false);
  assert.equal(m.comment, undefined);
  assert.equal(m.creationDate, undefined);
});

test('fuzz: random damage to valid torrents only ever gives a typed error', () => {
  const seeds = [buildTorrent(two), buildTorrent(two, { version: 'v2' }), buildTorrent(two, { version: 'hybrid', top: { announce: 'http://x/' } })];
  let x = 7;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 4) % n;
  let parsed = 0;
  for (let round = 0; round < 3000; round++) {
    const base = seeds[round % seeds.length];
    const buf = base.slice();
    const edits = 1 + rnd(4);
    for (let e = 0; e < edits; e++) {
      const at = rnd(buf.length);
      const kind = rnd(3);
      if (kind === 0) buf[at] = rnd(256);
      else if (kind === 1) buf[at] = '0123456789:edil-'.charCodeAt(rnd(16));
      else buf[at] ^= 1 << rnd(8);
    }
    const cut = rnd(10) === 0 ? buf.subarray(0, rnd(buf.length)) : buf;
    if (codeOf(cut) === 'parsed') parsed++;
  }
  assert.ok(parsed < 3000);
  // Sanity: the unmodified seeds parse.
  for (const s of seeds) assert.equal(codeOf(s), 'parsed');
  assert.equal(codeOf(encode({ info: { name: 'x', 'piece length': 16384 } })), 'BT_ERR_METAINFO_NO_FILES');
});
