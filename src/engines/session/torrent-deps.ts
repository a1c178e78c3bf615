/** What a Torrent is given by the session that creates it (clock, network, disk, hashing, limits). */
import type { ReservedFlags } from '../../codecs/wire/index.js';
import type { ConnectionLimits } from '../../policies/connections.js';
import type { TokenBucket } from '../../policies/token-bucket.js';
import type { Clock } from '../../ports/clock.js';
import type { Hasher } from '../../ports/hasher.js';
import type { ResumeStore } from '../../ports/resume-store.js';
import type { Rng } from '../../ports/rng.js';
import type { StorageFactory } from '../../ports/storage.js';
import type { StreamTransport } from '../../ports/transport.js';
import type { Logger } from '../../util/logger.js';
import type { PeerId } from '../../util/units.js';
import type { NodeReadableFactory } from '../stream/index.js';
import type { PeerSession } from './peer.js';
import type { Torrent } from './torrent.js';

/** The platform's ports, which a Session is given and hands on to each of its Torrents. */
export interface PlatformDeps {
  clock: Clock;
  rng: Rng;
  transport: StreamTransport;
  hasher: Hasher;
  storageFactory: StorageFactory;
  resumeStore?: ResumeStore;
  /** Makes Node Readables for `files[i].createReadStream` (the Node client sets it). */
  nodeReadable?: NodeReadableFactory;
  /** Reserved bits of our handshakes (the DHT bit when the session runs a DHT node, BEP 5). */
  wireFlags?: Partial<ReservedFlags>;
}

export interface TorrentDeps extends PlatformDeps {
  limits: ConnectionLimits;
  logger: Logger;
  peerId: PeerId;
  listenPort?: number;
  localAddress?: string;
  /** The client's rate limits, shared by its torrents. */
  clientBuckets: { download: TokenBucket; upload: TokenBucket };
  /** Registers the session's BEP 10 extensions (ut_metadata, ut_pex) on a new peer's wire. */
  peerExtensions?: (torrent: Torrent, peer: PeerSession) => void;
}
