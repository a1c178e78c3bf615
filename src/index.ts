/**
 * torrentkit's public API. Only what this file exports is public.
 */
export * from './codecs/bencode/index.js';
export { TorrentkitError, isTorrentkitError } from './util/errors.js';
export type { ErrorCode } from './util/errors.js';
