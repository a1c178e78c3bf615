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
import { attachLsdToMagnet, attachLsdToTorrent, LsdDiscovery, lsdUnavailable, type SessionLsd } from '../../engines/session/lsd-discovery.js';
import { attachMagnetTrackers } from '../../engines/session/magnet/magnet-discovery.js';
import type { MagnetTorrent } from '../../engines/session/magnet/magnet-torrent.js';
import type { DhtNode } from '../../engines/dht/node.js';
import type { BootstrapNode } from '../../engines/dht/types.js';
import { TorrentkitError } from '../../util/errors.js';
import { createDhtNode, createLsdService } from './dht.js';
import { isIPv6 } from 'node:net';
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
  /**
   * Largest downloaded piece verified on the event loop, in bytes (default 4 MiB). node:crypto
   * hashes a 256 KiB piece in ~0.2 ms, less than handing it to a hashing thread costs; bigger
   * pieces, and every check of data on disk, always go to the hashing threads. 0 sends every
   * piece there, for applications whose event loop must never hash.
   */
  hashInlineBytes?: number;
  /** First tracker retry after a failed announce, ms (default 60 s, doubling). */
  trackerRetryMs?: number;
  logger?: Logger;
  /**
   * The DHT (BEP 5): one node for the client, used to find peers for every torrent and magnet
   * link and to announce them (never for private torrents). On by default, like libtorrent and
   * WebTorrent, bootstrapped from the public routers unless `bootstrap` names other nodes; its UDP
   * port is `dht.port`, else the client's `port`. `dht: false` turns it off (tests either turn it
   * off or pass their own local `bootstrap` nodes).
   */
  dht?: boolean | ClientDhtOptions;
  /** DHT bootstrap nodes, "host:port", instead of the public routers. */
  bootstrap?: readonly string[];
  /** Peer exchange, BEP 11 (default on; never for private torrents). */
  pex?: boolean | { intervalMs?: number };
  /**
   * Local Service Discovery, BEP 14 (default on, like libtorrent; never for private torrents):
   * announces running torrents and magnet links to the multicast group and adds the local peers
   * it hears of. The multicast goes through the interface of `bindAddress` when that names one
   * (a client bound to 127.0.0.x stays on loopback), else through the default interface.
   */
  lsd?: boolean | ClientLsdOptions;
}

export interface ClientLsdOptions {
  /** Local IPv4 address of the interface to join, send on and send from (default: see `lsd`). */
  interfaceAddress?: string;
  /** BEP 14 rates (defaults: each hash every 5 minutes, at most one packet a minute). */
  announceIntervalMs?: number;
  minSendIntervalMs?: number;
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
  if (options.dht === false) return undefined;
  const cfg = typeof options.dht === 'object' ? options.dht : {};
  const bootstrap = options.bootstrap ? options.bootstrap.map(parseBootstrap) : cfg.bootstrap;
  return createDhtNode({
    address: cfg.address ?? options.bindAddress ?? '0.0.0.0',
    port: cfg.port ?? options.port ?? 6881,
    ...(bootstrap ? { bootstrap } : {}),
    ...(cfg.stateFile ? { stateFile: cfg.stateFile } : {}),
  });
}

/** The LSD interface: explicit, else the client's specific IPv4 bind address, else the default. */
function lsdInterface(options: ClientOptions): string | undefined {
  const cfg = typeof options.lsd === 'object' ? options.lsd : {};
  if (cfg.interfaceAddress) return cfg.interfaceAddress;
  const bind = options.bindAddress;
  if (bind === undefined || bind === '0.0.0.0' || bind === '::') return undefined;
  if (isIPv6(bind)) throw new TorrentkitError('BT_ERR_LSD_UNAVAILABLE', `LSD runs over IPv4 only; the client is bound to ${bind}`);
  return bind;
}

type OpenLsd = SessionLsd & { closeService(): Promise<void> };
interface LsdState {
  discovery?: LsdDiscovery;
  service?: Promise<OpenLsd | undefined>;
}

