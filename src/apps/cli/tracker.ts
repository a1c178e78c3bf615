/**
 * `torrentkit tracker`: runs the tracker server (HTTP, UDP and WebSocket announces and scrapes)
 * until interrupted. With `--workers N` the HTTP and UDP ports are served by N processes
 * (node:cluster shares the listening sockets) over one shared store.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { serveStoreTo } from '../../adapters/node/ipc-store.js';
import { relayReplicas } from '../../adapters/node/replica-ipc.js';
import { DEFAULT_STORE_URL, openStore, startTracker } from '../../adapters/node/tracker-server.js';
import { TorrentkitError } from '../../util/errors.js';
import type { CliIo, Command } from './command.js';

function port(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TorrentkitError('BT_ERR_CLI_USAGE', `--${name} must be a port number`);
  return n;
}

/**
 * `--workers N`: the primary forks N workers that serve the ports (node:cluster hands them the
 * listening sockets; the kernel spreads UDP datagrams and TCP connections over them).
 * - memory: every worker keeps a replica of the swarms and answers from it; the primary relays
 *   each worker's change batches to the others (replica-ipc.ts), so no announce waits on IPC;
 * - sqlite: the primary owns the store and serves it to the workers over IPC (it persists);
 * - redis: the workers share Redis by themselves.
 */
async function runPrimary(workers: number, store: string, io: CliIo): Promise<number> {
  cluster.setupPrimary({ serialization: 'advanced' });
  const replicated = store === 'memory:' || store === 'memory';
  const shared = store.startsWith('redis://') || replicated ? undefined : await openStore(store, io.cwd);
  const stopExpiry = shared ? setInterval(() => void shared.expire(Date.now()).catch(() => {}), 60_000) : undefined;
  // Workers behind one address must agree on UDP connection ids: one random secret for all.
  const secret = randomBytes(32).toString('hex');
  const workerStore = replicated ? 'replica:' : shared ? 'ipc:' : undefined;
  let listening = 0;
  const forked: Worker[] = [];
  const ready = new Promise<string>((resolve) => {
    for (let i = 0; i < workers; i++) {
      const w = cluster.fork({ TORRENTKIT_TRACKER_SECRET: secret, ...(workerStore ? { TORRENTKIT_TRACKER_STORE: workerStore } : {}) });
      forked.push(w);
      if (shared) serveStoreTo(w, shared);
      w.on('message', (m: { tkListening?: string }) => {
        if (m?.tkListening && ++listening === workers) resolve(m.tkListening);
      });
    }
  });
  if (replicated) relayReplicas(forked);
  const line = await Promise.race([ready, new Promise<string>((resolve) => io.signal.addEventListener('abort', () => resolve(''), { once: true }))]);
  if (line) io.stdout.write(`${line} (${workers} workers)\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.all(
    Object.values(cluster.workers ?? {}).map(
      (w) =>
        new Promise<void>((resolve) => {
          if (!w || w.isDead()) return resolve();
          w.once('exit', () => resolve());
          w.kill('SIGTERM');
        }),
    ),
  );
  if (stopExpiry) clearInterval(stopExpiry);
  await shared?.close();
  return 0;
}

export const trackerCommand: Command = {
  name: 'tracker',
  summary: 'run a BitTorrent tracker (HTTP, UDP and WebSocket)',
  usage: '[options]',
  details: [
    'Serves /announce, /scrape, /stats, /stats.json and /metrics over HTTP, BEP 15 over UDP and',
    'WebTorrent announces over WebSocket (--ws, on the HTTP port). Without --http-port and',
    '--udp-port it listens on HTTP 8000 and UDP 8000. Stores: memory:, sqlite:PATH, redis://HOST:PORT.',
  ].join('\n'),
  options: {
    'http-port': { type: 'string', value: 'N', description: 'HTTP (and WebSocket) port' },
    'udp-port': { type: 'string', value: 'N', description: 'UDP port' },
    ws: { type: 'boolean', description: 'accept WebTorrent WebSocket announces on the HTTP port' },
    bind: { type: 'string', value: 'ADDR', description: 'address to listen on (default 127.0.0.1)' },
    store: { type: 'string', value: 'URL', description: `swarm store (default ${DEFAULT_STORE_URL})` },
    interval: { type: 'string', value: 'S', description: 'announce interval in seconds (default 1800)' },
    allow: { type: 'string', value: 'FILE', description: 'private mode: allowed info hashes, one hex per line (reloaded on change)' },
    'trust-proxy': { type: 'boolean', description: 'take the client address from X-Forwarded-For' },
    'trust-ip': { type: 'boolean', description: "hand out the address in a client's ip parameter (HTTP) or IP field (UDP)" },
    workers: { type: 'string', value: 'N', description: 'serve with N processes sharing one store' },
  },
  async run(values, _positionals, io) {
    let httpPort = port(values['http-port'] as string | undefined, 'http-port');
    let udpPort = port(values['udp-port'] as string | undefined, 'udp-port');
    if (httpPort === undefined && udpPort === undefined) {
      httpPort = 8000;
      udpPort = 8000;
    }
    const interval = values.interval === undefined ? undefined : Number(values.interval);
    if (interval !== undefined && (!Number.isInteger(interval) || interval < 1 || interval > 86_400)) {
      throw new TorrentkitError('BT_ERR_CLI_USAGE', '--interval must be between 1 and 86400 seconds');
    }
    const workers = values.workers === undefined ? 1 : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new TorrentkitError('BT_ERR_CLI_USAGE', '--workers must be between 1 and 64');
    const store = (values.store as string | undefined) ?? DEFAULT_STORE_URL;
    if (workers > 1 && (httpPort === 0 || udpPort === 0)) throw new TorrentkitError('BT_ERR_CLI_USAGE', '--workers needs fixed ports');
    if (workers > 1 && cluster.isPrimary) return runPrimary(workers, store, io);
    // A worker of a memory or SQLite store reaches the primary's store over IPC.
    const workerStore = cluster.isWorker && io.env.TORRENTKIT_TRACKER_STORE ? io.env.TORRENTKIT_TRACKER_STORE : store;
    const tracker = await startTracker({
      httpPort,
      udpPort,
      ws: values.ws === true,
      host: (values.bind as string | undefined) ?? '127.0.0.1',
      store: workerStore,
      intervalS: interval,
      allowFile: values.allow as string | undefined,
      trustProxy: values['trust-proxy'] === true,
      trustIp: values['trust-ip'] === true,
      cwd: io.cwd,
      udpSecret: cluster.isWorker && io.env.TORRENTKIT_TRACKER_SECRET ? Buffer.from(io.env.TORRENTKIT_TRACKER_SECRET, 'hex') : undefined,
    });
    const parts = [];
    if (tracker.httpPort !== undefined) parts.push(`http://${tracker.host}:${tracker.httpPort}/announce`);
    if (tracker.udpPort !== undefined) parts.push(`udp://${tracker.host}:${tracker.udpPort}`);
    if (values.ws === true && tracker.httpPort !== undefined) parts.push(`ws://${tracker.host}:${tracker.httpPort}`);
    const line = `tracker: ${parts.join(' ')} store ${store}`;
    if (cluster.isWorker) process.send?.({ tkListening: line });
    else io.stdout.write(`${line}\n`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
      process.once('SIGTERM', () => resolve());
    });
    await tracker.close();
    // A worker's IPC channel would keep it alive.
    if (cluster.isWorker) cluster.worker?.disconnect();
    return 0;
  },
};
