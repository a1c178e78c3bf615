/**
 * Peer exchange (BEP 11) between torrentkit clients on loopback: two leechers that only know the
 * seeder learn each other through its ut_pex messages and connect; private torrents offer no
 * ut_pex (BEP 27).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import { parseMetainfo } from '../../src/codecs/metainfo/index.js';
import type { PeerInfo } from '../../src/engines/session/types.js';
import { makeContent } from '../helpers/swarm.js';
import { tempDir } from '../helpers/tools.js';

function client(path: string, host: string): Client {
  return new Client({ lsd: false, dht: false, path, port: 0, bindAddress: host, localAddress: host, hashThreads: 1, pex: { intervalMs: 400 } });
}

test('leechers that know only the seeder find each other through PEX', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'pexed', { 'a.bin': 400_000 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'), '127.0.0.1');
  const b = client(join(dir, 'b'), '127.0.0.2');
  const c = client(join(dir, 'c'), '127.0.0.3');
  t.after(() => Promise.all([seeder.close(), b.close(), c.close()]));
  await (await seeder.add(content.torrent)).whenDone();
  const viaPex = new Promise<PeerInfo>((resolve) => {
    const check = (p: PeerInfo) => {
      if (p.source === 'pex') resolve(p);
    };
    void Promise.all([b.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] }), c.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] })]).then(
      ([tb, tc]) => {
        tb.on('peerConnected', check);
        tc.on('peerConnected', check);
      },
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('no peer came through PEX within 20 s')), 20_000)));
  const p = await Promise.race([viaPex, timeout]).finally(() => clearTimeout(timer));
  assert.ok(['127.0.0.2', '127.0.0.3'].includes(p.address), `a leecher connected to the other (${p.address})`);
  assert.ok(p.port === b.port || p.port === c.port, 'at its listen port');
});

test('a private torrent offers no ut_pex; a public one does', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'priv', { 'p.bin': 40_000 }, { pieceLength: 16 * 1024 });
  const priv = { ...parseMetainfo(content.torrent), private: true };
  const seeder = client(join(dir, 'seed'), '127.0.0.1');
  const leecher = client(join(dir, 'leech'), '127.0.0.2');
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await (await seeder.add(priv)).whenDone();
  const l = await leecher.add(priv, { peers: [`127.0.0.1:${seeder.port}`] });
  await new Promise<void>((resolve) => l.once('peerConnected', () => resolve()));
  const [peer] = [...l.connectedPeers];
  assert.ok(peer, 'connected to the seeder');
  assert.equal(peer.wire.remoteExtended?.m.ut_pex, undefined, 'the seeder offers no ut_pex');
  assert.ok(peer.wire.remoteExtended?.m.ut_metadata, 'ut_metadata is offered');
});
