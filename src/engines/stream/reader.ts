/**
 * A seekable reader over one file of a torrent (anacrolix's Reader, in TypeScript): `read()`
 * returns the bytes at the read position as soon as the piece under it is verified; the pieces
 * from the position through `readahead` bytes are the reader's window, critical with deadlines
 * that grow along it (the nearest first). `seek()` moves the window: the old one's requests that
 * no reader needs are cancelled and queued requests make way for the new window.
 *
 * Invariants: the window is registered with the hub's ReadHeads while the reader is open and
 * removed on close (or at the end of its range); a read in progress when `seek()` is called
 * returns data from the new position.
 */
import { TorrentkitError } from '../../util/errors.js';
import type { FileSpan, StreamHub } from './hub.js';

/** Bytes read ahead by default (anacrolix uses 5 MiB; a smaller window keeps seeks quick). */
export const DEFAULT_READAHEAD = 4 * 1024 * 1024;
/** Deadline step between consecutive pieces of a window, in milliseconds. */
export const DEFAULT_DEADLINE_STEP_MS = 200;
/** Largest chunk `read()` returns by default. */
const DEFAULT_CHUNK = 256 * 1024;

export interface ReaderOptions {
  /** First byte to read, in the file (default 0). */
  start?: number;
  /** Byte after the last one to read, in the file (default: the file's length). */
  end?: number;
  /** Bytes ahead of the position that are critical (default 4 MiB). */
  readahead?: number;
  /** Milliseconds between the deadlines of consecutive pieces of the window. */
  deadlineStepMs?: number;
  /** Closes the reader; a pending read rejects with BT_ERR_ABORTED. */
  signal?: AbortSignal;
}

export class TorrentReader implements AsyncIterable<Uint8Array> {
  private pos: number;
  private readonly end: number;
  private readaheadBytes: number;
  private readonly stepMs: number;
  private generation = 0;
  private closedFlag = false;
  private abortError: Error | undefined;
  private windowKey = '';
  private interrupt: (() => void) | undefined;
  private readonly onAbort = () => {
    this.abortError = new TorrentkitError('BT_ERR_ABORTED', 'read aborted', { cause: this.signal?.reason });
    this.close();
  };
  private readonly signal: AbortSignal | undefined;

  constructor(
    private readonly hub: StreamHub,
    private readonly span: FileSpan,
    options: ReaderOptions = {},
  ) {
    const start = options.start ?? 0;
    this.end = options.end ?? span.length;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(this.end) || start < 0 || this.end > span.length || start > this.end) {
      throw new TorrentkitError('BT_ERR_READ_RANGE', `range ${start}..${this.end} is outside the file (${span.length} bytes)`);
    }
    this.pos = start;
    this.readaheadBytes = Math.max(1, options.readahead ?? DEFAULT_READAHEAD);
    this.stepMs = options.deadlineStepMs ?? DEFAULT_DEADLINE_STEP_MS;
    this.signal = options.signal;
    if (this.signal?.aborted) this.onAbort();
    else {
      this.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.refresh(true);
    }
  }

  /** The read position in the file. */
  get position(): number {
    return this.pos;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  get readahead(): number {
    return this.readaheadBytes;
  }

  /** Changes the readahead; the window follows at once. */
  set readahead(bytes: number) {
    this.readaheadBytes = Math.max(1, bytes);
    this.refresh(false);
  }

  /**
   * Moves the read position (0 <= offset <= end of the range). The old window's requests that no
   * other reader needs are cancelled; a pending read returns data from the new position.
   */
  seek(offset: number): void {
    this.checkOpen();
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > this.end) {
      throw new TorrentkitError('BT_ERR_READ_RANGE', `cannot seek to ${offset}: the range ends at ${this.end}`);
    }
    this.pos = offset;
    this.generation++;
    this.refresh(true);
    this.interrupt?.();
  }

  /**
   * Reads up to `max` bytes at the position and advances it; waits for the piece to be verified.
   * Resolves null at the end of the range.
   */
  async read(max = DEFAULT_CHUNK): Promise<Uint8Array | null> {
    const source = this.hub.source;
    for (;;) {
      this.checkOpen();
      if (this.pos >= this.end) {
        this.refresh(false);
        return null;
      }
      const gen = this.generation;
      const abs = this.span.offset + this.pos;
      const piece = Math.floor(abs / source.pieceLength);
      if (!source.has(piece)) {
        await this.waitFor(piece);
        continue;
      }
      const data = await source.readPiece(piece);
      if (gen !== this.generation || this.closedFlag) continue;
      const from = abs - piece * source.pieceLength;
      const n = Math.min(data.length - from, this.end - this.pos, Math.max(1, max));
      const out = data.slice(from, from + n);
      this.pos += n;
      this.refresh(false);
      return out;
    }
  }

  /** Bytes from the position on that are verified and readable without waiting. */
  bufferedAhead(limit = 64 * 1024 * 1024): number {
    const { source } = this.hub;
    let at = this.pos;
    const stop = Math.min(this.end, this.pos + limit);
    while (at < stop) {
      const piece = Math.floor((this.span.offset + at) / source.pieceLength);
      if (!source.has(piece)) break;
      at = Math.min(stop, (piece + 1) * source.pieceLength - this.span.offset);
    }
    return at - this.pos;
  }

  /** Closes the reader: its window leaves the read heads, a pending read rejects. */
  close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.hub.heads.remove(this);
    this.interrupt?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        const chunk = await this.read();
        if (chunk === null) return;
        yield chunk;
      }
    } finally {
      this.close();
    }
  }

  private waitFor(piece: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.hub.whenPiece(piece, () => {
        this.interrupt = undefined;
        resolve();
      });
      this.interrupt = () => {
        this.interrupt = undefined;
        cancel();
        resolve();
      };
    });
  }

  private checkOpen(): void {
    if (this.abortError) throw this.abortError;
    if (this.closedFlag) throw new TorrentkitError('BT_ERR_READER_CLOSED', 'the reader is closed');
    const closed = this.hub.closed;
    if (closed) throw new TorrentkitError('BT_ERR_TORRENT_CLOSED', 'the torrent stopped', { cause: closed });
  }

  /** Recomputes the window when the position moved to another piece (or on a jump). */
  private refresh(jumped: boolean): void {
    if (this.closedFlag) return;
    const { source } = this.hub;
    const pl = source.pieceLength;
    if (this.pos >= this.end) {
      this.windowKey = '';
      this.hub.heads.remove(this);
      return;
    }
    const first = Math.floor((this.span.offset + this.pos) / pl);
    const last = Math.floor((this.span.offset + Math.min(this.end, this.pos + this.readaheadBytes) - 1) / pl);
    const key = `${first}:${last}`;
    if (key === this.windowKey && !jumped) return;
    this.windowKey = key;
    const now = source.clock.now();
    const window = new Map<number, number>();
    for (let p = first; p <= last; p++) if (!source.has(p)) window.set(p, now + (p - first) * this.stepMs);
    this.hub.heads.update(this, window, jumped);
  }
}
