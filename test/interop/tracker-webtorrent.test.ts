/**
 * Two `webtorrent` clients (each in its own Node process, WebRTC through node-datachannel on
 * loopback) find each other through torrentkit's WebSocket tracker and complete a download: the
 * tracker relays their offers and answers and counts the announces.
 *
 * Why it used to fail about one run in two (the data channel never opened), and what is left:
 * - Glare, fixed in the relay. Each client answered the other's offer; WebTorrent keeps one
 *   connection per remote peer id, so each side kept a different half-open connection and both
 *   died, again at every re-announce. In 20 runs before the fix 11 failed, every one of them that
 *   way; the same clients against the `bittorrent-tracker` server (same 5 s interval) failed 10 of
 *   20, the same way. The relay now keeps offers from crossing a pending one
 *   (src/engines/tracker-server/ws-relay.ts, "Glare"): 0 of 45 runs since showed it.
 * - A race in libdatachannel 0.24.5 (under node-datachannel 0.33.4), not fixable from here: its
 *   setRemoteDescription() gives the ICE agent the answer before it stores the description that
 *   the DTLS fingerprint check reads. The answerer has been running ICE since it got the offer
 *   (simple-peer sends its answer only after a 5 s ICE wait), so the offerer's ICE connects at once
 *   and the DTLS handshake can reach the check first: "DTLS alert: unknown CA", then "Got a remote
 *   candidate without ICE transport". It hit 5 of 45 runs (more on a loaded machine). The
 *   answering side never sees that connection close and WebTorrent drops it after its 25 s connect
 *   timeout; the next offers then connect. So the download may take ~50 or ~80 s instead of
 *   ~13 s, and the wait below leaves room for several such retries. Of 15 runs of this test on a
 *   shared machine (load average 8 to 17) all passed: 14 in 12-25 s, one in 81 s.
 * It runs alone after the parallel phase of `npm test` (scripts/test.js): the clients' handshake
 * timers are tight on a saturated 2-core machine.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeHttpGet } from '../../src/adapters/node/http-get.js';
import { startTracker } from '../../src/adapters/node/tracker-server.js';
import { ROOT, tempDir } from '../helpers/tools.js';

const PEER = join(ROOT, 'test/interop/fixtures/webtorrent-peer.mjs');

function runPeer(t: { after(fn: () => unknown): void }, args: string[]): { proc: ChildProcess; next: (waitMs?: number) => Promise<Record<string, unknown>> } {
  const proc = spawn(process.execPath, [PEER, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const k = setTimeout(() => proc.kill('SIGKILL'), 3000);
        proc.once('exit', () => {
          clearTimeout(k);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  );
  let buf = '';
  let stderr = '';
  const lines: Record<string, unknown>[] = [];
  const waiters: ((l: Record<string, unknown>) => void)[] = [];
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const next = (waitMs = 90_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const l = lines.shift();
      if (l) return resolve(l);
      const timer = setTimeout(() => reject(new Error(`webtorrent peer timed out: ${stderr}`)), waitMs);
      waiters.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  return { proc, next };
}

test('two webtorrent clients find each other through the WebSocket tracker', { timeout: 230_000 }, async (t) => {
  const dir = tempDir(t);
  // A 5 s interval makes both peers re-announce with fresh offers while their first handshake is
  // still under way (simple-peer waits 5 s for ICE before it sends an offer or an answer): the
  // race between crossing offers that the relay must keep apart (see ws-relay.ts, "Glare").
  const tracker = await startTracker({ httpPort: 0, ws: true, store: 'memory:', intervalS: 5 });
  t.after(() => tracker.close());
  const announce = `ws://127.0.0.1:${tracker.httpPort}`;
  const data = randomBytes(300_000);
  writeFileSync(join(dir, 'in.bin'), data);
  const seeder = runPeer(t, ['seed', join(dir, 'in.bin'), announce]);
  const { magnet } = await seeder.next();
  const leecher = runPeer(t, ['leech', String(magnet), announce, join(dir, 'out.bin')]);
  // Five handshakes lost to the libdatachannel race above (~35 s each) still fit, within the
  // runner's 240 s per test (scripts/test.js).
  assert.deepEqual(await leecher.next(200_000), { done: true });
  assert.ok(readFileSync(join(dir, 'out.bin')).equals(data), 'leecher got the exact bytes');
  const stats = JSON.parse(new TextDecoder().decode((await nodeHttpGet.get(`http://127.0.0.1:${tracker.httpPort}/stats.json`)).body)) as {
    announces: { ws: number };
  };
  assert.ok(stats.announces.ws >= 2, `ws announces counted: ${JSON.stringify(stats.announces)}`);
});

for (const scheme of ['http', 'udp'] as const) {
  test(`two webtorrent clients find each other through the ${scheme.toUpperCase()} tracker and the scrape counts the download`, { timeout: 120_000 }, async (t) => {
    const dir = tempDir(t);
    const tracker = await startTracker({ httpPort: 0, udpPort: 0, store: 'memory:', intervalS: 5 });
    t.after(() => tracker.close());
    const announce = scheme === 'http' ? `http://127.0.0.1:${tracker.httpPort}/announce` : `udp://127.0.0.1:${tracker.udpPort}`;
    const data = randomBytes(300_000);
    writeFileSync(join(dir, 'in.bin'), data);
    // Plain TCP peers (webtorrent's Node client listens on a TCP port and announces it).
    const seeder = runPeer(t, ['seed', join(dir, 'in.bin'), announce]);
    const { magnet, torrent } = await seeder.next();
    // Over UDP the leecher starts from the .torrent: webtorrent's UDP tracker client sends a
    // `left` of 0 while it does not know the size (a magnet before its metadata), which any
    // tracker takes for a seeder, and a seeder is sent no seeders.
    const leecher = runPeer(t, ['leech', String(scheme === 'udp' ? torrent : magnet), announce, join(dir, 'out.bin')]);
    assert.deepEqual(await leecher.next(100_000), { done: true });
    assert.ok(readFileSync(join(dir, 'out.bin')).equals(data), 'leecher got the exact bytes');
    const infoHash = /xt=urn:btih:([0-9a-f]{40})/i.exec(String(magnet))![1];
    const scrape = async () => {
      const stats = JSON.parse(new TextDecoder().decode((await nodeHttpGet.get(`http://127.0.0.1:${tracker.httpPort}/stats.json`)).body)) as {
        announces: Record<string, number>;
      };
      const [entry] = await tracker.core.scrape([Uint8Array.from(Buffer.from(infoHash, 'hex'))], 'http');
      return { entry, stats };
    };
    // The leecher's `completed` announce follows its last piece.
    let last = await scrape();
    for (let i = 0; i < 50 && last.entry.downloaded === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      last = await scrape();
    }
    assert.deepEqual([last.entry.complete, last.entry.incomplete, last.entry.downloaded], [2, 0, 1], JSON.stringify(last.entry));
    assert.ok(last.stats.announces[scheme] >= 3, `${scheme} announces counted: ${JSON.stringify(last.stats.announces)}`);
  });
}
