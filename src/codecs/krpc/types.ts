/**
 * KRPC messages of the BitTorrent DHT (BEP 5), with the IPv6 extension (BEP 32), the `ip` field
 * of BEP 42 and read-only nodes of BEP 43. Ids and tokens are bytes; addresses are strings in
 * Node's notation ("1.2.3.4", "::1").
 */

/** A 20-byte node id or info hash. */
export type Id20 = Uint8Array;

export type IpFamily = 'IPv4' | 'IPv6';

export interface PeerAddress {
  address: string;
  port: number;
}

/** A node as carried in compact node info: 26 bytes (IPv4) or 38 bytes (IPv6, BEP 32). */
export interface NodeInfo extends PeerAddress {
  id: Id20;
}

/** BEP 32 `want`: which address families the querier wants nodes of. */
export type Want = 'n4' | 'n6';

interface QueryBase {
  y: 'q';
  /** Transaction id (opaque bytes chosen by the querier). */
  t: Uint8Array;
  /** Querier's node id. */
  id: Id20;
  /** BEP 43: the querier is read-only and must not be added to routing tables. */
  readOnly?: boolean;
  /** Client version (`v`), opaque. */
  version?: Uint8Array;
}

export interface PingQuery extends QueryBase {
  q: 'ping';
}

export interface FindNodeQuery extends QueryBase {
  q: 'find_node';
  target: Id20;
  want?: Want[];
}

export interface GetPeersQuery extends QueryBase {
  q: 'get_peers';
  infoHash: Id20;
  want?: Want[];
  /** BEP 33-style hint: the querier is a seed and wants no seeds back (informational here). */
  noseed?: boolean;
}

export interface AnnouncePeerQuery extends QueryBase {
  q: 'announce_peer';
  infoHash: Id20;
  port: number;
  token: Uint8Array;
  /** BEP 5: use the UDP source port instead of `port`. */
  impliedPort: boolean;
  seed?: boolean;
}

/** A query whose method we do not know; answered with 204 (BEP 5). */
export interface UnknownQuery extends QueryBase {
  q: 'unknown';
  method: string;
}

export type KrpcQuery = PingQuery | FindNodeQuery | GetPeersQuery | AnnouncePeerQuery | UnknownQuery;
export type KnownQuery = Exclude<KrpcQuery, UnknownQuery>;

/** Every response shares one shape; which fields are present depends on the query answered. */
export interface KrpcResponse {
  y: 'r';
  t: Uint8Array;
  id: Id20;
  nodes?: NodeInfo[];
  nodes6?: NodeInfo[];
  values?: PeerAddress[];
  token?: Uint8Array;
  /** BEP 42: the requester's address as seen by the responder (top-level `ip`). */
  ip?: PeerAddress;
  version?: Uint8Array;
}

export interface KrpcErrorMessage {
  y: 'e';
  t: Uint8Array;
  number: number;
  message: string;
  ip?: PeerAddress;
  version?: Uint8Array;
}

export type KrpcMessage = KrpcQuery | KrpcResponse | KrpcErrorMessage;

export interface KrpcLimits {
  /** Largest datagram accepted, in bytes. */
  maxMessageBytes: number;
  /** Most entries accepted in `nodes` or `nodes6` (each). */
  maxNodes: number;
  /** Most entries accepted in `values`. */
  maxValues: number;
  /** Longest `token`, in bytes (libtorrent and we send 4-8; BEP 5 leaves it open). */
  maxTokenBytes: number;
  /** Longest transaction id, in bytes. */
  maxTransactionBytes: number;
}

export const DEFAULT_KRPC_LIMITS: KrpcLimits = {
  maxMessageBytes: 2048,
  maxNodes: 64,
  maxValues: 200,
  maxTokenBytes: 64,
  maxTransactionBytes: 16,
};
