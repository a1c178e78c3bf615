/**
 * A UDP socket joined to a multicast group, for Local Service Discovery (BEP 14). Binds the
 * group port with SO_REUSEADDR (several clients on one host share it), joins the group on
 * `interfaceAddress` (all interfaces when omitted), sends through that interface, keeps multicast
 * loopback on (so peers on the same host hear each other) and sets the TTL (BEP 14 suggests
 * above 1 because the groups are wider than the link).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { DatagramAddress, DatagramSocket } from '../../ports/datagram.js';

export interface MulticastOptions {
  group: string;
  port: number;
  /** Local interface address to join and send on. */
  interfaceAddress?: string;
  ttl?: number;
}

class MulticastSocket implements DatagramSocket {
  private onMsg: (data: Uint8Array, from: DatagramAddress) => void = () => {};
  private onErr: (err: Error) => void = () => {};

  constructor(private readonly socket: Socket) {
    socket.on('message', (msg, rinfo) =>
      this.onMsg(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), { address: rinfo.address, port: rinfo.port, family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4' }),
    );
    socket.on('error', (err) => this.onErr(err));
  }

  send(data: Uint8Array, port: number, address: string): void {
    try {
      this.socket.send(data, port, address, (err) => err && this.onErr(err));
    } catch (err) {
      this.onErr(err as Error);
    }
  }

  onMessage(handler: (data: Uint8Array, from: DatagramAddress) => void): void {
    this.onMsg = handler;
  }

  onError(handler: (err: Error) => void): void {
    this.onErr = handler;
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

export function bindMulticast(options: MulticastOptions): Promise<DatagramSocket> {
  const v6 = options.group.includes(':');
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reuseAddr: true });
    socket.once('error', reject);
    socket.bind(options.port, () => {
      socket.off('error', reject);
      try {
        socket.addMembership(options.group, options.interfaceAddress);
        if (options.interfaceAddress) socket.setMulticastInterface(options.interfaceAddress);
        socket.setMulticastLoopback(true);
        socket.setMulticastTTL(options.ttl ?? 2);
      } catch (err) {
        socket.close();
        reject(err as Error);
        return;
      }
      resolve(new MulticastSocket(socket));
    });
  });
}
