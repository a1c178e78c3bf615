/**
 * Composes a running tracker: a store chosen by URL, the core, and the HTTP, UDP and WebSocket
 * front ends on the ports asked for. Used by `torrentkit tracker` and by the publishing server.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TrackerCore, type TrackerCoreOptions } from '../../engines/tracker-server/core.js';
import { MemorySwarmStore } from '../../engines/tracker-server/memory-store.js';
import type { SwarmStore } from '../../ports/swarm-store.js';
import { TorrentkitError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { nullLogger } from '../../util/logger.js';
import { watchAllowList } from './allow-list.js';
import { systemClock } from './clock.js';
import { nodeDatagrams } from './datagram.js';
import { cryptoRng } from './rng.js';
import { startHttpTracker } from './tracker-http.js';
import { startUdpTracker } from './tracker-udp.js';

export interface TrackerServerOptions {
  /** HTTP port (0 = pick one); undefined = no HTTP. */
  httpPort?: number;
  udpPort?: number;
  /** Serve WebSocket (WebTorrent) announces on the HTTP port. */
  ws?: boolean;
  host?: string;
  /** `memory:`, `sqlite:PATH` or `redis://HOST:PORT[/DB][?prefix=P]`. */
  store?: string;
  intervalS?: number;
  /** Allow list file: enables private mode. */
  allowFile?: string;
  trustProxy?: boolean;
  /** Hand out the address a client names (HTTP `ip`, the UDP IP field) instead of its source address. */
  trustIp?: boolean;
  /** Relative store paths resolve against this directory. */
  cwd?: string;
  logger?: Logger;
  core?: Partial<TrackerCoreOptions>;
  /** Drop HTTP clients that have not sent their request head within this many ms. */
  headersTimeoutMs?: number;
  /** Fixed UDP connection id secret (several processes behind one address). */
  udpSecret?: Uint8Array;
}

export interface RunningTracker {
  core: TrackerCore;
  httpPort: number | undefined;
  udpPort: number | undefined;
  host: string;
  close(): Promise<void>;
}

export const DEFAULT_STORE_URL = 'sqlite:./torrentkit-data/tracker.db';

/** Opens the SwarmStore a URL names. */
export async function openStore(url: string, cwd = process.cwd()): Promise<SwarmStore> {
  if (url === 'memory:' || url === 'memory') return new MemorySwarmStore({ rng: cryptoRng });
  if (url.startsWith('sqlite:')) {
    const path = resolve(cwd, url.slice('sqlite:'.length));
    mkdirSync(dirname(path), { recursive: true });
    const { SqliteSwarmStore } = await import('./sqlite-store.js');
    return new SqliteSwarmStore({ rng: cryptoRng, clock: systemClock }, { path });
  }
  if (url === 'replica:') {
    // A tracker worker holding a replica of the swarms (see replica-ipc.ts).
    const { openReplicaStore } = await import('./replica-ipc.js');
    return openReplicaStore();
  }
  if (url === 'ipc:') {
    // A tracker worker whose store lives in the primary process (see ipc-store.ts).
    const { IpcSwarmStore } = await import('./ipc-store.js');
    return new IpcSwarmStore();
  }
  if (url.startsWith('redis://')) {
    const { RedisSwarmStore } = await import('./redis-store.js');
    return RedisSwarmStore.connect({ url });
  }
  throw new TorrentkitError('BT_ERR_TRACKER_STORE_URL', `unknown store "${url}" (use memory:, sqlite:PATH or redis://HOST:PORT)`);
}

export async function startTracker(options: TrackerServerOptions): Promise<RunningTracker> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? nullLogger;
  const store = await openStore(options.store ?? DEFAULT_STORE_URL, options.cwd);
  const core = new TrackerCore(
    { store, clock: systemClock, rng: cryptoRng, logger },
    { intervalS: options.intervalS, trustIpParam: options.trustIp === true, privateMode: options.allowFile !== undefined, ...options.core },
  );
  const closers: (() => Promise<void> | void)[] = [];
  try {
    if (options.allowFile !== undefined) {
      const file = resolve(options.cwd ?? process.cwd(), options.allowFile);
      closers.push(
        watchAllowList(
          file,
          (hashes) => core.setAllowList(hashes),
          (err) => logger.warn('tracker', 'allow list not reloaded', { err: err.message }),
        ),
      );
    }
    let httpPort: number | undefined;
    if (options.httpPort !== undefined) {
      const http = await startHttpTracker(core, { port: options.httpPort, host, trustProxy: options.trustProxy, ws: options.ws, headersTimeoutMs: options.headersTimeoutMs });
      httpPort = http.port;
      closers.push(() => http.close());
    }
    let udpPort: number | undefined;
    if (options.udpPort !== undefined) {
      const udp = await startUdpTracker(core, { port: options.udpPort, host, clock: systemClock, datagrams: nodeDatagrams, secret: options.udpSecret });
      udpPort = udp.port;
      closers.push(() => udp.close());
    }
    core.start();
    let closed = false;
    return {
      core,
      httpPort,
      udpPort,
      host,
      close: async () => {
        if (closed) return;
        closed = true;
        for (const c of closers.reverse()) await c();
        await core.close();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) await c();
    await core.close();
    throw err;
  }
}
