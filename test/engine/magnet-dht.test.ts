/**
 * The DHT in the client, real UDP and TCP on loopback: a torrentkit seeder announces its torrent
 * to a local DHT (a torrentkit bootstrap node on 127.0.0.2); a leecher given only the info hash
 * finds it there, fetches the metadata (BEP 9) and downloads the data. The seeder's DHT port
 * reaches the leecher's node through the BEP 5 `port` message.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import { createDhtNode } from '../../src/adapters/node/dht.js';
import { toHex } from '../../src/util/bytes.js';
import { makeContent } from '../helpers/swarm.js';
import { tempDir } from '../helpers/tools.js';

function client(path: string, host: string, bootstrap: string): Client {
  return new Client({ lsd: false, path, port: 0, bindAddress: host, localAddress: host, hashThreads: 1, dht: { port: 0 }, bootstrap: [bootstrap] });
}

test('a bare info hash downloads from a seeder found only through the DHT', async (t) => {
  const dir = tempDir(t);
  const router = createDhtNode({ address: '127.0.0.2', port: 0, bootstrap: [] });
  await router.start();
  t.after(() => router.close());
  const bootstrap = `127.0.0.2:${router.address().port}`;
  const content = await makeContent(join(dir, 'seed'), 'dhtpack', { 'a.bin': 120_000, 'b.bin': 33_333 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'), '127.0.0.3', bootstrap);
  const leecher = client(join(dir, 'leech'), '127.0.0.4', bootstrap);
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  const announced = new Promise<void>((resolve) =>
    router.on('announced', (hash) => {
      if (toHex(hash) === toHex(content.meta.id)) resolve();
    }),
  );
  const s = await seeder.add(content.torrent);
  await s.whenDone();
  await announced;
  const seederDhtPort = await seeder.startDht();
  const magnet = await leecher.addMagnet(toHex(content.meta.id));
  const peer = await new Promise<{ address: string; source: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no peer connected through the DHT in 60 s')), 60_000);
    magnet.once('peerConnected', (p) => {
      clearTimeout(timer);
      resolve(p);
    });
  });
  assert.equal(peer.address, '127.0.0.3');
  assert.equal(peer.source, 'dht');
  const torrent = await magnet.whenTorrent({ signal: AbortSignal.timeout(30_000) });
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  for (const [rel, data] of content.files) assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'dhtpack', rel))), data, rel);
  // BEP 5 port message: the seeder told the leecher's DHT node about itself.
  const deadline = Date.now() + 10_000;
  while (!leecher.dht!.nodes().some((n) => n.address === '127.0.0.3' && n.port === seederDhtPort) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(leecher.dht!.nodes().some((n) => n.address === '127.0.0.3' && n.port === seederDhtPort), 'seeder node learnt from its port message');
  // Closed here, before the temporary folder is removed (after-hooks run in registration order).
  await Promise.all([seeder.close(), leecher.close()]);
});

test('private torrents stay out of the DHT', async (t) => {
  const dir = tempDir(t);
  const router = createDhtNode({ address: '127.0.0.2', port: 0, bootstrap: [] });
  await router.start();
  t.after(() => router.close());
  const content = await makeContent(join(dir, 'seed'), 'priv', { 'p.bin': 20_000 }, { pieceLength: 16 * 1024 });
  const { parseMetainfo } = await import('../../src/codecs/metainfo/index.js');
  const meta = { ...parseMetainfo(content.torrent), private: true };
  const seeder = client(join(dir, 'seed'), '127.0.0.3', `127.0.0.2:${router.address().port}`);
  t.after(() => seeder.close());
  const announcedHashes = new Set<string>();
  router.on('announced', (h) => announcedHashes.add(toHex(h)));
  const pub = await makeContent(join(dir, 'seed'), 'pub', { 'q.bin': 20_000 }, { pieceLength: 16 * 1024 });
  const publicAnnounced = new Promise<void>((resolve) => router.on('announced', (h) => toHex(h) === toHex(pub.meta.id) && resolve()));
  await (await seeder.add(meta)).whenDone();
  await (await seeder.add(pub.torrent)).whenDone();
  await publicAnnounced;
  // The private torrent was added (and ready) first: had it been announced, it would be by now.
  assert.ok(announcedHashes.has(toHex(pub.meta.id)));
  assert.equal(announcedHashes.has(toHex(meta.id)), false, 'the private torrent is not announced');
  await seeder.close();
});

test('the DHT is on by default: a client given only bootstrap nodes joins them; dht: false has none', async (t) => {
  const dir = tempDir(t);
  const router = createDhtNode({ address: '127.0.0.2', port: 0, bootstrap: [] });
  await router.start();
  t.after(() => router.close());
  const plain = new Client({ lsd: false, path: join(dir, 'a'), port: 0, bindAddress: '127.0.0.5', localAddress: '127.0.0.5', bootstrap: [`127.0.0.2:${router.address().port}`] });
  const off = new Client({ lsd: false, dht: false, path: join(dir, 'b'), port: 0, bindAddress: '127.0.0.6', localAddress: '127.0.0.6' });
  t.after(() => Promise.all([plain.close(), off.close()]));
  assert.ok(plain.dht, 'no `dht` option: a DHT node');
  assert.equal(off.dht, undefined);
  const port = await plain.startDht();
  assert.ok(port !== undefined && port > 0);
  for (let i = 0; i < 100 && router.stats().nodes === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(router.stats().nodes, 1, 'the router learnt of the client node');
});
