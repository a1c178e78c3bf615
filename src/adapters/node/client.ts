/**
 * The Node.js BitTorrent client: the platform-free Session with Node's ports filled in (TCP, the
 * worker-thread hash pool, file storage, resume files, the real clock, crypto randomness).
 *
 *   const client = new Client({ path: './downloads' });
 *   const torrent = await client.add('file.torrent');
 *   await torrent.whenDone();
 */
import { join, resolve } from 'node:path';
import type { Metainfo } from '../../codecs/metainfo/index.js';
import { Session, type SessionOptions } from '../../engines/session/client.js';
import type { Torrent } from '../../engines/session/torrent.js';
import type { AddOptions } from '../../engines/session/types.js';
import type { Logger } from '../../util/logger.js';
import { attachTrackers } from '../../engines/session/discovery.js';
import { systemClock } from './clock.js';
import { nodeDatagrams } from './datagram.js';
import { nodeHttpGet } from './http-get.js';
import { fileStorageFactory } from './file-storage.js';
import { HashPool } from './hash-pool.js';
import { ResumeFiles } from './resume-files.js';
import { cryptoRng } from './rng.js';
import { tcpTransport } from './tcp.js';
import { readerToNodeReadable } from './read-stream.js';
import { loadTorrent } from './torrent-input.js';

export interface ClientOptions extends Partial<SessionOptions> {
  /** Trackers added to every torrent (each its own tier). */
  trackers?: readonly string[];
  /** Folder for resume data (default: `<path>/.torrentkit/resume`). */
  resumeDir?: string;
  /** Hashing threads (default: one per core). */
  hashThreads?: number;
  logger?: Logger;
}

export class Client extends Session {
  constructor(options: ClientOptions = {}) {
    const path = resolve(options.path ?? process.cwd());
    super(
      {
        clock: systemClock,
        rng: cryptoRng,
        transport: tcpTransport,
        hasher: new HashPool({ threads: options.hashThreads }),
        storageFactory: fileStorageFactory(),
        resumeStore: new ResumeFiles(options.resumeDir ?? join(path, '.torrentkit', 'resume')),
        logger: options.logger,
        nodeReadable: readerToNodeReadable,
        discovery: (torrent, { peerId, port }) =>
          attachTrackers(
            torrent,
            { clock: systemClock, rng: cryptoRng, http: nodeHttpGet, datagrams: nodeDatagrams, logger: options.logger },
            { peerId, port, extraTrackers: options.trackers },
          ),
      },
      { port: 6881, ...options, path },
    );
  }

  /**
   * Adds a torrent: the bytes or path of a .torrent file, an http(s) URL of one, parsed metainfo,
   * a magnet link or a bare info hash. For a magnet the promise resolves once the metadata was
   * fetched from peers (BEP 9) and the torrent started; `addMagnet` returns at once instead, with
   * the magnet phase's state and events.
   */
  async add(id: string | Uint8Array | Metainfo, options: AddOptions = {}): Promise<Torrent> {
    if (typeof id !== 'string') return this.addMetainfo(id, options);
    const loaded = await loadTorrent(id, process.cwd(), options.signal ?? new AbortController().signal);
    if (loaded.kind === 'magnet') {
      const magnet = await this.addMagnet(loaded.magnet, options);
      return magnet.whenTorrent({ signal: options.signal });
    }
    return this.addMetainfo(loaded.meta, options);
  }
}
