/**
 * Peer discovery for a torrent through its trackers (BEP 3 HTTP, BEP 15 UDP, tiers per BEP 12):
 * announces `started` when the torrent runs, `completed` when a download finishes (not for a
 * torrent that was complete from the start), `stopped` on pause and close, and feeds the peers the
 * trackers return into the torrent's swarm. Tracker failures are warnings: the torrent goes on
 * with the peers it has.
 */
import { Announcer, type AnnouncerDeps } from '../tracker/announcer.js';
import { TorrentkitError } from '../../util/errors.js';
import type { PeerId } from '../../util/units.js';
import type { Torrent } from './torrent.js';

export interface TrackerDiscoveryOptions {
  peerId: PeerId;
  /** Our listening port, as announced. */
  port: number;
  /** Trackers beyond the torrent's own (each its own tier). */
  extraTrackers?: readonly string[];
  /** How long a `stopped` announce may take on close. */
  stopTimeoutMs?: number;
  udpRetransmitBaseMs?: number;
  /** First retry after no tracker answered (doubling up to 30 min; default 60 s). */
  retryMs?: number;
}

export interface Discovery {
  stop(): Promise<void>;
}

/**
 * Runs a discovery while the torrent runs: `run` when it is ready or resumed (downloading or
 * seeding), `pause` when it is paused; `stop` unhooks both and ends the discovery with `end`.
 */
export function whileRunning(torrent: Torrent, hooks: { run(): void; pause(): void; end(): void | Promise<void> }): Discovery {
  const onReady = () => {
    if (torrent.state === 'downloading' || torrent.state === 'seeding') hooks.run();
  };
  const onPaused = () => hooks.pause();
  torrent.on('ready', onReady);
  torrent.on('resumed', onReady);
  torrent.on('paused', onPaused);
  onReady();
  return {
    stop: async () => {
      torrent.off('ready', onReady);
      torrent.off('resumed', onReady);
      torrent.off('paused', onPaused);
      await hooks.end();
    },
  };
}

/** Attaches tracker announces to a torrent; returns how to stop them. */
export function attachTrackers(torrent: Torrent, deps: AnnouncerDeps, options: TrackerDiscoveryOptions): Discovery {
  const tiers = [...torrent.meta.announce, ...[...(options.extraTrackers ?? []), ...torrent.extraTrackers].map((u) => [u])];
  if (tiers.length === 0) return { stop: async () => {} };
  let announcer: Announcer | undefined;
  let completeAtStart: boolean | undefined;
  const stopTimeout = options.stopTimeoutMs ?? 3_000;

  const start = () => {
    if (announcer) return;
    const a = new Announcer(deps, {
      infoHash: torrent.infoHash,
      peerId: options.peerId,
      port: options.port,
      tiers,
      udpRetransmitBaseMs: options.udpRetransmitBaseMs,
      retryMs: options.retryMs,
      stats: () => {
        const s = torrent.stats();
        return { downloaded: s.downloaded, uploaded: s.uploaded, left: s.leftBytes };
      },
    });
    a.on('peers', ({ peers }) => {
      for (const p of peers) torrent.addPeer(p.ip, p.port, 'tracker');
    });
    a.on('warning', ({ url, message }) => torrent.warn(new TorrentkitError('BT_ERR_TRACKER_WARNING', `${url}: ${message}`)));
    a.on('error', ({ error }) =>
      torrent.warn(new TorrentkitError('BT_ERR_TRACKER_UNREACHABLE', `no tracker answered: ${error.message}`, { cause: error })),
    );
    announcer = a;
    a.start().catch(() => {});
  };

  const stop = async () => {
    const a = announcer;
    announcer = undefined;
    if (a) await a.stop({ signal: AbortSignal.timeout(stopTimeout) }).catch(() => {});
  };

  const onReady = () => {
    completeAtStart = torrent.done;
    if (torrent.state === 'downloading' || torrent.state === 'seeding') start();
  };
  const onDone = () => {
    if (completeAtStart === false) announcer?.complete().catch(() => {});
    completeAtStart = true;
  };
  const onPaused = () => void stop();
  const onResumed = () => start();
  torrent.on('ready', onReady);
  torrent.on('done', onDone);
  torrent.on('paused', onPaused);
  torrent.on('resumed', onResumed);
  if (torrent.state === 'downloading' || torrent.state === 'seeding') onReady();

  return {
    stop: async () => {
      torrent.off('ready', onReady);
      torrent.off('done', onDone);
      torrent.off('paused', onPaused);
      torrent.off('resumed', onResumed);
      await stop();
    },
  };
}
