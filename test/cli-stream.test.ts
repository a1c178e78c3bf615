/**
 * `torrentkit stream` as users run it: --list, --stdout against a local seeder, and typed errors.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../src/adapters/node/client.js';
import { makeContent } from './helpers/swarm.js';
import { startCli } from './helpers/stream-cli.js';
import { runCli, tempDir } from './helpers/tools.js';

test('stream --list, --stdout and errors', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'pack', { 'big.mkv': 700_000, 'small.mp4': 90_000, 'notes.txt': 300 }, { pieceLength: 32 * 1024 });
  writeFileSync(join(dir, 'pack.torrent'), content.torrent);
  const list = runCli(['stream', 'pack.torrent', '--no-dht', '--no-lsd', '--list', '-o', 'out'], { cwd: dir });
  assert.equal(list.status, 0, list.stderr);
  const rows = list.stdout.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(rows.map((r) => r[2]).sort(), ['pack/big.mkv', 'pack/notes.txt', 'pack/small.mp4']);
  const bad = runCli(['stream', 'pack.torrent', '--no-dht', '--no-lsd', '--select', '9', '-o', 'out'], { cwd: dir });
  assert.equal(bad.status, 2, 'usage errors exit 2');
  assert.match(bad.stderr, /BT_ERR_CLI_USAGE/);
  const both = runCli(['stream', 'pack.torrent', '--no-dht', '--no-lsd', '--stdout', '--mpv'], { cwd: dir });
  assert.match(both.stderr, /BT_ERR_CLI_USAGE/);
  const noPlayer = runCli(['stream', 'pack.torrent', '--no-dht', '--no-lsd', '--port', '0', '-o', 'out', '--player', 'no-such-player-here', '--quiet'], { cwd: dir });
  assert.notEqual(noPlayer.status, 0);
  assert.match(noPlayer.stderr, /BT_ERR_PLAYER/);

  const seeder = new Client({ lsd: false, dht: false, path: join(dir, 'seed'), port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  t.after(() => seeder.close());
  await (await seeder.add(content.torrent)).whenDone();
  const small = rows.find((r) => r[2] === 'pack/small.mp4')![0];
  const cli = startCli(['stream', 'pack.torrent', '--no-dht', '--no-lsd', '--stdout', '--quiet', '--select', small, '-o', 'out2', '--remove', '--peer', `127.0.0.1:${seeder.port}`], dir);
  t.after(() => {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });
  const bytes: Buffer[] = [];
  cli.child.stdout!.on('data', (c: Buffer) => bytes.push(c));
  assert.equal(await cli.exit, 0, cli.stderr());
  assert.deepEqual(new Uint8Array(Buffer.concat(bytes)), content.files.get('small.mp4'));
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(join(dir, 'out2', 'pack')), false, '--remove deleted the data');
});

test('stream --stdout stops when its reader goes away, also while it waits for the pipe to drain', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'film', { 'film.mkv': 4_000_000 }, { pieceLength: 64 * 1024 });
  writeFileSync(join(dir, 'film.torrent'), content.torrent);
  const seeder = new Client({ lsd: false, dht: false, path: join(dir, 'seed'), port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  t.after(() => seeder.close());
  await (await seeder.add(content.torrent)).whenDone();
  const cli = startCli(['stream', 'film.torrent', '--no-dht', '--no-lsd', '--stdout', '--quiet', '-o', 'out', '--peer', `127.0.0.1:${seeder.port}`], dir);
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  // The player reads a little, stops reading (the pipe fills, the CLI waits for it to drain), quits.
  await new Promise<void>((r) => cli.child.stdout!.once('data', () => r()));
  cli.child.stdout!.pause();
  await new Promise((r) => setTimeout(r, 500));
  cli.child.stdout!.destroy();
  const code = await cli.exitWithin(20_000);
  assert.equal(code, 130, `exit code (stderr: ${cli.stderr()})`);
  assert.doesNotMatch(cli.stderr(), /EPIPE|Unhandled|at .*\(.*:\d+:\d+\)/, 'no unhandled error, no stack trace');
});
