/**
 * Magnet links with aria2 (1.36) on loopback: torrentkit fetches the metadata (BEP 9) from an
 * aria2 seeder given by x.pe; aria2 fetches it from a torrentkit seeder it finds through a
 * torrentkit tracker named in the link's tr=. aria2's DHT, LPD and PEX are off.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { toHex } from '../../src/util/bytes.js';
import { makeContent } from '../helpers/swarm.js';
import { requireTool, tempDir } from '../helpers/tools.js';

const QUIET = ['--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false', '--disable-ipv6=true'];

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function aria2(args: string[]) {
  const proc = spawn('aria2c', [...QUIET, '--console-log-level=warn', '--summary-interval=0', '--interface=127.0.0.2', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => (log += String(d)));
  proc.stderr.on('data', (d) => (log += String(d)));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    log: () => log,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

test('torrentkit fetches the metadata from an aria2 seeder (x.pe) and downloads', async (t) => {
  if (!requireTool(t, 'aria2c')) return;
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'ariapack', { 'a.bin': 250_000, 'b.bin': 77_777 }, { pieceLength: 16 * 1024 });
  writeFileSync(join(dir, 'pack.torrent'), content.torrent);
  const port = await freePort('127.0.0.2');
  const seed = aria2([`--dir=${join(dir, 'seed')}`, '--seed-ratio=0.0', '--check-integrity=true', `--listen-port=${port}`, join(dir, 'pack.torrent')]);
  t.after(() => seed.stop());
  const client = new Client({ lsd: false, dht: false, path: join(dir, 'leech'), port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  t.after(() => client.close());
  const magnet = await client.addMagnet(`magnet:?xt=urn:btih:${toHex(content.meta.id)}&x.pe=127.0.0.2:${port}`);
  const torrent = await magnet.whenTorrent({ signal: AbortSignal.timeout(45_000) }).catch((err: Error) => {
    throw new Error(`${err.message}\naria2: ${seed.log()}`);
  });
  assert.deepEqual(torrent.meta.infoBytes, content.meta.infoBytes);
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  for (const [rel, bytes] of content.files) assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'ariapack', rel))), bytes, rel);
});

test('aria2 fetches the metadata of a magnet link from a torrentkit seeder', async (t) => {
  if (!requireTool(t, 'aria2c')) return;
  const tracker = await startTracker({ httpPort: 0, udpPort: 0, host: '127.0.0.1', store: 'memory:' });
  t.after(() => tracker.close());
  const announce = `http://127.0.0.1:${tracker.httpPort}/announce`;
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'tkaria', { 'x.bin': 200_000, 'y/z.bin': 4_321 }, { pieceLength: 16 * 1024, announce: [announce] });
  const seeder = new Client({ lsd: false, dht: false, path: join(dir, 'seed'), port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  t.after(() => seeder.close());
  const seeding = await seeder.add(content.torrent);
  await seeding.whenDone();
  const uri = `magnet:?xt=urn:btih:${toHex(content.meta.id)}&tr=${encodeURIComponent(announce)}`;
  const port = await freePort('127.0.0.2');
  const leech = aria2([`--dir=${join(dir, 'aria')}`, '--seed-time=0', '--bt-save-metadata=false', `--listen-port=${port}`, '--bt-stop-timeout=60', `--log=${join(dir, 'aria.log')}`, '--log-level=info', uri]);
  t.after(() => leech.stop());
  // aria2 announces left=0 while it has no metadata, so a tracker takes it for a seed and gives
  // it no seeds: our seeder dials it (it reads aria2's listen port from the tracker the same way).
  await new Promise((r) => setTimeout(r, 1_000));
  seeding.addPeer('127.0.0.2', port, 'manual');
  // aria2 reports the metadata complete only after checking it against the info hash.
  const done = `Download complete: [MEMORY][METADATA]${toHex(content.meta.id)}`;
  const log = () => (existsSync(join(dir, 'aria.log')) ? readFileSync(join(dir, 'aria.log'), 'utf8') : '');
  const deadline = Date.now() + 60_000;
  while (!log().includes(done)) {
    assert.ok(Date.now() < deadline && leech.proc.exitCode === null, `aria2 did not complete the metadata\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(log(), /Got ut_metadata/);
});
