import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { DatagramAddress, DatagramFactory, DatagramSocket } from '../../ports/datagram.js';

/** The DatagramSocket port over a bound node:dgram socket (also used for multicast sockets). */
export class NodeDatagramSocket implements DatagramSocket {
  private messageHandler: (data: Uint8Array, from: DatagramAddress) => void = () => {};
  private errorHandler: (err: Error) => void = () => {};

  constructor(private readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => {
      this.messageHandler(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), {
        address: rinfo.address,
        port: rinfo.port,
        family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4',
      });
    });
    socket.on('error', (err) => this.errorHandler(err));
  }

  /**
   * Sends without a completion callback: with one, node:dgram schedules a tick per datagram even
   * when the send completed at once (the usual case for UDP), which a busy tracker pays on every
   * answer. Errors thrown at once still reach the error handler; a datagram the kernel refuses
   * later is lost, as any datagram may be.
   */
  send(data: Uint8Array, port: number, address: string): void {
    try {
      this.socket.send(data, port, address);
    } catch (err) {
      this.errorHandler(err as Error);
    }
  }

  onMessage(handler: (data: Uint8Array, from: DatagramAddress) => void): void {
    this.messageHandler = handler;
  }

  onError(handler: (err: Error) => void): void {
    this.errorHandler = handler;
  }

  address(): DatagramAddress {
    const a = this.socket.address();
    return { address: a.address, port: a.port, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4' };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/**
 * node:dgram resolves every destination of an unconnected socket with dns.lookup, which answers
 * an IP literal on the next tick; datagrams here go to addresses taken from received packets, so
 * literals are answered at once and only names go to the resolver.
 */
function lookup(address: string, family: number | LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const literal = isIP(address);
  if (literal !== 0) callback(null, address, literal);
  // node:dgram passes the socket's family as a number; the typings say options: both are accepted.
  else if (typeof family === 'number') dnsLookup(address, family, callback);
  else dnsLookup(address, family, callback);
}

/** UDP sockets on node:dgram. */
export const nodeDatagrams: DatagramFactory = {
  bind({ port, address, bufferBytes }) {
    return new Promise((resolve, reject) => {
      const socket = createSocket({
        type: isIPv6(address) ? 'udp6' : 'udp4',
        lookup,
        reuseAddr: false,
        ...(bufferBytes ? { recvBufferSize: bufferBytes, sendBufferSize: bufferBytes } : {}),
      });
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve(new NodeDatagramSocket(socket));
      });
    });
  },
};
