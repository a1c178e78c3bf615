/**
 * Interop: torrents created by libtorrent (v1, v2, hybrid; python3-libtorrent) and by mktorrent
 * parse with our parser to the info hashes, names, piece counts and file lists (paths, lengths,
 * offsets, attributes) that libtorrent's `torrent_info` reports, and to the same trackers, web seeds
 * and private flag.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMetainfo } from '../../src/codecs/metainfo/index.js';
import { toHex } from '../../src/util/bytes.js';
import { PYTHON, requireLibtorrent, requireTool, tempDir } from '../helpers/tools.js';
import { buildTorrent, bytesOf } from '../helpers/torrents.js';

interface LtFile {
  path: string;
  size: number;
  offset: number;
  pad: boolean;
  executable: boolean;
}
interface LtInfo {
  v1: string | null;
  v2: string | null;
  name: string;
  pieces: number;
  pieceLength: number;
  totalSize: number;
  files: LtFile[];
  trackers: [string, number][];
  webSeeds: string[];
  priv: boolean;
}

/** Creates torrents with libtorrent (when `create` lists any) and reports what torrent_info reads. */
const SCRIPT = String.raw`
import json, sys
import libtorrent as lt
job = json.loads(sys.argv[1])
flags = {'v1': lt.create_torrent.v1_only, 'v2': lt.create_torrent.v2_only, 'hybrid': 0}
for c in job['create']:
    fs = lt.file_storage()
    lt.add_files(fs, c['input'])
    ct = lt.create_torrent(fs, c['pieceLength'], flags=flags[c['version']])
    for i, url in enumerate(c.get('trackers', [])):
        ct.add_tracker(url, i)
    ct.set_creator('libtorrent test')
    lt.set_piece_hashes(ct, c['parent'])
    open(c['out'], 'wb').write(lt.bencode(ct.generate()))
out = {}
for path in job['read']:
    ti = lt.torrent_info(path)
    fs = ti.files()
    ih = ti.info_hashes()
    files = []
    for i in range(fs.num_files()):
        fl = fs.file_flags(i)
        files.append({'path': fs.file_path(i), 'size': fs.file_size(i), 'offset': fs.file_offset(i),
                      'pad': bool(fl & lt.file_storage.flag_pad_file), 'executable': bool(fl & lt.file_storage.flag_executable)})
    out[path] = {'v1': str(ih.v1) if ih.has_v1() else None, 'v2': str(ih.v2) if ih.has_v2() else None,
                 'name': ti.name(), 'pieces': ti.num_pieces(), 'pieceLength': ti.piece_length(),
                 'totalSize': fs.total_size(), 'files': files,
                 'trackers': [[t.url, t.tier] for t in ti.trackers()],
                 'webSeeds': [w['url'] for w in ti.web_seeds()], 'priv': ti.priv()}
print(json.dumps(out))
`;

