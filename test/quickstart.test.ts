/**
 * The README's Quick start, as a user types it after `npm ci`: `npx torrentkit ...` through the
 * package's bin entry (its shebang and node flags), in a scratch folder holding a copy of README.md.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, tempDir } from './helpers/tools.js';

test('the Quick start command runs through npx and reads back the torrent it wrote', (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const line = /```sh\n(npm ci && npx torrentkit create [^\n]+)\n```/.exec(readme)?.[1];
  assert.ok(line, 'the Quick start main command is in README.md');
  // Everything after `npm ci && ` (dependencies are installed already), run where npx finds the
  // package's bin: from the project root, on a copy of README.md in a scratch folder.
  const dir = tempDir(t);
  copyFileSync(join(ROOT, 'README.md'), join(dir, 'README.md'));
  const command = line.replace(/^npm ci && /, '').replaceAll('README.md', join(dir, 'README.md')).replaceAll('readme.torrent', join(dir, 'readme.torrent'));
  const r = spawnSync('sh', ['-c', command], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /info hash: +[0-9a-f]{40}/);
  assert.match(r.stdout, /README\.md/);
});
