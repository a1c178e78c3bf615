// Minimal types for the `webtorrent` npm package (the anchor of bench/stream.bench.ts).
declare module 'webtorrent' {
  import type { Readable } from 'node:stream';
  interface WebTorrentFile {
    name: string;
    length: number;
    createReadStream(opts?: { start?: number; end?: number }): Readable;
  }
  interface WebTorrentTorrent {
    files: WebTorrentFile[];
    ready: boolean;
    infoHash?: string;
    addPeer(peer: string): boolean;
    once(event: 'ready' | 'metadata' | 'infoHash', fn: () => void): void;
    on(event: 'error' | 'warning', fn: (err: Error) => void): void;
  }
  interface Options {
    dht?: boolean;
    lsd?: boolean;
    tracker?: boolean;
    utp?: boolean;
    natUpnp?: boolean;
    natPmp?: boolean;
    webSeeds?: boolean;
    utPex?: boolean;
    /** Protocol encryption: 0 off, 1 PE with plaintext fallback (default), 2 PE only. */
    secure?: number;
  }
  export default class WebTorrent {
    constructor(opts?: Options);
    add(id: string | Uint8Array, opts: { path: string }, onTorrent?: (t: WebTorrentTorrent) => void): WebTorrentTorrent;
    destroy(cb?: (err?: Error) => void): void;
    on(event: 'error', fn: (err: Error) => void): void;
  }
}
