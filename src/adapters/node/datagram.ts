import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DatagramAddress, DatagramFactory, DatagramSocket } from '../../ports/datagram.js';

/** The DatagramSocket port over a bound node:dgram socket (also used for multicast sockets). */
export class NodeDatagramSocket implements DatagramSocket {
  private messageHandler: (data: Uint8Array, from: DatagramAddress) => void = () => {};
  private errorHandler: (err: Error) => void = () => {};
  /** One callback for every send (a closure per datagram would be garbage on hot paths). */
  private readonly sent = (err: Error | null) => {
    if (err) this.errorHandler(err);
  };

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

  send(data: Uint8Array, port: number, address: string): void {
    try {
      this.socket.send(data, port, address, this.sent);
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

/** UDP sockets on node:dgram. */
export const nodeDatagrams: DatagramFactory = {
  bind({ port, address, bufferBytes }) {
    return new Promise((resolve, reject) => {
      const socket = createSocket({
        type: isIPv6(address) ? 'udp6' : 'udp4',
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
