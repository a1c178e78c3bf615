/**
 * Node Readable over a TorrentReader (for `torrent.files[i].createReadStream`): pulls a chunk per
 * `_read`, so backpressure holds the reader (and its window) where the consumer is; destroying
 * the stream closes the reader and its window.
 */
import { Readable } from 'node:stream';
import type { TorrentReader } from '../../engines/stream/index.js';

export function readerToNodeReadable(reader: TorrentReader): Readable {
  return new Readable({
    highWaterMark: 256 * 1024,
    read() {
      reader.read().then(
        (chunk) => {
          if (chunk === null) reader.close();
          this.push(chunk);
        },
        (err: Error) => this.destroy(err),
      );
    },
    destroy(err, cb) {
      reader.close();
      cb(err);
    },
  });
}
