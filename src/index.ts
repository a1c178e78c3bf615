/**
 * torrentkit's public API. Only what this file exports is public.
 */
export * from './codecs/bencode/index.js';
export { TorrentkitError, isTorrentkitError } from './util/errors.js';
export type { ErrorCode } from './util/errors.js';
export * from './codecs/metainfo/index.js';
export type { ByteOffset, InfoHash, InfoHashV2, PieceIndex } from './util/units.js';
export * from './codecs/krpc/index.js';
export { decodeLsdAnnounce, encodeLsdAnnounces, LSD_IPV4_GROUP, LSD_IPV6_GROUP, LSD_PORT, LsdCode, LsdError, lsdHost } from './codecs/lsd/lsd.js';
export type { LsdAnnounce } from './codecs/lsd/lsd.js';
export * from './engines/dht/index.js';
export * from './engines/lsd/index.js';
export { RoutingTable, type RoutingTableOptions, type RoutingNode, type NodeState } from './policies/dht/routing-table.js';
export type { PeerStore, StoredPeer } from './ports/peer-store.js';
export { crc32c } from './util/crc32c.js';
export { createDhtNode, createLsdService } from './adapters/node/dht.js';
