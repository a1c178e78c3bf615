/** The `info` and `magnet` commands, run as the built CLI. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeWithRaw } from '../src/codecs/bencode/index.js';
import { fromHex, toBase32, toHex } from '../src/util/bytes.js';
import { sha1, sha256 } from '../src/util/sha.js';
import { ROOT, runCli, tempDir } from './helpers/tools.js';
import { buildTorrent, bytesOf } from './helpers/torrents.js';

const files = [
  { path: ['a.bin'], data: bytesOf(40000, 1) },
  { path: ['sub', 'b.txt'], data: bytesOf(100, 2) },
];

function write(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const JSON_KEYS = [
  'kind', 'name', 'version', 'infoHash', 'infoHashV2', 'infoHashV2Truncated', 'totalLength', 'contentLength', 'pieceLength',
  'pieceCount', 'private', 'multiFile', 'files', 'trackers', 'webSeeds', 'peers', 'selectOnly', 'nodes', 'creationDate',
  'comment', 'createdBy', 'source', 'magnet',
].sort();

test('info --json on a hybrid torrent: stable shape and values', (t) => {
  const dir = tempDir(t);
  const bytes = buildTorrent(files, {
    version: 'hybrid',
    name: 'd',
    top: {
      'announce-list': [['http://t1/a'], ['udp://t2:80']],
      'url-list': 'http://ws/',
      comment: 'c',
      'creation date': 1700000000,
      'created by': 'maker 1.0',
      nodes: [['127.0.0.5', 6881], ['::1', 6882]],
    },
    info: { private: 1, source: 'SRC' },
  });
  const raw = decodeWithRaw(bytes, ['info']).raw.get('info')!;
  const r = runCli(['info', '--json', write(dir, 'x.torrent', bytes)]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(doc).sort(), JSON_KEYS);
  assert.equal(doc.kind, 'torrent');
  assert.equal(doc.version, 'hybrid');
  assert.equal(doc.infoHash, toHex(sha1(raw)));
  assert.equal(doc.infoHashV2, toHex(sha256(raw)));
  assert.equal(doc.infoHashV2Truncated, toHex(sha256(raw)).slice(0, 40));
  assert.equal(doc.contentLength, 40100);
  assert.equal(doc.pieceLength, 16384);
  assert.equal(doc.pieceCount, 4);
  assert.equal(doc.private, true);
  assert.deepEqual(doc.trackers, [['http://t1/a'], ['udp://t2:80']]);
  assert.deepEqual(doc.webSeeds, ['http://ws/']);
  assert.equal(doc.comment, 'c');
  assert.equal(doc.creationDate, 1700000000);
  assert.equal(doc.createdBy, 'maker 1.0');
  assert.equal(doc.source, 'SRC');
  assert.deepEqual(doc.nodes, [
    { host: '127.0.0.5', port: 6881 },
    { host: '::1', port: 6882 },
  ]);
  assert.deepEqual(Object.keys(doc.files[0]).sort(), ['attr', 'index', 'length', 'offset', 'pad', 'path', 'pathElements', 'piecesRoot', 'symlinkPath']);
  assert.deepEqual(
    doc.files.map((f: { path: string; length: number; offset: number; pad: boolean }) => [f.path, f.length, f.offset, f.pad]),
    [
      ['d/a.bin', 40000, 0, false],
      ['d/.pad/9152', 9152, 40000, true],
      ['d/sub/b.txt', 100, 49152, false],
    ],
  );
  assert.equal(doc.files[1].attr, 'p');
  assert.match(doc.files[0].piecesRoot, /^[0-9a-f]{64}$/);
  assert.ok(doc.magnet.startsWith(`magnet:?xt=urn:btih:${doc.infoHash}&xt=urn:btmh:1220${doc.infoHashV2}&dn=d`));
});

test('info (text) lists name, hashes, size, pieces, trackers by tier and files', (t) => {
  const dir = tempDir(t);
  const p = write(dir, 'x.torrent', buildTorrent(files, { name: 'd', top: { announce: 'http://t/a' } }));
  const r = runCli(['info', p]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^name: +d$/m);
  assert.match(r.stdout, /^info hash: +[0-9a-f]{40}$/m);
  assert.match(r.stdout, /^pieces: +3 x 16\.0 KiB \(16,384 bytes\), last 7332 bytes$/m);
  assert.match(r.stdout, /^ {2}tier 0: http:\/\/t\/a$/m);
  assert.match(r.stdout, /^ +40000 +100 +d\/sub\/b\.txt$/m);
});

test('info on a magnet link and a bare info hash', () => {
  const hash = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
  const r = runCli(['info', '--json', `magnet:?xt=urn:btih:${hash}&dn=Name&tr=udp://a:1&tr=udp://b:2&so=1-3`]);
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(doc).sort(), JSON_KEYS);
  assert.equal(doc.kind, 'magnet');
  assert.equal(doc.infoHash, hash);
  assert.equal(doc.name, 'Name');
  assert.deepEqual(doc.trackers, [['udp://a:1'], ['udp://b:2']]);
  assert.deepEqual(doc.selectOnly, [{ start: 1, end: 3 }]);
  assert.equal(doc.files, null);
  const bare = runCli(['info', hash.toUpperCase()]);
  assert.equal(bare.status, 0, bare.stderr);
  assert.match(bare.stdout, new RegExp(`info hash: +${hash}`));
  // The 32-character base32 spelling of the same hash.
  const base32 = runCli(['info', toBase32(fromHex(hash))]);
  assert.equal(base32.status, 0, base32.stderr);
  assert.match(base32.stdout, new RegExp(`info hash: +${hash}`));
});

test('magnet prints the link; --no-trackers leaves trackers out', (t) => {
  const dir = tempDir(t);
  const bytes = buildTorrent(files, { name: 'my file', top: { 'announce-list': [['http://t1/a'], ['udp://t2:80']], 'url-list': ['http://ws/'] } });
  const hash = toHex(sha1(decodeWithRaw(bytes, ['info']).raw.get('info')!));
  const p = write(dir, 'x.torrent', bytes);
  const r = runCli(['magnet', p]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `magnet:?xt=urn:btih:${hash}&dn=my%20file&tr=http://t1/a&tr=udp://t2:80&ws=http://ws/\n`);
  assert.equal(runCli(['magnet', '--no-trackers', p]).stdout, `magnet:?xt=urn:btih:${hash}&dn=my%20file\n`);
  // Relative paths resolve against the working directory.
  assert.equal(runCli(['magnet', 'x.torrent'], { cwd: dir }).stdout, r.stdout);
});

test('user errors: one line with the code, exit 1; usage errors exit 2', (t) => {
  const dir = tempDir(t);
  const cases: [string[], string, number][] = [
    [['info', join(dir, 'missing.torrent')], 'BT_ERR_CLI_READ', 1],
    [['info', write(dir, 'bad.torrent', bytesOf(50))], 'BT_ERR_BENCODE_', 1],
    [['info', write(dir, 'nofiles.torrent', buildTorrent(files, { editInfo: (i) => (i.files = []) }))], 'BT_ERR_METAINFO_NO_FILES', 1],
    [['magnet', write(dir, 'pl.torrent', buildTorrent(files, { info: { 'piece length': 0 } }))], 'BT_ERR_METAINFO_BAD_PIECE_LENGTH', 1],
    [['info', 'magnet:?xt=urn:btih:123'], 'BT_ERR_MAGNET_BAD_INFO_HASH', 1],
    [['info'], 'BT_ERR_CLI_USAGE', 2],
    [['info', '--bogus', 'x'], 'BT_ERR_CLI_USAGE', 2],
  ];
  for (const [args, code, status] of cases) {
    const r = runCli(args);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], new RegExp(`^torrentkit ${args[0]}: ${code}`));
  }
});

test('--help on both commands', () => {
  for (const cmd of ['info', 'magnet']) {
    const r = runCli([cmd, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`^Usage: torrentkit ${cmd} `));
  }
});

/** Runs the CLI without blocking the event loop (the test serves HTTP meanwhile). */
function runCliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/torrentkit.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

