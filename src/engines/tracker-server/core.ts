/**
 * The tracker core: announce and scrape over a SwarmStore, shared by the HTTP, UDP and WebSocket
 * front ends (each of which parses its own wire format into AnnounceParams).
 *
 * Owns: the announce interval (+ jitter so clients do not synchronise), the numwant default and
 * cap, the peer lifetime, the client address rule (`ip` only when trusted), private mode (allow
 * list), periodic expiry, and the statistics. Peer selection itself lives in the store.
 */
import { TrackerError, TrackerErrorCode as E } from '../../codecs/tracker/errors.js';
import type { AnnounceParams, ScrapeEntry } from '../../codecs/tracker/types.js';
import { parseIPv4, parseIPv6 } from '../../codecs/tracker/ip.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';
import type { StoredPeer, SwarmAnnounce, SwarmAnnounceResult, SwarmStore, SwarmTotals } from '../../ports/swarm-store.js';
import { bytesToBinary } from '../../util/bytes.js';
import { type Logger, nullLogger } from '../../util/logger.js';
import { type StatsSnapshot, TrackerStats, type Transport } from './stats.js';

export interface TrackerCoreOptions {
  /** Seconds between regular announces (BEP 3 `interval`). */
  intervalS: number;
  /** Up to this many seconds are added at random to each interval. */
  jitterS: number;
  /** Seconds a client must wait at least (`min interval`). */
  minIntervalS: number;
  /** Peers returned when the client does not say. */
  defaultNumwant: number;
  /** Most peers returned whatever the client asks (opentracker: 200). */
  maxNumwant: number;
  /** A peer that does not re-announce within this many ms is dropped. */
  peerTtlMs: number;
  /** Use the client's `ip` parameter (only behind a trusted front end). */
  trustIpParam: boolean;
  /** Private mode: only info hashes on the allow list are tracked. */
  privateMode: boolean;
  /** Most scrape hashes answered in one request. */
  maxScrapeHashes: number;
}

export function defaultCoreOptions(intervalS = 1800): TrackerCoreOptions {
  return {
    intervalS,
    jitterS: Math.max(1, Math.floor(intervalS / 10)),
    minIntervalS: Math.max(1, Math.floor(intervalS / 2)),
    defaultNumwant: 50,
    maxNumwant: 200,
    // Two missed announces (with the largest jitter) and the peer is gone.
    peerTtlMs: Math.ceil(intervalS * 1.1) * 2 * 1000 + 30_000,
    trustIpParam: false,
    privateMode: false,
    maxScrapeHashes: 100,
  };
}

/** Where a request came from, as the transport saw it. */
export interface RequestSource {
  transport: Transport;
  /** The connection's remote address (or X-Forwarded-For's first entry when the proxy is trusted). */
  ip: string;
}

export interface AnnounceOutcome {
  interval: number;
  minInterval: number;
  complete: number;
  incomplete: number;
  downloaded: number;
  peers: StoredPeer[];
  /** The store's compact lists of `peers`, from `announceSync` only (see SwarmAnnounceResult.peers4). */
  peers4?: Uint8Array;
  peers6?: Uint8Array;
}

