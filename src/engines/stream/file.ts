/**
 * A file of a torrent as users see it: readable at once, whatever has been downloaded.
 * `createReader` gives a seekable TorrentReader; `stream` a web ReadableStream; `createReadStream`
 * a Node Readable (made by the platform's factory, see PlatformDeps.nodeReadable).
 */
import type { Readable } from 'node:stream';
import type { StorageFile } from '../../ports/storage.js';
import { TorrentkitError } from '../../util/errors.js';
import type { StreamHub } from './hub.js';
import type { ReaderOptions, TorrentReader } from './reader.js';

/** Byte range of a stream, `end` inclusive (as node:fs createReadStream). */
export interface StreamRange {
  start?: number;
  end?: number;
  readahead?: number;
  signal?: AbortSignal;
}

/** Makes a Node Readable from a reader (the Node adapter provides it). */
export type NodeReadableFactory = (reader: TorrentReader) => Readable;

/** A web ReadableStream over a reader; cancelling the stream closes the reader. */
export function readerToWebStream(reader: TorrentReader): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const chunk = await reader.read();
        if (chunk === null) {
          reader.close();
          controller.close();
        } else controller.enqueue(chunk);
      },
      cancel() {
        reader.close();
      },
    },
    { highWaterMark: 1 },
  );
}

export class TorrentFile implements StorageFile {
  readonly path: readonly string[];
  readonly length: number;
  readonly offset: number;
  readonly pad?: boolean;

  constructor(
    readonly index: number,
    info: StorageFile,
    private readonly hub: () => StreamHub,
    private readonly nodeReadable?: NodeReadableFactory,
  ) {
    this.path = info.path;
    this.length = info.length;
    this.offset = info.offset;
    if (info.pad) this.pad = true;
  }

  /** The file's name (last path component). */
  get name(): string {
    return this.path.at(-1) ?? '';
  }

  /** The path below the torrent's folder, joined with '/'. */
  get pathString(): string {
    return this.path.join('/');
  }

  /** A seekable reader; it returns at once and prioritises the pieces under its position. */
  createReader(options: ReaderOptions = {}): TorrentReader {
    return this.hub().createReader({ offset: this.offset, length: this.length }, options);
  }

  /** A web ReadableStream of the bytes `start..end` (inclusive). */
  stream(range: StreamRange = {}): ReadableStream<Uint8Array> {
    return readerToWebStream(this.readerFor(range));
  }

  /** A Node Readable of the bytes `start..end` (inclusive), like node:fs createReadStream. */
  createReadStream(range: StreamRange = {}): Readable {
    if (!this.nodeReadable) throw new TorrentkitError('BT_ERR_UNSUPPORTED', 'Node streams need the Node client; use stream() for a web ReadableStream');
    return this.nodeReadable(this.readerFor(range));
  }

  /** A reader for `start..end` (inclusive), as the streams use. */
  readerFor(range: StreamRange): TorrentReader {
    const start = range.start ?? 0;
    const end = range.end === undefined ? this.length : Math.min(this.length, range.end + 1);
    return this.createReader({ start, end: Math.max(start, end), readahead: range.readahead, signal: range.signal });
  }
}
