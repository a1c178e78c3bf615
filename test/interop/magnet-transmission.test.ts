/**
 * Magnet links with Transmission 3.00 (transmission-cli; DHT, LPD, PEX, uTP and port mapping off)
 * in a network namespace (Transmission treats 127.0.0.0/8 as martian): torrentkit, given only the
 * info hash and the seeder's address (x.pe), fetches the metadata (BEP 9) and downloads; and
 * Transmission, given a magnet link, fetches the metadata from a torrentkit seeder and downloads.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { toHex } from '../../src/util/bytes.js';
import { createNetNs } from '../helpers/netns.js';
import { assertSameFiles, startTransmission, tkClient, transmissionSeeder, within } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { requireTool, tempDir } from '../helpers/tools.js';

const PORT = 51413;

test('torrentkit fetches the metadata from a Transmission seeder (x.pe) and downloads', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'transmission-cli', ['transmission-cli', ['--version']])) return;
  const ns = createNetNs(t);
  if (!ns) return;
  const dir = tempDir(t, 'tk-mag-tr-');
  const content = await makeContent(join(dir, 'seed'), 'trmag', { 'a.bin': 600_000, 'b/c.bin': 70_001 }, { pieceLength: 16 * 1024 });
  await transmissionSeeder(t, ns, content, dir, PORT);
  const leecher = tkClient(join(dir, 'leech'), { localAddress: ns.hostIp, bindAddress: ns.hostIp });
  t.after(() => leecher.close());
  const magnet = await leecher.addMagnet(`magnet:?xt=urn:btih:${toHex(content.meta.id)}&x.pe=${ns.nsIp}:${PORT}`);
  const clients = new Set<string>();
  magnet.on('peerConnected', (p) => clients.add(p.client));
  const torrent = await magnet.whenTorrent({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(torrent.meta.infoBytes, content.meta.infoBytes);
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  assertSameFiles(content, join(dir, 'leech'), 'torrentkit');
  assert.ok([...clients].some((c) => /transmission/i.test(c)), `metadata came from Transmission: ${[...clients].join(', ')}`);
});

test('Transmission fetches the metadata from a torrentkit seeder (magnet link) and downloads', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'transmission-cli', ['transmission-cli', ['--version']])) return;
  const ns = createNetNs(t);
  if (!ns) return;
  // Transmission 3.00 ignores x.pe, so the magnet's tracker (a torrentkit tracker) tells it where
  // the seeder is; the seeder is the only peer there, and the only one with the metadata.
  const tracker = await startTracker({ httpPort: 0, host: ns.hostIp, store: 'memory:', intervalS: 2 });
  t.after(() => tracker.close());
  const announce = `http://${ns.hostIp}:${tracker.httpPort}/announce`;
  const dir = tempDir(t, 'tk-mag-tr-');
  const content = await makeContent(join(dir, 'seed'), 'tkmag', { 'x.bin': 700_000, 'y/z.bin': 33_333 }, { pieceLength: 16 * 1024 });
  const seeder = tkClient(join(dir, 'seed'), { localAddress: ns.hostIp, bindAddress: ns.hostIp, trackers: [announce] });
  t.after(() => seeder.close());
  const seeding = await seeder.add(content.torrent);
  await seeding.whenDone();
  const clients = new Set<string>();
  seeding.on('peerConnected', (p) => clients.add(p.client));
  mkdirSync(join(dir, 'tr'));
  const hex = toHex(content.meta.id);
  const leecher = startTransmission(t, {
    exec: ns.exec,
    torrentPath: `magnet:?xt=urn:btih:${hex}&dn=tkmag&tr=${encodeURIComponent(announce)}&x.pe=${ns.hostIp}:${seeder.port}`,
    dir: join(dir, 'tr'),
    configDir: join(dir, 'tr-config'),
    ip: ns.nsIp,
    port: PORT,
  });
  await within(leecher.seeding, 90_000, 'Transmission magnet download').catch((err: Error) => {
    throw new Error(`${err.message}; connected: ${[...clients].join(', ')}; Transmission: ${leecher.log().slice(-1500)}`);
  });
  await leecher.stop();
  assertSameFiles(content, join(dir, 'tr'), 'Transmission');
  assert.ok([...clients].some((c) => /transmission/i.test(c)), `Transmission connected: ${[...clients].join(', ')}`);
  const total = [...content.files.values()].reduce((a, f) => a + f.length, 0);
  assert.ok(seeding.stats().uploaded >= total, `torrentkit uploaded ${seeding.stats().uploaded} of ${total}`);
});