test('info and magnet fetch a .torrent over http; HTTP errors are user errors', async (t) => {
  const bytes = buildTorrent(files, { name: 'web' });
  const server = createServer((req, res) => {
    if (req.url === '/x.torrent') res.end(bytes);
    else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ok = await runCliAsync(['info', '--json', `${base}/x.torrent`]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).infoHash, toHex(sha1(decodeWithRaw(bytes, ['info']).raw.get('info')!)));
  const mag = await runCliAsync(['magnet', `${base}/x.torrent`]);
  assert.match(mag.stdout, /^magnet:\?xt=urn:btih:[0-9a-f]{40}&dn=web\n$/);
  const missing = await runCliAsync(['info', `${base}/missing.torrent`]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^torrentkit info: BT_ERR_CLI_FETCH: .*HTTP 404\n$/);
});

test('torrents made by `create` (v1, v2, hybrid) read back with `info` to the same hashes and files', (t) => {
  const dir = tempDir(t);
  const content = join(dir, 'content');
  mkdirSync(join(content, 'sub'), { recursive: true });
  writeFileSync(join(content, 'a.bin'), bytesOf(70_000, 1));
  writeFileSync(join(content, 'sub', 'b.txt'), bytesOf(100, 2));
  writeFileSync(join(content, 'empty'), new Uint8Array(0));
  for (const version of ['v1', 'v2', 'hybrid']) {
    const out = join(dir, `${version}.torrent`);
    const made = runCli(['create', content, `--${version}`, '--piece-length', '16384', '-o', out, '--json']);
    assert.equal(made.status, 0, made.stderr);
    const created = JSON.parse(made.stdout);
    const r = runCli(['info', '--json', out]);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, version);
    assert.equal(doc.infoHash, created.infoHash);
    assert.equal(doc.infoHashV2, created.infoHashV2);
    assert.equal(doc.pieceCount, created.pieceCount);
    assert.equal(doc.contentLength, 70_100);
    const real = doc.files.filter((f: { pad: boolean }) => !f.pad).map((f: { path: string; length: number }) => [f.path, f.length]);
    assert.deepEqual(real.sort(), [['content/a.bin', 70_000], ['content/empty', 0], ['content/sub/b.txt', 100]]);
    if (version !== 'v1') {
      // v2 layout: every non-empty file starts on a piece boundary.
      for (const f of doc.files) if (!f.pad && f.length > 0) assert.equal(f.offset % 16384, 0, f.path);
    }
  }
});
