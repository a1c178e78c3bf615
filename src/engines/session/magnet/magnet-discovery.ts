/**
 * Discovery for a magnet link while its metadata is fetched: the trackers of its `tr` parameters
 * (each its own tier, BEP 9) and extra trackers, announced with `left` = the link's `xl` or
 * 16 KiB when unknown (a tracker must not take us for a seed), and the DHT. Stopped when the
 * metadata arrives: the Torrent's own discovery takes over.
 */
import { Announcer, type AnnouncerDeps } from '../../tracker/announcer.js';
import { TorrentkitError } from '../../../util/errors.js';
import type { PeerId } from '../../../util/units.js';
import type { Discovery } from '../discovery.js';
import type { MagnetTorrent } from './magnet-torrent.js';

export function attachMagnetTrackers(
  magnet: MagnetTorrent,
  deps: AnnouncerDeps,
  options: { peerId: PeerId; port: number; extraTrackers?: readonly string[]; stopTimeoutMs?: number },
): Discovery {
  const tiers = [...new Set([...magnet.link.trackers, ...(options.extraTrackers ?? [])])].map((u) => [u]);
  if (tiers.length === 0) return { stop: async () => {} };
  const announcer = new Announcer(deps, {
    infoHash: magnet.infoHash,
    peerId: options.peerId,
    port: options.port,
    tiers,
    stats: () => ({ downloaded: 0, uploaded: 0, left: magnet.link.length ?? 16 * 1024 }),
  });
  announcer.on('peers', ({ peers }) => {
    for (const p of peers) magnet.addPeer(p.ip, p.port, 'tracker');
  });
  announcer.on('error', ({ error }) =>
    magnet.warn(new TorrentkitError('BT_ERR_TRACKER_UNREACHABLE', `no tracker answered: ${error.message}`, { cause: error })),
  );
  announcer.start().catch(() => {});
  return {
    stop: () => announcer.stop({ signal: AbortSignal.timeout(options.stopTimeoutMs ?? 3_000) }).catch(() => {}),
  };
}
