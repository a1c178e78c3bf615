/**
 * The address book of one torrent: every peer we heard of (tracker, DHT, PEX, LSD, incoming,
 * given by the user) and which ones to connect to next.
 *
 * Owns: known addresses with their source, failure count and next allowed attempt (exponential
 * backoff), bans (corrupt data, protocol violations), and the candidate order: never-tried first,
 * then by fewest failures, user-given peers before discovered ones. Bounded: past `maxPeers` the
 * worst entries (most failures, not connected) are dropped.
 * Does not own: the connections themselves (the engine), or when to connect (the engine asks for
 * `candidates(n, now)` when it has free connection slots).
 */
import { DOUBLE_ZERO } from '../util/double.js';

export type PeerSource = 'manual' | 'tracker' | 'dht' | 'pex' | 'lsd' | 'incoming' | 'magnet';

export interface PeerEntry {
  key: string;
  host: string;
  port: number;
  source: PeerSource;
  failures: number;
  /** Earliest time (ms) of the next connection attempt. */
  retryAt: number;
  connected: boolean;
  banned: boolean;
  /** Peer id once known, for duplicate detection. */
  seed: boolean;
}

export interface PeerListOptions {
  /** Most addresses kept. */
  maxPeers: number;
  /** Give up on an address after this many failed attempts. */
  maxFailures: number;
  /** Backoff after the first failure; doubles each time. */
  retryBaseMs: number;
}

export const DEFAULT_PEER_LIST_OPTIONS: PeerListOptions = { maxPeers: 2000, maxFailures: 5, retryBaseMs: 10_000 };

const SOURCE_RANK: Record<PeerSource, number> = { manual: 0, magnet: 1, tracker: 2, lsd: 2, dht: 3, pex: 3, incoming: 4 };

export function peerKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class PeerList {
  private readonly peers = new Map<string, PeerEntry>();
  private readonly bannedHosts = new Set<string>();
  private readonly options: PeerListOptions;

  constructor(options: Partial<PeerListOptions> = {}) {
    this.options = { ...DEFAULT_PEER_LIST_OPTIONS, ...options };
  }

  get size(): number {
    return this.peers.size;
  }

  get(key: string): PeerEntry | undefined {
    return this.peers.get(key);
  }

  /** Adds an address; returns true when it is new. Invalid ports are ignored. */
  add(host: string, port: number, source: PeerSource): boolean {
    if (!Number.isInteger(port) || port <= 0 || port > 65535 || host.length === 0) return false;
    if (this.bannedHosts.has(host)) return false;
    const key = peerKey(host, port);
    const existing = this.peers.get(key);
    if (existing) {
      if (SOURCE_RANK[source] < SOURCE_RANK[existing.source]) existing.source = source;
      return false;
    }
    this.peers.set(key, { key, host, port, source, failures: 0, retryAt: DOUBLE_ZERO, connected: false, banned: false, seed: false });
    if (this.peers.size > this.options.maxPeers) this.evict();
    return true;
  }

  /** Up to `n` addresses to try now, best first. */
  candidates(n: number, now: number): PeerEntry[] {
    const out: PeerEntry[] = [];
    for (const p of this.peers.values()) {
      if (p.connected || p.banned || p.retryAt > now || p.failures >= this.options.maxFailures) continue;
      out.push(p);
    }
    out.sort((a, b) => a.failures - b.failures || SOURCE_RANK[a.source] - SOURCE_RANK[b.source]);
    return out.slice(0, n);
  }

  /** Marks an attempt as started (so it is not handed out twice). */
  connecting(key: string): void {
    const p = this.peers.get(key);
    if (p) p.connected = true;
  }

  connected(key: string): void {
    const p = this.peers.get(key);
    if (p) {
      p.connected = true;
      p.failures = 0;
    }
  }

  /** The connection ended or failed; `failed` means it should count against the address. */
  disconnected(key: string, now: number, failed: boolean): void {
    const p = this.peers.get(key);
    if (!p) return;
    p.connected = false;
    if (failed) {
      p.failures++;
      p.retryAt = now + this.options.retryBaseMs * 2 ** (p.failures - 1);
    } else {
      p.retryAt = now + this.options.retryBaseMs;
    }
  }

  /**
   * Addresses that did not fail become candidates again at once: the connections were ours to
   * close (a pause, the startup check), and waiting out the usual retry delay would leave a
   * resumed torrent idle for seconds. Failed addresses keep their backoff.
   */
  retryNow(): void {
    for (const p of this.peers.values()) if (p.failures === 0) p.retryAt = DOUBLE_ZERO;
  }

  ban(key: string): void {
    const p = this.peers.get(key);
    if (p) p.banned = true;
  }

  isBanned(host: string, port: number): boolean {
    return this.bannedHosts.has(host) || this.peers.get(peerKey(host, port))?.banned === true;
  }

  /** Bans every address of a host (a peer that sent corrupt data may reconnect from another port). */
  banHost(host: string): void {
    this.bannedHosts.add(host);
    for (const p of this.peers.values()) if (p.host === host) p.banned = true;
  }

  private evict(): void {
    let worst: PeerEntry | undefined;
    for (const p of this.peers.values()) {
      if (p.connected || p.source === 'manual') continue;
      if (!worst || p.failures > worst.failures || (p.failures === worst.failures && SOURCE_RANK[p.source] > SOURCE_RANK[worst.source])) worst = p;
    }
    if (worst) this.peers.delete(worst.key);
  }
}
