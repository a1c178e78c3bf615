/**
 * The Announcer: one torrent's trackers, organised in announce-list tiers (BEP 12).
 *
 * Owns: the tier order (each tier shuffled once at start; the tracker that answers moves to the
 * front of its tier; a failing tracker falls through to the next one, then to the next tier), the
 * regular announce timer (the tracker's `interval`, never sooner than `min interval`), retries
 * with back-off when every tracker failed, and the session `key`. The engine supplies transfer
 * totals through the `stats` callback and receives peers through the `peers` event.
 */
import { TrackerError, TrackerErrorCode as E } from '../../codecs/tracker/errors.js';
import type { AnnounceEvent, AnnounceResult, ScrapeEntry, TrackerPeer } from '../../codecs/tracker/types.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { DatagramFactory } from '../../ports/datagram.js';
import type { HttpGet } from '../../ports/http-client.js';
import { type Rng, shuffle } from '../../ports/rng.js';
import { type Logger, nullLogger } from '../../util/logger.js';
import { HttpTrackerClient } from './http-client.js';
import type { TrackerClient } from './types.js';
import { UdpTrackerClient } from './udp-client.js';

export interface AnnouncerDeps {
  clock: Clock;
  rng: Rng;
  http: HttpGet;
  datagrams: DatagramFactory;
  logger?: Logger;
}

export interface TransferStats {
  downloaded: number;
  uploaded: number;
  left: number;
}

export interface AnnouncerOptions {
  infoHash: Uint8Array;
  peerId: Uint8Array;
  /** Our listening TCP port. */
  port: number;
  /** announce-list tiers (BEP 12); a torrent with only `announce` is one tier of one. */
  tiers: readonly (readonly string[])[];
  /** Transfer totals for each announce. */
  stats: () => TransferStats;
  numwant?: number;
  /** UDP retransmission base (BEP 15: 15 s); tests make it small. */
  udpRetransmitBaseMs?: number;
  udpMaxRetransmits?: number;
  httpTimeoutMs?: number;
  /** Wait before re-announcing after every tracker failed (doubles up to 30 min). */
  retryMs?: number;
}

/** Events of an Announcer. */
export interface AnnouncerEvents {
  /** A tracker returned peers. */
  peers: { url: string; peers: TrackerPeer[] };
  /** A tracker answered with a warning, or one tracker failed but another may still answer. */
  warning: { url: string; message: string; error?: Error };
  /** Every tracker of every tier failed for one announce. */
  error: { error: Error };
  /** A tracker answered (counts and interval). */
  announced: { url: string; event: AnnounceEvent | undefined; result: AnnounceResult };
}

type Listener<K extends keyof AnnouncerEvents> = (e: AnnouncerEvents[K]) => void;

