/**
 * torrentkit's public API. Only what this file exports is public.
 */
export * from './codecs/bencode/index.js';
export { TorrentkitError, isTorrentkitError } from './util/errors.js';
export type { ErrorCode } from './util/errors.js';
export * from './codecs/metainfo/index.js';
export type { ByteOffset, InfoHash, InfoHashV2, PieceIndex } from './util/units.js';
export { buildTorrent, type BuiltTorrent, type FileMerkle, type TorrentHashes, type TorrentMeta } from './codecs/metainfo/build.js';
export {
  autoPieceLength,
  isValidPieceLength,
  planTorrent,
  type PlannedFile,
  type PlanOptions,
  type SourceFile,
  type TorrentPlan,
  type TorrentVersion,
} from './codecs/metainfo/plan.js';
export type { ContentFile, ContentListing, ContentSource } from './ports/content-source.js';
export { DIGEST_LENGTH, type HashAlgorithm, type HashCallOptions, type Hasher, type HashOutput, type RangeJob, type Segment } from './ports/hasher.js';
export { type CreateDeps, type CreateOptions, type CreateProgress, type CreateRequest, type CreateResult, createTorrent } from './engines/create/create.js';
export { HashPool, type HashPoolOptions } from './adapters/node/hash-pool.js';
export { NodeContentSource, type NodeContentSourceOptions } from './adapters/node/content-source.js';
export * from './codecs/krpc/index.js';
export { decodeLsdAnnounce, encodeLsdAnnounces, LSD_IPV4_GROUP, LSD_IPV6_GROUP, LSD_PORT, LsdCode, LsdError, lsdHost } from './codecs/lsd/lsd.js';
export type { LsdAnnounce } from './codecs/lsd/lsd.js';
export * from './engines/dht/index.js';
export * from './engines/lsd/index.js';
export { RoutingTable, type RoutingTableOptions, type RoutingNode, type NodeState } from './policies/dht/routing-table.js';
export type { PeerStore, StoredPeer } from './ports/peer-store.js';
export { crc32c } from './util/crc32c.js';
export { createDhtNode, createLsdService } from './adapters/node/dht.js';
export { generatePeerId, parsePeerId, PEER_ID_PREFIX, type PeerClient } from './codecs/wire/peer-id.js';
export { WireError, WireErrorCode } from './codecs/wire/errors.js';
export type { PeerId } from './util/units.js';
export { MagnetTorrent, type MagnetStats, type MagnetTorrentEvents, type MagnetTorrentOptions } from './engines/session/magnet/magnet-torrent.js';
export { MetadataFetcher, DEFAULT_MAX_METADATA_BYTES, type MetadataPeer, type MetadataFetcherOptions } from './engines/session/magnet/metadata-fetcher.js';
export { UtMetadataExtension } from './engines/session/magnet/ut-metadata.js';
