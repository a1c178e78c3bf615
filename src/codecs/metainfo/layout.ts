/**
 * File layout math over the torrent's piece space (BEP 3: files are concatenated in order and cut
 * into pieces of `pieceLength`; the last piece may be shorter). Pure and allocation-light, shared
 * by storage, streaming, FUSE and the picker.
 *
 * Invariants: file offsets are non-decreasing and each file's range is [offset, offset + length);
 * zero-length files own no bytes and are never returned by byte or piece lookups. Lookups by byte
 * offset are binary searches over the file offsets: O(log files).
 */

/** A file as the layout needs it. */
export interface LayoutFile {
  readonly length: number;
  /** Pad files (BEP 47) are skipped by `segments` when `skipPad` is set. */
  readonly pad?: boolean;
}

/** The part of one file that a byte range covers. */
export interface FileSegment {
  /** Index of the file. */
  readonly file: number;
  /** Offset of the segment inside the file. */
  readonly fileOffset: number;
  /** Offset of the segment in the piece space. */
  readonly offset: number;
  readonly length: number;
}

/** A half-open range [start, end). */
export interface Range {
  readonly start: number;
  readonly end: number;
}

/**
 * Files as one byte space, without pieces: byte range <-> files. Storage maps its reads and
 * writes through it; TorrentLayout adds the pieces.
 */
export class FileSpace {
  readonly totalLength: number;
  readonly fileCount: number;
  private readonly offsets: Float64Array;
  private readonly lengths: Float64Array;
  private readonly pads: Uint8Array;

  constructor(files: readonly LayoutFile[]) {
    this.fileCount = files.length;
    this.offsets = new Float64Array(files.length);
    this.lengths = new Float64Array(files.length);
    this.pads = new Uint8Array(files.length);
    let offset = 0;
    for (let i = 0; i < files.length; i++) {
      this.offsets[i] = offset;
      this.lengths[i] = files[i].length;
      this.pads[i] = files[i].pad ? 1 : 0;
      offset += files[i].length;
    }
    this.totalLength = offset;
  }

  /** Byte offset of file `file` in the piece space. */
  fileOffset(file: number): number {
    return this.offsets[file];
  }

  fileLength(file: number): number {
    return this.lengths[file];
  }

  /** File holding byte `offset` (the non-empty one; zero-length files hold no bytes). */
  fileAt(offset: number): number {
    this.checkOffset(offset);
    // Last file whose offset <= `offset`; zero-length files share the offset of the next file,
    // so taking the last one skips them.
    let lo = 0;
    let hi = this.fileCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.offsets[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * The file segments that the byte range [start, end) covers, in order. With `skipPad`, pad
   * files are left out (their bytes are zeros that are never stored).
   */
  segments(start: number, end: number, skipPad = false): FileSegment[] {
    this.checkRange(start, end);
    const out: FileSegment[] = [];
    if (start === end) return out;
    for (let f = this.fileAt(start); f < this.fileCount && this.offsets[f] < end; f++) {
      const fStart = this.offsets[f];
      const fEnd = fStart + this.lengths[f];
      if (fEnd <= start || fEnd === fStart) continue;
      if (skipPad && this.pads[f]) continue;
      const s = Math.max(start, fStart);
      const e = Math.min(end, fEnd);
      out.push({ file: f, fileOffset: s - fStart, offset: s, length: e - s });
    }
    return out;
  }

  /** Piece-space range of `length` bytes at `fileOffset` inside file `file`. */
  fileRange(file: number, fileOffset: number, length: number): Range {
    if (!(file >= 0 && file < this.fileCount)) throw new RangeError(`no file ${file}`);
    if (fileOffset < 0 || length < 0 || fileOffset + length > this.lengths[file]) {
      throw new RangeError(`range ${fileOffset}+${length} outside file ${file} of ${this.lengths[file]} bytes`);
    }
    const start = this.offsets[file] + fileOffset;
    return { start, end: start + length };
  }

  protected checkOffset(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.totalLength) throw new RangeError(`offset ${offset} outside the torrent`);
  }

  protected checkRange(start: number, end: number): void {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > this.totalLength) {
      throw new RangeError(`range [${start}, ${end}) outside the torrent of ${this.totalLength} bytes`);
    }
  }
}

/** The piece space: files concatenated and cut into pieces of `pieceLength` (BEP 3). */
export class TorrentLayout extends FileSpace {
  readonly pieceLength: number;
  readonly pieceCount: number;

  constructor(files: readonly LayoutFile[], pieceLength: number) {
    if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) throw new RangeError(`bad piece length ${pieceLength}`);
    super(files);
    this.pieceLength = pieceLength;
    this.pieceCount = Math.ceil(this.totalLength / pieceLength);
  }

  /** Size of piece `piece`: `pieceLength`, except for a shorter last piece. */
  pieceSize(piece: number): number {
    this.checkPiece(piece);
    return Math.min(this.pieceLength, this.totalLength - piece * this.pieceLength);
  }

  /** Byte range of piece `piece` in the piece space. */
  pieceRange(piece: number): Range {
    this.checkPiece(piece);
    const start = piece * this.pieceLength;
    return { start, end: Math.min(start + this.pieceLength, this.totalLength) };
  }

  /** Piece holding byte `offset`. */
  pieceAt(offset: number): number {
    this.checkOffset(offset);
    return Math.floor(offset / this.pieceLength);
  }

  /** Pieces [start, end) that the byte range [start, end) touches (empty for an empty range). */
  piecesOfRange(start: number, end: number): Range {
    this.checkRange(start, end);
    if (start === end) return { start: 0, end: 0 };
    return { start: Math.floor(start / this.pieceLength), end: Math.ceil(end / this.pieceLength) };
  }

  /**
   * Pieces [start, end) that hold bytes of file `file`; empty for a zero-length file. Neighbouring
   * files may share the first and last piece.
   */
  piecesOfFile(file: number): Range {
    if (!(file >= 0 && file < this.fileCount)) throw new RangeError(`no file ${file}`);
    const start = this.fileOffset(file);
    return this.piecesOfRange(start, start + this.fileLength(file));
  }

  /** The file segments of piece `piece` (see `segments`). */
  pieceSegments(piece: number, skipPad = false): FileSegment[] {
    const { start, end } = this.pieceRange(piece);
    return this.segments(start, end, skipPad);
  }

  /** Indices of the files whose bytes piece `piece` holds (zero-length files excluded). */
  filesOfPiece(piece: number): number[] {
    return this.pieceSegments(piece).map((s) => s.file);
  }

  private checkPiece(piece: number): void {
    if (!Number.isInteger(piece) || piece < 0 || piece >= this.pieceCount) throw new RangeError(`no piece ${piece}`);
  }
}

/** The layout of a parsed torrent. */
export function layoutOf(meta: { readonly files: readonly LayoutFile[]; readonly pieceLength: number }): TorrentLayout {
  return new TorrentLayout(meta.files, meta.pieceLength);
}
