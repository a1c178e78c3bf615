/**
 * Magnet links with libtorrent (python3-libtorrent 2.0) on loopback: torrentkit fetches the
 * metadata (BEP 9) from a libtorrent seeder and downloads; libtorrent fetches it from a torrentkit
 * seeder through a magnet link with x.pe; a bare info hash downloads from a libtorrent seeder
 * that torrentkit can reach only through the DHT (libtorrent's DHT bootstrapped to a torrentkit node).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import { createDhtNode } from '../../src/adapters/node/dht.js';
import { makeContent } from '../helpers/swarm.js';
import { LtPeer } from '../helpers/lt-peer.js';
import { requireLibtorrent, tempDir } from '../helpers/tools.js';

const PIECE = 32 * 1024;

function payload(dir: string, size: number): Uint8Array {
  mkdirSync(join(dir, 'seed'), { recursive: true });
  const data = new Uint8Array(randomBytes(size));
  writeFileSync(join(dir, 'seed', 'payload.bin'), data);
  return data;
}

test('torrentkit fetches the metadata from a libtorrent seeder (x.pe) and downloads the file', async (t) => {
  if (!requireLibtorrent(t)) return;
  const dir = tempDir(t);
  const data = payload(dir, 700_000);
  const lt = new LtPeer({ mode: 'seed', dir: join(dir, 'seed'), name: 'payload.bin', piece_length: PIECE, listen_ip: '127.0.0.2' });
  t.after(() => lt.close());
  const ready = await lt.waitFor('ready', 30_000);
  const client = new Client({ lsd: false, dht: false, path: join(dir, 'leech'), port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  t.after(() => client.close());
  const magnet = await client.addMagnet(`magnet:?xt=urn:btih:${ready.info_hash as string}&x.pe=127.0.0.2:${ready.port as number}`);
  const torrent = await magnet.whenTorrent({ signal: AbortSignal.timeout(30_000) });
  assert.equal(torrent.meta.name, 'payload.bin');
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'payload.bin'))), data);
});

test('libtorrent fetches the metadata from a torrentkit seeder through a magnet link and downloads', async (t) => {
  if (!requireLibtorrent(t)) return;
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'tkpack', { 'one.bin': 300_000, 'two/three.bin': 123_457 }, { pieceLength: PIECE });
  const seeder = new Client({ lsd: false, dht: false, path: join(dir, 'seed'), port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1 });
  t.after(() => seeder.close());
  await (await seeder.add(content.torrent)).whenDone();
  const hex = Buffer.from(content.meta.id).toString('hex');
  const lt = new LtPeer({ mode: 'magnet', dir: join(dir, 'lt'), uri: `magnet:?xt=urn:btih:${hex}&x.pe=127.0.0.1:${seeder.port}`, listen_ip: '127.0.0.2' });
  t.after(() => lt.close());
  const meta = await lt.waitFor('metadata', 30_000);
  assert.equal(meta.size, content.meta.infoBytes.length);
  await lt.waitFor('finished', 60_000);
  for (const [rel, bytes] of content.files) assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'lt', 'tkpack', rel))), bytes, rel);
});

test('a bare info hash downloads from a libtorrent seeder found only through the DHT', async (t) => {
  if (!requireLibtorrent(t)) return;
  const dir = tempDir(t);
  const data = payload(dir, 400_000);
  const router = createDhtNode({ address: '127.0.0.1', port: 0, bootstrap: [] });
  await router.start();
  t.after(() => router.close());
  const announced = new Set<string>();
  router.on('announced', (h) => announced.add(Buffer.from(h).toString('hex')));
  const lt = new LtPeer({
    mode: 'seed',
    dir: join(dir, 'seed'),
    name: 'payload.bin',
    piece_length: PIECE,
    listen_ip: '127.0.0.2',
    dht_bootstrap: `127.0.0.1:${router.address().port}`,
  });
  t.after(() => lt.close());
  const ready = await lt.waitFor('ready', 30_000);
  const hash = ready.info_hash as string;
  const deadline = Date.now() + 60_000;
  while (!announced.has(hash)) {
    assert.ok(Date.now() < deadline, `libtorrent did not announce to our DHT node\n${lt.log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = new Client({
    path: join(dir, 'leech'),
    port: 0,
    bindAddress: '127.0.0.3',
    localAddress: '127.0.0.3',
    hashThreads: 1,
    lsd: false,
    dht: { port: 0 },
    bootstrap: [`127.0.0.1:${router.address().port}`],
  });
  t.after(() => client.close());
  const magnet = await client.addMagnet(hash);
  const peer = await new Promise<{ address: string; source: string }>((resolve) => magnet.once('peerConnected', resolve));
  assert.deepEqual([peer.address, peer.source], ['127.0.0.2', 'dht']);
  const torrent = await magnet.whenTorrent({ signal: AbortSignal.timeout(30_000) });
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'payload.bin'))), data);
});
