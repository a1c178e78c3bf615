/**
 * The SQLite and Redis stores pass the same compliance suite as the memory store. The Redis part
 * starts a real redis-server on 127.0.0.1 on a free port (no persistence) and stops it after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { SeededRng } from '../testing/seeded-rng.js';
import { swarmStoreCompliance } from '../testing/swarm-store-compliance.js';
import { systemClock } from './clock.js';
import { RedisSwarmStore } from './redis-store.js';
import { SqliteSwarmStore } from './sqlite-store.js';
import type { SwarmStore } from '../../ports/swarm-store.js';

const dir = mkdtempSync(join(tmpdir(), 'tk-stores-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const paths = new WeakMap<SwarmStore, string>();

swarmStoreCompliance('sqlite', {
  async create() {
    const path = join(dir, `s${n++}.db`);
    const s = new SqliteSwarmStore({ rng: new SeededRng(n), clock: systemClock }, { path });
    paths.set(s, path);
    return s;
  },
  async reopen(prev) {
    await prev.close();
    return new SqliteSwarmStore({ rng: new SeededRng(99), clock: systemClock }, { path: paths.get(prev)! });
  },
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on a free loopback port; resolves once it accepts commands. */
export async function startRedis(): Promise<{ url: string; proc: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const s = await RedisSwarmStore.connect({ url });
      await s.close();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
const prefixes = new WeakMap<SwarmStore, string>();
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

swarmStoreCompliance('redis', {
  async create() {
    const prefix = `t${n++}:`;
    const s = await RedisSwarmStore.connect({ url: `${redis!.url}?prefix=${prefix}` });
    prefixes.set(s, prefix);
    return s;
  },
  async reopen(prev) {
    await prev.close();
    return RedisSwarmStore.connect({ url: `${redis!.url}?prefix=${prefixes.get(prev)!}` });
  },
});
