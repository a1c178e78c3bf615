/**
 * The CLI when the reader of its output goes away (`torrentkit download --json | head -1`): the
 * command stops as on an interrupt, with no unhandled stream error and no stack trace.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildTorrent } from './helpers/torrents.js';
import { startCli } from './helpers/stream-cli.js';
import { tempDir } from './helpers/tools.js';

test('download --json stops cleanly when its standard output is closed', async (t) => {
  const dir = tempDir(t);
  const torrent = join(dir, 'a.torrent');
  writeFileSync(torrent, buildTorrent([{ path: ['a.bin'], data: randomBytes(100_000) }]));
  mkdirSync(join(dir, 'out'));
  // No peer answers (port 9 on loopback), so the download runs on and prints a line a second.
  const cli = startCli(['download', torrent, '-o', join(dir, 'out'), '--peer', '127.0.0.1:9', '--no-dht', '--no-lsd', '--port', '0', '--bind', '127.0.0.8', '--json'], dir);
  t.after(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  await new Promise<void>((r) => cli.child.stdout!.once('data', () => r()));
  cli.child.stdout!.destroy(); // the reader goes away, as `head -1` does after its line
  const code = await cli.exitWithin(20_000);
  assert.equal(code, 130, `exit code (stderr: ${cli.stderr()})`);
  assert.doesNotMatch(cli.stderr(), /EPIPE|Unhandled|at .*\(.*:\d+:\d+\)/, 'no unhandled error, no stack trace');
});
