/**
 * LSD (BEP 14) on the real multicast group 239.192.152.143:6771 — inside a network namespace
 * that has only a loopback interface (created with `unshare -n`, root only), so no datagram can
 * leave the machine. Two torrentkit LSD services hear each other, and hear libtorrent's LSD
 * announce when python3-libtorrent is installed. Skipped (or failed under CI) without root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PYTHON, requireLibtorrent, requireTool, ROOT } from '../helpers/tools.js';

test('LSD announces cross the multicast group in a loopback-only namespace', (t) => {
  if (!requireTool(t, 'unshare', ['unshare', ['-n', 'true']])) return;
  const withLt = requireLibtorrent(t);
  const script = join(ROOT, 'test/interop/fixtures/lsd-pair.ts');
  const tsx = join(ROOT, 'node_modules/tsx/dist/loader.mjs');
  const cmd = `ip link set lo up && ip link set lo multicast on && exec "${process.execPath}" --import "${tsx}" "${script}" ${withLt ? PYTHON : ''}`;
  const r = spawnSync('unshare', ['-n', 'sh', '-c', cmd], { encoding: 'utf8', timeout: 60_000, cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { heard: string[]; libtorrent: string | null };
  assert.ok(out.heard.includes('7001<-5a5a 127.0.0.1:7002'), r.stdout);
  assert.ok(out.heard.includes('7002<-5a5a 127.0.0.1:7001'), r.stdout);
  if (withLt) assert.ok(out.libtorrent, `libtorrent's LSD announce was heard: ${r.stdout}`);
});
