/**
 * Two `webtorrent` clients (each in its own Node process, WebRTC through node-datachannel on
 * loopback) find each other through torrentkit's WebSocket tracker and complete a download: the
 * tracker relays their offers and answers and counts the announces.
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

function runPeer(t: { after(fn: () => unknown): void }, args: string[]): { proc: ChildProcess; next: () => Promise<Record<string, unknown>> } {
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
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const l = lines.shift();
      if (l) return resolve(l);
      const timer = setTimeout(() => reject(new Error(`webtorrent peer timed out: ${stderr}`)), 90_000);
      waiters.push((x) => {
        clearTimeout(timer);
        resolve(x);
      });
    });
  return { proc, next };
}

test('two webtorrent clients find each other through the WebSocket tracker', { timeout: 300_000 }, async (t) => {
  // Often passes in about 13 s, but the two webtorrent processes' WebRTC data channel sometimes
  // never opens (even with the machine idle), so it runs by hand only:
  // TORRENTKIT_WEBRTC_TESTS=1 npm test -- test/interop/tracker-webtorrent.test.ts
  if (process.env.TORRENTKIT_WEBRTC_TESTS !== '1') {
    t.skip('set TORRENTKIT_WEBRTC_TESTS=1 to run the WebRTC (webtorrent) tracker test');
    return;
  }
  const dir = tempDir(t);
  // A short interval makes webtorrent re-announce (with fresh offers) soon if a first WebRTC
  // attempt fails on a busy machine.
  const tracker = await startTracker({ httpPort: 0, ws: true, store: 'memory:', intervalS: 5 });
  t.after(() => tracker.close());
  const announce = `ws://127.0.0.1:${tracker.httpPort}`;
  const data = randomBytes(300_000);
  writeFileSync(join(dir, 'in.bin'), data);
  // WebRTC between two webtorrent processes (node-datachannel) sometimes never opens its data
  // channel; a second pair of fresh processes is tried once before the test fails. The tracker's
  // relaying is what is under test, and a broken relay fails both attempts.
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const seeder = runPeer(t, ['seed', join(dir, 'in.bin'), announce]);
    const leecher = await seeder.next().then(({ magnet }) => runPeer(t, ['leech', String(magnet), announce, join(dir, `out${attempt}.bin`)]));
    try {
      assert.deepEqual(await leecher.next(), { done: true });
      assert.ok(readFileSync(join(dir, `out${attempt}.bin`)).equals(data), 'leecher got the exact bytes');
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err;
      seeder.proc.kill('SIGKILL');
      leecher.proc.kill('SIGKILL');
    }
  }
  if (lastError) throw lastError;
  const stats = JSON.parse(new TextDecoder().decode((await nodeHttpGet.get(`http://127.0.0.1:${tracker.httpPort}/stats.json`)).body)) as {
    announces: { ws: number };
  };
  assert.ok(stats.announces.ws >= 2, `ws announces counted: ${JSON.stringify(stats.announces)}`);
});
