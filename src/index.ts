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
