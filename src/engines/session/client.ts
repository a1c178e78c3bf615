/**
 * The session: one peer id, one listening port, one set of connection and rate limits, shared by
 * every torrent added to it. Routes incoming connections to their torrent by the info hash in the
 * handshake. Platform-free: the Node `Client` (src/adapters/node/client.ts) fills in the deps.
 */
import { type MagnetLink, type Metainfo, parseMetainfo, parseTorrentId } from '../../codecs/metainfo/index.js';
import { generatePeerId } from '../../codecs/wire/index.js';
import { ConnectionLimits } from '../../policies/connections.js';
import { TokenBucket } from '../../policies/token-bucket.js';
import type { StreamListener } from '../../ports/transport.js';
import { toHex } from '../../util/bytes.js';
import { sha1, sha256 } from '../../util/sha.js';
import { Emitter } from '../../util/emitter.js';
import { TorrentkitError } from '../../util/errors.js';
import { type Logger, nullLogger } from '../../util/logger.js';
import type { InfoHash, PeerId } from '../../util/units.js';
import { Wire } from '../wire/index.js';
import type { Discovery } from './discovery.js';
import { MagnetTorrent, type MagnetTorrentOptions } from './magnet/magnet-torrent.js';
import { attachPeerExtensions, type PeerExtensionsContext } from './peer-extensions.js';
import type { PeerSession } from './peer.js';
import { Torrent } from './torrent.js';
import type { PlatformDeps } from './torrent-deps.js';
import type { AddOptions } from './types.js';

export interface SessionDeps extends PlatformDeps {
  logger?: Logger;
  /** Peer discovery (trackers, DHT) for a torrent; called when a torrent is added. */
  discovery?: (torrent: Torrent, context: { peerId: PeerId; port: number }) => Discovery;
  /** Peer discovery for a magnet link while its metadata is fetched (trackers from `tr`, DHT). */
  magnetDiscovery?: (magnet: MagnetTorrent, context: { peerId: PeerId; port: number }) => Discovery;
  /** What the session's extensions need beyond the torrent (PEX on/off, the DHT port for BEP 5 `port`). */
  extensions?: Omit<PeerExtensionsContext, 'clock'>;
}

export interface SessionOptions {
  /** TCP port to accept peers on (0: any free port; undefined: do not listen). */
  port?: number;
  /** Address to listen on (default 0.0.0.0, like libtorrent). */
  bindAddress?: string;
  /** Local address for outgoing connections. */
  localAddress?: string;
  /** Default download folder. */
  path: string;
  peerId?: PeerId;
  /** Most connections over all torrents / per torrent. */
  maxConnections?: number;
  maxPeersPerTorrent?: number;
  /** Client-wide rate limits in bytes per second (0: unlimited). */
  downloadLimit?: number;
  uploadLimit?: number;
  /** Regular upload slots of each torrent unless its AddOptions say otherwise (default 8). */
  uploadSlots?: number;
}

export interface SessionEvents {
  torrentAdded: [torrent: Torrent];
  torrentRemoved: [torrent: Torrent];
  listening: [port: number];
  warning: [warning: TorrentkitError];
}

/** A magnet URI or a bare info hash (40 hex / 32 base32 for v1, 64 hex for v2). */
function magnetOf(id: string): MagnetLink {
  const parsed = parseTorrentId(id);
  if (parsed.kind !== 'magnet') throw new TorrentkitError('BT_ERR_MAGNET_INVALID', `not a magnet link or info hash: ${id}`);
  return parsed.magnet;
}

export class Session extends Emitter<SessionEvents> {
  readonly peerId: PeerId;
  private readonly torrents = new Map<string, Torrent>();
  private readonly limits: ConnectionLimits;
  private readonly buckets: { download: TokenBucket; upload: TokenBucket };
  private readonly logger: Logger;
  private listener: StreamListener | undefined;
  private readonly discoveries = new Map<Torrent | MagnetTorrent, Discovery>();
  private readonly magnets = new Map<string, MagnetTorrent>();
  private listening: Promise<void> | undefined;
  private closed = false;

