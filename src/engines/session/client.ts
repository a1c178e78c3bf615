/**
 * The session: one peer id, one listening port, one set of connection and rate limits, shared by
 * every torrent added to it. Routes incoming connections to their torrent by the info hash in the
 * handshake. Platform-free: the Node `Client` (src/adapters/node/client.ts) fills in the deps.
 */
import { type Metainfo, parseMetainfo } from '../../codecs/metainfo/index.js';
import { generatePeerId } from '../../codecs/wire/index.js';
import { ConnectionLimits } from '../../policies/connections.js';
import { TokenBucket } from '../../policies/token-bucket.js';
import type { Clock } from '../../ports/clock.js';
import type { Hasher } from '../../ports/hasher.js';
import type { ResumeStore } from '../../ports/resume-store.js';
import type { Rng } from '../../ports/rng.js';
import type { StorageFactory } from '../../ports/storage.js';
import type { StreamListener, StreamTransport } from '../../ports/transport.js';
import { toHex } from '../../util/bytes.js';
import { Emitter } from '../../util/emitter.js';
import { TorrentkitError } from '../../util/errors.js';
import { type Logger, nullLogger } from '../../util/logger.js';
import type { InfoHash, PeerId } from '../../util/units.js';
import type { NodeReadableFactory } from '../stream/index.js';
import { Wire } from '../wire/index.js';
import type { Discovery } from './discovery.js';
import { Torrent } from './torrent.js';
import type { AddOptions } from './types.js';

export interface SessionDeps {
  clock: Clock;
  rng: Rng;
  transport: StreamTransport;
  hasher: Hasher;
  storageFactory: StorageFactory;
  resumeStore?: ResumeStore;
  logger?: Logger;
  /** Makes Node Readables for `files[i].createReadStream` (set by the Node client). */
  nodeReadable?: NodeReadableFactory;
  /** Peer discovery (trackers, DHT) for a torrent; called when a torrent is added. */
  discovery?: (torrent: Torrent, context: { peerId: PeerId; port: number }) => Discovery;
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
}

export interface SessionEvents {
  torrentAdded: [torrent: Torrent];
  torrentRemoved: [torrent: Torrent];
  listening: [port: number];
  warning: [warning: TorrentkitError];
}

export class Session extends Emitter<SessionEvents> {
  readonly peerId: PeerId;
  private readonly torrents = new Map<string, Torrent>();
  private readonly limits: ConnectionLimits;
  private readonly buckets: { download: TokenBucket; upload: TokenBucket };
  private readonly logger: Logger;
  private listener: StreamListener | undefined;
  private readonly discoveries = new Map<Torrent, Discovery>();
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
            acceptInfoHash: (hash) => this.torrents.has(toHex(hash)),
            listenPort: this.listener?.port,
          },
        );
        wire.once('handshake', (h) => this.torrents.get(toHex(h.infoHash))?.attachIncoming(wire));
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
        nodeReadable: this.deps.nodeReadable,
      },
      meta,
      { ...options, path: options.path ?? this.options.path },
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
    await Promise.all([...this.discoveries.values()].map((d) => d.stop()));
    this.discoveries.clear();
    await Promise.all([...this.torrents.values()].map((t) => t.close()));
    this.torrents.clear();
    await this.listener?.close();
    await this.deps.hasher.close();
  }
}
