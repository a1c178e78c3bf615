/**
 * A mixed swarm on loopback: one libtorrent seeder (upload limited, so the leechers must trade
 * among themselves) and three leechers, torrentkit, libtorrent and aria2, that find each other
 * through a torrentkit HTTP tracker. Everyone completes with correct files, and torrentkit uploads
 * to the others.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { assertSameFiles, startAria2, startLibtorrent, tkClient, within, writeTorrent } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { freePort } from '../helpers/trackers.js';
import { requireLibtorrent, requireTool, tempDir } from '../helpers/tools.js';

const FILES = { 'a.bin': 1_800_000, 'sub/b.bin': 2_300_000, 'sub/c.bin': 11, 'd.bin': 250_000 };

test('mixed swarm: torrentkit, libtorrent and aria2 leechers and a libtorrent seeder; torrentkit uploads to the others', { timeout: 180_000 }, async (t) => {
  if (!requireLibtorrent(t) || !requireTool(t, 'aria2c')) return;
  const tracker = await startTracker({ httpPort: 0, host: '127.0.0.1', store: 'memory:', intervalS: 2 });
  t.after(() => tracker.close());
  const dir = tempDir(t, 'tk-eng-mixed-');
  const content = await makeContent(join(dir, 'seed'), 'album', FILES, {
    pieceLength: 64 * 1024,
    announce: [`http://127.0.0.1:${tracker.httpPort}/announce`],
  });
  const torrentPath = writeTorrent(content, dir);
  await startLibtorrent(t, torrentPath, join(dir, 'seed'), '127.0.0.1', 1_000_000);
  const tk = tkClient(join(dir, 'tk'), { localAddress: '127.0.0.2', bindAddress: '127.0.0.2', trackerRetryMs: 1000 });
  t.after(() => tk.close());
  mkdirSync(join(dir, 'lt'));
  mkdirSync(join(dir, 'aria2'));
  const [l, lt] = await Promise.all([tk.add(content.torrent), startLibtorrent(t, torrentPath, join(dir, 'lt'), '127.0.0.3')]);
  const aria2 = startAria2(t, { torrentPath, dir: join(dir, 'aria2'), port: await freePort(), ip: '127.0.0.4' });
  const clients = new Set<string>();
  l.on('peerConnected', (p) => clients.add(`${p.client} ${p.address}`));
  await within(l.whenDone(), 150_000, 'torrentkit');
  await within(lt.finished, 150_000, 'libtorrent');
  const code = await within(aria2.exit, 150_000, 'aria2');
  assert.equal(code, 0, aria2.log());
  assertSameFiles(content, join(dir, 'tk'), 'torrentkit');
  assertSameFiles(content, join(dir, 'lt'), 'libtorrent');
  assertSameFiles(content, join(dir, 'aria2'), 'aria2');
  const st = l.stats();
  assert.equal(st.hashFailures, 0);
  assert.ok(st.uploaded > 0, `torrentkit uploaded ${st.uploaded} bytes to the other leechers`);
  assert.ok([...clients].some((c) => c.includes('127.0.0.3')) && [...clients].some((c) => c.includes('127.0.0.4')), 'torrentkit met both leechers');
  t.diagnostic(`torrentkit uploaded ${st.uploaded} B; peers: ${[...clients].join(', ')}`);
});
