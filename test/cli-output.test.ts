/**
 * The CLI when the reader of its output goes away (`torrentkit download --json | head -1`): the
 * command stops as on an interrupt, with no unhandled stream error and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTorrent } from './helpers/torrents.js';
import { ROOT, tempDir } from './helpers/tools.js';

test('download --json stops cleanly when its standard output is closed', async (t) => {
  const dir = tempDir(t);
  const torrent = join(dir, 'a.torrent');
  writeFileSync(torrent, buildTorrent([{ path: ['a.bin'], data: randomBytes(100_000) }]));
  mkdirSync(join(dir, 'out'));
  // No peer answers (port 9 on loopback), so the download runs on and prints a line a second.
  const child = spawn(process.execPath, [join(ROOT, 'bin/torrentkit.js'), 'download', torrent, '-o', join(dir, 'out'), '--peer', '127.0.0.1:9', '--no-dht', '--no-lsd', '--port', '0', '--bind', '127.0.0.8', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  child.stdout.destroy(); // the reader goes away, as `head -1` does after its line
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exit, new Promise<string>((r) => (timer = setTimeout(() => r('still running'), 20_000)))]);
  clearTimeout(timer);
  assert.equal(code, 130, `exit code (stderr: ${stderr})`);
  assert.doesNotMatch(stderr, /EPIPE|Unhandled|at .*\(.*:\d+:\d+\)/, 'no unhandled error, no stack trace');
});
