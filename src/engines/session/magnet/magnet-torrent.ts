/**
 * The magnet phase of a torrent (BEP 9): a magnet link (or a bare info hash) has no info
 * dictionary, so this connects to the peers we hear of (`x.pe`, trackers from `tr`, the DHT,
 * incoming connections), fetches the metadata from them with a MetadataFetcher and verifies it.
 * The session then turns the result into a normal Torrent (see Session.addMagnet): state
 * `waiting-metadata` until then, event `metadata`, then `torrent`.
 */
import { parseInfoDictionary, type MagnetLink, type Metainfo } from '../../../codecs/metainfo/index.js';
import type { ConnectionLimits } from '../../../policies/connections.js';
import { type PeerSource, peerKey } from '../../../policies/peer-list.js';
import type { Cancel, Clock } from '../../../ports/clock.js';
import type { StreamTransport } from '../../../ports/transport.js';
import { toHex } from '../../../util/bytes.js';
import { Emitter } from '../../../util/emitter.js';
import { TorrentkitError } from '../../../util/errors.js';
import type { Logger } from '../../../util/logger.js';
import type { InfoHash, PeerId } from '../../../util/units.js';
import type { ReservedFlags } from '../../../codecs/wire/index.js';
import type { Wire } from '../../wire/index.js';
import type { PeerSession } from '../peer.js';
import { Swarm } from '../swarm.js';
import type { Torrent } from '../torrent.js';
import type { PeerInfo } from '../types.js';
import { MetadataFetcher } from './metadata-fetcher.js';
import { UtMetadataExtension } from './ut-metadata.js';
import { parseHostPort } from '../../../util/ip.js';

/** Addresses remembered to hand over to the torrent once the metadata is known. */
const MAX_REMEMBERED_PEERS = 1_000;

export interface MagnetTorrentDeps {
  clock: Clock;
  transport: StreamTransport;
  limits: ConnectionLimits;
  logger: Logger;
  peerId: PeerId;
  listenPort?: number;
  localAddress?: string;
  wireFlags?: Partial<ReservedFlags>;
  hash(data: Uint8Array, algorithm: 'sha1' | 'sha256'): Promise<Uint8Array>;
}

export interface MagnetTorrentOptions {
  /** Peers to connect to, "host:port", beyond the link's `x.pe`. */
  peers?: readonly string[];
  /** Largest info dictionary accepted (default 16 MiB). */
  maxMetadataSize?: number;
  /** How long one metadata request may go unanswered before another peer is asked. */
  requestTimeoutMs?: number;
}

export interface MagnetStats {
  state: 'waiting-metadata' | 'done' | 'removed';
  /** Connected peers, and how many of them offer metadata. */
  peers: number;
  metadataPeers: number;
  knownPeers: number;
  /** Bytes of the info dictionary received so far, and its size (0 while unknown). */
  metadataReceived: number;
  metadataSize: number;
}

export interface MagnetTorrentEvents {
  /** The verified metadata. */
  metadata: [meta: Metainfo];
  /** The torrent that downloads the data, once the session created it. */
  torrent: [torrent: Torrent];
  peerConnected: [peer: PeerInfo];
  peerDisconnected: [peer: PeerInfo, reason: string];
  /** A peer was dropped (bad or oversized metadata), a tracker failed, ... */
  warning: [warning: TorrentkitError];
  removed: [];
}

export class MagnetTorrent extends Emitter<MagnetTorrentEvents> {
  /** The info hash peers are contacted with (v1, or the truncated v2 hash for a btmh-only link). */
  readonly infoHash: InfoHash;
  readonly infoHashHex: string;
  readonly swarm: Swarm;
  readonly fetcher: MetadataFetcher;
  private stateValue: MagnetStats['state'] = 'waiting-metadata';
  private readonly remembered = new Map<string, { host: string; port: number; source: PeerSource }>();
  private timer: Cancel | undefined;
  private meta: Metainfo | undefined;
  private torrentValue: Torrent | undefined;

  constructor(
    private readonly deps: MagnetTorrentDeps,
    readonly link: MagnetLink,
    private readonly options: MagnetTorrentOptions = {},
  ) {
    super();
    const hash = link.infoHash ?? (link.infoHashV2?.slice(0, 20) as InfoHash | undefined);
    if (!hash) throw new TorrentkitError('BT_ERR_MAGNET_NO_INFOHASH', 'the magnet link has no info hash');
    this.infoHash = hash;
    this.infoHashHex = toHex(hash);
    this.fetcher = new MetadataFetcher(
      { clock: deps.clock, hash: deps.hash },
      { infoHash: link.infoHash, infoHashV2: link.infoHashV2, maxSize: options.maxMetadataSize, requestTimeoutMs: options.requestTimeoutMs },
    );
    this.fetcher.on('peerRejected', (_peer, reason) => this.warn(reason));
    this.fetcher.on('metadata', (info) => this.onMetadata(info));
    this.swarm = new Swarm(
      { clock: deps.clock, transport: deps.transport, limits: deps.limits, logger: deps.logger },
      { infoHash: hash, peerId: deps.peerId, listenPort: deps.listenPort, localAddress: deps.localAddress, wireFlags: deps.wireFlags },
      { onPeer: (p) => this.onPeer(p), onPeerClosed: (p, close) => this.emit('peerDisconnected', p.info(0, deps.clock.now()), close.reason) },
    );
  }

  get state(): MagnetStats['state'] {
    return this.stateValue;
  }

  /** The display name from the link (`dn`), or the info hash. */
  get name(): string {
    return this.meta?.name ?? this.link.name ?? this.infoHashHex;
  }

  /** The torrent, once the metadata is known and the session created it. */
  get torrent(): Torrent | undefined {
    return this.torrentValue;
  }

