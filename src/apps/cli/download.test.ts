/**
 * `download` and `seed` as a user runs them: the built CLI in child processes on 127.0.0.1. A
 * `seed` process shares a folder; `download` processes fetch it (all files, or a selection), print
 * JSON lines, exit 0 only with the data on disk; errors are one line with a code; SIGINT saves
 * resume data and exits 130 (download) or 0 (seed).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { ROOT, runCli, tempDir } from '../../../test/helpers/tools.js';
import { parseSelection } from './download.js';
import { formatStatus, type StatusLine } from './status.js';

const CLI = join(ROOT, 'bin/torrentkit.js');

interface Proc {
  child: ChildProcess;
  /** Resolves with the next JSON line on stdout that satisfies `pred`. */
  next(pred: (obj: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exit: Promise<number | null>;
}

function start(t: TestContext, args: string[], cwd: string): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const lines: Record<string, unknown>[] = [];
  const waiters: { pred: (o: Record<string, unknown>) => boolean; resolve: (o: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const obj = JSON.parse(line) as Record<string, unknown>;
    lines.push(obj);
    for (const w of [...waiters]) {
      if (w.pred(obj)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(obj);
      }
    }
  });
  const exit = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    next: (pred) => {
      const seen = lines.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve });
        void exit.then((code) => reject(new Error(`exited with ${code} before the expected line; stderr: ${err}`)));
      });
    },
  };
}

function content(dir: string): Map<string, Buffer> {
  const files = new Map([
    ['a.bin', randomBytes(700_000)],
    ['sub/b.bin', randomBytes(1_300_000)],
    ['c.txt', Buffer.from('hello\n')],
  ]);
  for (const [rel, data] of files) {
    mkdirSync(join(dir, 'share', rel, '..'), { recursive: true });
    writeFileSync(join(dir, 'share', rel), data);
  }
  return files;
}

test('download fetches every file from a seed process, with JSON lines; --select writes only the chosen file', async (t) => {
  const dir = tempDir(t);
  const files = content(dir);
  const seed = start(t, ['seed', '--no-dht', '--no-lsd', 'share', '--torrent', 'share.torrent', '--json', '--port', '0', '--bind', '127.0.0.1'], dir);
  const ready = await seed.next((o) => o.type === 'seeding');
  assert.match(String(ready.magnet), /^magnet:\?xt=urn:btih:[0-9a-f]{40}/);
  assert.equal(ready.piecesVerified, ready.pieceCount);
  const peer = `127.0.0.1:${ready.port}`;

  const dl = start(t, ['download', '--no-dht', '--no-lsd', 'share.torrent', '-o', 'out', '--peer', peer, '--port', '0', '--bind', '127.0.0.1', '--json'], dir);
  assert.equal(await dl.exit, 0, dl.stderr());
  assert.equal(dl.stderr(), '');
  const types = dl.lines.map((l) => l.type);
  assert.equal(types[0], 'started');
  assert.equal(types.at(-1), 'done');
  assert.ok(types.includes('status'));
  for (const s of dl.lines.filter((l) => l.type === 'status')) {
    for (const key of ['elapsedMs', 'progress', 'downloadRate', 'uploadRate', 'peers', 'verifiedBytes', 'leftBytes', 'piecesVerified', 'pieceCount']) {
      assert.equal(typeof s[key], 'number', key);
    }
    assert.equal(s.infoHash, ready.infoHash);
  }
  const done = dl.lines.at(-1)!;
  assert.equal(done.piecesVerified, done.pieceCount);
  // `verified` (every piece verified and written) comes right before `done` (flushed to disk).
  const verified = dl.lines.at(-2)!;
  assert.equal(verified.type, 'verified');
  assert.equal(verified.piecesVerified, done.pieceCount);
  assert.ok(Number(verified.elapsedMs) <= Number(done.elapsedMs));
  for (const [rel, data] of files) assert.deepEqual(readFileSync(join(dir, 'out', 'share', rel)), data, rel);
  assert.ok(readdirSync(join(dir, 'out', '.torrentkit', 'resume')).length > 0, 'resume data written');

  // The torrent lists files in mktorrent order: a.bin, c.txt, sub/b.bin.
  const info = runCli(['info', 'share.torrent', '--json'], { cwd: dir });
  const listed = (JSON.parse(info.stdout).files as { path: string }[]).map((f) => f.path);
  const index = listed.findIndex((p) => p.endsWith('b.bin'));
  assert.ok(index >= 0, info.stdout);
  const sel = start(t, ['download', '--no-dht', '--no-lsd', join(dir, 'share.torrent'), '-o', join(dir, 'sel'), '--peer', peer, '--port', '0', '--select', String(index), '--quiet'], dir);
  assert.equal(await sel.exit, 0, sel.stderr());
  assert.equal(sel.stderr(), '', '--quiet prints nothing');
  assert.deepEqual(readFileSync(join(dir, 'sel', 'share', 'sub', 'b.bin')), files.get('sub/b.bin'));
  assert.equal(existsSync(join(dir, 'sel', 'share', 'c.txt')), false);

  // The seed process stops on SIGINT with exit 0, having uploaded both downloads.
  const uploaded = await seed.next((o) => o.type === 'status' && Number(o.uploaded) >= 2_006_006 + 1_300_000);
  assert.ok(Number(uploaded.uploaded) >= 3_306_006);
  seed.child.kill('SIGINT');
  assert.equal(await seed.exit, 0, seed.stderr());
});

