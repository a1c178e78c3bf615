/**
 * The Node.js BitTorrent client: the platform-free Session with Node's ports filled in (TCP, the
 * worker-thread hash pool, file storage, resume files, the real clock, crypto randomness).
 *
 *   const client = new Client({ path: './downloads' });
 *   const torrent = await client.add('file.torrent');
 *   await torrent.whenDone();
 */
import { join, resolve } from 'node:path';
import type { Metainfo } from '../../codecs/metainfo/index.js';
import { Session, type SessionOptions } from '../../engines/session/client.js';
import type { Torrent } from '../../engines/session/torrent.js';
import type { AddOptions } from '../../engines/session/types.js';
import type { Logger } from '../../util/logger.js';
import { attachTrackers, type Discovery } from '../../engines/session/discovery.js';
import { attachDhtToTorrent, combineDiscoveries, DhtDiscovery } from '../../engines/session/dht-discovery.js';
import { attachMagnetTrackers } from '../../engines/session/magnet/magnet-discovery.js';
import type { MagnetTorrent } from '../../engines/session/magnet/magnet-torrent.js';
import type { DhtNode } from '../../engines/dht/node.js';
import type { BootstrapNode } from '../../engines/dht/types.js';
import { TorrentkitError } from '../../util/errors.js';
import { createDhtNode } from './dht.js';
import { systemClock } from './clock.js';
import { nodeDatagrams } from './datagram.js';
import { httpGetFrom } from './http-get.js';
import { fileStorageFactory } from './file-storage.js';
import { HashPool } from './hash-pool.js';
import { ResumeFiles } from './resume-files.js';
import { cryptoRng } from './rng.js';
import { tcpTransport } from './tcp.js';
import { readerToNodeReadable } from './read-stream.js';
import { loadTorrent } from './torrent-input.js';
import { parseHostPort as parseAddress } from '../../util/ip.js';

export interface ClientOptions extends Partial<SessionOptions> {
  /** Trackers added to every torrent (each its own tier). */
  trackers?: readonly string[];
  /** Folder for resume data (default: `<path>/.torrentkit/resume`). */
  resumeDir?: string;
  /** Hashing threads (default: one per core). */
  hashThreads?: number;
  /** First tracker retry after a failed announce, ms (default 60 s, doubling). */
  trackerRetryMs?: number;
  logger?: Logger;
  /**
   * The DHT (BEP 5): one node for the client, used to find peers for every torrent and magnet
   * link and to announce them (never for private torrents). Off unless `dht` or `bootstrap` is
   * given; `dht: true` uses the public routers, tests pass their own `bootstrap` nodes.
   */
  dht?: boolean | ClientDhtOptions;
  /** DHT bootstrap nodes, "host:port" (turns the DHT on). */
  bootstrap?: readonly string[];
  /** Peer exchange, BEP 11 (default on; never for private torrents). */
  pex?: boolean | { intervalMs?: number };
}

export interface ClientDhtOptions {
  /** UDP port (default 6881; 0: any free port). */
  port?: number;
  /** Address to bind (default: the client's `bindAddress`, else 0.0.0.0). */
  address?: string;
  bootstrap?: readonly BootstrapNode[];
  /** Where the routing table is saved on close and loaded on start. */
  stateFile?: string;
  /** Between lookup + announce rounds, ms (default 15 min; magnet links: 20 s). */
  reannounceMs?: number;
}

/** A magnet link looks again this often while its metadata is missing. */
const MAGNET_DHT_INTERVAL_MS = 20_000;

function parseBootstrap(hostPort: string): BootstrapNode {
  const a = parseAddress(hostPort);
  if (!a) throw new TorrentkitError('BT_ERR_BAD_BOOTSTRAP', `not a HOST:PORT bootstrap node: ${hostPort}`);
  return a;
}

function dhtFor(options: ClientOptions): DhtNode | undefined {
  if (options.dht === false || (options.dht === undefined && options.bootstrap === undefined)) return undefined;
  const cfg = typeof options.dht === 'object' ? options.dht : {};
  const bootstrap = options.bootstrap ? options.bootstrap.map(parseBootstrap) : cfg.bootstrap;
  return createDhtNode({
    address: cfg.address ?? options.bindAddress ?? '0.0.0.0',
    port: cfg.port ?? 6881,
    ...(bootstrap ? { bootstrap } : {}),
    ...(cfg.stateFile ? { stateFile: cfg.stateFile } : {}),
  });
}

