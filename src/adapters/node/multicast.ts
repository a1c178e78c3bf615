/**
 * A UDP socket joined to a multicast group, for Local Service Discovery (BEP 14). Binds the
 * group port with SO_REUSEADDR (several clients on one host share it), joins the group on
 * `interfaceAddress` (the default interface when omitted), keeps multicast loopback on (so peers
 * on the same host hear each other) and sets the TTL (BEP 14 suggests above 1 because the groups
 * are wider than the link).
 *
 * With an `interfaceAddress`, announces go out from a second socket bound to that address: BEP 14
 * peers take the announcer's address from the datagram's source, so it must be the address our
 * peers can connect to (a client bound to 127.0.0.2 would otherwise announce from 127.0.0.1), and
 * the datagrams only leave through that interface.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { DatagramAddress, DatagramSocket } from '../../ports/datagram.js';
import { NodeDatagramSocket } from './datagram.js';

export interface MulticastOptions {
  group: string;
  port: number;
  /** Local interface address to join, send on and send from. */
  interfaceAddress?: string;
  ttl?: number;
}

function configure(socket: Socket, options: MulticastOptions): void {
  if (options.interfaceAddress) socket.setMulticastInterface(options.interfaceAddress);
  socket.setMulticastLoopback(true);
  socket.setMulticastTTL(options.ttl ?? 2);
}

function bindSocket(socket: Socket, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

/** Receives on one socket and sends from another (see the module comment). */
class SplitSocket implements DatagramSocket {
  constructor(
    private readonly receiver: NodeDatagramSocket,
    private readonly sender: NodeDatagramSocket,
  ) {}
  send(data: Uint8Array, port: number, address: string): void {
    this.sender.send(data, port, address);
  }
  onMessage(handler: (data: Uint8Array, from: DatagramAddress) => void): void {
    this.receiver.onMessage(handler);
  }
  onError(handler: (err: Error) => void): void {
    this.receiver.onError(handler);
    this.sender.onError(handler);
  }
  address(): DatagramAddress {
    return this.receiver.address();
  }
  async close(): Promise<void> {
    await Promise.all([this.receiver.close(), this.sender.close()]);
  }
}

export async function bindMulticast(options: MulticastOptions): Promise<DatagramSocket> {
  const type = options.group.includes(':') ? 'udp6' : 'udp4';
  const receiver = createSocket({ type, reuseAddr: true });
  let sender: Socket | undefined;
  try {
    await bindSocket(receiver, options.port);
    receiver.addMembership(options.group, options.interfaceAddress);
    configure(receiver, options);
    if (!options.interfaceAddress) return new NodeDatagramSocket(receiver);
    sender = createSocket({ type });
    await bindSocket(sender, 0, options.interfaceAddress);
    configure(sender, options);
    return new SplitSocket(new NodeDatagramSocket(receiver), new NodeDatagramSocket(sender));
  } catch (err) {
    for (const s of [receiver, sender]) {
      try {
        s?.close();
      } catch {
        // never bound, or already closed
      }
    }
    throw err;
  }
}