export class Announcer {
  private readonly tiers: TrackerClient[][];
  private readonly key: number;
  private readonly listeners = new Map<keyof AnnouncerEvents, Set<(e: never) => void>>();
  private timer: Cancel | undefined;
  private lastAnnounceAt = -Infinity;
  private minIntervalMs = 0;
  private failures = 0;
  private started = false;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly deps: AnnouncerDeps,
    private readonly options: AnnouncerOptions,
  ) {
    this.logger = deps.logger ?? nullLogger;
    this.key = deps.rng.int(2 ** 32);
    // BEP 12: shuffle each tier once, then keep the order, promoting trackers that answer.
    this.tiers = options.tiers
      .map((tier) => shuffle(deps.rng, tier.map((url) => this.client(url)).filter((c): c is TrackerClient => c !== undefined)))
      .filter((t) => t.length > 0);
  }

  private client(url: string): TrackerClient | undefined {
    try {
      if (/^https?:\/\//i.test(url)) return new HttpTrackerClient({ http: this.deps.http }, url, { timeoutMs: this.options.httpTimeoutMs });
      if (/^udp:\/\//i.test(url)) {
        return new UdpTrackerClient(this.deps, url, { retransmitBaseMs: this.options.udpRetransmitBaseMs, maxRetransmits: this.options.udpMaxRetransmits });
      }
    } catch (err) {
      this.logger.warn('tracker', 'unusable tracker URL', { url, err: String(err) });
      return undefined;
    }
    this.logger.debug('tracker', 'unsupported tracker scheme', { url });
    return undefined;
  }

  on<K extends keyof AnnouncerEvents>(event: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const s = set;
    s.add(fn as (e: never) => void);
    return () => s.delete(fn as (e: never) => void);
  }

  private emit<K extends keyof AnnouncerEvents>(event: K, e: AnnouncerEvents[K]): void {
    for (const fn of this.listeners.get(event) ?? []) (fn as Listener<K>)(e);
  }

  /** The trackers in their current order (for inspection and tests). */
  order(): string[][] {
    return this.tiers.map((t) => t.map((c) => c.url));
  }

  /**
   * Announces once, walking the tiers (BEP 12). Resolves with the first answer; rejects when all
   * trackers failed (after emitting `error`).
   */
  async announce(event?: AnnounceEvent, opts: { signal?: AbortSignal } = {}): Promise<AnnounceResult & { url: string }> {
    if (this.tiers.length === 0) throw new TrackerError(E.BadUrl, 'no usable tracker');
    const s = this.options.stats();
    const req = {
      infoHash: this.options.infoHash,
      peerId: this.options.peerId,
      port: this.options.port,
      uploaded: s.uploaded,
      downloaded: s.downloaded,
      left: s.left,
      event,
      numwant: event === 'stopped' ? 0 : this.options.numwant,
      key: this.key,
    };
    let last: Error | undefined;
    for (const tier of this.tiers) {
      for (let i = 0; i < tier.length; i++) {
        const c = tier[i];
        try {
          const result = await c.announce(req, opts);
          // BEP 12: move the tracker that answered to the front of its tier.
          tier.splice(i, 1);
          tier.unshift(c);
          this.lastAnnounceAt = this.deps.clock.now();
          this.minIntervalMs = (result.minInterval ?? 0) * 1000;
          this.failures = 0;
          if (result.warning) this.emit('warning', { url: c.url, message: result.warning });
          this.emit('announced', { url: c.url, event, result });
          if (result.peers.length > 0) this.emit('peers', { url: c.url, peers: result.peers });
          if (this.started && event !== 'stopped') this.schedule(result.interval * 1000);
          return { ...result, url: c.url };
        } catch (err) {
          last = err as Error;
          if (opts.signal?.aborted) throw err;
          this.emit('warning', { url: c.url, message: (err as Error).message, error: err as Error });
        }
      }
    }
    const error = last ?? new TrackerError(E.Unreachable, 'no tracker answered');
    this.failures++;
    this.emit('error', { error });
    if (this.started && event !== 'stopped') {
      const base = this.options.retryMs ?? 60_000;
      this.schedule(Math.min(base * 2 ** (this.failures - 1), 30 * 60_000));
    }
    throw error;
  }

  private schedule(ms: number): void {
    this.timer?.();
    if (this.closed) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.announce(undefined).catch(() => {});
    }, Math.max(ms, this.minIntervalMs));
  }

  /** Announces `started` and keeps announcing at the tracker's interval until `stop()`. */
  start(): Promise<AnnounceResult & { url: string }> {
    this.started = true;
    return this.announce('started');
  }

  /** Announces `completed` (the engine calls this once every piece is verified). */
  complete(): Promise<AnnounceResult & { url: string }> {
    return this.announce('completed');
  }

  /** An extra announce for more peers, unless it comes before `min interval`. */
  async requestPeers(): Promise<void> {
    if (this.deps.clock.now() - this.lastAnnounceAt < this.minIntervalMs) return;
    await this.announce(undefined).catch(() => {});
  }

  /** Scrapes the current best tracker (BEP 48), falling through like announce. */
  async scrape(opts: { signal?: AbortSignal } = {}): Promise<ScrapeEntry> {
    let last: Error | undefined;
    for (const tier of this.tiers) {
      for (const c of tier) {
        try {
          const [e] = await c.scrape([this.options.infoHash], opts);
          if (e) return e;
        } catch (err) {
          last = err as Error;
        }
      }
    }
    throw last ?? new TrackerError(E.Unreachable, 'no tracker answered the scrape');
  }

  /** Stops the timer, announces `stopped` (best effort, bounded by `signal`) and closes the clients. */
  async stop(opts: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.closed) return;
    const wasStarted = this.started;
    this.started = false;
    this.timer?.();
    this.timer = undefined;
    if (wasStarted) await this.announce('stopped', opts).catch(() => {});
    this.close();
  }

  close(): void {
    this.closed = true;
    this.timer?.();
    for (const tier of this.tiers) for (const c of tier) c.close();
  }
}
