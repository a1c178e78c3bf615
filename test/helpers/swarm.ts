/**
 * Helpers for engine tests: make content on disk, create its torrent with torrentkit's creator.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NodeContentSource } from '../../src/adapters/node/content-source.js';
import { HashPool } from '../../src/adapters/node/hash-pool.js';
import { parseMetainfo, type Metainfo } from '../../src/codecs/metainfo/index.js';
import { createTorrent } from '../../src/engines/create/create.js';

export interface Content {
  /** Folder holding the torrent's top folder (or file). */
  dir: string;
  name: string;
  files: Map<string, Uint8Array>;
  torrent: Uint8Array;
  meta: Metainfo;
}

/** Writes files (relative path -> size) below `dir/name` and creates a v1 torrent of them. */
export async function makeContent(
  dir: string,
  name: string,
  sizes: Record<string, number>,
  options: { pieceLength?: number; version?: 'v1' | 'v2' | 'hybrid'; announce?: string[] } = {},
): Promise<Content> {
  const files = new Map<string, Uint8Array>();
  for (const [rel, size] of Object.entries(sizes)) {
    const data = new Uint8Array(randomBytes(size));
    const p = join(dir, name, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
    files.set(rel, data);
  }
  const hasher = new HashPool({ threads: 2 });
  try {
    const result = await createTorrent(
      {
        input: join(dir, name),
        pieceLength: options.pieceLength,
        version: options.version ?? 'v1',
        announce: options.announce?.map((u) => [u]),
      },
      { source: new NodeContentSource(), hasher },
    );
    return { dir, name, files, torrent: result.torrent, meta: parseMetainfo(result.torrent) };
  } finally {
    await hasher.close();
  }
}
