/** node:crypto hash functions for the pure codecs that accept `Digests` (metainfo parsing). */
import { createHash } from 'node:crypto';
import type { Digests } from '../../codecs/metainfo/types.js';

export const nodeDigests: Digests = {
  sha1: (data) => new Uint8Array(createHash('sha1').update(data).digest()),
  sha256: (data) => new Uint8Array(createHash('sha256').update(data).digest()),
};
