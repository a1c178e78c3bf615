export { MagnetError, MagnetErrorCode, MetainfoError, MetainfoErrorCode } from './errors.js';
export { v1PieceHash, v2PieceHash, type V2PieceHash } from './hashes.js';
export { type FileSegment, type LayoutFile, layoutOf, type Range, TorrentLayout } from './layout.js';
export {
  formatMagnet,
  type IndexRange,
  isSelected,
  type MagnetInput,
  type MagnetLink,
  parseMagnet,
  parseSelectOnly,
  parseTorrentId,
  type TorrentId,
} from './magnet.js';
export { type ParseMetainfoFullOptions, parseInfoDictionary, parseMetainfo } from './parse.js';
export { MAX_ELEMENT_BYTES, sanitizePath, sanitizePathElement } from './paths.js';
export {
  DEFAULT_METAINFO_LIMITS,
  type Digests,
  type Metainfo,
  type MetainfoFile,
  type MetainfoLimits,
  type MetainfoVersion,
  type ParseMetainfoOptions,
} from './types.js';

import { formatMagnet } from './magnet.js';
import type { Metainfo } from './types.js';

/** The magnet link of a parsed torrent: info hashes, name, trackers (all tiers) and web seeds. */
export function magnetOf(meta: Metainfo): string {
  return formatMagnet({
    ...(meta.infoHash ? { infoHash: meta.infoHash } : {}),
    ...(meta.infoHashV2 ? { infoHashV2: meta.infoHashV2 } : {}),
    name: meta.name,
    trackers: meta.announce.flat(),
    webSeeds: meta.urlList,
  });
}