  constructor(
    protected readonly deps: SessionDeps,
    protected readonly options: SessionOptions,
  ) {
    super();
    this.logger = deps.logger ?? nullLogger;
    this.peerId = options.peerId ?? generatePeerId(deps.rng);
    this.limits = new ConnectionLimits({ maxGlobal: options.maxConnections ?? 200, maxPerTorrent: options.maxPeersPerTorrent ?? 50 });
    const now = deps.clock.now();
    this.buckets = { download: new TokenBucket(options.downloadLimit ?? 0, now), upload: new TokenBucket(options.uploadLimit ?? 0, now) };
  }

  /** The port peers can reach us on (after `listen`). */
  get port(): number | undefined {
    return this.listener?.port;
  }

  /** Starts accepting peers (idempotent). */
  listen(): Promise<void> {
    if (this.options.port === undefined) return Promise.resolve();
    this.listening ??= this.deps.transport
      .listen({ port: this.options.port, host: this.options.bindAddress ?? '0.0.0.0' }, (conn) => {
        const wire = new Wire(
          conn,
          { clock: this.deps.clock, logger: this.logger },
          {
            direction: 'incoming',
            peerId: this.peerId,
            acceptInfoHash: (hash) => this.torrents.has(toHex(hash)) || this.magnets.has(toHex(hash)),
            listenPort: this.listener?.port,
            flags: this.deps.wireFlags,
          },
        );
        wire.once('handshake', (h) => {
          const id = toHex(h.infoHash);
          const target = this.torrents.get(id) ?? this.magnets.get(id);
          if (target) target.attachIncoming(wire);
          else wire.destroy('local');
        });
        wire.start();
      })
      .then((l) => {
        this.listener = l;
        this.emit('listening', l.port);
      });
    return this.listening;
  }

  get(infoHash: string | Uint8Array): Torrent | undefined {
    return this.torrents.get(typeof infoHash === 'string' ? infoHash.toLowerCase() : toHex(infoHash));
  }

  all(): Torrent[] {
    return [...this.torrents.values()];
  }

  /** Adds a torrent from its metainfo (or the bytes of a .torrent file) and starts it. */
  async addMetainfo(input: Metainfo | Uint8Array, options: AddOptions = {}): Promise<Torrent> {
    if (this.closed) throw new TorrentkitError('BT_ERR_CLIENT_CLOSED', 'the client is closed');
    const meta = input instanceof Uint8Array ? parseMetainfo(input) : input;
    const id = toHex(meta.id);
    const existing = this.torrents.get(id);
    if (existing) return existing;
    await this.listen();
    const torrent = new Torrent(
      {
        clock: this.deps.clock,
        rng: this.deps.rng,
        transport: this.deps.transport,
        hasher: this.deps.hasher,
        storageFactory: this.deps.storageFactory,
        resumeStore: this.deps.resumeStore,
        limits: this.limits,
        logger: this.logger,
        peerId: this.peerId,
        listenPort: this.listener?.port,
        localAddress: this.options.localAddress,
        clientBuckets: this.buckets,
        wireFlags: this.deps.wireFlags,
        nodeReadable: this.deps.nodeReadable,
        peerExtensions: (t: Torrent, p: PeerSession) => attachPeerExtensions(t, p, { clock: this.deps.clock, ...this.deps.extensions }),
      },
      meta,
      { ...options, path: options.path ?? this.options.path, uploadSlots: options.uploadSlots ?? this.options.uploadSlots },
    );
    this.torrents.set(id, torrent);
    torrent.once('removed', () => {
      this.torrents.delete(id);
      void this.discoveries.get(torrent)?.stop();
      this.discoveries.delete(torrent);
      this.emit('torrentRemoved', torrent);
    });
    this.emit('torrentAdded', torrent);
    if (this.deps.discovery) {
      this.discoveries.set(torrent, this.deps.discovery(torrent, { peerId: this.peerId, port: this.listener?.port ?? this.options.port ?? 0 }));
    }
    void torrent.start();
    return torrent;
  }

