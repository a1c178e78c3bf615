/**
 * Magnet links in the engine, real sockets on 127.0.0.1: metadata fetched from a torrentkit
 * seeder (BEP 9), verified, then the data downloaded; a bare info hash with a peer given.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, type ClientOptions } from '../../src/adapters/node/client.js';
import { toHex } from '../../src/util/bytes.js';
import { makeContent } from '../helpers/swarm.js';
import { tempDir } from '../helpers/tools.js';

function client(path: string, extra: Partial<ClientOptions> = {}): Client {
  return new Client({ lsd: false, dht: false, path, port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1, ...extra });
}

test('a magnet link with x.pe fetches the metadata from a torrentkit seeder, then downloads the files', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'mag', { 'a.bin': 150_000, 'b/c.bin': 90_001 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'));
  const leecher = client(join(dir, 'leech'));
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await (await seeder.add(content.torrent)).whenDone();
  const hex = toHex(content.meta.id);
  const magnet = await leecher.addMagnet(`magnet:?xt=urn:btih:${hex}&dn=mag&x.pe=127.0.0.1:${seeder.port}`);
  assert.equal(magnet.state, 'waiting-metadata');
  assert.equal(magnet.name, 'mag');
  const events: string[] = [];
  magnet.on('metadata', () => events.push('metadata'));
  magnet.on('torrent', () => events.push('torrent'));
  const meta = await magnet.whenMetadata({ signal: AbortSignal.timeout(30_000) });
  assert.deepEqual(meta.infoBytes, content.meta.infoBytes);
  const torrent = await magnet.whenTorrent({ signal: AbortSignal.timeout(30_000) });
  assert.deepEqual(events, ['metadata', 'torrent']);
  assert.equal(leecher.get(hex), torrent);
  assert.equal(leecher.pendingMagnets().length, 0);
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  for (const [rel, data] of content.files) assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'mag', rel))), data, rel);
  assert.equal(magnet.stats().metadataSize, content.meta.infoBytes.length);
});

test('client.add with a bare info hash and a peer resolves to the torrent once the metadata arrived', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'bare', { 'x.bin': 70_000 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'));
  const leecher = client(join(dir, 'leech'));
  // A third client gets the metadata from the leecher only: the leecher serves what it fetched.
  const third = client(join(dir, 'third'));
  t.after(() => Promise.all([seeder.close(), leecher.close(), third.close()]));
  await (await seeder.add(content.torrent)).whenDone();
  const torrent = await leecher.add(toHex(content.meta.id), { peers: [`127.0.0.1:${seeder.port}`], signal: AbortSignal.timeout(30_000) });
  assert.equal(torrent.meta.name, 'bare');
  await torrent.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'bare', 'x.bin'))), content.files.get('x.bin'));
  await seeder.close();
  const t3 = await third.add(`magnet:?xt=urn:btih:${toHex(content.meta.id)}&x.pe=127.0.0.1:${leecher.port}`, { signal: AbortSignal.timeout(30_000) });
  await t3.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(t3.meta.infoBytes, content.meta.infoBytes);
});

test('a magnet removed before its metadata arrives rejects its waiters', async (t) => {
  const dir = tempDir(t);
  const leecher = client(join(dir, 'leech'));
  t.after(() => leecher.close());
  const magnet = await leecher.addMagnet('0123456789abcdef0123456789abcdef01234567');
  const waiting = magnet.whenTorrent();
  magnet.remove();
  await assert.rejects(waiting, { code: 'BT_ERR_METADATA_UNAVAILABLE' });
  assert.equal(leecher.pendingMagnets().length, 0);
  await assert.rejects(leecher.addMagnet('not a magnet'), { code: 'BT_ERR_MAGNET_INVALID' });
});
