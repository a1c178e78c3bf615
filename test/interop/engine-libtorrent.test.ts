/**
 * The session engine against libtorrent 2.0 (python3-libtorrent; DHT, LSD, UPnP, NAT-PMP, PEX and
 * uTP off; on loopback): torrentkit downloads a multi-file torrent from a libtorrent seeder, and a
 * libtorrent leecher downloads it from a torrentkit seeder. Files must be byte-identical.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertSameFiles, startLibtorrent, tkClient, writeTorrent } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { requireLibtorrent, tempDir } from '../helpers/tools.js';

const FILES = { 'a.bin': 1_500_000, 'sub/b.bin': 2_200_000, 'sub/deeper/c.bin': 17, 'd.bin': 333_333 };
const TOTAL = Object.values(FILES).reduce((a, b) => a + b, 0);

test('torrentkit downloads a multi-file torrent from a libtorrent seeder', { timeout: 120_000 }, async (t) => {
  if (!requireLibtorrent(t)) return;
  const dir = tempDir(t, 'tk-eng-lt-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024 });
  const seeder = await startLibtorrent(t, writeTorrent(content, dir), join(dir, 'seed'), '127.0.0.1');
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
  assert.ok(st.downloaded >= TOTAL, `downloaded ${st.downloaded} of ${TOTAL}`);
  assert.ok([...clients].some((c) => /libtorrent/i.test(c)), `peer was libtorrent: ${[...clients].join(', ')}`);
});

test('a libtorrent leecher downloads a multi-file torrent from a torrentkit seeder', { timeout: 120_000 }, async (t) => {
  if (!requireLibtorrent(t)) return;
  const dir = tempDir(t, 'tk-eng-lt-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024 });
  const seeder = tkClient(join(dir, 'seed'));
  t.after(() => seeder.close());
  const s = await seeder.add(content.torrent);
  await s.whenDone();
  mkdirSync(join(dir, 'lt'));
  const leecher = await startLibtorrent(t, writeTorrent(content, dir), join(dir, 'lt'), '127.0.0.3');
  leecher.connect('127.0.0.1', seeder.port!);
  await Promise.race([
    leecher.finished,
    new Promise((_, reject) => setTimeout(() => reject(new Error('libtorrent did not finish in 90 s')), 90_000).unref()),
  ]);
  assertSameFiles(content, join(dir, 'lt'), 'libtorrent');
  const lt = await leecher.status();
  assert.equal(lt.seeding, true);
  assert.ok(s.stats().uploaded >= TOTAL, `torrentkit uploaded ${s.stats().uploaded}`);
});
