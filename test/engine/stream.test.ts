/**
 * Streaming over real sockets on 127.0.0.1: files readable while they download, a seek cancels the
 * requests of the old window, a slow peer holding a critical piece is replaced.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import type { PeerSession } from '../../src/engines/session/peer.js';
import type { Torrent } from '../../src/engines/session/torrent.js';
import { makeContent } from '../helpers/swarm.js';
import { tempDir } from '../helpers/tools.js';

function client(path: string, host = '127.0.0.1', extra: Record<string, unknown> = {}): Client {
  return new Client({ lsd: false, dht: false, path, port: 0, bindAddress: host, localAddress: host, hashThreads: 1, ...extra });
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const stop = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records the cancels the leecher sends to each peer. */
function spyCancels(torrent: Torrent): Map<PeerSession, number[]> {
  const sent = new Map<PeerSession, number[]>();
  const hooked = new WeakSet<PeerSession>();
  const hook = () => {
    for (const p of torrent.connectedPeers) {
      if (hooked.has(p)) continue;
      hooked.add(p);
      const orig = p.wire.cancel.bind(p.wire);
      p.wire.cancel = (index, begin, length) => {
        sent.set(p, [...(sent.get(p) ?? []), index]);
        return orig(index, begin, length);
      };
    }
  };
  hook();
  torrent.on('peerConnected', hook);
  return sent;
}

test('files read at once while downloading: reader, Node stream and web stream give the exact bytes', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'show', { 'a.mkv': 900_000, 'b.srt': 40_000 }, { pieceLength: 32 * 1024 });
  const seeder = client(join(dir, 'seed'));
  const leecher = client(join(dir, 'leech'));
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await (await seeder.add(content.torrent)).whenDone();
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  const a = l.files.findIndex((f) => f.name === 'a.mkv');
  const b = l.files.findIndex((f) => f.name === 'b.srt');
  // Opened before anything is downloaded: both return at once.
  const node = l.files[a].createReadStream({ start: 500_000, end: 899_999 });
  const reader = l.createReader({ file: b, start: 1000 });
  const chunks: Buffer[] = [];
  for await (const c of node) chunks.push(c as Buffer);
  assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), content.files.get('a.mkv')!.subarray(500_000));
  const sub: Uint8Array[] = [];
  for await (const c of reader) sub.push(c);
  assert.deepEqual(new Uint8Array(Buffer.concat(sub)), content.files.get('b.srt')!.subarray(1000));
  const web = l.files[a].stream({ start: 10, end: 99_999 });
  const got: Uint8Array[] = [];
  for await (const c of web) got.push(c);
  assert.deepEqual(new Uint8Array(Buffer.concat(got)), content.files.get('a.mkv')!.subarray(10, 100_000));
  // Seek back and forth on one reader.
  const r = l.files[a].createReader();
  for (const at of [700_000, 3, 450_123]) {
    r.seek(at);
    const c = (await r.read(5000))!;
    assert.deepEqual(c, content.files.get('a.mkv')!.subarray(at, at + c.length));
  }
  r.close();
  assert.equal(l.streams.heads.size, 0, 'closed readers leave no window');
});

test('a seek cancels the requests of the old window and does not request it again', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'film', { 'f.mp4': 4 * 1024 * 1024 }, { pieceLength: 64 * 1024 });
  const seeder = client(join(dir, 'seed'));
  const leecher = client(join(dir, 'leech'));
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  // A slow seeder: requests wait in its queue, so the leecher's stay outstanding.
  await (await seeder.add(content.torrent, { uploadLimit: 64 * 1024 })).whenDone();
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  const cancels = spyCancels(l);
  const picker = l.transfer.picker;
  const reader = l.files[0].createReader({ readahead: 8 * 64 * 1024 });
  const oldWindow = new Set([0, 1, 2, 3, 4, 5, 6, 7]);
  const [peer] = await (async () => {
    await until(() => l.connectedPeers.size === 1 && picker.requestCount([...l.connectedPeers][0]) > 0, 'requests to the seeder');
    return [...l.connectedPeers];
  })();
  const before = picker.requestsOf(peer).filter((r) => oldWindow.has(r.piece) && !l.bitfield.get(r.piece));
  assert.ok(before.length > 0, 'old window requested');
  reader.seek(3 * 1024 * 1024);
  const after = picker.requestsOf(peer);
  assert.deepEqual(after.filter((r) => oldWindow.has(r.piece)), [], 'no request left on the old window');
  assert.ok(after.length > 0 && after.every((r) => r.piece >= 48 && r.piece < 56), 'the new window is requested at once');
  const cancelled = cancels.get(peer) ?? [];
  for (const r of before) assert.ok(cancelled.includes(r.piece), `cancel sent for piece ${r.piece}`);
  // The next second of work stays on the new window: the old one is not requested again.
  const c = (await reader.read())!;
  assert.deepEqual(c, content.files.get('f.mp4')!.subarray(3 * 1024 * 1024, 3 * 1024 * 1024 + c.length));
  assert.deepEqual(picker.requestsOf(peer).filter((r) => oldWindow.has(r.piece) && picker.deadlines.of(r.piece) === undefined).length, 0);
  reader.close();
});

test('a slow peer holding a critical piece is replaced by a fast one', async (t) => {
  const dir = tempDir(t);
  const pieceLength = 256 * 1024;
  const content = await makeContent(join(dir, 'seed'), 'clip', { 'c.mp4': 8 * pieceLength }, { pieceLength });
  const slow = client(join(dir, 'seed'), '127.0.0.2');
  const fast = client(join(dir, 'seed'), '127.0.0.3');
  const leecher = client(join(dir, 'leech'));
  t.after(() => Promise.all([slow.close(), fast.close(), leecher.close()]));
  const slowT = await slow.add(content.torrent, { uploadLimit: 16 * 1024 });
  await slowT.whenDone();
  await (await fast.add(content.torrent)).whenDone();
  // Only the slow peer at first: it takes the critical blocks of the first piece.
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.2:${slow.port}`] });
  const cancels = spyCancels(l);
  const reader = l.files[0].createReader({ readahead: pieceLength });
  await until(() => [...l.connectedPeers].some((p) => l.transfer.picker.requestsOf(p).some((r) => r.piece === 0)), 'critical requests to the slow peer');
  const slowPeer = [...l.connectedPeers][0];
  l.addPeer('127.0.0.3', fast.port!);
  const first = (await reader.read(pieceLength))!;
  assert.deepEqual(first, content.files.get('c.mp4')!.subarray(0, first.length));
  assert.ok(l.bitfield.get(0));
  // 16 blocks at 16 KiB/s would take the slow peer 16 s; the fast one delivered most of them.
  assert.ok(slowT.stats().uploaded < pieceLength / 2, `slow peer sent ${slowT.stats().uploaded} bytes`);
  assert.ok((cancels.get(slowPeer) ?? []).includes(0), 'the slow peer lost its critical requests');
  reader.close();
});
