/** Options, dependencies, state and events of a DHT node. */
import type { NodeInfo, PeerAddress } from '../../codecs/krpc/types.js';
import type { Clock } from '../../ports/clock.js';
import type { DatagramFactory } from '../../ports/datagram.js';
import type { PeerStore } from '../../ports/peer-store.js';
import type { Rng } from '../../ports/rng.js';
import type { Logger } from '../../util/logger.js';
import type { RateLimitOptions } from './rate-limit.js';

/** BEP 5 leaves bootstrapping open; these are the routers most clients use. Tests never use them. */
export const DEFAULT_BOOTSTRAP: readonly BootstrapNode[] = [
  { host: 'router.bittorrent.com', port: 6881 },
  { host: 'dht.transmissionbt.com', port: 6881 },
  { host: 'router.utorrent.com', port: 6881 },
];

export interface BootstrapNode {
  host: string;
  port: number;
}

/** What a node saves and loads: its id and the nodes of its routing table (hex ids). */
export interface DhtState {
  id: string;
  nodes: { id: string; address: string; port: number }[];
}

export interface DhtStorage {
  load(): Promise<DhtState | undefined>;
  save(state: DhtState): Promise<void>;
}

export interface DhtDeps {
  datagrams: DatagramFactory;
  clock: Clock;
  rng: Rng;
  /** Defaults to a MemoryPeerStore. */
  peerStore?: PeerStore;
  /** Resolves bootstrap host names; without it only IP addresses are used. */
  resolve?: (host: string) => Promise<string[]>;
  /** Where the routing table is loaded from on start and saved to on close. */
  storage?: DhtStorage;
  logger?: Logger;
}

export interface DhtOptions {
  /** Address and port to bind (port 0 picks one). Default 0.0.0.0:6881. */
  address?: string;
  port?: number;
  /** Our node id (20 bytes); default: from the saved state, else random. */
  id?: Uint8Array;
  /** Bootstrap nodes; default DEFAULT_BOOTSTRAP. Pass [] for none. */
  bootstrap?: readonly BootstrapNode[];
  /** A routing table to start from (else loaded from deps.storage). */
  state?: DhtState;
  /** Bucket size (BEP 5: 8). */
  k?: number;
  /** Queries in flight per lookup (BEP 5 / Kademlia: 3). */
  alpha?: number;
  /** Hard timeout of a query, ms. */
  timeoutMs?: number;
  /** Bounds of the adaptive "slow" deadline, ms. */
  minSlowMs?: number;
  maxSlowMs?: number;
  /** Most queries one lookup sends. */
  maxLookupQueries?: number;
  /** Most queries in flight for the whole node. */
  maxPending?: number;
  /** Most peers in one get_peers answer. */
  maxPeersReply?: number;
  /** Reject routing-table entries whose id fails BEP 42 for their address. */
  enforceBep42?: boolean;
  /** BEP 43 read-only node: sets `ro` on queries and answers no queries. */
  readOnly?: boolean;
  /** Incoming query rate limit per source address. */
  rateLimit?: RateLimitOptions;
  /** Period of table maintenance (bucket refresh, pinging questionable nodes, peer expiry), ms. */
  maintenanceIntervalMs?: number;
}

export interface DhtEvents {
  /** The socket is bound (start() goes on to bootstrap). */
  listening(address: { address: string; port: number; family: 'IPv4' | 'IPv6' }): void;
  /** Peers found by one of our get_peers lookups. */
  peers(infoHash: Uint8Array, peers: PeerAddress[]): void;
  /** A remote node announced itself as a peer of `infoHash` to us. */
  announced(infoHash: Uint8Array, peer: PeerAddress): void;
  /** A node entered the routing table. */
  node(node: NodeInfo): void;
  /** Something failed and the node recovered (socket error, unresolvable bootstrap host). */
  warning(err: Error): void;
}

export interface DhtStats {
  id: string;
  nodes: number;
  buckets: number;
  pendingQueries: number;
  storedPeers: number;
  queriesSent: number;
  repliesReceived: number;
  timeouts: number;
  queriesReceived: number;
  queriesDropped: number;
}
