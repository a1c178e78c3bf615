/**
 * Connections through the library's Client on real sockets: IPv6 (::1), a fixed listening port,
 * connection limits, a peer that is given its own address, and two peers dialling each other.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Torrent } from '../../src/engines/session/torrent.js';
import { makeContent } from '../helpers/swarm.js';
import { tkClient as client } from '../helpers/peers.js';
import { tempDir } from '../helpers/tools.js';
import { freePort } from '../helpers/trackers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a download over IPv6 (::1) from a seeder on a fixed port', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'six', { 'a.bin': 200_000 }, { pieceLength: 16 * 1024 });
  const port = await freePort();
  const seeder = client(join(dir, 'seed'), { port, bindAddress: '::1', localAddress: '::1' });
  const leecher = client(join(dir, 'leech'), { bindAddress: '::1', localAddress: '::1' });
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await (await seeder.add(content.torrent)).whenDone();
  assert.equal(seeder.port, port, 'listens on the port it was given');
  const l = await leecher.add(content.torrent, { peers: [`[::1]:${port}`] });
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'six', 'a.bin'))), content.files.get('a.bin'));
});

test('connection limits hold; a peer given its own address, or two peers dialling each other, keep one connection', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'lim', { 'a.bin': 3_000_000 }, { pieceLength: 16 * 1024 });
  // A slow seeder (100 kB/s) that takes one peer only.
  const seeder = client(join(dir, 'seed'), { uploadLimit: 100_000 });
  t.after(() => seeder.close());
  const s = await seeder.add(content.torrent, { maxPeers: 1 });
  await s.whenDone();
  const peersOf = (x: Torrent) => x.stats().peers;
  const addr = `127.0.0.1:${seeder.port}`;
  const a = client(join(dir, 'a'), { localAddress: '127.0.0.2', bindAddress: '127.0.0.2' });
  const b = client(join(dir, 'b'), { localAddress: '127.0.0.3', bindAddress: '127.0.0.3' });
  t.after(() => Promise.all([a.close(), b.close()]));
  const ta = await a.add(content.torrent, { peers: [addr] });
  for (let i = 0; i < 100 && peersOf(ta) === 0; i++) await sleep(50);
  assert.equal(peersOf(ta), 1, 'the first leecher is connected');
  const tb = await b.add(content.torrent, { peers: [addr] });
  let most = 0;
  for (let i = 0; i < 20; i++) {
    most = Math.max(most, peersOf(s));
    await sleep(50);
  }
  assert.equal(most, 1, 'the seeder never holds more than maxPeers connections');
  // Each leecher dials the other and itself: one connection between them, none to itself.
  ta.addPeerString(`127.0.0.3:${b.port}`);
  tb.addPeerString(`127.0.0.2:${a.port}`);
  ta.addPeerString(`127.0.0.2:${a.port}`);
  await sleep(1500);
  const between = [...ta.connectedPeers].filter((p) => p.host === '127.0.0.3');
  assert.equal(between.length, 1, `one connection between the two leechers, not one per direction (${between.length})`);
  assert.equal([...ta.connectedPeers].filter((p) => p.host === '127.0.0.2').length, 0, 'no connection to itself');
  assert.equal([...tb.connectedPeers].filter((p) => p.host === '127.0.0.2').length, 1);
});

test('upload slots: a seeder with one slot unchokes one leecher by tit-for-tat and one optimistically, not three', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'slots', { 'a.bin': 2_000_000 }, { pieceLength: 16 * 1024 });
  const unchokedBy = async (slots: number | undefined): Promise<number> => {
    const seeder = client(join(dir, 'seed'), { uploadLimit: 200_000, ...(slots === undefined ? {} : { uploadSlots: slots }) });
    const s = await seeder.add(content.torrent);
    await s.whenDone();
    const leechers = [2, 3, 4].map((n) => client(join(dir, `l${n}-${slots}`), { localAddress: `127.0.0.${n}`, bindAddress: `127.0.0.${n}` }));
    try {
      for (const l of leechers) await l.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
      let most = 0;
      for (let i = 0; i < 40; i++) {
        await sleep(50);
        most = Math.max(most, [...s.connectedPeers].filter((p) => !p.wire.amChoking).length);
      }
      assert.equal(s.stats().peers, 3, 'all three leechers connected');
      return most;
    } finally {
      await Promise.all([seeder.close(), ...leechers.map((l) => l.close())]);
    }
  };
  assert.equal(await unchokedBy(1), 2, 'one regular slot and the optimistic unchoke');
  assert.equal(await unchokedBy(undefined), 3, 'the default (8 slots) unchokes all three');
});
