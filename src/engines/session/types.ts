/** Public types of the session engine: options, events and statistics of a Client and its Torrents. */
import type { Metainfo } from '../../codecs/metainfo/index.js';
import type { TorrentkitError } from '../../util/errors.js';
import type { PeerSource } from '../../policies/peer-list.js';

export type TorrentState = 'waiting-metadata' | 'checking' | 'downloading' | 'seeding' | 'paused' | 'error' | 'removed';

export interface TorrentStats {
  state: TorrentState;
  /** Verified bytes of the wanted pieces / bytes of the wanted pieces (0..1). */
  progress: number;
  /** Verified bytes on storage (all pieces). */
  verifiedBytes: number;
  /** Bytes of wanted pieces still missing. */
  leftBytes: number;
  /** Payload bytes received / sent since the torrent was added (plus resumed totals). */
  downloaded: number;
  uploaded: number;
  /** Payload rates over the last few seconds, bytes per second. */
  downloadRate: number;
  uploadRate: number;
  /** Connected peers, and how many of them are seeds. */
  peers: number;
  seeds: number;
  /** Peers known but not connected. */
  knownPeers: number;
  /** uploaded / downloaded (or / total size when nothing was downloaded). */
  ratio: number;
  /** Seconds to completion at the current rate (Infinity when stalled). */
  eta: number;
  piecesVerified: number;
  pieceCount: number;
  /** Pieces that failed their hash check. */
  hashFailures: number;
}

export interface PeerInfo {
  address: string;
  port: number;
  client: string;
  source: PeerSource | 'incoming';
  direction: 'incoming' | 'outgoing';
  downloadRate: number;
  uploadRate: number;
  /** Fraction of the torrent the peer has. */
  progress: number;
  amChoking: boolean;
  peerChoking: boolean;
  amInterested: boolean;
  peerInterested: boolean;
}

/** Events of a Torrent. `error` means the torrent stopped; `warning` means it recovered. */
export interface TorrentEvents {
  /** The metadata (info dictionary) is known: files and pieces are available. */
  metadata: [meta: Metainfo];
  /** Initial check finished: `verified` pieces were found on storage. */
  ready: [];
  peerConnected: [peer: PeerInfo];
  peerDisconnected: [peer: PeerInfo, reason: string];
  /** A piece passed its hash check and reached storage. */
  pieceVerified: [index: number];
  /** A piece failed its hash check; its blocks are downloaded again. */
  hashFailure: [index: number];
  /** Every wanted piece is verified on storage. */
  done: [];
  /** A recoverable problem (tracker down, peer banned, disk slow). */
  warning: [warning: TorrentkitError];
  /** The torrent stopped because of this error (disk full, storage failure). */
  error: [error: TorrentkitError];
  paused: [];
  resumed: [];
  removed: [];
}

export interface AddOptions {
  /** Download folder (default: the client's `path`). */
  path?: string;
  /** Indices of the files to download (default: all). */
  selection?: readonly number[];
  /** Peers to connect to, "host:port". */
  peers?: readonly string[];
  /** Hash every piece on storage instead of trusting resume data. */
  verify?: boolean;
  /** Data is known complete: seed at once, verifying each piece on its first read (lazy). */
  assumeComplete?: boolean;
  /** Download pieces in order. */
  sequential?: boolean;
  /** Start paused. */
  paused?: boolean;
  /** Per-torrent rate limits in bytes per second (0: unlimited). */
  downloadLimit?: number;
  uploadLimit?: number;
  /** Most connections for this torrent. */
  maxPeers?: number;
  /** Peers unchoked by the choker's regular slots (tit-for-tat), besides the optimistic one (default 8). */
  uploadSlots?: number;
  /** Bytes of whole pieces kept in memory for uploads: pieces read or just downloaded (default 16 MiB). */
  readCacheBytes?: number;
  /** Extra trackers (tiers of one) beyond the torrent's. */
  trackers?: readonly string[];
  signal?: AbortSignal;
}