function libtorrent(job: { create: object[]; read: string[] }): Record<string, LtInfo> {
  const r = spawnSync(PYTHON, ['-c', SCRIPT, JSON.stringify(job)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** A folder with nested directories, a file larger than several pieces, an empty and an executable file. */
function makeContent(root: string): { dir: string; single: string } {
  const dir = join(root, 'content');
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'big.bin'), bytesOf(100_000, 1));
  writeFileSync(join(dir, 'empty.txt'), new Uint8Array(0));
  writeFileSync(join(dir, 'sub', 'small.txt'), bytesOf(100, 2));
  writeFileSync(join(dir, 'sub', 'deeper', 'mid.dat'), bytesOf(40_000, 3));
  writeFileSync(join(dir, 'sub', 'run.sh'), bytesOf(17, 4));
  chmodSync(join(dir, 'sub', 'run.sh'), 0o755);
  const single = join(root, 'single.bin');
  writeFileSync(single, bytesOf(50_000, 5));
  return { dir, single };
}

function compare(path: string, lt: LtInfo, label: string): void {
  const m = parseMetainfo(readFileSync(path));
  assert.equal(m.infoHash ? toHex(m.infoHash) : null, lt.v1, `${label}: v1 info hash`);
  assert.equal(m.infoHashV2 ? toHex(m.infoHashV2) : null, lt.v2, `${label}: v2 info hash`);
  assert.equal(m.version, lt.v1 && lt.v2 ? 'hybrid' : lt.v2 ? 'v2' : 'v1', label);
  assert.equal(m.name, lt.name, `${label}: name`);
  assert.equal(m.pieceCount, lt.pieces, `${label}: piece count`);
  assert.equal(m.pieceLength, lt.pieceLength, `${label}: piece length`);
  const ours = m.files.filter((f) => !f.pad).map((f) => ({ path: f.path.join('/'), size: f.length, offset: f.offset, executable: f.executable }));
  const theirs = lt.files.filter((f) => !f.pad).map(({ path: p, size, offset, executable }) => ({ path: p, size, offset, executable }));
  assert.deepEqual(ours, theirs, `${label}: files`);
  // Pad files: libtorrent also pads after the last file of v2-only torrents; we do not (the
  // trailing pad holds no data), so compare the pads that precede real data.
  const lastData = Math.max(...theirs.map((f) => f.offset + f.size));
  const pads = (fs: { path: string; offset: number; size: number }[]) => fs.filter((f) => f.offset < lastData).map((f) => [f.path, f.offset, f.size]);
  assert.deepEqual(pads(m.files.filter((f) => f.pad).map((f) => ({ path: f.path.join('/'), offset: f.offset, size: f.length }))), pads(lt.files.filter((f) => f.pad)), `${label}: pads`);
  if (m.version !== 'v2') assert.equal(m.totalLength, lt.totalSize, `${label}: total size`);
  const tiers: string[][] = [];
  for (const [url, tier] of lt.trackers) (tiers[tier] ??= []).push(url);
  // libtorrent shuffles the URLs inside a tier (BEP 12), so compare tiers as sets.
  const sorted = (ts: readonly (readonly string[])[]) => ts.map((tier) => [...tier].sort());
  assert.deepEqual(sorted(m.announce), sorted(tiers.filter(Boolean)), `${label}: trackers`);
  assert.deepEqual(m.urlList, lt.webSeeds, `${label}: web seeds`);
  assert.equal(m.private, lt.priv, `${label}: private`);
}

test('torrents created by libtorrent (v1, v2, hybrid; folder and single file) parse like libtorrent reads them', (t) => {
  if (!requireLibtorrent(t)) return;
  const root = tempDir(t);
  const { dir, single } = makeContent(root);
  const create: object[] = [];
  for (const version of ['v1', 'v2', 'hybrid']) {
    for (const [input, kind] of [
      [dir, 'dir'],
      [single, 'single'],
    ]) {
      create.push({ input, parent: root, version, pieceLength: 16384, out: join(root, `${version}-${kind}.torrent`), trackers: ['http://127.0.0.1:1/announce', 'udp://127.0.0.1:2'] });
    }
  }
  const reads = create.map((c) => (c as { out: string }).out);
  const lt = libtorrent({ create, read: reads });
  for (const path of reads) compare(path, lt[path], path.slice(root.length + 1));
  assert.ok(lt[reads[0]].files.some((f) => f.executable), 'libtorrent saw the executable bit');
  // Sanity: the multi-file v2 torrent has pad files and a piece layer for the big file.
  const v2 = parseMetainfo(readFileSync(join(root, 'v2-dir.torrent')));
  assert.ok(v2.files.some((f) => f.pad));
  assert.ok(v2.pieceLayers!.size >= 2);
});

test('torrents created by mktorrent parse like libtorrent reads them', (t) => {
  if (!requireLibtorrent(t) || !requireTool(t, 'mktorrent', ['mktorrent', ['-h']])) return;
  const root = tempDir(t);
  const { dir, single } = makeContent(root);
  const runs: [string, string[]][] = [
    ['mk-dir', ['-l', '15', '-a', 'http://127.0.0.1:1/announce,http://127.0.0.1:3/announce', '-a', 'udp://127.0.0.1:2', '-w', 'http://127.0.0.1:4/ws/', '-c', 'comment', dir]],
    ['mk-single-private', ['-l', '15', '-p', '-s', 'SRC', '-a', 'http://127.0.0.1:1/announce', single]],
  ];
  const reads: string[] = [];
  for (const [name, args] of runs) {
    const out = join(root, `${name}.torrent`);
    const r = spawnSync('mktorrent', ['-t', '1', '-o', out, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    reads.push(out);
  }
  const lt = libtorrent({ create: [], read: reads });
  for (const path of reads) compare(path, lt[path], path.slice(root.length + 1));
  const priv = parseMetainfo(readFileSync(reads[1]));
  assert.equal(priv.source, 'SRC');
  assert.equal(priv.private, true);
  assert.equal(parseMetainfo(readFileSync(reads[0])).comment, 'comment');
});

test('hostile paths: libtorrent and torrentkit both keep every file inside the torrent folder', (t) => {
  if (!requireLibtorrent(t)) return;
  const root = tempDir(t);
  const names = [['..', '..', 'etc', 'passwd'], ['/abs'], ['C:', 'x'], ['a\\b'], ['CON'], ['a\u0000b'], ['bidi\u202Etxt.exe'], ['.', 'dot'], ['sub', '..', '..', 'up']];
  const path = join(root, 'hostile.torrent');
  writeFileSync(path, buildTorrent(names.map((p, i) => ({ path: p, data: bytesOf(5, i) })), { name: 'n' }));
  const lt = libtorrent({ create: [], read: [path] })[path];
  const ours = parseMetainfo(readFileSync(path)).files.map((f) => f.path.join('/'));
  const theirs = lt.files.map((f) => f.path);
  for (const p of [...ours, ...theirs]) {
    assert.ok(p.startsWith('n/'), p);
    assert.ok(!p.split('/').some((el) => el === '..' || el === '.' || el === ''), p);
  }
  // Where libtorrent's Linux rules and our portable ones agree, the paths are the same; they
  // differ on purpose for separators, NUL (libtorrent drops them, we write _), drive letters and
  // device names (libtorrent keeps them on Linux).
  for (const i of [0, 6, 7, 8]) assert.equal(ours[i], theirs[i], names[i].join('/'));
});
