/**
 * A UDP socket joined to a multicast group, for Local Service Discovery (BEP 14). Binds the
 * group port with SO_REUSEADDR (several clients on one host share it), joins the group on
 * `interfaceAddress` (all interfaces when omitted), sends through that interface, keeps multicast
 * loopback on (so peers on the same host hear each other) and sets the TTL (BEP 14 suggests
 * above 1 because the groups are wider than the link).
 */
import { createSocket } from 'node:dgram';
import type { DatagramSocket } from '../../ports/datagram.js';
import { NodeDatagramSocket } from './datagram.js';

export interface MulticastOptions {
  group: string;
  port: number;
  /** Local interface address to join and send on. */
  interfaceAddress?: string;
  ttl?: number;
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
      resolve(new NodeDatagramSocket(socket));
    });
  });
}
