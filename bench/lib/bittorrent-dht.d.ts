/** The part of bittorrent-dht (npm, untyped) that the DHT bench uses. */
declare module 'bittorrent-dht' {
  import { EventEmitter } from 'node:events';

  interface DHTOptions {
    bootstrap?: string[] | false;
    nodeId?: Buffer;
    host?: string | false;
    timeout?: number;
  }

  export default class DHT extends EventEmitter {
    constructor(opts?: DHTOptions);
    nodeId: Buffer;
    nodes: { count(): number };
    _rpc: { socket: { query: (...args: unknown[]) => unknown } };
    listen(port: number, address: string, cb?: () => void): void;
    address(): { address: string; port: number; family: string };
    announce(infoHash: Buffer, port: number, cb?: (err?: Error) => void): void;
    lookup(infoHash: Buffer, cb?: (err: Error | null, n: number) => void): void;
    destroy(cb?: () => void): void;
  }
}
