/**
 * Compact address encodings: peers are 6 bytes (IPv4) or 18 bytes (IPv6) of address and
 * big-endian port (BEP 5, BEP 32); nodes add the 20-byte id in front, 26 or 38 bytes.
 */
import { KrpcCode, KrpcDecodeError } from './errors.js';
import { formatIp, parseIPv4, parseIPv6, parseIp } from '../../util/ip.js';
import type { IpFamily, NodeInfo, PeerAddress } from './types.js';

export { formatIp, ipFamily, parseIPv4, parseIPv6, parseIp } from '../../util/ip.js';

/** Encodes one peer address: 6 or 18 bytes. Throws for an unparsable address. */
export function encodeCompactPeer(peer: PeerAddress): Uint8Array {
  const ip = parseIp(peer.address);
  if (!ip) throw new KrpcDecodeError(KrpcCode.BadField, `not an IP address: ${peer.address}`);
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = (peer.port >> 8) & 0xff;
  out[ip.length + 1] = peer.port & 0xff;
  return out;
}

/** Decodes one compact peer (6 or 18 bytes). */
export function decodeCompactPeer(b: Uint8Array): PeerAddress {
  if (b.length !== 6 && b.length !== 18) {
    throw new KrpcDecodeError(KrpcCode.BadField, `compact peer of ${b.length} bytes (want 6 or 18)`);
  }
  const n = b.length - 2;
  return { address: formatIp(b.subarray(0, n)), port: (b[n] << 8) | b[n + 1] };
}

/** Encodes nodes of one family into compact node info (26 or 38 bytes each). */
export function encodeCompactNodes(nodes: readonly NodeInfo[], family: IpFamily): Uint8Array {
  const size = family === 'IPv4' ? 26 : 38;
  const out = new Uint8Array(nodes.length * size);
  let o = 0;
  for (const n of nodes) {
    const ip = family === 'IPv4' ? parseIPv4(n.address) : parseIPv6(n.address);
    if (!ip || n.id.length !== 20) throw new KrpcDecodeError(KrpcCode.BadField, `cannot encode node ${n.address} as ${family}`);
    out.set(n.id, o);
    out.set(ip, o + 20);
    out[o + size - 2] = (n.port >> 8) & 0xff;
    out[o + size - 1] = n.port & 0xff;
    o += size;
  }
  return out;
}

/** Decodes compact node info; the length must be a multiple of the entry size. */
export function decodeCompactNodes(b: Uint8Array, family: IpFamily, maxNodes: number): NodeInfo[] {
  const size = family === 'IPv4' ? 26 : 38;
  if (b.length % size !== 0) {
    throw new KrpcDecodeError(KrpcCode.BadField, `compact ${family} node info of ${b.length} bytes is not a multiple of ${size}`);
  }
  const count = b.length / size;
  if (count > maxNodes) throw new KrpcDecodeError(KrpcCode.Limit, `${count} nodes exceed the limit of ${maxNodes}`);
  const out: NodeInfo[] = [];
  for (let o = 0; o < b.length; o += size) {
    const port = (b[o + size - 2] << 8) | b[o + size - 1];
    // A view, not a copy: ids live as long as the message; the routing table copies what it keeps.
    out.push({ id: b.subarray(o, o + 20), address: formatIp(b.subarray(o + 20, o + size - 2)), port });
  }
  return out;
}

/**
 * False for addresses no node or peer can have: unspecified (0.0.0.0/8, ::), multicast
 * (224.0.0.0/4, ff00::/8) and the reserved/broadcast 240.0.0.0/4. A hostile reply naming them
 * must not make us send there.
 */
export function isUsableAddress(address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (ip.length === 4) return ip[0] !== 0 && ip[0] < 224;
  if (ip[0] === 0xff) return false;
  return !ip.every((b) => b === 0);
}