function lsdFor(options: ClientOptions, port: number, warn: (err: TorrentkitError) => void): () => Promise<OpenLsd | undefined> {
  const cfg = typeof options.lsd === 'object' ? options.lsd : {};
  return async () => {
    if (port <= 0) return undefined;
    try {
      const opened = await createLsdService({
        port,
        interfaceAddress: lsdInterface(options),
        announceIntervalMs: cfg.announceIntervalMs,
        minSendIntervalMs: cfg.minSendIntervalMs,
      });
      opened.lsd.on('warning', (err) => options.logger?.warn('lsd', err.message));
      return Object.assign(opened.lsd, { closeService: opened.close });
    } catch (err) {
      warn(lsdUnavailable(err));
      return undefined;
    }
  };
}

export class Client extends Session {
  /** The client's DHT node, when enabled. */
  readonly dht: DhtNode | undefined;
  private readonly dhtStarted: () => Promise<DhtNode>;
  private readonly lsd: LsdState;

  constructor(options: ClientOptions = {}) {
    const path = resolve(options.path ?? process.cwd());
    const dht = dhtFor(options);
    let started: Promise<DhtNode> | undefined;
    const dhtStarted = () => (started ??= dht!.start().then(() => dht!));
    if (started === undefined && dht) void dhtStarted().catch(() => {});
    const trackerDeps = { clock: systemClock, rng: cryptoRng, http: httpGetFrom(options.localAddress), datagrams: nodeDatagrams, logger: options.logger };
    const reannounceMs = typeof options.dht === 'object' ? options.dht.reannounceMs : undefined;
    // One LSD service for the client, opened with the TCP port it announces on first use.
    const lsd: LsdState = {};
    const lsdOf = (port: number): LsdDiscovery | undefined => {
      if (options.lsd === false || port <= 0) return undefined;
      if (!lsd.discovery) {
        const start = lsdFor(options, port, (w) => this.emit('warning', w));
        lsd.discovery = new LsdDiscovery(() => (lsd.service ??= start()));
      }
      return lsd.discovery;
    };
    super(
      {
        clock: systemClock,
        rng: cryptoRng,
        transport: tcpTransport,
        hasher: new HashPool({ threads: options.hashThreads, inlineBytes: options.hashInlineBytes }),
        storageFactory: fileStorageFactory(),
        resumeStore: new ResumeFiles(options.resumeDir ?? join(path, '.torrentkit', 'resume')),
        logger: options.logger,
        nodeReadable: readerToNodeReadable,
        discovery: (torrent, { peerId, port }) => {
          const parts: Discovery[] = [attachTrackers(torrent, trackerDeps, { peerId, port, extraTrackers: options.trackers, retryMs: options.trackerRetryMs })];
          if (dht) parts.push(attachDhtToTorrent(torrent, dhtStarted, { clock: systemClock, port, intervalMs: reannounceMs }));
          const lsd = lsdOf(port);
          if (lsd) parts.push(attachLsdToTorrent(torrent, lsd));
          return combineDiscoveries(...parts);
        },
        magnetDiscovery: (magnet: MagnetTorrent, { peerId, port }) => {
          const parts: Discovery[] = [attachMagnetTrackers(magnet, trackerDeps, { peerId, port, extraTrackers: options.trackers })];
          if (dht) {
            const d = new DhtDiscovery(dhtStarted, magnet, { clock: systemClock, port, intervalMs: Math.min(reannounceMs ?? MAGNET_DHT_INTERVAL_MS, MAGNET_DHT_INTERVAL_MS) });
            d.kick();
            parts.push(d);
          }
          const lsd = lsdOf(port);
          if (lsd) parts.push(attachLsdToMagnet(magnet, lsd));
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
    this.lsd = lsd;
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
    this.lsd.discovery?.close();
    await (await this.lsd.service)?.closeService();
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
