/**
 * Peer discovery through Local Service Discovery (BEP 14) for every torrent and magnet link of a
 * session: one LSD service (started on first use) announces the info hashes of the torrents that
 * run, and the peers it hears of for one of them go into that torrent's swarm (source 'lsd').
 * The service owns the BEP 14 rules (each hash every 5 minutes, at most one packet a minute, our
 * own announces recognised by their cookie); this module owns which hashes are announced when.
 * Never for private torrents (BEP 27: peers only from the private tracker).
 */
import { toHex } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import type { DhtTarget } from './dht-discovery.js';
import { type Discovery, whileRunning } from './discovery.js';
import type { Torrent } from './torrent.js';

/** The part of an LsdService the session uses. */
export interface SessionLsd {
  add(infoHash: Uint8Array): void;
  remove(infoHash: Uint8Array): void;
  on(event: 'peer', listener: (infoHash: Uint8Array, peer: { address: string; port: number }) => void): unknown;
}

/** What receives LSD peers: a torrent or a magnet link (same shape as for the DHT). */
export type LsdTarget = DhtTarget;

/**
 * Routes LSD peers to the targets announced through it. `start(port)` opens the service the first
 * time (`undefined` when LSD is unavailable, e.g. no multicast: discovery goes on without it).
 */
export class LsdDiscovery {
  private readonly targets = new Map<string, Set<LsdTarget>>();
  private service: Promise<SessionLsd | undefined> | undefined;
  private closed = false;

  constructor(private readonly start: () => Promise<SessionLsd | undefined>) {}

  private lsd(): Promise<SessionLsd | undefined> {
    if (this.closed && !this.service) return Promise.resolve(undefined);
    this.service ??= this.start().then(
      (s) => {
        s?.on('peer', (infoHash, peer) => {
          for (const t of this.targets.get(toHex(infoHash)) ?? []) t.addPeer(peer.address, peer.port, 'lsd');
        });
        return s;
      },
      () => undefined,
    );
    return this.service;
  }

  /** Announces `target.infoHash` until the returned function is called. */
  announce(target: LsdTarget): () => void {
    const key = toHex(target.infoHash);
    let set = this.targets.get(key);
    if (!set) this.targets.set(key, (set = new Set()));
    set.add(target);
    let active = true;
    void this.lsd().then((s) => {
      if (active && !this.closed) s?.add(target.infoHash);
    });
    return () => {
      if (!active) return;
      active = false;
      const now = this.targets.get(key);
      now?.delete(target);
      if (now && now.size > 0) return;
      this.targets.delete(key);
      void this.lsd().then((s) => {
        if (!this.targets.has(key)) s?.remove(target.infoHash);
      });
    };
  }

  /** Stops routing peers (the owner closes the service itself). */
  close(): void {
    this.closed = true;
    this.targets.clear();
  }
}

/** LSD announces for a torrent while it runs: from ready or resumed until paused or stopped. */
export function attachLsdToTorrent(torrent: Torrent, lsd: LsdDiscovery): Discovery {
  if (torrent.meta.private) return { stop: async () => {} };
  let stopAnnouncing: (() => void) | undefined;
  const pause = () => {
    stopAnnouncing?.();
    stopAnnouncing = undefined;
  };
  return whileRunning(torrent, {
    run: () => {
      stopAnnouncing ??= lsd.announce(torrent);
    },
    pause,
    end: pause,
  });
}

/** LSD announces for a magnet link while its metadata is fetched. */
export function attachLsdToMagnet(magnet: LsdTarget, lsd: LsdDiscovery): Discovery {
  const stop = lsd.announce(magnet);
  return { stop: async () => stop() };
}

/** The warning a session gives once when LSD cannot run here. */
export function lsdUnavailable(cause: unknown): TorrentkitError {
  return new TorrentkitError('BT_ERR_LSD_UNAVAILABLE', `local service discovery is off: ${(cause as Error).message ?? String(cause)}`, { cause });
}