  /** Magnet links whose metadata is being fetched. */
  pendingMagnets(): MagnetTorrent[] {
    return [...this.magnets.values()];
  }

  /**
   * Adds a magnet link (or its parsed form): peers from `x.pe` and `options.peers`, trackers from
   * `tr`, and the session's magnet discovery (the DHT) are asked for the metadata (BEP 9); once it
   * is verified the link becomes a Torrent (`magnet.whenTorrent()`, event `torrent`), started with
   * `options` and the peers found so far. BEP 53 `so` selects files unless `options.selection` does.
   */
  async addMagnet(input: MagnetLink | string, options: AddOptions & MagnetTorrentOptions = {}): Promise<MagnetTorrent> {
    if (this.closed) throw new TorrentkitError('BT_ERR_CLIENT_CLOSED', 'the client is closed');
    const link = typeof input === 'string' ? magnetOf(input) : input;
    await this.listen();
    const magnet = new MagnetTorrent(
      {
        clock: this.deps.clock,
        transport: this.deps.transport,
        limits: this.limits,
        logger: this.logger,
        peerId: this.peerId,
        listenPort: this.listener?.port,
        localAddress: this.options.localAddress,
        wireFlags: this.deps.wireFlags,
        // An info dictionary is small (<= 16 MiB): hashing it here beats waking a hash worker.
        hash: async (data, algorithm) => (algorithm === 'sha1' ? sha1(data) : sha256(data)),
      },
      link,
      options,
    );
    const id = magnet.infoHashHex;
    const existing = this.torrents.get(id);
    if (existing) {
      magnet.adopt(existing);
      return magnet;
    }
    const pending = this.magnets.get(id);
    if (pending) return pending;
    this.magnets.set(id, magnet);
    const stopDiscovery = () => {
      this.magnets.delete(id);
      const d = this.discoveries.get(magnet);
      this.discoveries.delete(magnet);
      return d?.stop();
    };
    magnet.once('removed', () => void stopDiscovery());
    magnet.once('metadata', (meta) => {
      void stopDiscovery();
      const selection =
        options.selection ??
        (link.selectOnly ? meta.files.map((_, i) => i).filter((i) => link.selectOnly!.some((r) => i >= r.start && i <= r.end)) : undefined);
      this.addMetainfo(meta, { ...options, selection, trackers: [...(options.trackers ?? []), ...link.trackers] }).then(
        (torrent) => {
          for (const p of magnet.knownPeers()) torrent.addPeer(p.host, p.port, p.source);
          magnet.adopt(torrent);
        },
        (err: unknown) => {
          magnet.warn(err instanceof TorrentkitError ? err : new TorrentkitError('BT_ERR_INTERNAL', String(err), { cause: err }));
          magnet.remove();
        },
      );
    });
    if (this.deps.magnetDiscovery) {
      this.discoveries.set(magnet, this.deps.magnetDiscovery(magnet, { peerId: this.peerId, port: this.listener?.port ?? this.options.port ?? 0 }));
    }
    magnet.start();
    return magnet;
  }

  async remove(infoHash: string | InfoHash, options: { deleteData?: boolean } = {}): Promise<void> {
    const t = this.get(infoHash);
    if (t) await t.remove(options);
  }

  setRateLimits(limits: { download?: number; upload?: number }): void {
    const now = this.deps.clock.now();
    if (limits.download !== undefined) this.buckets.download.setRate(limits.download, now);
    if (limits.upload !== undefined) this.buckets.upload.setRate(limits.upload, now);
  }

  /** Stops every torrent (saving resume data) and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const m of [...this.magnets.values()]) m.remove();
    this.magnets.clear();
    await Promise.all([...this.discoveries.values()].map((d) => d.stop()));
    this.discoveries.clear();
    await Promise.all([...this.torrents.values()].map((t) => t.close()));
    this.torrents.clear();
    await this.listener?.close();
    await this.deps.hasher.close();
  }
}
