/**
 * The BEP 10 extensions and BEP 5 hints a torrent's peers get, registered inside the wire's
 * handshake handler (before our extension handshake goes out):
 * - ut_metadata (BEP 9): we serve our info dictionary, with `metadata_size` in the handshake;
 * - ut_pex (BEP 11) for public torrents (BEP 27), see pex.ts;
 * - the BEP 5 `port` message with our DHT port to peers that set the DHT reserved bit, and the
 *   DHT ports peers send us go to the DHT node (not for private torrents, BEP 27).
 */
import type { Clock } from '../../ports/clock.js';
import { UtMetadataExtension } from './magnet/ut-metadata.js';
import type { PeerSession } from './peer.js';
import { UtPexExtension } from './pex.js';
import type { Torrent } from './torrent.js';

export interface PeerExtensionsContext {
  clock: Clock;
  /** Our DHT node's UDP port, when the session runs one. */
  dhtPort?: () => number | undefined;
  /** A peer told us its DHT port (BEP 5 `port` message). */
  onDhtNode?: (host: string, port: number) => void;
  /** Peer exchange (default on) and its message interval (default 60 s, BEP 11). */
  pex?: boolean;
  pexIntervalMs?: number;
}

export function attachPeerExtensions(torrent: Torrent, peer: PeerSession, ctx: PeerExtensionsContext): void {
  const { wire } = peer;
  const infoBytes = torrent.meta.infoBytes;
  wire.use((w) => new UtMetadataExtension(w, peer.key, { metadata: () => infoBytes, now: () => ctx.clock.now() }));
  if (torrent.meta.private) return;
  if (ctx.pex !== false) wire.use((w) => new UtPexExtension(w, peer, torrent, { clock: ctx.clock, intervalMs: ctx.pexIntervalMs }));
  const dhtPort = ctx.dhtPort?.();
  if (dhtPort !== undefined && wire.remote?.flags.dht) wire.port(dhtPort);
  if (ctx.onDhtNode) {
    const onDhtNode = ctx.onDhtNode;
    wire.on('port', (port) => {
      if (port > 0 && port <= 65535) onDhtNode(peer.host, port);
    });
  }
}
