/**
 * Lists the files of a torrent's content (a file or a folder) for torrent creation. The Node
 * adapter walks the file system; tests can list anything. `location` is what the Hasher reads
 * (`Segment.path`), so listing and reading agree on how files are named.
 */
export interface ContentFile {
  /** Path inside the torrent, as components (for a single file: [its name]). */
  readonly path: readonly string[];
  readonly length: number;
  /** Where the hasher finds the bytes (a file system path for the Node adapter). */
  readonly location: string;
}

export interface ContentListing {
  /** Default torrent name: the folder's or the file's own name. */
  readonly name: string;
  /** The input is a single file (not a folder). */
  readonly singleFile: boolean;
  readonly files: readonly ContentFile[];
}

export interface ContentSource {
  /** Lists `input` (a file or folder). Rejects with BT_ERR_CREATE_INPUT when it cannot be read. */
  list(input: string, options?: { readonly signal?: AbortSignal }): Promise<ContentListing>;
}
