/**
 * The library's torrent API over real sockets on 127.0.0.1: hybrid torrents with pad files
 * download through their v1 half (BEP 47, BEP 52); pause and resume; stats (ratio, ETA); abort;
 * `verify` rechecks data whatever the resume data says; remove with and without the data.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTorrentkitError } from '../../src/util/errors.js';
import { makeContent } from '../helpers/swarm.js';
import { tkClient as client } from '../helpers/peers.js';
import { tempDir } from '../helpers/tools.js';

function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

test('a hybrid torrent with pad files downloads through its v1 half; pad files are never written', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'mix', { 'a.bin': 100_000, 'b.bin': 33_333, 'c/d.bin': 70_001 }, { pieceLength: 32 * 1024, version: 'hybrid' });
  const pads = content.meta.files.filter((f) => f.pad);
  assert.ok(pads.length >= 2, `pad files between the files (${pads.length})`);
  const seeder = client(join(dir, 'seed'));
  const leecher = client(join(dir, 'leech'));
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  await (await seeder.add(content.torrent)).whenDone();
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  for (const [rel, data] of content.files) assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'mix', rel))), data, rel);
  assert.deepEqual(walk(join(dir, 'leech', 'mix')), ['a.bin', 'b.bin', 'c/d.bin'], 'only the real files exist');
  assert.equal(l.stats().piecesVerified, content.meta.pieceCount);
});

test('pause stops the transfer and resume finishes it; stats give ratio and ETA; an aborted wait rejects', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'slow', { 'x.bin': 1_200_000 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'));
  const leecher = client(join(dir, 'leech'));
  t.after(() => Promise.all([seeder.close(), leecher.close()]));
  const s = await seeder.add(content.torrent);
  await s.whenDone();
  // 1 MB/s: the download takes more than a second, time to pause it half way.
  const l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`], downloadLimit: 1_000_000 });
  const aborted = AbortSignal.abort();
  await assert.rejects(l.whenDone({ signal: aborted }), (e) => isTorrentkitError(e, 'BT_ERR_ABORTED'));
  for (let i = 0; i < 100 && l.stats().downloaded < 200_000; i++) await new Promise((r) => setTimeout(r, 20));
  const mid = l.stats();
  assert.equal(mid.state, 'downloading');
  assert.ok(mid.eta > 0 && Number.isFinite(mid.eta), `eta ${mid.eta} s while downloading`);
  l.pause();
  assert.equal(l.stats().state, 'paused');
  await new Promise((r) => setTimeout(r, 300)); // blocks already on the wire land
  const paused = l.stats().downloaded;
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(l.stats().downloaded, paused, 'nothing arrives while paused');
  assert.ok(paused < 1_200_000, 'paused before the end');
  l.resume();
  // The seeder is dialled again at once (the pause closed the connection, it did not fail).
  for (let i = 0; i < 100 && l.stats().peers === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(l.stats().peers, 1, 'reconnected within 5 s of resume (not after the 10 s retry delay)');
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'leech', 'slow', 'x.bin'))), content.files.get('x.bin'));
  const done = l.stats();
  assert.equal(done.eta, 0);
  assert.equal(done.ratio, done.uploaded / done.downloaded);
  const seeding = s.stats();
  assert.ok(seeding.ratio >= 1, `the seeder uploaded the whole file: ratio ${seeding.ratio}`);
});

test('verify rechecks the data whatever the resume data says; remove keeps or deletes the data', async (t) => {
  const dir = tempDir(t);
  const content = await makeContent(join(dir, 'seed'), 'v', { 'y.bin': 300_000 }, { pieceLength: 16 * 1024 });
  const seeder = client(join(dir, 'seed'));
  t.after(() => seeder.close());
  await (await seeder.add(content.torrent)).whenDone();
  let leecher = client(join(dir, 'leech'));
  let l = await leecher.add(content.torrent, { peers: [`127.0.0.1:${seeder.port}`] });
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  await leecher.close();
  const file = join(dir, 'leech', 'v', 'y.bin');
  const resumeDir = join(dir, 'leech', '.torrentkit', 'resume');
  assert.ok(readdirSync(resumeDir).length > 0, 'resume data written at close');
  // Corrupt one piece behind the resume data's back: same size and the same mtime, which is what
  // a restart compares before it trusts the resume data. The mtime is set to a whole second
  // first (a restart rechecks and records it), so that it can be put back exactly.
  const second = Math.floor(Date.now() / 1000) - 60;
  utimesSync(file, second, second);
  leecher = client(join(dir, 'leech'));
  await (await leecher.add(content.torrent)).whenDone({ signal: AbortSignal.timeout(30_000) });
  await leecher.close();
  const bytes = readFileSync(file);
  bytes.fill(0, 5 * 16 * 1024, 6 * 16 * 1024);
  writeFileSync(file, bytes);
  utimesSync(file, second, second);
  leecher = client(join(dir, 'leech'));
  l = await leecher.add(content.torrent);
  await l.whenDone({ signal: AbortSignal.timeout(30_000) });
  assert.equal(l.stats().piecesVerified, content.meta.pieceCount, 'a plain restart trusts the resume data: nothing is hashed again');
  await leecher.close();
  leecher = client(join(dir, 'leech'));
  t.after(() => leecher.close());
  l = await leecher.add(content.torrent, { verify: true });
  await new Promise<void>((resolve) => {
    const check = () => (l.stats().state === 'checking' ? setTimeout(check, 20) : resolve());
    check();
  });
  assert.equal(l.stats().piecesVerified, content.meta.pieceCount - 1, 'the recheck found the damaged piece');
  l.addPeerString(`127.0.0.1:${seeder.port}`);
  await l.whenDone({ signal: AbortSignal.timeout(60_000) });
  assert.deepEqual(new Uint8Array(readFileSync(file)), content.files.get('y.bin'), 'the piece was downloaded again');
  await leecher.remove(l.infoHashHex);
  assert.ok(existsSync(file), 'remove without deleteData keeps the files');
  l = await leecher.add(content.torrent);
  await l.whenDone({ signal: AbortSignal.timeout(30_000) });
  await leecher.remove(l.infoHashHex, { deleteData: true });
  assert.equal(existsSync(file), false, 'remove with deleteData deletes the files');
  assert.deepEqual(readdirSync(resumeDir), [], 'and the resume data');
});
