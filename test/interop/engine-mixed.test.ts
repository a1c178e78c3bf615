/**
 * A mixed swarm on loopback: one libtorrent seeder (upload limited, so the leechers must trade
 * among themselves) and three leechers, torrentkit, libtorrent and aria2, that find each other
 * through a tracker: torrentkit's HTTP tracker, and opentracker (Debian's). Everyone completes
 * with correct files, and torrentkit uploads to the others.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { decode } from '../../src/codecs/bencode/decode.js';
import { encode } from '../../src/codecs/bencode/encode.js';
import type { BDict } from '../../src/codecs/bencode/types.js';
import { assertSameFiles, startAria2, startLibtorrent, tkClient, within, writeTorrent } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { freePort, startOpentracker } from '../helpers/trackers.js';
import { requireLibtorrent, requireTool, tempDir } from '../helpers/tools.js';

const FILES = { 'a.bin': 1_800_000, 'sub/b.bin': 2_300_000, 'sub/c.bin': 11, 'd.bin': 250_000 };

async function mixedSwarm(t: TestContext, trackerKind: 'torrentkit' | 'opentracker'): Promise<void> {
  if (!requireLibtorrent(t) || !requireTool(t, 'aria2c') || (trackerKind === 'opentracker' && !requireTool(t, 'opentracker', ['sh', ['-c', 'command -v opentracker']]))) return;
  const dir = tempDir(t, 'tk-eng-mixed-');
  const made = await makeContent(join(dir, 'seed'), 'album', FILES, { pieceLength: 64 * 1024 });
  let announce: string;
  if (trackerKind === 'torrentkit') {
    const tracker = await startTracker({ httpPort: 0, host: '127.0.0.1', store: 'memory:', intervalS: 2 });
    t.after(() => tracker.close());
    announce = `http://127.0.0.1:${tracker.httpPort}/announce`;
  } else {
    // opentracker tracks only the info hashes on its list; its interval is its own (30 min), so
    // peers find the ones that announced before them.
    const tracker = await startOpentracker(mkdtempSync(join(dir, 'ot-')), [made.meta.id]);
    t.after(() => tracker.stop());
    announce = `http://127.0.0.1:${tracker.port}/announce`;
  }
  // The announce URL is outside the info dictionary: same info hash, same pieces.
  const top = decode(made.torrent) as BDict;
  top.announce = new TextEncoder().encode(announce);
  const content = { ...made, torrent: encode(top) };
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
}

test('mixed swarm through torrentkit\'s tracker: torrentkit, libtorrent and aria2 leechers and a libtorrent seeder; torrentkit uploads to the others', { timeout: 180_000 }, (t) => mixedSwarm(t, 'torrentkit'));

test('mixed swarm through opentracker: torrentkit, libtorrent and aria2 leechers and a libtorrent seeder; torrentkit uploads to the others', { timeout: 180_000 }, (t) => mixedSwarm(t, 'opentracker'));
