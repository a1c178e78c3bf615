/**
 * Compact peer addresses (BEP 23 / BEP 7 layout, used by BEP 10 `yourip` and BEP 11 ut_pex):
 * IPv4 is 4 address bytes + 2 port bytes, IPv6 16 + 2, big-endian. Pure string <-> bytes helpers
 * so codecs need no node:net.
 */
import { formatIp as formatIP, parseIp as parseIPBytes } from '../../util/ip.js';

export {
  formatIp as formatIP,
  parseIp as parseIPBytes,
  parseIPv4 as parseIPv4Bytes,
  parseIPv6 as parseIPv6Bytes,
} from '../../util/ip.js';

export interface PeerAddress {
  host: string;
  port: number;
}

/** Concatenated compact entries of one family (`addrLength` 4 or 16); undefined when the length is not a multiple. */
export function decodeCompactPeers(bytes: Uint8Array, addrLength: 4 | 16): PeerAddress[] | undefined {
  const size = addrLength + 2;
  if (bytes.length % size !== 0) return undefined;
  const out: PeerAddress[] = [];
  for (let o = 0; o < bytes.length; o += size) {
    out.push({ host: formatIP(bytes.subarray(o, o + addrLength)), port: (bytes[o + addrLength] << 8) | bytes[o + addrLength + 1] });
  }
  return out;
}

/** Compact entries for `peers`, all of one family; undefined if one is not a literal of that family. */
export function encodeCompactPeers(peers: readonly PeerAddress[], addrLength: 4 | 16): Uint8Array | undefined {
  const size = addrLength + 2;
  const out = new Uint8Array(peers.length * size);
  for (let i = 0; i < peers.length; i++) {
    const ip = parseIPBytes(peers[i].host);
    if (!ip || ip.length !== addrLength || !Number.isInteger(peers[i].port) || peers[i].port < 0 || peers[i].port > 0xffff) return undefined;
    out.set(ip, i * size);
    out[i * size + addrLength] = peers[i].port >> 8;
    out[i * size + addrLength + 1] = peers[i].port & 0xff;
  }
  return out;
}
