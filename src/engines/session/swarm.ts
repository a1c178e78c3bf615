/**
 * The connections of one torrent: which addresses we know (PeerList), which peers are connected
 * (ConnectionSet: no duplicates, no self-connections), and opening outgoing connections within the
 * global and per-torrent limits. A connection becomes a PeerSession once its handshake is accepted;
 * the torrent is told through `onPeer` (inside the handshake handler, so it can send its bitfield
 * first) and `onPeerClosed`.
 */
import { ConnectionSet, type ConnectionLimits } from '../../policies/connections.js';
import { PeerList, type PeerSource, peerKey } from '../../policies/peer-list.js';
import type { Clock } from '../../ports/clock.js';
import type { StreamConnection, StreamTransport } from '../../ports/transport.js';
import { toHex } from '../../util/bytes.js';
import type { Logger } from '../../util/logger.js';
import type { InfoHash, PeerId } from '../../util/units.js';
import type { ReservedFlags } from '../../codecs/wire/index.js';
import { Wire, type WireClose } from '../wire/index.js';
import { PeerSession } from './peer.js';

export interface SwarmDeps {
  clock: Clock;
  transport: StreamTransport;
  limits: ConnectionLimits;
  logger: Logger;
}

export interface SwarmOptions {
  infoHash: InfoHash;
  peerId: PeerId;
  /** Unknown while a magnet link's metadata is fetched. */
  pieceCount?: number;
  listenPort?: number;
  /** Local address for outgoing connections. */
  localAddress?: string;
  connectTimeoutMs?: number;
  /** Reserved bits of our handshake (default: the Wire's: extension protocol and fast extension). */
  wireFlags?: Partial<ReservedFlags>;
  /** Most connections for this torrent, below the client's per-torrent limit. */
  maxPeers?: number;
}

export interface SwarmHooks {
  /** A peer passed its handshake; attach handlers and send our bitfield now. */
  onPeer(peer: PeerSession): void;
  onPeerClosed(peer: PeerSession, close: WireClose): void;
}

export class Swarm {
  readonly peerList = new PeerList();
  readonly connections: ConnectionSet<PeerSession>;
  private readonly peers = new Set<PeerSession>();
  private readonly connecting = new Map<string, AbortController>();
  private readonly id: string;
  private closed = false;

  constructor(
    private readonly deps: SwarmDeps,
    private readonly options: SwarmOptions,
    private readonly hooks: SwarmHooks,
  ) {
    this.connections = new ConnectionSet<PeerSession>(options.peerId);
    this.id = toHex(options.infoHash);
    deps.limits.setTorrentLimit(this.id, options.maxPeers);
  }

  get size(): number {
    return this.peers.size;
  }

  get all(): ReadonlySet<PeerSession> {
    return this.peers;
  }

  get pendingConnections(): number {
    return this.connecting.size;
  }

  addPeer(host: string, port: number, source: PeerSource): void {
    if (this.peerList.add(host, port, source) && !this.closed) this.maintain();
  }

  /** Opens connections to known peers while the limits allow. */
  maintain(): void {
    if (this.closed) return;
    const room = this.deps.limits.available(this.id);
    if (room <= 0) return;
    for (const entry of this.peerList.candidates(room, this.deps.clock.now())) {
      if (this.connections.hasAddress(entry.host, entry.port)) {
        this.peerList.connecting(entry.key);
        continue;
      }
      if (!this.deps.limits.reserve(this.id)) return;
      this.peerList.connecting(entry.key);
      void this.connect(entry.host, entry.port, entry.source, entry.key);
    }
  }

