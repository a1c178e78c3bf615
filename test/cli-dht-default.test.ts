/**
 * Discovery is on by default in the CLI (issue 6). The DHT: `seed` and `stream` given only a local
 * `--bootstrap` node (no --dht) join it; the seeder's torrent is announced there and the stream of
 * its bare info hash finds the seeder through it, with no tracker, no x.pe, no LSD; the seeder's
 * routing table is saved on exit. LSD: `download` with no peer, no tracker and no DHT finds a `seed`
 * on another loopback address through BEP 14 announces alone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDhtNode } from '../src/adapters/node/dht.js';
import { toHex } from '../src/util/bytes.js';
import { requireLoopbackMulticast } from './helpers/multicast.js';
import { startCli } from './helpers/stream-cli.js';
import { tempDir } from './helpers/tools.js';

test('seed and stream join the DHT by default: a bare info hash streams from a seeder known only to the DHT', async (t) => {
  const dir = tempDir(t);
  const router = createDhtNode({ address: '127.0.0.5', port: 0, bootstrap: [] });
  await router.start();
  t.after(() => router.close());
  const bootstrap = `127.0.0.5:${router.address().port}`;
  const announced = new Set<string>();
  router.on('announced', (h) => announced.add(toHex(h)));

  mkdirSync(join(dir, 'share'));
  const data = randomBytes(300_000);
  writeFileSync(join(dir, 'share', 'clip.mp4'), data);
  const seed = startCli(['seed', 'share', '--bootstrap', bootstrap, '--no-lsd', '--bind', '127.0.0.6', '--port', '0', '--json'], dir);
  t.after(() => {
    if (seed.child.exitCode === null) seed.child.kill('SIGKILL');
  });
  const line = await seed.waitFor(/\{"type":"seeding".*\}\n/);
  const { infoHash } = JSON.parse(line[0]) as { infoHash: string };
  const deadline = Date.now() + 30_000;
  while (!announced.has(infoHash)) {
    assert.ok(Date.now() < deadline, `the seeder did not announce to the DHT: ${seed.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  const stream = startCli(['stream', infoHash, '--stdout', '--quiet', '--bootstrap', bootstrap, '--no-lsd', '--peer-bind', '127.0.0.7', '-o', 'out'], dir);
  t.after(() => {
    if (stream.child.exitCode === null) stream.child.kill('SIGKILL');
  });
  const code = await stream.exitWithin(60_000);
  assert.equal(code, 0, stream.stderr());
  assert.equal(stream.stdout().length, data.length);
  assert.ok(Buffer.from(stream.stdout(), 'latin1').equals(data), 'streamed bytes equal the file');
  seed.child.kill('SIGINT');
  assert.equal(await seed.exit, 0);
  // The routing table is saved on exit beside the resume data, to be loaded on the next start.
  const saved = JSON.parse(readFileSync(join(dir, '.torrentkit', 'dht.json'), 'utf8')) as { id: string; nodes: { address?: string; host?: string }[] };
  assert.match(saved.id, /^[0-9a-f]{40}$/);
  assert.ok(JSON.stringify(saved.nodes).includes('127.0.0.5'), `the router is in the saved table: ${JSON.stringify(saved)}`);
});

test('download finds a seed through local service discovery by default', async (t) => {
  if (!(await requireLoopbackMulticast(t))) return;
  const dir = tempDir(t);
  mkdirSync(join(dir, 'share'));
  const data = randomBytes(200_000);
  writeFileSync(join(dir, 'share', 'lsd.bin'), data);
  const seed = startCli(['seed', 'share', '--torrent', 'share.torrent', '--no-dht', '--bind', '127.0.0.11', '--port', '0', '--json'], dir);
  t.after(() => {
    if (seed.child.exitCode === null) seed.child.kill('SIGKILL');
  });
  await seed.waitFor(/\{"type":"seeding".*\}\n/);
  const download = startCli(['download', 'share.torrent', '--no-dht', '--bind', '127.0.0.12', '--port', '0', '-o', 'out', '--quiet'], dir);
  t.after(() => {
    if (download.child.exitCode === null) download.child.kill('SIGKILL');
  });
  const code = await download.exitWithin(60_000);
  assert.equal(code, 0, download.stderr());
  assert.ok(readFileSync(join(dir, 'out', 'share', 'lsd.bin')).equals(data));
  seed.child.kill('SIGINT');
  assert.equal(await seed.exit, 0);
});
