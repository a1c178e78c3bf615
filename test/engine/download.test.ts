/**
 * Real sockets on 127.0.0.1: a torrentkit seeder and torrentkit leechers exchange a multi-file
 * torrent; resume data makes a restart skip the download; selection writes only chosen files.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client } from '../../src/adapters/node/client.js';
import { isTorrentkitError } from '../../src/util/errors.js';
import { assertSameFiles } from '../helpers/peers.js';
import { makeContent } from '../helpers/swarm.js';
import { tempDir } from '../helpers/tools.js';

function client(path: string, extra: Record<string, unknown> = {}): Client {
  return new Client({ lsd: false, dht: false, path, port: 0, bindAddress: '127.0.0.1', localAddress: '127.0.0.1', hashThreads: 1, ...extra });
}

test('a leecher downloads a multi-file torrent from a seeder and the files are identical', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'album', {
    'a.bin': 300_000,
    'sub/b.bin': 1_000_000,
    'sub/c.bin': 17,
    'd.bin': 70_000,
  }, { pieceLength: 32 * 1024 });
  const seeder = client(join(dir, 'seed'));
  const leecher = client(join(dir, 'leech'));
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  const s = await seeder.add(content.torrent);
  await s.whenDone();
  assert.equal(s.stats().state, 'seeding');
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  for (const [rel, data] of content.files) {
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'album', rel))), data, rel);
  }
  const st = l.stats();
  assert.equal(st.progress, 1);
  assert.equal(st.piecesVerified, content.meta.pieceCount);
  assert.ok(s.stats().uploaded >= 1_370_017);
});

test('downloaded pieces are verified on the event loop by default, on the hashing threads with hashInlineBytes 0', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'set', { 'a.bin': 400_000, 'b.bin': 200_001 }, { pieceLength: 32 * 1024 });
  const seeder = client(join(dir, 'seed'));
  const inline = client(join(dir, 'inline'));
  const offloaded = client(join(dir, 'offloaded'), { hashInlineBytes: 0 });
  t.after(() => Promise.all([seeder.close(), inline.close(), offloaded.close()]));
  // The seeder checks its data on its hashing thread first; count the threads started after that.
  await (await seeder.add(content.torrent)).whenDone();
  let started = 0;
  const onWorker = (): void => void started++;
  process.on('worker', onWorker);
  t.after(() => void process.off('worker', onWorker));
  const peers = [`127.0.0.1:${seeder.port}`];

  await (await inline.add(content.torrent, { peers })).whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.equal(started, 0, 'no hashing thread was needed for 32 KiB pieces');
  const l = await offloaded.add(content.torrent, { peers });
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.equal(started, 1, 'the pieces went to a hashing thread');
  assert.equal(l.stats().piecesVerified, content.meta.pieceCount);
  assertSameFiles(content, join(dir, 'inline'), 'default');
  assertSameFiles(content, join(dir, 'offloaded'), 'hashInlineBytes 0');
  assert.throws(() => client(join(dir, 'bad'), { hashInlineBytes: -1 }), (e) => isTorrentkitError(e, 'BT_ERR_HASHER_OPTIONS'));
});

test('a leecher relays the pieces it verifies to a leecher behind it over TCP, and the copy is identical', async (t) => {
  // 24 MiB: more than the read cache (16 MiB), so relayed pieces are evicted and their buffers
  // reused for new downloads once node:net has written their blocks (see also relay.test.ts).
  const dir = tempDir(t);
  const size = 24 * 1024 * 1024;
  const made = await makeContent(join(dir, 'seed'), 'big', { 'relay.bin': size }, { pieceLength: 256 * 1024 });
  const seeder = client(join(dir, 'seed'), { pex: false });
  const a = client(join(dir, 'a'), { pex: false });
  const b = client(join(dir, 'b'), { pex: false });
  t.after(() => Promise.all([seeder.close(), a.close(), b.close()]));
  await (await seeder.add(made.torrent)).whenDone();
  const la = await a.add(made.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  const lb = await b.add(made.torrent, { peers: [`127.0.0.1:${a.port}`] });
  await Promise.all([la.whenDone({ signal: AbortSignal.timeout(120_000) }), lb.whenDone({ signal: AbortSignal.timeout(120_000) })]);
  const want = made.files.get('relay.bin')!;
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'b', 'big', 'relay.bin'))), want);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'a', 'big', 'relay.bin'))), want);
  assert.equal(lb.stats().hashFailures, 0, 'every relayed piece verified');
  assert.ok(la.stats().uploaded >= size, 'b got everything from a');
});

test('a restart resumes from resume data without downloading again; selection writes only chosen files', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'set', { 'one.bin': 200_000, 'two.bin': 200_000, 'three.bin': 200_000 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'));
  t.after(() => seeder.close());
  await (await seeder.add(content.torrent)).whenDone();
  const index = (name: string) => content.meta.files.findIndex((f) => f.path.at(-1) === name);
  const chosen = [index('one.bin'), index('three.bin')];
  let leecher = client(join(dir, 'leech'));
  let l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`], selection: chosen });
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'set', 'one.bin'))), content.files.get('one.bin'));
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'set', 'three.bin'))), content.files.get('three.bin'));
  assert.equal(existsSync(join(dir, 'leech', 'set', 'two.bin')), false, 'an unselected file is never created');
  const downloadedFirst = l.stats().downloaded;
  await leecher.close();
  // Restart: resume data says what we have; nothing is downloaded for those files.
  leecher = client(join(dir, 'leech'));
  t.after(() => leecher.close());
  l = await leecher.add(content.torrent, { selection: chosen });
  await l.whenDone({ signal: AbortSignal.timeout(30_000) });
  assert.equal(l.stats().downloaded, downloadedFirst, 'nothing new downloaded');
  // Selecting the middle file downloads just it; the bytes kept aside move into it.
  l.addPeerString(`127.0.0.1:${seeder.port}`);
  await l.select([0, 1, 2]);
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'set', 'two.bin'))), content.files.get('two.bin'));
  assert.equal(statSync(join(dir, 'leech', 'set', 'two.bin')).size, 200_000);
});

test('seeder and leecher find each other through a torrentkit tracker (HTTP and UDP)', async (t) => {
  const { startTracker } = await import('../../src/adapters/node/tracker-server.js');
  const tracker = await startTracker({ httpPort: 0, udpPort: 0, host: '127.0.0.1', store: 'memory:' });
  t.after(() => tracker.close());
  const dir = tempDir(t);
  for (const scheme of ['http', 'udp'] as const) {
    const url = scheme === 'http' ? `http://127.0.0.1:${tracker.httpPort}/announce` : `udp://127.0.0.1:${tracker.udpPort}`;
    const content = await makeContent(join(dir, `seed-${scheme}`), 'pack', { 'x.bin': 150_000 }, { pieceLength: 16 * 1024, announce: [url] });
    const seeder = client(join(dir, `seed-${scheme}`));
    const leecher = client(join(dir, `leech-${scheme}`));
    try {
      await (await seeder.add(content.torrent)).whenDone();
      const l = await leecher.add(content.torrent);
      await l.whenDone({ signal: AbortSignal.timeout(30_000) });
      assert.deepEqual(new Uint8Array(readFileSync(join(dir, `leech-${scheme}`, 'pack', 'x.bin'))), content.files.get('x.bin'));
    } finally {
      await Promise.all([seeder.close(), leecher.close()]);
    }
  }
});
