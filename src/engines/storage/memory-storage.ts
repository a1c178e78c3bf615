/**
 * In-memory Storage: the reference implementation of the Storage port (tests, browsers, and
 * torrents streamed without saving). Memory is proportional to the bytes written: content is kept
 * in fixed-size chunks allocated on first write.
 */
import type { FileStat, Storage, StorageFile, StorageReadOptions } from '../../ports/storage.js';
import { readTarget } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import { FileSpace } from '../../codecs/metainfo/layout.js';

const CHUNK = 64 * 1024;

export class MemoryStorage implements Storage {
  private readonly chunks = new Map<number, Uint8Array>();
  /** Written byte ranges of each chunk, sorted and merged. */
  private readonly written = new Map<number, Array<[number, number]>>();
  private selected: boolean[];
  private readonly fileWritten: boolean[];
  private readonly mtimes: number[];
  private closed = false;
  private tick = 0;

  /** The files as one byte space (layout math: codecs/metainfo/layout.ts). */
  private readonly space: FileSpace;
  private readonly hasPads: boolean;

  constructor(private readonly files: readonly StorageFile[]) {
    this.space = new FileSpace(files);
    this.hasPads = files.some((f) => f.pad === true);
    this.selected = files.map(() => true);
    this.fileWritten = files.map(() => false);
    this.mtimes = files.map(() => -1);
  }

  private check(): void {
    if (this.closed) throw new TorrentkitError('BT_ERR_STORAGE_CLOSED', 'storage is closed');
  }

  async read(offset: number, length: number, options?: StorageReadOptions): Promise<Uint8Array> {
    this.check();
    if (offset < 0 || length < 0 || offset + length > this.space.totalLength) {
      throw new TorrentkitError('BT_ERR_STORAGE_RANGE', `range ${offset}+${length} outside the content`);
    }
    // Pad files (BEP 47) are never stored: their bytes read as the zeros `out` starts with.
    const out = readTarget(length, options?.into, this.hasPads);
    for (const s of this.space.segments(offset, offset + length, true)) {
      if (!this.covered(s.offset, s.length)) {
        throw new TorrentkitError('BT_ERR_STORAGE_MISSING', `bytes ${s.offset}+${s.length} were never written`);
      }
      const at = s.offset - offset;
      this.copyOut(s.offset, out.subarray(at, at + s.length));
    }
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check();
    if (offset < 0 || offset + data.length > this.space.totalLength) {
      throw new TorrentkitError('BT_ERR_STORAGE_RANGE', `range ${offset}+${data.length} outside the content`);
    }
    this.tick++;
    for (const s of this.space.segments(offset, offset + data.length, true)) {
      const at = s.offset - offset;
      this.copyIn(s.offset, data.subarray(at, at + s.length));
      if (this.selected[s.file]) {
        this.fileWritten[s.file] = true;
        this.mtimes[s.file] = this.tick;
      }
    }
  }

  async setSelection(selected: readonly boolean[]): Promise<void> {
    this.check();
    this.selected = this.files.map((_, i) => selected[i] !== false);
    for (let i = 0; i < this.files.length; i++) {
      if (!this.selected[i] || this.fileWritten[i] || this.files[i].pad) continue;
      // A newly selected file that has bytes kept aside, or an empty file, now exists.
      const f = this.files[i];
      if (f.length === 0 || this.anyWritten(f.offset, f.length)) {
        this.fileWritten[i] = true;
        this.mtimes[i] = ++this.tick;
      }
    }
  }

  async stat(): Promise<FileStat[]> {
    return this.files.map((f, i) =>
      this.fileWritten[i] ? { size: f.length, mtimeMs: this.mtimes[i] } : { size: -1, mtimeMs: -1 },
    );
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }

  async destroy(): Promise<void> {
    this.closed = true;
    this.chunks.clear();
    this.written.clear();
  }

  private copyIn(start: number, data: Uint8Array): void {
    let pos = 0;
    while (pos < data.length) {
      const abs = start + pos;
      const c = Math.floor(abs / CHUNK);
      const inChunk = abs - c * CHUNK;
      const take = Math.min(CHUNK - inChunk, data.length - pos);
      let chunk = this.chunks.get(c);
      if (!chunk) this.chunks.set(c, (chunk = new Uint8Array(CHUNK)));
      chunk.set(data.subarray(pos, pos + take), inChunk);
      addRange(this.written, c, inChunk, inChunk + take);
      pos += take;
    }
  }

  private copyOut(start: number, out: Uint8Array): void {
    let pos = 0;
    while (pos < out.length) {
      const abs = start + pos;
      const c = Math.floor(abs / CHUNK);
      const inChunk = abs - c * CHUNK;
      const take = Math.min(CHUNK - inChunk, out.length - pos);
      out.set(this.chunks.get(c)!.subarray(inChunk, inChunk + take), pos);
      pos += take;
    }
  }

  private covered(start: number, length: number): boolean {
    let pos = start;
    const end = start + length;
    while (pos < end) {
      const c = Math.floor(pos / CHUNK);
      const inChunk = pos - c * CHUNK;
      const want = Math.min(CHUNK, end - c * CHUNK);
      const ranges = this.written.get(c);
      if (!ranges?.some(([a, b]) => a <= inChunk && b >= want)) return false;
      pos = c * CHUNK + want;
    }
    return true;
  }

  private anyWritten(start: number, length: number): boolean {
    for (let c = Math.floor(start / CHUNK); c * CHUNK < start + length; c++) if (this.written.has(c)) return true;
    return false;
  }
}

/** Adds [a, b) to a chunk's sorted, merged list of written ranges. */
function addRange(map: Map<number, Array<[number, number]>>, chunk: number, a: number, b: number): void {
  const ranges = map.get(chunk) ?? [];
  ranges.push([a, b]);
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  map.set(chunk, merged);
}
