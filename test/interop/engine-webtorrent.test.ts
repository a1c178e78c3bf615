/**
 * The session engine against webtorrent 3 (npm; TCP only: DHT, LSD, UPnP, NAT-PMP, uTP, PEX and
 * trackers off; in its own process): torrentkit downloads a multi-file torrent from a webtorrent
 * seeder, and a webtorrent leecher downloads it from a torrentkit seeder (which dials it: webtorrent's
 * outgoing connections insist on MSE/PE encryption, which torrentkit does not implement).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertSameFiles, startWebtorrent, tkClient, writeTorrent } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { tempDir } from '../helpers/tools.js';

const FILES = { 'a.bin': 1_300_000, 'sub/b.bin': 2_000_000, 'sub/deeper/c.bin': 3, 'd.bin': 555_555 };
const TOTAL = Object.values(FILES).reduce((a, b) => a + b, 0);

test('torrentkit downloads a multi-file torrent from a webtorrent seeder', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'tk-eng-wt-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024 });
  const seeder = await startWebtorrent(t, 'seed', writeTorrent(content, dir), join(dir, 'seed'));
  const leecher = tkClient(join(dir, 'leech'), { localAddress: '127.0.0.2', bindAddress: '127.0.0.2' });
  t.after(() => leecher.close());
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  const clients = new Set<string>();
  l.on('peerConnected', (p) => clients.add(p.client));
  await l.whenDone({ signal: AbortSignal.timeout(90_000) });
  assertSameFiles(content, join(dir, 'leech'), 'torrentkit');
  const st = l.stats();
  assert.equal(st.piecesVerified, content.meta.pieceCount);
  assert.equal(st.hashFailures, 0);
  assert.ok(st.downloaded >= TOTAL);
  assert.ok([...clients].some((c) => /webtorrent/i.test(c)), `peer was webtorrent: ${[...clients].join(', ')}`);
});

test('a webtorrent leecher downloads a multi-file torrent from a torrentkit seeder', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'tk-eng-wt-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024 });
  const seeder = tkClient(join(dir, 'seed'));
  t.after(() => seeder.close());
  const s = await seeder.add(content.torrent);
  await s.whenDone();
  mkdirSync(join(dir, 'wt'));
  // webtorrent's own outgoing connections always begin with MSE/PE encryption, which torrentkit
  // does not speak (webtorrent never retries in plaintext): the torrentkit seeder dials it.
  const leecher = await startWebtorrent(t, 'leech', writeTorrent(content, dir), join(dir, 'wt'));
  s.addPeerString(`127.0.0.1:${leecher.port}`);
  const done = await Promise.race([
    leecher.done,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('webtorrent did not finish in 90 s')), 90_000).unref()),
  ]);
  assert.ok(done.downloaded >= TOTAL);
  assertSameFiles(content, join(dir, 'wt'), 'webtorrent');
  assert.ok(s.stats().uploaded >= TOTAL, `torrentkit uploaded ${s.stats().uploaded}`);
});
