// Minimal types for the `bittorrent-protocol` npm package (WebTorrent's wire; the anchor of bench/wire.bench.ts).
declare module 'bittorrent-protocol' {
  import { Duplex } from 'node:stream';
  class Wire extends Duplex {
    peerChoking: boolean;
    handshake(infoHash: string | Uint8Array, peerId: string | Uint8Array, extensions?: Record<string, boolean>): void;
    unchoke(): void;
    interested(): void;
    have(index: number): void;
    request(index: number, offset: number, length: number, cb?: (err: Error | null, block?: Uint8Array) => void): void;
    piece(index: number, offset: number, buffer: Uint8Array): void;
    setKeepAlive(enable: boolean): void;
  }
  export default Wire;
}
