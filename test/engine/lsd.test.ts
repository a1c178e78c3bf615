/**
 * Local Service Discovery (BEP 14) in the Client, on the real multicast group over the loopback
 * interface (clients bound to 127.0.0.x keep LSD on loopback): two clients with no tracker, no
 * DHT, no PEX and no peer given find each other only through LSD announces. Skipped where the
 * kernel does not loop multicast back on `lo` (a failure under CI=true).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import type { PeerInfo } from '../../src/engines/session/types.js';
import { toHex } from '../../src/util/bytes.js';
import { makeContent } from '../helpers/swarm.js';
import { requireLoopbackMulticast } from '../helpers/multicast.js';
import { tempDir } from '../helpers/tools.js';

function client(path: string, host: string): Client {
  return new Client({ path, port: 0, bindAddress: host, localAddress: host, hashThreads: 1, pex: false, lsd: true, dht: false });
}

test('two clients find each other only through LSD, for a torrent and for a bare info hash', async (t) => {
  if (!(await requireLoopbackMulticast(t))) return;
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'lsdpack', { 'a.bin': 200_000, 'b/c.bin': 33_333 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'), '127.0.0.8');
  const leecher = client(join(dir, 'leech'), '127.0.0.9');
  const third = client(join(dir, 'third'), '127.0.0.10');
  t.after(() => Promise.all([seeder.close(), leecher.close(), third.close()]));
  const warnings: string[] = [];
  for (const c of [seeder, leecher, third]) c.on('warning', (w) => warnings.push(w.code));

  const seeding = await seeder.add(content.torrent);
  await seeding.whenDone();
  const seen: PeerInfo[] = [];
  seeding.on('peerConnected', (p) => seen.push(p));
  // The leecher announces the torrent as it starts; the seeder hears it and connects.
  const torrent = await leecher.add(content.torrent);
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  for (const [rel, data] of content.files) assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'lsdpack', rel))), data, rel);
  // Both announce as they start, so either may dial the other; nothing but LSD names a peer here.
  assert.ok(seen.some((p) => p.address === '127.0.0.9'), `the seeder met the leecher: ${JSON.stringify(seen.map((p) => [p.source, p.address]))}`);
  assert.ok(seen.every((p) => p.source === 'lsd' || p.source === 'incoming'), JSON.stringify(seen.map((p) => p.source)));

  // A bare info hash: the metadata too comes from a peer found only through LSD.
  const viaMagnet = await third.add(toHex(content.meta.id), { signal: AbortSignal.timeout(60_000) });
  await viaMagnet.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(viaMagnet.meta.infoBytes, content.meta.infoBytes);
  assert.deepEqual(warnings, []);
  // Closed before the temporary folder is removed (after-hooks run in registration order).
  await Promise.all([seeder.close(), leecher.close(), third.close()]);
});

test('where LSD cannot run (a client bound to IPv6) the client warns once and goes on', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'v6only', { 'a.bin': 20_000 }, { pieceLength: 16 * 1024 });
  const c = new Client({ path: join(dir, 'seed'), port: 0, bindAddress: '::1', localAddress: '::1', hashThreads: 1, dht: false });
  t.after(() => c.close());
  const warned = new Promise<string>((resolve) => c.on('warning', (w) => resolve(w.code)));
  const torrent = await c.add(content.torrent);
  await torrent.whenDone();
  assert.equal(await warned, 'BT_ERR_LSD_UNAVAILABLE');
  assert.equal(torrent.state, 'seeding');
  await c.close();
});
