/**
 * Connection-level policy, pure (no sockets, no timers): what the engine asks before opening a
 * connection and after a handshake.
 *
 * Owns:
 * - `ConnectionLimits`: global and per-torrent connection counts (half-open attempts included,
 *   so a burst of connects cannot overshoot the limit).
 * - `ConnectionSet`: one torrent's live peers by peer id and by address; refuses a connection to
 *   ourselves (our own peer id came back, e.g. a tracker listed our address) and settles duplicate
 *   connections so that both ends keep the same TCP connection.
 *
 * Duplicates (two connections between the same two peers, one each way): each side keeps the
 * connection opened by the peer with the HIGHER peer id (compared as bytes). Both ends compute the
 * same answer from the same two ids, so they drop the same connection and do not end up with none.
 */
import { compareBytes, equalBytes, toHex } from '../util/bytes.js';

export interface ConnectionLimitsOptions {
  /** Connections across all torrents (default 200). */
  maxGlobal?: number;
  /** Connections per torrent (default 50). */
  maxPerTorrent?: number;
}

export class ConnectionLimits {
  readonly maxGlobal: number;
  readonly maxPerTorrent: number;
  private total = 0;
  private readonly perTorrent = new Map<string, number>();
  /** Torrents with a limit of their own, below `maxPerTorrent`. */
  private readonly torrentMax = new Map<string, number>();

  constructor(options: ConnectionLimitsOptions = {}) {
    this.maxGlobal = options.maxGlobal ?? 200;
    this.maxPerTorrent = options.maxPerTorrent ?? 50;
  }

  /** Gives `torrent` a limit of its own (the smaller of it and `maxPerTorrent` holds); undefined removes it. */
  setTorrentLimit(torrent: string, max: number | undefined): void {
    if (max === undefined) this.torrentMax.delete(torrent);
    else this.torrentMax.set(torrent, Math.max(0, Math.floor(max)));
  }

  /** The connection limit of `torrent`. */
  limitOf(torrent: string): number {
    return Math.min(this.maxPerTorrent, this.torrentMax.get(torrent) ?? Number.POSITIVE_INFINITY);
  }

  /** True when one more connection for `torrent` stays within both limits. */
  canOpen(torrent: string): boolean {
    return this.total < this.maxGlobal && (this.perTorrent.get(torrent) ?? 0) < this.limitOf(torrent);
  }

  /** Counts a connection (or attempt) for `torrent` if the limits allow it; false otherwise. */
  reserve(torrent: string): boolean {
    if (!this.canOpen(torrent)) return false;
    this.total++;
    this.perTorrent.set(torrent, (this.perTorrent.get(torrent) ?? 0) + 1);
    return true;
  }

  /** Returns a reservation (connection closed or attempt failed). */
  release(torrent: string): void {
    const n = this.perTorrent.get(torrent) ?? 0;
    if (n === 0) return;
    this.total--;
    if (n === 1) this.perTorrent.delete(torrent);
    else this.perTorrent.set(torrent, n - 1);
  }

  /** Connections counted for `torrent`, or in all when omitted. */
  count(torrent?: string): number {
    return torrent === undefined ? this.total : (this.perTorrent.get(torrent) ?? 0);
  }

  /** How many more connections `torrent` may open now. */
  available(torrent: string): number {
    return Math.max(0, Math.min(this.maxGlobal - this.total, this.limitOf(torrent) - (this.perTorrent.get(torrent) ?? 0)));
  }
}

export type Direction = 'incoming' | 'outgoing';

/** True when the handshake's peer id is our own: we connected to ourselves. */
export function isSelfConnection(remotePeerId: Uint8Array, ourPeerId: Uint8Array): boolean {
  return equalBytes(remotePeerId, ourPeerId);
}

/**
 * Which of two connections to the same peer to keep: the one opened by the peer with the higher
 * id. `existing` and `candidate` are the directions as seen from our side.
 */
export function keepOnDuplicate(ourPeerId: Uint8Array, theirPeerId: Uint8Array, existing: Direction, candidate: Direction): 'existing' | 'candidate' {
  if (existing === candidate) return 'existing';
  const weOpenHigher = compareBytes(ourPeerId, theirPeerId) > 0;
  const keep: Direction = weOpenHigher ? 'outgoing' : 'incoming';
  return existing === keep ? 'existing' : 'candidate';
}

/** Canonical form of an address for comparisons (IPv4-mapped IPv6 becomes IPv4, lowercase). */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? mapped[1] : h;
}

export interface PeerConnectionInfo<T> {
  handle: T;
  peerId: Uint8Array;
  host: string;
  /** For outgoing connections the port we dialled; for incoming ones the peer's listen port once known (BEP 10 `p`). */
  port?: number;
  direction: Direction;
}

export type AdmitResult<T> =
  | { ok: true; /** A connection this one replaces: close it. */ replaced?: T }
  | { ok: false; reason: 'self' | 'duplicate' };

/** One torrent's connected peers, by peer id and by dialable address. */
export class ConnectionSet<T> {
  private readonly byId = new Map<string, PeerConnectionInfo<T>>();
  private readonly byAddress = new Map<string, PeerConnectionInfo<T>>();
  private readonly byHandle = new Map<T, PeerConnectionInfo<T>>();

  constructor(private readonly ourPeerId: Uint8Array) {}

  get size(): number {
    return this.byHandle.size;
  }

  private static key(host: string, port: number): string {
    return `${normalizeHost(host)}|${port}`;
  }

  /** Before dialling: true when a connected peer is already known at host:port. */
  hasAddress(host: string, port: number): boolean {
    return this.byAddress.has(ConnectionSet.key(host, port));
  }

  /** After the handshake: accepts the connection, refuses it, or accepts it in place of another. */
  admit(info: PeerConnectionInfo<T>): AdmitResult<T> {
    if (isSelfConnection(info.peerId, this.ourPeerId)) return { ok: false, reason: 'self' };
    const id = toHex(info.peerId);
    const existing = this.byId.get(id);
    let replaced: T | undefined;
    if (existing) {
      if (keepOnDuplicate(this.ourPeerId, info.peerId, existing.direction, info.direction) === 'existing') {
        return { ok: false, reason: 'duplicate' };
      }
      replaced = existing.handle;
      this.remove(existing.handle);
    }
    this.byId.set(id, info);
    this.byHandle.set(info.handle, info);
    if (info.port !== undefined) this.byAddress.set(ConnectionSet.key(info.host, info.port), info);
    return replaced === undefined ? { ok: true } : { ok: true, replaced };
  }

  /** Records an incoming peer's listen port (from its BEP 10 handshake) so we do not dial it again. */
  setListenPort(handle: T, port: number): void {
    const info = this.byHandle.get(handle);
    if (!info) return;
    if (info.port !== undefined) this.byAddress.delete(ConnectionSet.key(info.host, info.port));
    info.port = port;
    this.byAddress.set(ConnectionSet.key(info.host, port), info);
  }

  remove(handle: T): void {
    const info = this.byHandle.get(handle);
    if (!info) return;
    this.byHandle.delete(handle);
    const id = toHex(info.peerId);
    if (this.byId.get(id) === info) this.byId.delete(id);
    if (info.port !== undefined) {
      const key = ConnectionSet.key(info.host, info.port);
      if (this.byAddress.get(key) === info) this.byAddress.delete(key);
    }
  }
}