test('download is interrupted by SIGINT: exit 130 and resume data saved; a .torrent seeds from -o DIR', async (t) => {
  const dir = tempDir(t);
  content(dir);
  assert.equal(runCli(['create', 'share', '-o', 'share.torrent'], { cwd: dir }).status, 0);
  // Nobody listens at this peer: the download waits until interrupted.
  const dl = start(t, ['download', '--no-dht', '--no-lsd', 'share.torrent', '-o', 'out', '--peer', '127.0.0.1:1', '--port', '0', '--json'], dir);
  await dl.next((o) => o.type === 'status' && o.state === 'downloading');
  dl.child.kill('SIGINT');
  assert.equal(await dl.exit, 130, dl.stderr());
  assert.equal(dl.lines.at(-1)?.type, 'interrupted');
  assert.ok(readdirSync(join(dir, 'out', '.torrentkit', 'resume')).length > 0, 'resume data saved on SIGINT');

  // A magnet link nobody serves waits for its metadata until interrupted.
  const magnet = start(t, ['download', '--no-dht', '--no-lsd', `magnet:?xt=urn:btih:${'c'.repeat(40)}`, '-o', 'm', '--port', '0', '--json'], dir);
  await magnet.next((o) => o.type === 'metadata');
  magnet.child.kill('SIGINT');
  assert.equal(await magnet.exit, 130, magnet.stderr());

  // Seeding an existing .torrent checks the data in -o DIR first.
  const seed = start(t, ['seed', '--no-dht', '--no-lsd', 'share.torrent', '-o', '.', '--port', '0', '--bind', '127.0.0.1', '--json'], dir);
  const ready = await seed.next((o) => o.type === 'seeding');
  assert.equal(ready.piecesVerified, ready.pieceCount);
  const resumed = start(t, ['download', '--no-dht', '--no-lsd', 'share.torrent', '-o', 'out', '--peer', `127.0.0.1:${ready.port}`, '--port', '0', '--json'], dir);
  assert.equal(await resumed.exit, 0, resumed.stderr());
  assert.deepEqual(readFileSync(join(dir, 'out', 'share', 'sub', 'b.bin')), readFileSync(join(dir, 'share', 'sub', 'b.bin')));
  seed.child.kill('SIGINT');
  assert.equal(await seed.exit, 0);
});

test('seed a single file with --assume-complete; download with --download-limit, --max-peers, --keep-seeding: a JSON status a second', async (t) => {
  const dir = tempDir(t);
  const data = randomBytes(1_500_000);
  writeFileSync(join(dir, 'one.bin'), data);
  const seed = start(t, ['seed', '--no-dht', '--no-lsd', 'one.bin', '--torrent', 'one.torrent', '--assume-complete', '--json', '--port', '0', '--bind', '127.0.0.1'], dir);
  const ready = await seed.next((o) => o.type === 'seeding');
  const peer = `127.0.0.1:${ready.port}`;
  // 500 kB/s: 1.5 MB takes about three seconds whatever the machine (it can only be slower).
  const args = ['download', '--no-dht', '--no-lsd', 'one.torrent', '-o', 'out', '--peer', peer, '--port', '0', '--bind', '127.0.0.1'];
  const dl = start(t, [...args, '--download-limit', '500k', '--max-peers', '1', '--keep-seeding', '--json'], dir);
  const done = await dl.next((o) => o.type === 'done');
  assert.deepEqual(readFileSync(join(dir, 'out', 'one.bin')), data);
  assert.ok(Number(done.elapsedMs) >= 2_000, `the limit held: 1.5 MB in ${done.elapsedMs} ms at 500 kB/s`);
  const statuses = dl.lines.filter((l) => l.type === 'status');
  assert.ok(statuses.length >= 2, `${statuses.length} status lines`);
  for (let i = 1; i < statuses.length; i++) {
    const gap = Number(statuses[i].elapsedMs) - Number(statuses[i - 1].elapsedMs);
    assert.ok(gap >= 900, `status lines a second apart (${gap} ms)`);
  }
  // --keep-seeding: still running (and serving) after done; a second downloader gets the file
  // from it once the first seed process is gone (its one connection, --max-peers 1, is free).
  assert.equal(dl.child.exitCode, null, 'keeps running after done');
  seed.child.kill('SIGINT');
  assert.equal(await seed.exit, 0);
  const port = (dl.lines.find((l) => l.type === 'started') as { port: number }).port;
  const second = start(t, ['download', '--no-dht', '--no-lsd', 'one.torrent', '-o', 'out2', '--peer', `127.0.0.1:${port}`, '--port', '0', '--bind', '127.0.0.1', '--quiet'], dir);
  assert.equal(await second.exit, 0, second.stderr());
  assert.deepEqual(readFileSync(join(dir, 'out2', 'one.bin')), data);
  dl.child.kill('SIGINT');
  assert.equal(await dl.exit, 0, 'a kept seed ends with 0 on SIGINT');
});

