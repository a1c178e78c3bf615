/**
 * The session engine against aria2 (aria2c 1.36; DHT, LPD and PEX off; on loopback): torrentkit
 * downloads a multi-file torrent from an aria2 seeder, and an aria2 leecher downloads it from a
 * torrentkit seeder that it finds through a torrentkit tracker (aria2 has no option to add a peer).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { assertSameFiles, startAria2, tkClient, waitForPort, writeTorrent } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { freePort } from '../helpers/trackers.js';
import { requireTool, tempDir } from '../helpers/tools.js';

const FILES = { 'a.bin': 1_400_000, 'sub/b.bin': 2_100_000, 'sub/deeper/c.bin': 5, 'd.bin': 444_444 };
const TOTAL = Object.values(FILES).reduce((a, b) => a + b, 0);

test('torrentkit downloads a multi-file torrent from an aria2 seeder', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'aria2c')) return;
  const dir = tempDir(t, 'tk-eng-aria2-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024 });
  const port = await freePort();
  const seeder = startAria2(t, { torrentPath: writeTorrent(content, dir), dir: join(dir, 'seed'), port, seed: true });
  // aria2 checks its data before it listens (a refused connection is retried only after a pause).
  await waitForPort('127.0.0.1', port);
  const leecher = tkClient(join(dir, 'leech'), { localAddress: '127.0.0.2', bindAddress: '127.0.0.2' });
  t.after(() => leecher.close());
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${port}`] });
  const clients = new Set<string>();
  l.on('peerConnected', (p) => clients.add(p.client));
  await Promise.race([
    l.whenDone({ signal: AbortSignal.timeout(90_000) }),
    seeder.exit.then((code) => Promise.reject(new Error(`aria2 exited with ${code}: ${seeder.log()}`))),
  ]);
  assertSameFiles(content, join(dir, 'leech'), 'torrentkit');
  const st = l.stats();
  assert.equal(st.piecesVerified, content.meta.pieceCount);
  assert.equal(st.hashFailures, 0);
  assert.ok(st.downloaded >= TOTAL);
  assert.ok([...clients].some((c) => /aria2/i.test(c)), `peer was aria2: ${[...clients].join(', ')}`);
});

test('an aria2 leecher downloads a multi-file torrent from a torrentkit seeder', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'aria2c')) return;
  const tracker = await startTracker({ httpPort: 0, host: '127.0.0.1', store: 'memory:', intervalS: 2 });
  t.after(() => tracker.close());
  const dir = tempDir(t, 'tk-eng-aria2-');
  const announce = `http://127.0.0.1:${tracker.httpPort}/announce`;
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024, announce: [announce] });
  const seeder = tkClient(join(dir, 'seed'));
  t.after(() => seeder.close());
  const s = await seeder.add(content.torrent);
  await s.whenDone();
  mkdirSync(join(dir, 'aria2'));
  const leecher = startAria2(t, { torrentPath: writeTorrent(content, dir), dir: join(dir, 'aria2'), port: await freePort() });
  const code = await Promise.race([
    leecher.exit,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`aria2 did not finish in 90 s: ${leecher.log()}`)), 90_000).unref()),
  ]);
  assert.equal(code, 0, leecher.log());
  assertSameFiles(content, join(dir, 'aria2'), 'aria2');
  assert.ok(s.stats().uploaded >= TOTAL, `torrentkit uploaded ${s.stats().uploaded}`);
});
