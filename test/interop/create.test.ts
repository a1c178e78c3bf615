/**
 * Torrents created by torrentkit, read by real tools: libtorrent (info hashes, files, and a full
 * recheck of the data that must end as a seed), transmission-show and aria2c --show-files; and
 * our v1 info hash equals mktorrent's for the same input and piece length. libtorrent's own
 * create_torrent gives the same v2 and hybrid info hashes as ours for the same input.
 *
 * Transmission 3.00 and aria2 1.36 predate BEP 52: transmission-show refuses every hybrid torrent
 * (libtorrent's too) and aria2 misreads its info hash, so they are checked on v1 torrents.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { decodeWithRaw } from '../../src/codecs/bencode/decode.js';
import { PYTHON, requireLibtorrent, requireTool, runCli, tempDir } from '../helpers/tools.js';

const LT_SCRIPT = String.raw`
import json, sys, time
import libtorrent as lt
torrent, save_path, make_hybrid, make_v2 = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ti = lt.torrent_info(torrent)
fs = ti.files()
out = {
  'v1': str(ti.info_hashes().v1) if ti.info_hashes().has_v1() else None,
  'v2': str(ti.info_hashes().v2) if ti.info_hashes().has_v2() else None,
  'name': ti.name(),
  'files': [[fs.file_path(i), fs.file_size(i), bool(fs.file_flags(i) & lt.file_storage.flag_pad_file)] for i in range(fs.num_files())],
}
settings = {'enable_dht': False, 'enable_lsd': False, 'enable_upnp': False, 'enable_natpmp': False,
            'listen_interfaces': '127.0.0.1:0', 'alert_mask': lt.alert.category_t.status_notification}
ses = lt.session(settings)
h = ses.add_torrent({'ti': ti, 'save_path': save_path})
# Without resume data libtorrent checks every piece on disk; torrent_checked_alert ends the check.
start = time.time()
checked = False
while not checked and time.time() < start + 90:
  ses.wait_for_alert(100)
  for a in ses.pop_alerts():
    if isinstance(a, lt.torrent_checked_alert):
      checked = True
if not checked:
  sys.exit('libtorrent did not finish checking')
s = h.status()
out['is_seed'] = s.is_seeding or s.is_finished
out['progress'] = s.progress
for path, flags, key in ((make_hybrid, 0, 'lt_hybrid'), (make_v2, lt.create_torrent.v2_only, 'lt_v2')):
  if path == '-':
    continue
  import os
  fst = lt.file_storage()
  lt.add_files(fst, path)
  ct = lt.create_torrent(fst, ti.piece_length(), flags=flags)
  lt.set_piece_hashes(ct, os.path.dirname(path))
  ih = lt.torrent_info(ct.generate()).info_hashes()
  out[key] = [str(ih.v1) if ih.has_v1() else None, str(ih.v2) if ih.has_v2() else None]
print(json.dumps(out))
`;

interface LtView {
  v1: string | null;
  v2: string | null;
  name: string;
  files: [string, number, boolean][];
  is_seed: boolean;
  progress: number;
  lt_hybrid?: [string, string];
  lt_v2?: [null, string];
}

function libtorrentView(dir: string, torrent: string, savePath: string, content = '-', alsoV2 = '-'): LtView {
  const script = join(dir, 'lt.py');
  writeFileSync(script, LT_SCRIPT);
  const r = spawnSync(PYTHON, [script, torrent, savePath, content, alsoV2], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as LtView;
}

function makeContent(t: TestContext): { dir: string; folder: string; single: string } {
  const dir = tempDir(t, 'tk-create-');
  const folder = join(dir, 'content');
  mkdirSync(join(folder, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(folder, 'a.txt'), 'hello\n');
  writeFileSync(join(folder, 'sub', 'b.bin'), randomBytes(300_001));
  writeFileSync(join(folder, 'sub', 'deeper', 'c'), randomBytes(65_536));
  writeFileSync(join(folder, 'empty'), '');
  writeFileSync(join(folder, 'z'), randomBytes(16_385));
  writeFileSync(join(folder, 'sub.txt'), randomBytes(1_000));
  const single = join(dir, 'single.bin');
  writeFileSync(single, randomBytes(200_000));
  return { dir, folder, single };
}

function create(dir: string, input: string, out: string, extra: string[]): { infoHash: string | null; infoHashV2: string | null } {
  const r = runCli(['create', input, '-o', out, '--json', '-l', '32K', ...extra], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const EXPECTED_FILES: [string, number][] = [
  ['content/a.txt', 6],
  ['content/empty', 0],
  ['content/sub/b.bin', 300_001],
  ['content/sub/deeper/c', 65_536],
  ['content/sub.txt', 1_000],
  ['content/z', 16_385],
];

test('libtorrent reads our v1, v2 and hybrid torrents, verifies the data and computes the same info hashes', (t) => {
  if (!requireLibtorrent(t)) return;
  const { dir, folder, single } = makeContent(t);
  for (const version of ['v1', 'v2', 'hybrid'] as const) {
    const out = join(dir, `${version}.torrent`);
    const ours = create(dir, 'content', out, [`--${version}`, '-a', 'http://127.0.0.1:1/announce']);
    const lt = libtorrentView(dir, out, dir, version === 'hybrid' ? folder : '-', version === 'v2' ? folder : '-');
    assert.equal(lt.v1, ours.infoHash, `${version} v1 info hash`);
    assert.equal(lt.v2, ours.infoHashV2, `${version} v2 info hash`);
    assert.equal(lt.name, 'content');
    const real = lt.files.filter((f) => !f[2]).map(([p, n]) => [p, n] as [string, number]);
    assert.deepEqual(
      [...real].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      [...EXPECTED_FILES].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      `${version} files`,
    );
    assert.equal(lt.is_seed, true, `${version}: libtorrent verified every piece (progress ${lt.progress})`);
    if (version === 'hybrid') {
      assert.ok(lt.files.some((f) => f[2]), 'hybrid has pad files');
      assert.deepEqual(lt.lt_hybrid, [ours.infoHash, ours.infoHashV2], 'libtorrent creates the same hybrid torrent');
    }
    if (version === 'v2') assert.deepEqual(lt.lt_v2, [null, ours.infoHashV2], 'libtorrent creates the same v2 torrent');
  }
  // The check can fail: one flipped byte and libtorrent is no longer a seed.
  const b = join(folder, 'sub', 'b.bin');
  const data = readFileSync(b);
  data[123_456] ^= 0xff;
  writeFileSync(b, data);
  const corrupt = libtorrentView(dir, join(dir, 'hybrid.torrent'), dir);
  assert.equal(corrupt.is_seed, false);
  assert.ok(corrupt.progress < 1);
  // A single file, each version.
  for (const version of ['v1', 'v2', 'hybrid'] as const) {
    const out = join(dir, `single-${version}.torrent`);
    const ours = create(dir, single, out, [`--${version}`]);
    const lt = libtorrentView(dir, out, dir, version === 'hybrid' ? single : '-');
    assert.equal(lt.v1, ours.infoHash);
    assert.equal(lt.v2, ours.infoHashV2);
    assert.deepEqual(lt.files.filter((f) => !f[2]), [['single.bin', 200_000, false]]);
    assert.equal(lt.is_seed, true, `single ${version} verified`);
    if (version === 'hybrid') assert.deepEqual(lt.lt_hybrid, [ours.infoHash, ours.infoHashV2]);
  }
});

test('our v1 info hash equals mktorrent\'s for the same input and piece length', (t) => {
  if (!requireTool(t, 'mktorrent', ['mktorrent', ['-h']])) return;
  const { dir, single } = makeContent(t);
  for (const [input, name] of [['content', 'folder'], [single, 'single']] as const) {
    for (const [flag, log2] of [['32K', 15], ['1M', 20]] as const) {
      const mk = join(dir, `mk-${name}-${log2}.torrent`);
      const r = spawnSync('mktorrent', ['-l', String(log2), '-o', mk, input], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const raw = decodeWithRaw(readFileSync(mk), ['info']).raw.get('info')!;
      const theirs = createHash('sha1').update(raw).digest('hex');
      const ours = runCli(['create', input, '-o', join(dir, `tk-${name}-${log2}.torrent`), '--json', '-l', flag], { cwd: dir });
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(JSON.parse(ours.stdout).infoHash, theirs, `${name} at 2^${log2}`);
    }
  }
  // Private flag and source are written the way mktorrent writes them too.
  const mk = join(dir, 'mk-private.torrent');
  assert.equal(spawnSync('mktorrent', ['-l', '15', '-p', '-s', 'SRC', '-o', mk, 'content'], { cwd: dir }).status, 0);
  const theirs = createHash('sha1').update(decodeWithRaw(readFileSync(mk), ['info']).raw.get('info')!).digest('hex');
  const ours = create(dir, 'content', join(dir, 'tk-private.torrent'), ['--private', '--source', 'SRC']);
  assert.equal(ours.infoHash, theirs, 'private + source');
});

test('transmission-show and aria2c --show-files read our v1 torrents', (t) => {
  const haveTransmission = requireTool(t, 'transmission-show', ['transmission-show', ['--version']]);
  const haveAria2 = requireTool(t, 'aria2c', ['aria2c', ['--version']]);
  if (!haveTransmission || !haveAria2) return;
  const { dir, single } = makeContent(t);
  const multi = create(dir, 'content', join(dir, 'm.torrent'), ['-a', 'http://127.0.0.1:1/announce', '-a', 'http://127.0.0.2:1/announce', '-w', 'http://127.0.0.1:2/files/']);
  const one = create(dir, single, join(dir, 's.torrent'), []);
  for (const [file, info, expected] of [
    ['m.torrent', multi, EXPECTED_FILES],
    ['s.torrent', one, [['single.bin', 200_000]]],
  ] as const) {
    const tr = spawnSync('transmission-show', [join(dir, file)], { encoding: 'utf8' });
    assert.equal(tr.status, 0, tr.stderr);
    assert.match(tr.stdout, new RegExp(`Hash: ${info.infoHash}`));
    for (const [path, size] of expected) {
      assert.match(tr.stdout, new RegExp(`\\n  ${path.replace(/[.]/g, '\\.')} \\(${(size / 1000).toFixed(2).slice(0, 4)}`), `transmission lists ${path}`);
    }
    const ar = spawnSync('aria2c', ['--show-files', join(dir, file)], { encoding: 'utf8' });
    assert.equal(ar.status, 0, ar.stderr);
    assert.match(ar.stdout, new RegExp(`Info Hash: ${info.infoHash}`));
    for (const [path, size] of expected) {
      assert.match(ar.stdout, new RegExp(`\\|\\./${path.replace(/[.]/g, '\\.')}\\n\\s+\\|.*\\(${size.toLocaleString('en-US')}\\)`), `aria2 lists ${path}`);
    }
  }
  const tr = spawnSync('transmission-show', [join(dir, 'm.torrent')], { encoding: 'utf8' }).stdout;
  assert.match(tr, /Tier #1\s+http:\/\/127\.0\.0\.1:1\/announce\s+Tier #2\s+http:\/\/127\.0\.0\.2:1\/announce/);
});