test('download and seed report errors as one line with a code', (t) => {
  const dir = tempDir(t);
  content(dir);
  assert.equal(runCli(['create', 'share', '-o', 'share.torrent'], { cwd: dir }).status, 0);
  const cases: [string[], number, string][] = [
    [['download', '--no-dht', '--no-lsd'], 2, 'BT_ERR_CLI_USAGE'],
    [['download', '--no-dht', '--no-lsd', 'share.torrent', '--select', 'x'], 2, 'BT_ERR_CLI_USAGE'],
    [['download', '--no-dht', '--no-lsd', 'share.torrent', '--port', '70000'], 2, 'BT_ERR_CLI_USAGE'],
    [['download', '--no-dht', '--no-lsd', 'share.torrent', '--peer', 'nohostport'], 2, 'BT_ERR_CLI_USAGE'],
    [['download', '--no-dht', '--no-lsd', 'share.torrent', '--download-limit', 'fast'], 2, 'BT_ERR_CLI_USAGE'],
    [['download', '--no-dht', '--no-lsd', 'missing.torrent', '--port', '0'], 1, 'BT_ERR_CLI_READ'],
    [['download', '--no-dht', '--no-lsd', 'share.torrent', '--select', '7', '--port', '0', '-o', 'x'], 1, 'BT_ERR_CLI_SELECTION'],
    [['seed', '--no-dht', '--no-lsd', 'nothing-here', '--port', '0'], 1, 'BT_ERR_CREATE_INPUT'],
    [['seed', '--no-dht', '--no-lsd', 'share', '-o', 'x'], 2, 'BT_ERR_CLI_USAGE'],
  ];
  for (const [args, status, code] of cases) {
    const r = runCli(args, { cwd: dir, timeoutMs: 30_000 });
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^torrentkit ${args[0]}: ${code}: `), args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line: ${r.stderr}`);
  }
  const help = runCli(['download', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--select LIST/);
});

test('parseSelection reads lists and ranges', () => {
  assert.equal(parseSelection({}), undefined);
  assert.deepEqual(parseSelection({ select: ['0,2', '5-7'] }), [0, 2, 5, 6, 7]);
  assert.throws(() => parseSelection({ select: ['3-1'] }), { code: 'BT_ERR_CLI_USAGE' });
  assert.throws(() => parseSelection({ select: [''] }), { code: 'BT_ERR_CLI_USAGE' });
});

test('the TTY status line fits the terminal and shows progress, rates, peers and ETA', () => {
  const line: StatusLine = {
    type: 'status', elapsedMs: 1000, infoHash: 'x', name: 'n', state: 'downloading', progress: 0.5, totalBytes: 2 << 20,
    verifiedBytes: 1 << 20, leftBytes: 1 << 20, downloaded: 1 << 20, uploaded: 0, downloadRate: 1 << 20, uploadRate: 2048,
    peers: 3, seeds: 1, knownPeers: 4, eta: 65, piecesVerified: 4, pieceCount: 8, hashFailures: 0,
  };
  const text = formatStatus(line, 120);
  assert.match(text, /^\[#+-+\] {2}50\.0% 1\.00 MiB {2}down 1\.00 MiB\/s {2}up 2\.00 KiB\/s {2}peers 3 \(1 seed\) {2}ETA 1m05s$/);
  assert.ok(formatStatus(line, 40).length <= 39);
});
