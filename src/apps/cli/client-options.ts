/**
 * Options shared by `download`, `seed` and `stream` (port, bind address, limits, trackers, peer
 * discovery), and opening a Client that listens: the default port 6881 falls back to any free
 * port when it is taken, so two commands can run side by side; an explicit --port that is taken
 * is an error. Discovery is on by default, as in libtorrent and WebTorrent: the DHT (BEP 5)
 * through the public routers, or only through the `--bootstrap` nodes when any are given, and
 * Local Service Discovery (BEP 14); `--no-dht` and `--no-lsd` turn them off.
 */
import { join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Client } from '../../adapters/node/client.js';
import { DEFAULT_BOOTSTRAP } from '../../engines/dht/types.js';
import { TorrentkitError } from '../../util/errors.js';
import { parseSize } from '../../util/format.js';
import type { CliIo, OptionSpec, ParsedValues } from './command.js';

export const DEFAULT_PORT = 6881;

/** Peer discovery and rate options (every command that runs a Client). */
export const discoveryOptions: Record<string, OptionSpec> = {
  tracker: { type: 'string', multiple: true, value: 'URL', description: 'extra tracker, besides the torrent\'s own' },
  'upload-limit': { type: 'string', value: 'RATE', description: 'upload rate limit, e.g. 500k, 2M (default: unlimited)' },
  'upload-slots': { type: 'string', value: 'N', description: 'peers unchoked at once by tit-for-tat, besides one optimistic unchoke (default 8)' },
  bootstrap: { type: 'string', multiple: true, value: 'HOST:PORT', description: 'DHT bootstrap node, instead of the public routers' },
  dht: { type: 'boolean', description: 'join the DHT (the default; kept for scripts that pass it)' },
  'no-dht': { type: 'boolean', description: 'no DHT at all (overrides --bootstrap)' },
  'no-lsd': { type: 'boolean', description: 'no local service discovery (BEP 14 multicast on the local network)' },
};

export const sessionOptions: Record<string, OptionSpec> = {
  port: { type: 'string', value: 'N', description: `TCP port to accept peers on (default ${DEFAULT_PORT}, or any free port when taken; 0: any)` },
  bind: { type: 'string', value: 'ADDR', description: 'local address to listen on and connect from (default: all)' },
  ...discoveryOptions,
};

/**
 * The Client's `dht` / `bootstrap` options: on by default with the public routers (the DHT
 * node's defaults), with only the --bootstrap nodes when given, off with --no-dht. UDP port:
 * the TCP --port when given, else any.
 */
export function dhtOptions(values: ParsedValues, port: number | undefined): { dht: false } | { dht: { port: number }; bootstrap: string[] } {
  if (values['no-dht'] === true) return { dht: false };
  const given = strings(values.bootstrap);
  const bootstrap = given.length > 0 ? given : DEFAULT_BOOTSTRAP.map((b) => `${b.host}:${b.port}`);
  return { dht: { port: port ?? 0 }, bootstrap };
}

/** The Client's `lsd` option: on unless --no-lsd (the Client keeps it on the --bind interface). */
export function lsdOptions(values: ParsedValues): { lsd: boolean } {
  return { lsd: values['no-lsd'] !== true };
}

export function strings(v: ParsedValues[string]): string[] {
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

export function integer(values: ParsedValues, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new TorrentkitError('BT_ERR_CLI_USAGE', `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function rate(values: ParsedValues, name: string): number | undefined {
  const v = values[name];
  if (typeof v !== 'string') return undefined;
  try {
    return parseSize(v);
  } catch (err) {
    throw new TorrentkitError('BT_ERR_CLI_USAGE', `--${name}: ${(err as Error).message}`, { cause: err });
  }
}

export interface OpenedClient {
  client: Client;
  port: number;
}

export interface OpenClientExtra {
  maxPeers?: number;
  downloadLimit?: number;
  hashThreads?: number;
  /** The options naming the peer port and bind address (`stream` uses --port for HTTP). */
  portOption?: string;
  bindOption?: string;
}

/**
 * V8 grows the heap 3x between full collections in a command that transfers data (instead of the
 * ~1.6x that the `#!` line's 1 GiB heap limit gives). Piece buffers a transfer drops (received on
 * incoming connections, where node:net allocates per read, or evicted from the read cache) count
 * against the old generation's limit as external memory: with the smaller factor a leecher that
 * also uploads ran ~35 full collections per 256 MiB, with this one ~16, and a swarm of nine
 * processes on two cores took 15-20% less CPU and time, for ~9 MB more peak RSS on a 1 GiB
 * download. Set here rather than in the `#!` line because a tracker's large heap answered ~7% fewer
 * HTTP announces with it. V8 reads the factor at each full collection, so setting it at run time
 * takes effect.
 * Inlining is capped at 200 bytecodes per optimised function (V8's default is 920): optimising
 * compiles of the transfer's hot paths then take ~0.3 instead of ~0.4 CPU-s per process on V8's
 * threads (a leecher of the 1 + 8 swarm of 256 MiB), which on two cores shared by nine processes
 * is time the swarm waits for; a 1 GiB download used no more main-thread CPU. Read at each
 * optimising compile, so it too takes effect at run time.
 */
function tuneV8ForTransfers(): void {
  setFlagsFromString('--heap-growing-percent=200');
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=200');
}

/** Creates a Client for `path` from the shared options and starts listening. */
export async function openClient(values: ParsedValues, io: CliIo, path: string, extra: OpenClientExtra = {}): Promise<OpenedClient> {
  tuneV8ForTransfers();
  const explicitPort = integer(values, extra.portOption ?? 'port', 0, 65535);
  const bindValue = values[extra.bindOption ?? 'bind'];
  const bind = typeof bindValue === 'string' ? bindValue : undefined;
  const folder = resolve(io.cwd, path);
  const dht = dhtOptions(values, explicitPort);
  // The routing table (and node id) persist beside the resume data, as libtorrent's session state does.
  const stateFile = join(folder, '.torrentkit', 'dht.json');
  const make = (port: number) =>
    new Client({
      path: folder,
      port,
      bindAddress: bind,
      localAddress: bind,
      trackers: strings(values.tracker),
      uploadLimit: rate(values, 'upload-limit'),
      uploadSlots: integer(values, 'upload-slots', 1, 1000),
      downloadLimit: extra.downloadLimit,
      maxPeersPerTorrent: extra.maxPeers,
      maxConnections: extra.maxPeers !== undefined ? Math.max(extra.maxPeers, 200) : undefined,
      hashThreads: extra.hashThreads,
      ...(dht.dht ? { ...dht, dht: { ...dht.dht, stateFile } } : dht),
      ...lsdOptions(values),
    });
  let client = make(explicitPort ?? DEFAULT_PORT);
  try {
    await client.listen();
  } catch (err) {
    await client.close().catch(() => {});
    if (explicitPort !== undefined || (err as TorrentkitError).code !== 'BT_ERR_ADDRESS_IN_USE') throw err;
    client = make(0);
    try {
      await client.listen();
    } catch (err2) {
      await client.close().catch(() => {});
      throw err2;
    }
  }
  return { client, port: client.port ?? 0 };
}

/** A torrent argument that names an existing file is resolved against the command's cwd. */
export function resolveTorrentArg(id: string, io: CliIo, exists: (p: string) => boolean): string {
  if (/^(magnet:|https?:|file:)/i.test(id.trim())) return id;
  const p = resolve(io.cwd, id);
  return exists(p) ? p : id;
}
