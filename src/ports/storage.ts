/**
 * Storage of a torrent's content, addressed as one byte range: the concatenation of its files in
 * v1 order, pad files (BEP 47) included. The engine writes whole pieces once they are verified
 * and reads ranges to upload or stream them.
 *
 * Implementations: `MemoryStorage` (reference, browsers, tests), the node file storage
 * (`src/adapters/node/file-storage.ts`), and the fault-injecting one for tests. Every one passes
 * `storageCompliance` from `src/adapters/testing/storage-compliance.ts`.
 */

export interface StorageFile {
  /** Sanitised path components below the torrent's folder (never `..`, never absolute). */
  path: readonly string[];
  length: number;
  /** Offset of the file in the torrent's content. */
  offset: number;
  /** A BEP 47 pad file: never written to disk, reads as zeros. */
  pad?: boolean;
}

export interface FileStat {
  /** Size on disk in bytes, or -1 when the file does not exist. */
  size: number;
  /** Modification time in milliseconds, or -1 when the file does not exist. */
  mtimeMs: number;
}

export interface StorageReadOptions {
  signal?: AbortSignal;
  /** Memory to read into (see Storage.read). */
  into?: Uint8Array;
}

export interface Storage {
  /**
   * Reads `length` bytes at `offset`. Bytes of pad files read as zeros. Rejects with
   * BT_ERR_STORAGE_MISSING when part of the range was never written and is not on disk.
   * With `into` (at least `length` bytes), reads into it and resolves with its first `length`
   * bytes, so that the caller can reuse its memory; otherwise into a new array.
   */
  read(offset: number, length: number, options?: StorageReadOptions): Promise<Uint8Array>;
  /**
   * Writes `data` at `offset` (a whole verified piece, usually). Bytes that fall in files that are
   * not selected are kept aside, never written into those files. Rejects with
   * BT_ERR_STORAGE_NO_SPACE when the disk is full, BT_ERR_STORAGE_IO on other failures.
   */
  write(offset: number, data: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Sets which files are wanted (one flag per file). Bytes kept aside for a file that becomes
   * selected are moved into it.
   */
  setSelection(selected: readonly boolean[]): Promise<void>;
  /** Size and mtime of each file, for the resume data. */
  stat(): Promise<FileStat[]>;
  /** Flushes buffered writes to durable storage. */
  flush(): Promise<void>;
  /** Closes open handles; the storage can not be used afterwards. */
  close(): Promise<void>;
  /** Closes and deletes every file the storage created (and the bytes kept aside). */
  destroy(): Promise<void>;
  /**
   * Where file `i` lives for a Hasher that reads files itself (`hashRanges`), or undefined when
   * the storage is not file-backed (then verification reads through `read`). Optional.
   */
  localPath?(i: number): string | undefined;
}

/**
 * Creates the storage of one torrent: `dir` is the download folder the user chose, `id` the hex
 * info hash, `name` the torrent's name.
 */
export type StorageFactory = (files: readonly StorageFile[], options: { name: string; id: string; dir: string }) => Storage;