  /** Starts connecting to the link's peers and those given. */
  start(): void {
    if (this.timer || this.stateValue !== 'waiting-metadata') return;
    // A Swarm starts closed (a torrent opens it after its startup check); the magnet phase has
    // nothing to check.
    this.swarm.reopen();
    for (const p of [...this.link.peers, ...(this.options.peers ?? [])]) this.addPeerString(p, 'magnet');
    this.timer = this.deps.clock.setInterval(() => this.swarm.maintain(), 1_000);
    this.swarm.maintain();
  }

  addPeer(host: string, port: number, source: PeerSource): void {
    if (this.stateValue !== 'waiting-metadata') {
      this.torrentValue?.addPeer(host, port, source);
      return;
    }
    this.remember(host, port, source);
    this.swarm.addPeer(host, port, source);
  }

  private remember(host: string, port: number, source: PeerSource): void {
    const key = peerKey(host, port);
    if (!this.remembered.has(key) && this.remembered.size < MAX_REMEMBERED_PEERS) this.remembered.set(key, { host, port, source });
  }

  addPeerString(hostPort: string, source: PeerSource = 'manual'): void {
    const a = parseHostPort(hostPort);
    if (!a) throw new TorrentkitError('BT_ERR_BAD_PEER_ADDRESS', `not a HOST:PORT address: ${hostPort}`);
    this.addPeer(a.host, a.port, source);
  }

  /** An incoming connection for this info hash passed its handshake. */
  attachIncoming(wire: Wire): void {
    if (this.stateValue !== 'waiting-metadata') {
      wire.destroy('local');
      return;
    }
    this.swarm.attachIncoming(wire);
  }

  /** Known peer addresses (for the torrent that follows). */
  knownPeers(): { host: string; port: number; source: PeerSource }[] {
    return [...this.remembered.values()];
  }

  stats(): MagnetStats {
    const { received, size } = this.fetcher.progress();
    return {
      state: this.stateValue,
      peers: this.swarm.size,
      metadataPeers: this.fetcher.peerCount,
      knownPeers: this.swarm.peerList.size,
      metadataReceived: this.meta ? this.meta.infoBytes.length : received,
      metadataSize: this.meta ? this.meta.infoBytes.length : size,
    };
  }

  /** Resolves with the verified metadata; rejects when removed or aborted. */
  whenMetadata(options: { signal?: AbortSignal } = {}): Promise<Metainfo> {
    if (this.meta) return Promise.resolve(this.meta);
    return this.waitForEvent('metadata', options.signal).then(() => this.meta!);
  }

  /** Resolves with the Torrent that downloads the data; rejects when removed or aborted. */
  whenTorrent(options: { signal?: AbortSignal } = {}): Promise<Torrent> {
    if (this.torrentValue) return Promise.resolve(this.torrentValue);
    return this.waitForEvent('torrent', options.signal).then(() => this.torrentValue!);
  }

  private waitForEvent(event: 'metadata' | 'torrent', signal?: AbortSignal): Promise<void> {
    const removed = () => new TorrentkitError('BT_ERR_METADATA_UNAVAILABLE', 'the magnet link was removed before its metadata arrived');
    if (this.stateValue === 'removed') return Promise.reject(removed());
    return this.waitFor(event, { fail: { event: 'removed', error: removed }, signal, abortMessage: 'aborted while waiting for metadata' }).then(() => {});
  }

  /** Called by the session with the torrent it made from the metadata. */
  adopt(torrent: Torrent): void {
    this.torrentValue = torrent;
    this.stateValue = 'done';
    this.emit('torrent', torrent);
  }

  /** Stops fetching and closes the connections (also done once the metadata is known). */
  close(): void {
    this.timer?.();
    this.timer = undefined;
    this.fetcher.close();
    this.swarm.close();
  }

  /** Gives up on the link. */
  remove(): void {
    if (this.stateValue === 'removed') return;
    this.close();
    const wasWaiting = this.stateValue === 'waiting-metadata';
    this.stateValue = 'removed';
    if (wasWaiting) this.emit('removed');
  }

  warn(err: TorrentkitError): void {
    this.deps.logger.warn('magnet', err.message, { code: err.code });
    this.emit('warning', err);
  }

  private onPeer(peer: PeerSession): void {
    const { wire } = peer;
    // BEP 6: with the fast extension one of bitfield / have all / have none comes first.
    wire.haveNone();
    wire.use(
      (w) =>
        new UtMetadataExtension(w, peer.key, {
          fetcher: this.fetcher,
          maxMetadataSize: this.options.maxMetadataSize,
          now: () => this.deps.clock.now(),
        }),
    );
    // Incoming connections close with the magnet phase; a peer that told us its listening port
    // (BEP 10 `p`) is handed to the torrent like the ones we dialled, so it need not dial again.
    if (peer.direction === 'incoming') {
      wire.once('extendedHandshake', (h) => {
        if (h.p !== undefined && Number.isInteger(h.p) && h.p > 0 && h.p < 65536) this.remember(peer.host, h.p, 'incoming');
      });
    }
    this.emit('peerConnected', peer.info(0, this.deps.clock.now()));
  }

  private onMetadata(info: Uint8Array): void {
    let meta: Metainfo;
    try {
      meta = parseInfoDictionary(info);
    } catch (err) {
      // It matched the info hash, so every peer would send the same: the torrent itself is bad.
      this.warn(new TorrentkitError('BT_ERR_METADATA_INVALID', `the metadata matches the info hash but is not a valid torrent: ${(err as Error).message}`, { cause: err }));
      this.remove();
      return;
    }
    this.meta = meta;
    this.close();
    this.emit('metadata', meta);
  }
}
