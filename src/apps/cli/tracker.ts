/**
 * `torrentkit tracker`: runs the tracker server (HTTP, UDP and WebSocket announces and scrapes)
 * until interrupted. With `--workers N` the HTTP and UDP ports are served by N processes
 * (node:cluster shares the listening sockets); they share swarms through a Redis store (memory
 * and SQLite swarms belong to one process).
 */
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { startTracker } from '../../adapters/node/tracker-server.js';
import { DEFAULT_STORE_URL } from '../../adapters/node/tracker-server.js';
import { TorrentkitError } from '../../util/errors.js';
import type { Command } from './command.js';

function port(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TorrentkitError('BT_ERR_CLI_USAGE', `--${name} must be a port number`);
  return n;
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
    workers: { type: 'string', value: 'N', description: 'serve with N processes (use a redis: store to share swarms)' },
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
    if (workers > 1 && (httpPort === 0 || udpPort === 0)) throw new TorrentkitError('BT_ERR_CLI_USAGE', '--workers needs fixed ports');
    const store = (values.store as string | undefined) ?? DEFAULT_STORE_URL;
    if (workers > 1 && !store.startsWith('redis://')) {
      throw new TorrentkitError('BT_ERR_CLI_USAGE', '--workers needs a redis:// store (memory and sqlite swarms belong to one process)');
    }
    if (workers > 1 && cluster.isPrimary) {
      // Workers behind one address must agree on UDP connection ids: one random secret for all.
      const secret = randomBytes(32).toString('hex');
      for (let i = 0; i < workers; i++) cluster.fork({ TORRENTKIT_TRACKER_SECRET: secret });
      io.stdout.write(`tracker: ${workers} workers, store ${store}\n`);
      await new Promise<void>((resolve) => {
        io.signal.addEventListener('abort', () => {
          for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
          resolve();
        });
      });
      return 0;
    }
    const tracker = await startTracker({
      httpPort,
      udpPort,
      ws: values.ws === true,
      host: (values.bind as string | undefined) ?? '127.0.0.1',
      store,
      intervalS: interval,
      allowFile: values.allow as string | undefined,
      trustProxy: values['trust-proxy'] === true,
      cwd: io.cwd,
      udpSecret: cluster.isWorker && io.env.TORRENTKIT_TRACKER_SECRET ? Buffer.from(io.env.TORRENTKIT_TRACKER_SECRET, 'hex') : undefined,
    });
    const parts = [];
    if (tracker.httpPort !== undefined) parts.push(`http://${tracker.host}:${tracker.httpPort}/announce`);
    if (tracker.udpPort !== undefined) parts.push(`udp://${tracker.host}:${tracker.udpPort}`);
    if (values.ws === true && tracker.httpPort !== undefined) parts.push(`ws://${tracker.host}:${tracker.httpPort}`);
    if (!cluster.isWorker) io.stdout.write(`tracker: ${parts.join(' ')} store ${store}\n`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
      process.once('SIGTERM', () => resolve());
    });
    await tracker.close();
    return 0;
  },
};
