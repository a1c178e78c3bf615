/**
 * libtorrent and aria2 announce to the torrentkit tracker over HTTP and over UDP, find each other
 * through it and complete a download; the tracker's scrape numbers match what happened (one
 * completed download, no leecher left).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../src/adapters/node/clock.js';
import { nodeDatagrams } from '../../src/adapters/node/datagram.js';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { decode } from '../../src/codecs/bencode/index.js';
import { HttpTrackerClient } from '../../src/engines/tracker/http-client.js';
import { UdpTrackerClient } from '../../src/engines/tracker/udp-client.js';
import { sha1 } from '../../src/util/sha.js';
import { PYTHON, ROOT, requireLibtorrent, requireTool, tempDir } from '../helpers/tools.js';
import { freePort } from '../helpers/trackers.js';

const LT = join(ROOT, 'test/interop/fixtures/lt-peer.py');

function own(t: TestContext, proc: ChildProcess): void {
  t.after(
    () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const k = setTimeout(() => proc.kill('SIGKILL'), 3000);
        proc.once('exit', () => {
          clearTimeout(k);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  );
}

function infoHashOf(torrent: string): Uint8Array {
  const raw = readFileSync(torrent);
  // The info dictionary's exact bytes: find them through the decoder's view of the file.
  const start = raw.indexOf('4:infod') + 6;
  const d = decode(new Uint8Array(raw)) as Record<string, unknown>;
  assert.ok(d.info);
  return sha1(new Uint8Array(raw.subarray(start, raw.length - 1)));
}

function waitLine(proc: ChildProcess, want: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${want}: ${err.slice(-500)}`)), ms);
    proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = want.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    proc.once('exit', (code) => {
      if (!want.test(buf)) {
        clearTimeout(timer);
        reject(new Error(`exited ${code} before ${want}: ${err.slice(-500)}`));
      }
    });
  });
}

async function aria2(t: TestContext, args: string[]): Promise<ChildProcess> {
  const port = await freePort();
  const proc = spawn(
    'aria2c',
    [
      '--enable-dht=false',
      '--enable-dht6=false',
      '--bt-enable-lpd=false',
      '--enable-peer-exchange=false',
      '--disable-ipv6=true',
      // A range: a port found free a moment ago may be taken by a parallel test; aria2 takes
      // the first one it can bind (peers find it through the tracker, whatever the port).
      `--listen-port=${port}-${Math.min(65535, port + 40)}`,
      '--console-log-level=warn',
      '--summary-interval=0',
      '--check-integrity=true',
      '--bt-tracker-interval=2',
      '--file-allocation=none',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  own(t, proc);
  return proc;
}

async function swarm(t: TestContext, scheme: 'http' | 'udp', seederKind: 'libtorrent' | 'aria2', leecherKind: 'libtorrent' | 'aria2') {
  const dir = tempDir(t);
  const tracker = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:', intervalS: 5 });
  t.after(() => tracker.close());
  const url = scheme === 'http' ? `http://127.0.0.1:${tracker.httpPort}/announce` : `udp://127.0.0.1:${tracker.udpPort}/announce`;
  mkdirSync(join(dir, 'seed'));
  mkdirSync(join(dir, 'leech'));
  const data = randomBytes(2 * 1024 * 1024 + 12345);
  writeFileSync(join(dir, 'seed', 'payload.bin'), data);
  const torrent = join(dir, 'x.torrent');
  const made = spawnSync(PYTHON, [LT, 'make', join(dir, 'seed', 'payload.bin'), torrent, url], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const infoHash = infoHashOf(torrent);
  // Seeder.
  if (seederKind === 'libtorrent') {
    const seeder = spawn(PYTHON, [LT, 'seed', torrent, join(dir, 'seed')], { stdio: ['ignore', 'pipe', 'pipe'] });
    own(t, seeder);
  } else {
    await aria2(t, ['--seed-ratio=0.0', '--seed-time=10', `--dir=${join(dir, 'seed')}`, torrent]);
  }
  // Wait for the seeder to be on the tracker (scrape through torrentkit's own client).
  const scraper =
    scheme === 'http'
      ? new HttpTrackerClient({ http: nodeHttpGet }, url)
      : new UdpTrackerClient({ clock: systemClock, rng: cryptoRng, datagrams: nodeDatagrams }, url, { retransmitBaseMs: 500, maxRetransmits: 3 });
  t.after(() => scraper.close());
  for (let i = 0; i < 200; i++) {
    const [e] = await scraper.scrape([infoHash]);
    if (e.complete === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (leecherKind === 'aria2') {
    const leech = await aria2(t, ['--seed-time=0', `--dir=${join(dir, 'leech')}`, torrent]);
    let output = '';
    leech.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    leech.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
    const code = await new Promise<number | null>((resolve) => leech.once('exit', resolve));
    assert.equal(code, 0, `aria2 finished the download; its output: ${output}`);
  } else {
    const leech = spawn(PYTHON, [LT, 'leech', torrent, join(dir, 'leech')], { stdio: ['ignore', 'pipe', 'pipe'] });
    own(t, leech);
    await waitLine(leech, /"done": true/, 90_000);
  }
  assert.ok(readFileSync(join(dir, 'leech', 'payload.bin')).equals(data), 'leecher has the exact bytes');
  // The leecher reported `completed`: the tracker counts one download.
  let last = { complete: 0, downloaded: 0, incomplete: 0 };
  for (let i = 0; i < 100; i++) {
    [last] = await scraper.scrape([infoHash]);
    if (last.downloaded >= 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(last.downloaded, 1, `scrape ${JSON.stringify(last)}`);
  assert.equal(last.incomplete, 0);
  const stats = JSON.parse(new TextDecoder().decode((await nodeHttpGet.get(`http://127.0.0.1:${tracker.httpPort}/stats.json`)).body)) as {
    announces: Record<string, number>;
  };
  assert.ok(stats.announces[scheme] >= 3, JSON.stringify(stats.announces));
}

test('libtorrent seeds to aria2 through the HTTP tracker', { timeout: 120_000 }, async (t) => {
  if (!requireLibtorrent(t) || !requireTool(t, 'aria2c')) return;
  await swarm(t, 'http', 'libtorrent', 'aria2');
});

test('aria2 seeds to libtorrent through the HTTP tracker', { timeout: 120_000 }, async (t) => {
  if (!requireLibtorrent(t) || !requireTool(t, 'aria2c')) return;
  await swarm(t, 'http', 'aria2', 'libtorrent');
});

// aria2 speaks UDP tracker only through its DHT socket, and DHT stays off in tests on the host:
// libtorrent plays both sides over UDP here; aria2 over UDP runs in network namespaces
// (tracker-transmission.test.ts).
test('libtorrent seeds to libtorrent through the UDP tracker', { timeout: 120_000 }, async (t) => {
  if (!requireLibtorrent(t)) return;
  await swarm(t, 'udp', 'libtorrent', 'libtorrent');
});
