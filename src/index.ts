/**
 * torrentkit's public API. Only what this file exports is public.
 */
export * from './codecs/bencode/index.js';
export { TorrentkitError, isTorrentkitError } from './util/errors.js';
export type { ErrorCode } from './util/errors.js';
export * from './codecs/metainfo/index.js';
export type { ByteOffset, InfoHash, InfoHashV2, PieceIndex } from './util/units.js';
