/** `torrentkit tracker` as a process: starts, serves announces, keeps SQLite swarms across a restart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { HttpTrackerClient } from '../../src/engines/tracker/http-client.js';
import { fromHex } from '../../src/util/bytes.js';
import { runCli, tempDir } from '../helpers/tools.js';
import { freePort, spawnTracker } from '../helpers/trackers.js';
import { systemClock } from '../../src/adapters/node/clock.js';
import { nodeDatagrams } from '../../src/adapters/node/datagram.js';
import { cryptoRng } from '../../src/adapters/node/rng.js';
import { UdpTrackerClient } from '../../src/engines/tracker/udp-client.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { TrackerError } from '../../src/codecs/tracker/errors.js';

test('tracker --help and usage errors', () => {
  const help = runCli(['tracker', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--http-port N/);
  const bad = runCli(['tracker', '--http-port', 'x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /BT_ERR_CLI_USAGE/);
  const store = runCli(['tracker', '--http-port', '0', '--store', 'mongo://x']);
  assert.equal(store.status, 1);
  assert.match(store.stderr, /BT_ERR_TRACKER_STORE_URL/);
});

test('tracker options through the CLI: --bind, --ws, --interval, --allow, --trust-proxy, --trust-ip', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'allow.txt'), `${'71'.repeat(20)}\n`);
  const args = ['--http-port', '0', '--udp-port', '0', '--ws', '--bind', '127.0.0.3', '--interval', '120', '--allow', 'allow.txt', '--trust-proxy', '--trust-ip', '--store', 'memory:'];
  const tr = await spawnTracker(args, dir);
  t.after(() => tr.stop());
  assert.match(tr.line, /http:\/\/127\.0\.0\.3:\d+\/announce udp:\/\/127\.0\.0\.3:\d+ ws:\/\/127\.0\.0\.3:\d+ store memory:/);
  const base = `http://127.0.0.3:${tr.httpPort}/announce`;
  const allowed = `info_hash=${'%71'.repeat(20)}`;
  // --trust-ip: the peer's own `ip`; --trust-proxy: the address X-Forwarded-For names.
  await nodeHttpGet.get(`${base}?${allowed}&peer_id=${'a'.repeat(20)}&port=1&left=0&ip=10.9.9.9`);
  await nodeHttpGet.get(`${base}?${allowed}&peer_id=${'b'.repeat(20)}&port=2&left=0`, { headers: { 'X-Forwarded-For': '10.1.2.3' } });
  const http = new HttpTrackerClient({ http: nodeHttpGet }, base);
  const peer = new TextEncoder().encode('-TK0100-000000000003');
  const announce = (hash: string) => http.announce({ infoHash: fromHex(hash.repeat(20)), peerId: peer, port: 3, uploaded: 0, downloaded: 0, left: 5, event: 'started', numwant: 10, key: 3 });
  const r = await announce('71');
  assert.deepEqual(r.peers.map((p) => `${p.ip}:${p.port}`).sort(), ['10.1.2.3:2', '10.9.9.9:1']);
  assert.ok(r.interval >= 120 && r.interval <= 132, `interval ${r.interval}`);
  assert.equal(r.minInterval, 60);
  // --allow: private mode.
  const refused = await announce('72').catch((e: unknown) => e);
  assert.ok(refused instanceof TrackerError && /not registered/.test(refused.reason), String(refused));
  // --ws: a WebTorrent announce over WebSocket on the HTTP port is answered from the same swarm.
  const ws = new WebSocket(`ws://127.0.0.3:${tr.httpPort}`);
  t.after(() => ws.close());
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  const bin = (b: number) => String.fromCharCode(...new Array<number>(20).fill(b));
  ws.send(JSON.stringify({ action: 'announce', info_hash: bin(0x71), peer_id: bin(0x77), uploaded: 0, downloaded: 0, left: 0, event: 'started', numwant: 0, offers: [] }));
  const answer = await new Promise<Record<string, unknown>>((resolve) => ws.once('message', (m) => resolve(JSON.parse(String(m)) as Record<string, unknown>)));
  assert.equal(answer.action, 'announce');
  assert.equal(answer.info_hash, bin(0x71));
  assert.ok(typeof answer.interval === 'number' && answer.interval >= 120, JSON.stringify(answer));
});

test('a restart with the default SQLite store keeps swarms and completed counts', async (t) => {
  const dir = tempDir(t);
  const hash = fromHex('5a'.repeat(20));
  const peer = (n: number) => new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`);
  const first = await spawnTracker(['--http-port', '0'], dir);
  t.after(() => first.stop());
  assert.match(first.line, /store sqlite:\.\/torrentkit-data\/tracker\.db/);
  const c1 = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${first.httpPort}/announce`);
  await c1.announce({ infoHash: hash, peerId: peer(1), port: 7001, uploaded: 0, downloaded: 0, left: 0, event: 'completed', numwant: 10, key: 1 });
  await c1.announce({ infoHash: hash, peerId: peer(2), port: 7002, uploaded: 0, downloaded: 0, left: 9, event: 'started', numwant: 10, key: 2 });
  await first.stop();
  const second = await spawnTracker(['--http-port', '0'], dir);
  t.after(() => second.stop());
  const c2 = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${second.httpPort}/announce`);
  const [e] = await c2.scrape([hash]);
  assert.deepEqual([e.complete, e.incomplete, e.downloaded], [1, 1, 1]);
  const r = await c2.announce({ infoHash: hash, peerId: peer(3), port: 7003, uploaded: 0, downloaded: 0, left: 9, event: 'started', numwant: 10, key: 3 });
  assert.deepEqual(r.peers.map((p) => p.port), [7001, 7002]);
  await second.stop();
});

test('SQLite after kill -9: what was announced a flush before the crash is still there', async (t) => {
  const dir = tempDir(t);
  const hash = fromHex('5b'.repeat(20));
  const peer = (n: number) => new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`);
  const first = await spawnTracker(['--http-port', '0', '--store', 'sqlite:crash.db'], dir);
  t.after(() => first.stop());
  const c1 = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${first.httpPort}/announce`);
  await c1.announce({ infoHash: hash, peerId: peer(1), port: 7001, uploaded: 0, downloaded: 0, left: 0, event: 'completed', numwant: 10, key: 1 });
  await c1.announce({ infoHash: hash, peerId: peer(2), port: 7002, uploaded: 0, downloaded: 0, left: 9, event: 'started', numwant: 10, key: 2 });
  // Writes are batched ten times a second (README): well after a flush, no clean stop.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const exited = new Promise((resolve) => first.proc.once('exit', resolve));
  first.proc.kill('SIGKILL');
  await exited;
  const second = await spawnTracker(['--http-port', '0', '--store', 'sqlite:crash.db'], dir);
  t.after(() => second.stop());
  const c2 = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${second.httpPort}/announce`);
  const [e] = await c2.scrape([hash]);
  assert.deepEqual([e.complete, e.incomplete, e.downloaded], [1, 1, 1]);
});

test('--workers 2 over one memory store: every worker sees every swarm (replicas)', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const tr = await spawnTracker(['--http-port', String(port), '--udp-port', String(port), '--store', 'memory:', '--workers', '2'], dir);
  t.after(() => tr.stop());
  assert.match(tr.line, /\(2 workers\)/);
  const hash = fromHex('6b'.repeat(20));
  const peer = (n: number) => new TextEncoder().encode(`-TK0100-${String(n).padStart(12, '0')}`);
  // Each announce is a new connection (round-robin over the workers) or a UDP datagram (any worker).
  const http = new HttpTrackerClient({ http: nodeHttpGet }, `http://127.0.0.1:${port}/announce`);
  const udp = new UdpTrackerClient({ clock: systemClock, rng: cryptoRng, datagrams: nodeDatagrams }, `udp://127.0.0.1:${port}`, { retransmitBaseMs: 500, maxRetransmits: 2 });
  t.after(() => udp.close());
  for (let i = 1; i <= 6; i++) {
    const c = i % 2 ? http : udp;
    await c.announce({ infoHash: hash, peerId: peer(i), port: 7000 + i, uploaded: 0, downloaded: 0, left: 5, event: 'started', numwant: 50, key: i });
  }
  // Workers hold replicas that catch up one change batch after an announce (well under a
  // millisecond here): a request that races the batch may see one peer less, so look a few times.
  let ports: number[] = [];
  let incomplete = 0;
  for (let tries = 0; tries < 20; tries++) {
    const r = await http.announce({ infoHash: hash, peerId: peer(7), port: 7007, uploaded: 0, downloaded: 0, left: 5, event: 'started', numwant: 50, key: 7 });
    ports = r.peers.map((p) => p.port).sort();
    incomplete = (await udp.scrape([hash]))[0].incomplete;
    if (ports.length === 6 && incomplete === 7) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(ports, [7001, 7002, 7003, 7004, 7005, 7006]);
  assert.equal(incomplete, 7);
  // A peer that leaves through one worker is gone from the others too.
  await udp.announce({ infoHash: hash, peerId: peer(6), port: 7006, uploaded: 0, downloaded: 0, left: 5, event: 'stopped', numwant: 50, key: 6 });
  for (let tries = 0; tries < 20; tries++) {
    const r = await http.announce({ infoHash: hash, peerId: peer(7), port: 7007, uploaded: 0, downloaded: 0, left: 5, event: undefined, numwant: 50, key: 7 });
    ports = r.peers.map((p) => p.port).sort();
    if (ports.length === 5) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.deepEqual(ports, [7001, 7002, 7003, 7004, 7005]);
});
