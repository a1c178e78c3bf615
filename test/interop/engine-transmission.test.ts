/**
 * The session engine against Transmission 3.00 (transmission-cli; DHT, LPD, PEX, uTP and port
 * mapping off). Transmission treats 127.0.0.0/8 as martian, so it runs in a network namespace
 * joined to the host by a veth pair (10.77.N.2); torrentkit and a torrentkit tracker run on the host
 * side (10.77.N.1). torrentkit downloads a multi-file torrent from a Transmission seeder, and a
 * Transmission leecher downloads it from a torrentkit seeder found through the tracker.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { createNetNs } from '../helpers/netns.js';
import { assertSameFiles, startTransmission, tkClient, transmissionSeeder, within, writeTorrent } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { requireTool, tempDir } from '../helpers/tools.js';

const FILES = { 'a.bin': 1_200_000, 'sub/b.bin': 1_900_000, 'sub/deeper/c.bin': 13, 'd.bin': 321_000 };
const TOTAL = Object.values(FILES).reduce((a, b) => a + b, 0);
const PORT = 51413;

test('torrentkit downloads a multi-file torrent from a Transmission seeder (network namespace)', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'transmission-cli', ['transmission-cli', ['--version']])) return;
  const ns = createNetNs(t);
  if (!ns) return;
  const dir = tempDir(t, 'tk-eng-tr-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024 });
  await transmissionSeeder(t, ns, content, dir, PORT);
  const leecher = tkClient(join(dir, 'leech'), { localAddress: ns.hostIp, bindAddress: ns.hostIp });
  t.after(() => leecher.close());
  const l = await leecher.add(content.torrent, { peers: [`${ns.nsIp}:${PORT}`] });
  const clients = new Set<string>();
  l.on('peerConnected', (p) => clients.add(p.client));
  await l.whenDone({ signal: AbortSignal.timeout(90_000) });
  assertSameFiles(content, join(dir, 'leech'), 'torrentkit');
  const st = l.stats();
  assert.equal(st.piecesVerified, content.meta.pieceCount);
  assert.equal(st.hashFailures, 0);
  assert.ok(st.downloaded >= TOTAL);
  assert.ok([...clients].some((c) => /transmission/i.test(c)), `peer was Transmission: ${[...clients].join(', ')}`);
});

test('a Transmission leecher downloads a multi-file torrent from a torrentkit seeder (network namespace)', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'transmission-cli', ['transmission-cli', ['--version']])) return;
  const ns = createNetNs(t);
  if (!ns) return;
  const tracker = await startTracker({ httpPort: 0, host: ns.hostIp, store: 'memory:', intervalS: 2 });
  t.after(() => tracker.close());
  const dir = tempDir(t, 'tk-eng-tr-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, {
    pieceLength: 64 * 1024,
    announce: [`http://${ns.hostIp}:${tracker.httpPort}/announce`],
  });
  const seeder = tkClient(join(dir, 'seed'), { localAddress: ns.hostIp, bindAddress: ns.hostIp });
  t.after(() => seeder.close());
  const s = await seeder.add(content.torrent);
  await s.whenDone();
  mkdirSync(join(dir, 'tr'));
  const leecher = startTransmission(t, {
    exec: ns.exec,
    torrentPath: writeTorrent(content, dir),
    dir: join(dir, 'tr'),
    configDir: join(dir, 'tr-config'),
    ip: ns.nsIp,
    port: PORT,
  });
  await within(leecher.seeding, 90_000, 'Transmission download');
  await leecher.stop();
  assertSameFiles(content, join(dir, 'tr'), 'Transmission');
  assert.ok(s.stats().uploaded >= TOTAL, `torrentkit uploaded ${s.stats().uploaded}`);
});