export class Client extends Session {
  /** The client's DHT node, when enabled. */
  readonly dht: DhtNode | undefined;
  private readonly dhtStarted: () => Promise<DhtNode>;

  constructor(options: ClientOptions = {}) {
    const path = resolve(options.path ?? process.cwd());
    const dht = dhtFor(options);
    let started: Promise<DhtNode> | undefined;
    const dhtStarted = () => (started ??= dht!.start().then(() => dht!));
    if (started === undefined && dht) void dhtStarted().catch(() => {});
    const trackerDeps = { clock: systemClock, rng: cryptoRng, http: httpGetFrom(options.localAddress), datagrams: nodeDatagrams, logger: options.logger };
    const reannounceMs = typeof options.dht === 'object' ? options.dht.reannounceMs : undefined;
    super(
      {
        clock: systemClock,
        rng: cryptoRng,
        transport: tcpTransport,
        hasher: new HashPool({ threads: options.hashThreads }),
        storageFactory: fileStorageFactory(),
        resumeStore: new ResumeFiles(options.resumeDir ?? join(path, '.torrentkit', 'resume')),
        logger: options.logger,
        nodeReadable: readerToNodeReadable,
        discovery: (torrent, { peerId, port }) => {
          const trackers = attachTrackers(torrent, trackerDeps, { peerId, port, extraTrackers: options.trackers, retryMs: options.trackerRetryMs });
          if (!dht) return trackers;
          return combineDiscoveries(trackers, attachDhtToTorrent(torrent, dhtStarted, { clock: systemClock, port, intervalMs: reannounceMs }));
        },
        magnetDiscovery: (magnet: MagnetTorrent, { peerId, port }) => {
          const parts: Discovery[] = [attachMagnetTrackers(magnet, trackerDeps, { peerId, port, extraTrackers: options.trackers })];
          if (dht) {
            const d = new DhtDiscovery(dhtStarted, magnet, { clock: systemClock, port, intervalMs: Math.min(reannounceMs ?? MAGNET_DHT_INTERVAL_MS, MAGNET_DHT_INTERVAL_MS) });
            d.kick();
            parts.push(d);
          }
          return combineDiscoveries(...parts);
        },
        wireFlags: dht ? { extended: true, fast: true, dht: true } : undefined,
        extensions: {
          pex: options.pex !== false,
          pexIntervalMs: typeof options.pex === 'object' ? options.pex.intervalMs : undefined,
          ...(dht
            ? {
                dhtPort: () => {
                  try {
                    return dht.address().port;
                  } catch {
                    return undefined;
                  }
                },
                onDhtNode: (host: string, port: number) => void dht.addNode({ address: host, port }).catch(() => {}),
              }
            : {}),
        },
      },
      { port: 6881, ...options, path },
    );
    this.dht = dht;
    this.dhtStarted = dhtStarted;
  }

  /** Starts the DHT node (if enabled) and resolves with its UDP port. */
  async startDht(): Promise<number | undefined> {
    if (!this.dht) return undefined;
    await this.dhtStarted();
    return this.dht.address().port;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.dht?.close();
  }

  /**
   * Adds a torrent: the bytes or path of a .torrent file, an http(s) URL of one, parsed metainfo,
   * a magnet link or a bare info hash. For a magnet the promise resolves once the metadata was
   * fetched from peers (BEP 9) and the torrent started; `addMagnet` returns at once instead, with
   * the magnet phase's state and events.
   */
  async add(id: string | Uint8Array | Metainfo, options: AddOptions = {}): Promise<Torrent> {
    if (typeof id !== 'string') return this.addMetainfo(id, options);
    const loaded = await loadTorrent(id, process.cwd(), options.signal ?? new AbortController().signal);
    if (loaded.kind === 'magnet') {
      const magnet = await this.addMagnet(loaded.magnet, options);
      return magnet.whenTorrent({ signal: options.signal });
    }
    return this.addMetainfo(loaded.meta, options);
  }
}