export class TrackerCore {
  readonly options: TrackerCoreOptions;
  private readonly allowed = new Set<string>();
  private readonly stats: TrackerStats;
  private stopExpiry: Cancel | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly deps: { store: SwarmStore; clock: Clock; rng: Rng; logger?: Logger },
    options: Partial<TrackerCoreOptions> = {},
  ) {
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<TrackerCoreOptions>;
    this.options = { ...defaultCoreOptions(given.intervalS), ...given };
    this.stats = new TrackerStats(deps.clock);
    this.logger = deps.logger ?? nullLogger;
  }

  /** Starts periodic expiry of silent peers (idempotent). */
  start(): void {
    if (this.stopExpiry) return;
    const every = Math.max(1000, Math.min(60_000, Math.floor(this.options.peerTtlMs / 4)));
    this.stopExpiry = this.deps.clock.setInterval(() => {
      this.deps.store.expire(this.deps.clock.wallTime()).catch((err: unknown) => this.logger.warn('tracker', 'expiry failed', { err: String(err) }));
    }, every);
  }

  async close(): Promise<void> {
    this.stopExpiry?.();
    this.stopExpiry = undefined;
    await this.deps.store.close();
  }

  /** Private mode: adds info hashes to the allow list (the publishing server calls this). */
  allow(...infoHashes: Uint8Array[]): void {
    for (const h of infoHashes) this.allowed.add(bytesToBinary(h));
  }

  disallow(...infoHashes: Uint8Array[]): void {
    for (const h of infoHashes) this.allowed.delete(bytesToBinary(h));
  }

  /** Replaces the whole allow list (a reloaded allow file). */
  setAllowList(infoHashes: readonly Uint8Array[]): void {
    this.allowed.clear();
    this.allow(...infoHashes);
  }

  isAllowed(infoHash: Uint8Array): boolean {
    return !this.options.privateMode || this.allowed.has(bytesToBinary(infoHash));
  }

  /**
   * Counts a failed request: the front ends count every failure here, those the core throws
   * (not allowed, too many hashes) included, so the core does not count them itself.
   */
  reject(code: string): void {
    this.stats.error(code);
  }

  /** Counts an announce answered outside the store (WebSocket swarms live in their front end). */
  announceCounted(transport: Transport, peerId: Uint8Array): void {
    this.stats.announce(transport, peerId);
  }

  scrapeCounted(transport: Transport): void {
    this.stats.scrape(transport);
  }

  /** The address to hand out for this peer: the source address unless `ip` is trusted and valid. */
  peerAddress(params: AnnounceParams, source: RequestSource): string {
    if (this.options.trustIpParam && params.ip !== undefined && (parseIPv4(params.ip) || parseIPv6(params.ip))) return params.ip;
    return source.ip;
  }

  async announce(params: AnnounceParams, source: RequestSource): Promise<AnnounceOutcome> {
    const a = this.toSwarmAnnounce(params, source);
    return this.outcome(params, source, await this.deps.store.announce(a));
  }

  /**
   * `announce` without a promise, when the store answers synchronously (memory, SQLite);
   * undefined when it cannot (the caller then uses `announce`). Throws like `announce` rejects.
   */
  announceSync(params: AnnounceParams, source: RequestSource): AnnounceOutcome | undefined {
    const store = this.deps.store;
    if (!store.announceSync) return undefined;
    return this.outcome(params, source, store.announceSync(this.toSwarmAnnounce(params, source)));
  }

  /** True when `announceSync` answers (the store keeps its swarms in this process). */
  get answersSynchronously(): boolean {
    return this.deps.store.announceSync !== undefined;
  }

  private toSwarmAnnounce(params: AnnounceParams, source: RequestSource): SwarmAnnounce {
    if (!this.isAllowed(params.infoHash)) {
      throw new TrackerError(E.NotAllowed, 'torrent not registered with this tracker');
    }
    const o = this.options;
    const ip = this.peerAddress(params, source);
    return {
      infoHash: params.infoHash,
      peer: { peerId: params.peerId, ip, port: params.port },
      left: params.left,
      event: params.event,
      numwant: Math.min(params.numwant ?? o.defaultNumwant, o.maxNumwant),
      family: source.transport === 'udp' ? (ip.includes(':') ? 'IPv6' : 'IPv4') : 'any',
      now: this.deps.clock.wallTime(),
      ttlMs: o.peerTtlMs,
    };
  }

  private outcome(params: AnnounceParams, source: RequestSource, res: SwarmAnnounceResult): AnnounceOutcome {
    const o = this.options;
    this.stats.announce(source.transport, params.peerId);
    return {
      interval: o.intervalS + (o.jitterS > 0 ? this.deps.rng.int(o.jitterS + 1) : 0),
      minInterval: o.minIntervalS,
      complete: res.complete,
      incomplete: res.incomplete,
      downloaded: res.downloaded,
      peers: res.peers,
      peers4: res.peers4,
      peers6: res.peers6,
    };
  }

  async scrape(infoHashes: readonly Uint8Array[], transport: Transport): Promise<ScrapeEntry[]> {
    if (infoHashes.length > this.options.maxScrapeHashes) {
      throw new TrackerError(E.TooLarge, 'too many info hashes in one scrape');
    }
    // Scraping all torrents (no info_hash) is refused: BEP 48 allows it, but it is an easy DoS.
    if (infoHashes.length === 0) {
      throw new TrackerError(E.BadInfoHash, 'scrape needs at least one info_hash');
    }
    this.stats.scrape(transport);
    const entries = await this.deps.store.scrape(infoHashes, this.deps.clock.wallTime());
    // Positions matter (UDP scrape answers are positional): hashes not allowed read as empty.
    return entries.map((e) => (this.isAllowed(e.infoHash) ? e : { infoHash: e.infoHash, complete: 0, downloaded: 0, incomplete: 0 }));
  }

  async snapshot(): Promise<{ stats: StatsSnapshot; totals: SwarmTotals }> {
    return { stats: this.stats.snapshot(), totals: await this.deps.store.totals(this.deps.clock.wallTime()) };
  }
}