  private async connect(host: string, port: number, source: PeerSource, key: string): Promise<void> {
    const ac = new AbortController();
    this.connecting.set(key, ac);
    let conn: StreamConnection;
    try {
      conn = await this.deps.transport.connect({
        host,
        port,
        localAddress: this.options.localAddress,
        signal: ac.signal,
        timeoutMs: this.options.connectTimeoutMs ?? 10_000,
      });
    } catch (err) {
      this.connecting.delete(key);
      this.deps.limits.release(this.id);
      this.peerList.disconnected(key, this.deps.clock.now(), true);
      this.deps.logger.debug('swarm', `connect to ${key} failed`, { error: String(err) });
      if (!this.closed) this.maintain();
      return;
    }
    this.connecting.delete(key);
    if (this.closed) {
      conn.close(true);
      this.deps.limits.release(this.id);
      return;
    }
    const wire = new Wire(
      conn,
      { clock: this.deps.clock, logger: this.deps.logger },
      {
        direction: 'outgoing',
        peerId: this.options.peerId,
        infoHash: this.options.infoHash,
        pieceCount: this.options.pieceCount,
        listenPort: this.options.listenPort,
        flags: this.options.wireFlags,
      },
    );
    this.adopt(wire, host, port, 'outgoing', source, true);
    wire.start();
  }

  /**
   * Takes a wire whose handshake for this torrent arrived on an incoming connection (the client
   * routed it here from inside the handshake handler). Returns false if refused.
   */
  attachIncoming(wire: Wire): boolean {
    if (this.closed || !this.deps.limits.reserve(this.id)) {
      wire.destroy('local');
      return false;
    }
    if (this.options.pieceCount !== undefined) wire.setPieceCount(this.options.pieceCount);
    const host = wire.conn.remoteAddress;
    const port = wire.conn.remotePort;
    this.adopt(wire, host, port, 'incoming', 'incoming', false);
    return this.admit(wire, host, port, 'incoming', 'incoming') !== undefined;
  }

  private adopt(wire: Wire, host: string, port: number, direction: 'incoming' | 'outgoing', source: PeerSource, awaitHandshake: boolean): void {
    let session: PeerSession | undefined;
    if (awaitHandshake) {
      wire.once('handshake', () => {
        session = this.admit(wire, host, port, direction, source);
      });
    }
    wire.once('close', (close) => {
      this.deps.limits.release(this.id);
      const s = session ?? [...this.peers].find((p) => p.wire === wire);
      const key = peerKey(host, port);
      const failed = close.reason !== 'local' && close.reason !== 'remote';
      if (direction === 'outgoing') this.peerList.disconnected(key, this.deps.clock.now(), failed || !s);
      if (close.reason === 'protocol_violation') this.peerList.ban(key);
      if (s) {
        this.peers.delete(s);
        this.connections.remove(s);
        this.hooks.onPeerClosed(s, close);
      }
      if (!this.closed) this.maintain();
    });
  }

  private admit(wire: Wire, host: string, port: number, direction: 'incoming' | 'outgoing', source: PeerSource): PeerSession | undefined {
    const remote = wire.remote!;
    const key = peerKey(host, port);
    if (this.peerList.isBanned(host, port)) {
      wire.destroy('local');
      return undefined;
    }
    const session = new PeerSession(wire, key, host, port, direction, source, this.deps.clock.now());
    const result = this.connections.admit({ handle: session, peerId: remote.peerId, host, port, direction });
    if (!result.ok) {
      wire.destroy('local');
      return undefined;
    }
    if (result.replaced) result.replaced.wire.close();
    // An incoming peer's address has its ephemeral port: nothing to reconnect to later.
    if (direction === 'outgoing') this.peerList.connected(key);
    this.peers.add(session);
    this.hooks.onPeer(session);
    return session;
  }

  /** Bans the peer's address (corrupt data) and closes it. */
  ban(peer: PeerSession): void {
    this.peerList.banHost(peer.host);
    peer.wire.destroy('local');
  }

  /** Closes every connection and stops connecting. */
  close(): void {
    this.closed = true;
    for (const ac of this.connecting.values()) ac.abort();
    for (const p of [...this.peers]) p.wire.close();
  }

  /** Allows connecting again after `close` (resume, or the end of a torrent's startup check). */
  reopen(): void {
    this.closed = false;
    this.peerList.retryNow();
  }
}
