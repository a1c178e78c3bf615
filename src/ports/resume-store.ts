/** Where resume data lives (one small blob per torrent, keyed by hex info hash). */
export interface ResumeStore {
  load(id: string): Promise<Uint8Array | undefined>;
  /** Replaces the blob atomically: a crash leaves the old or the new one, never a torn one. */
  save(id: string, data: Uint8Array): Promise<void>;
  remove(id: string): Promise<void>;
}

/** In-memory resume store (tests, browsers). */
export class MemoryResumeStore implements ResumeStore {
  readonly blobs = new Map<string, Uint8Array>();

  async load(id: string): Promise<Uint8Array | undefined> {
    return this.blobs.get(id);
  }

  async save(id: string, data: Uint8Array): Promise<void> {
    this.blobs.set(id, data.slice());
  }

  async remove(id: string): Promise<void> {
    this.blobs.delete(id);
  }
}
