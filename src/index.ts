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
export * as krpc from './codecs/krpc/index.js';
export { decodeLsdAnnounce, encodeLsdAnnounces, LSD_IPV4_GROUP, LSD_IPV6_GROUP, LSD_PORT, LsdCode, LsdError, lsdHost } from './codecs/lsd/lsd.js';
export type { LsdAnnounce } from './codecs/lsd/lsd.js';
export * from './engines/dht/index.js';
export * from './engines/lsd/index.js';
export { RoutingTable, type RoutingTableOptions, type RoutingNode, type NodeState } from './policies/dht/routing-table.js';
export type { PeerStore, StoredPeer as DhtStoredPeer } from './ports/peer-store.js';
export { crc32c } from './util/crc32c.js';
export { createDhtNode, createLsdService } from './adapters/node/dht.js';
export { generatePeerId, parsePeerId, PEER_ID_PREFIX, type PeerClient } from './codecs/wire/peer-id.js';
export { WireError, WireErrorCode } from './codecs/wire/errors.js';
export type { PeerId } from './util/units.js';
export * as trackerProtocol from './codecs/tracker/index.js';
export type { StoredPeer, SwarmAnnounce, SwarmAnnounceResult, SwarmStore, SwarmTotals } from './ports/swarm-store.js';
export type { HttpGet, HttpGetOptions, HttpGetResponse } from './ports/http-client.js';
export { MemorySwarmStore } from './engines/tracker-server/memory-store.js';
export { TrackerCore, defaultCoreOptions, type TrackerCoreOptions, type AnnounceOutcome, type RequestSource } from './engines/tracker-server/core.js';
export { Announcer, type AnnouncerDeps, type AnnouncerEvents, type AnnouncerOptions, type TransferStats } from './engines/tracker/announcer.js';
export { HttpTrackerClient } from './engines/tracker/http-client.js';
export { UdpTrackerClient } from './engines/tracker/udp-client.js';
export type { AnnounceRequest, TrackerClient } from './engines/tracker/types.js';
export { startTracker, openStore, type RunningTracker, type TrackerServerOptions } from './adapters/node/tracker-server.js';
export { Client, type ClientOptions } from './adapters/node/client.js';
export { Session, type SessionDeps, type SessionOptions, type SessionEvents } from './engines/session/client.js';
export type { PlatformDeps } from './engines/session/torrent-deps.js';
export { Torrent } from './engines/session/torrent.js';
export type { AddOptions, PeerInfo, TorrentEvents, TorrentState, TorrentStats } from './engines/session/types.js';
export type { Storage, StorageFactory, StorageFile, FileStat } from './ports/storage.js';
export { MemoryStorage } from './engines/storage/memory-storage.js';
export { FileStorage, fileStorageFactory } from './adapters/node/file-storage.js';
export { MagnetTorrent, type MagnetStats, type MagnetTorrentEvents, type MagnetTorrentOptions } from './engines/session/magnet/magnet-torrent.js';
export { MetadataFetcher, DEFAULT_MAX_METADATA_BYTES, type MetadataPeer, type MetadataFetcherOptions } from './engines/session/magnet/metadata-fetcher.js';
export { UtMetadataExtension } from './engines/session/magnet/ut-metadata.js';
export { DEFAULT_READAHEAD, readerToWebStream, StreamHub, TorrentFile, TorrentReader, type PieceSource, type ReaderOptions, type StreamRange } from './engines/stream/index.js';
export { createStreamHandler, parseRange, type HttpRequest, type HttpResponse, type ServedFile, type ServedTorrent } from './engines/http/index.js';
export { startStreamServer, hostAllowed, type StreamServer, type StreamServerOptions } from './adapters/node/http-server.js';
