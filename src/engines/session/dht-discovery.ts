/**
 * Peer discovery through the DHT (BEP 5) for a torrent or a magnet link: a get_peers lookup whose
 * peers go into the swarm (source 'dht'), then an announce_peer with our TCP port, repeated every
 * `intervalMs` (libtorrent re-announces every 15 minutes; a magnet link still looking for its
 * metadata repeats sooner). Never for private torrents (BEP 27). Lookup failures are warnings.
 */
import type { Cancel, Clock } from '../../ports/clock.js';
import type { PeerSource } from '../../policies/peer-list.js';
import { TorrentkitError } from '../../util/errors.js';
import { type Discovery, whileRunning } from './discovery.js';
import type { Torrent } from './torrent.js';

/** The part of a DhtNode the session uses. */
export interface SessionDht {
  getPeers(infoHash: Uint8Array, options: { signal?: AbortSignal }): AsyncGenerator<{ address: string; port: number }, unknown>;
  announce(infoHash: Uint8Array, port: number, options: { signal?: AbortSignal }): Promise<unknown>;
}

export interface DhtTarget {
  readonly infoHash: Uint8Array;
  addPeer(host: string, port: number, source: PeerSource): void;
  warn(err: TorrentkitError): void;
}

export interface DhtDiscoveryOptions {
  clock: Clock;
  /** Our TCP port, announced. */
  port: number;
  /** Between rounds (default 15 min). */
  intervalMs?: number;
  /** Announce as well as look up (default true). */
  announce?: boolean;
}

export const DHT_REANNOUNCE_MS = 15 * 60_000;

/** Runs lookup + announce rounds while `active()`; `kick()` starts one at once (idle only). */
export class DhtDiscovery implements Discovery {
  private ac: AbortController | undefined;
  private timer: Cancel | undefined;
  private stopped = false;
  /** Rounds that finished (for tests and stats). */
  rounds = 0;

  constructor(
    private readonly dht: () => Promise<SessionDht>,
    private readonly target: DhtTarget,
    private readonly options: DhtDiscoveryOptions,
  ) {}

  /** Starts a round now unless one is running. */
  kick(): void {
    if (this.stopped || this.ac) return;
    this.timer?.();
    this.timer = undefined;
    void this.round();
  }

  /** Stops rounds until `kick()` (pause). */
  pause(): void {
    this.timer?.();
    this.timer = undefined;
    this.ac?.abort();
    this.ac = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pause();
  }

  private async round(): Promise<void> {
    const ac = new AbortController();
    this.ac = ac;
    try {
      const dht = await this.dht();
      for await (const p of dht.getPeers(this.target.infoHash, { signal: ac.signal })) this.target.addPeer(p.address, p.port, 'dht');
      if (this.options.announce !== false && this.options.port > 0) await dht.announce(this.target.infoHash, this.options.port, { signal: ac.signal });
    } catch (err) {
      if (!ac.signal.aborted) {
        this.target.warn(new TorrentkitError('BT_ERR_DHT_LOOKUP', `DHT lookup failed: ${(err as Error).message}`, { cause: err }));
      }
    }
    if (this.ac !== ac) return;
    this.ac = undefined;
    this.rounds++;
    if (!this.stopped) this.timer = this.options.clock.setTimeout(() => this.kick(), this.options.intervalMs ?? DHT_REANNOUNCE_MS);
  }
}

/** DHT rounds for a torrent while it runs: started when ready or resumed, paused with it. */
export function attachDhtToTorrent(torrent: Torrent, dht: () => Promise<SessionDht>, options: DhtDiscoveryOptions): Discovery {
  if (torrent.meta.private) return { stop: async () => {} };
  const d = new DhtDiscovery(dht, torrent, options);
  return whileRunning(torrent, { run: () => d.kick(), pause: () => d.pause(), end: () => d.stop() });
}

/** Several discoveries stopped together. */
export function combineDiscoveries(...parts: readonly Discovery[]): Discovery {
  return { stop: async () => void (await Promise.all(parts.map((p) => p.stop()))) };
}
