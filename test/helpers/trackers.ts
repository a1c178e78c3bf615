/** Starting real trackers for tests and benches: opentracker (Debian) and redis-server. */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { ROOT } from './tools.js';
import { toHex } from '../../src/util/bytes.js';

/** A port that is free for both TCP and UDP on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

export interface Running {
  proc: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.kill('SIGTERM');
    });
}

async function waitTcp(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** Starts opentracker on one port (TCP and UDP) with a whitelist of `hashes` (Debian's build needs one). */
export async function startOpentracker(dir: string, hashes: readonly Uint8Array[]): Promise<Running> {
  const port = await freePort();
  const list = join(dir, 'whitelist');
  writeFileSync(list, hashes.map((h) => `${toHex(h)}\n`).join(''), { mode: 0o644 });
  // opentracker chroots into `dir` and drops to user nobody before it reads the list.
  chmodSync(dir, 0o755);
  const proc = spawn('opentracker', ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-w', 'whitelist', '-d', dir], { stdio: 'ignore', cwd: dir });
  await waitTcp(port);
  // The whitelist is loaded by a background thread: wait until the first hash is accepted, then
  // take the probing peer out again.
  if (hashes.length > 0) {
    const { percentEncodeBytes } = await import('../../src/codecs/tracker/query.js');
    const url = `http://127.0.0.1:${port}/announce?info_hash=${percentEncodeBytes(hashes[0])}&peer_id=-XX0000-000000000000&port=1&left=0`;
    for (let i = 0; i < 200; i++) {
      const body = await fetch(url).then((r) => r.text());
      if (!body.includes('failure reason')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await fetch(`${url}&event=stopped`).then((r) => r.text());
  }
  return { proc, port, stop: stopper(proc) };
}

/** Starts a throwaway redis-server on loopback (no persistence). */
export async function startRedisServer(): Promise<Running & { url: string }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitTcp(port);
  return { proc, port, url: `redis://127.0.0.1:${port}`, stop: stopper(proc) };
}

/** Starts the CLI tracker and resolves with its HTTP port once it prints its URLs. */
export async function spawnTracker(args: string[], cwd: string) {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/torrentkit.js'), 'tracker', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tracker did not start: ${err}`)), 20_000);
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    proc.once('exit', (code) => reject(new Error(`tracker exited ${code}: ${err}`)));
  });
  const http = /http:\/\/[^:]+:(\d+)\/announce/.exec(line);
  const udp = /udp:\/\/[^:]+:(\d+)/.exec(line);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return { proc, line, httpPort: http ? Number(http[1]) : undefined, udpPort: udp ? Number(udp[1]) : undefined, stop };
}

