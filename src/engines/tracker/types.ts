import type { AnnounceEvent, AnnounceResult, ScrapeEntry } from '../../codecs/tracker/types.js';

/** What a client sends in one announce. */
export interface AnnounceRequest {
  infoHash: Uint8Array;
  peerId: Uint8Array;
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent | undefined;
  numwant: number | undefined;
  /** Random per torrent session, the same in every announce (BEP 3 / BEP 15 `key`). */
  key: number;
}

/** One tracker (HTTP or UDP) as the Announcer uses it. */
export interface TrackerClient {
  readonly url: string;
  announce(req: AnnounceRequest, opts?: { signal?: AbortSignal }): Promise<AnnounceResult>;
  scrape(infoHashes: readonly Uint8Array[], opts?: { signal?: AbortSignal }): Promise<ScrapeEntry[]>;
  close(): void;
}
