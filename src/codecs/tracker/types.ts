/**
 * The common shapes that every tracker transport (HTTP, UDP, WebSocket) decodes into and the
 * server core and the clients work with. Ids are bytes; the server keys swarms by the info hash.
 */

/** BEP 3 announce events; `undefined` is a regular interval announce. BEP 21 adds `paused`. */
export type AnnounceEvent = 'started' | 'completed' | 'stopped' | 'paused';

export interface AnnounceParams {
  /** 20 bytes. */
  infoHash: Uint8Array;
  /** 20 bytes. */
  peerId: Uint8Array;
  /** TCP port the peer listens on (1-65535; 0 is accepted for WebRTC-only peers). */
  port: number;
  uploaded: number;
  downloaded: number;
  left: number;
  event: AnnounceEvent | undefined;
  /** Peers wanted; undefined means the tracker's default. */
  numwant: number | undefined;
  /** BEP 23: the client accepts a compact peer list (true unless it sent compact=0). */
  compact: boolean;
  /** The client does not need peer ids in a dictionary list. */
  noPeerId: boolean;
  /** The `ip` parameter as sent (the server ignores it unless configured to trust it). */
  ip: string | undefined;
  /** The `key` parameter: lets a client prove it is the same peer after an address change. */
  key: string | undefined;
  /** The `trackerid` the tracker handed out before. */
  trackerId: string | undefined;
}

/** A peer as the tracker hands it out. */
export interface TrackerPeer {
  /** Textual IPv4 or IPv6 address. */
  ip: string;
  port: number;
  /** 20 bytes, when known (dictionary peer lists). */
  peerId?: Uint8Array;
}

export interface AnnounceResult {
  /** Seconds the client should wait before the next regular announce. */
  interval: number;
  /** Seconds the client must wait at least (BEP 3 `min interval`). */
  minInterval: number | undefined;
  trackerId: string | undefined;
  /** Seeders. */
  complete: number | undefined;
  /** Leechers. */
  incomplete: number | undefined;
  /** Human text the tracker wants shown, but the announce succeeded. */
  warning: string | undefined;
  peers: TrackerPeer[];
}

export interface ScrapeEntry {
  infoHash: Uint8Array;
  /** Seeders. */
  complete: number;
  /** Completed downloads ever reported. */
  downloaded: number;
  /** Leechers. */
  incomplete: number;
}
