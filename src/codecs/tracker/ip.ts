/**
 * Textual IP addresses <-> raw bytes, as compact peer lists need them (BEP 23: 4 bytes address +
 * 2 bytes port, big endian; BEP 7: 16 + 2 for IPv6). Pure and browser-safe (no node:net).
 */

import { parseIPv4, parseIPv6 } from '../../util/ip.js';

export { formatIPv4, formatIPv6, parseIPv4, parseIPv6, unmapIPv4 } from '../../util/ip.js';

/**
 * What a compact peer list is written from: a store that answers from memory keeps each IPv4
 * peer's address as one integer (`ipv4`), which an encoder writes with the port without reading
 * a byte array per peer (with thousands of peers in memory each array is a cache miss); other
 * peers carry their `compact` bytes, or only their textual `ip`.
 */
export interface CompactSource {
  readonly ip: string;
  readonly port: number;
  /** The IPv4 address as a 32-bit integer (its four bytes big-endian, signed), for IPv4 peers. */
  readonly ipv4?: number;
  /** BEP 23/7 compact bytes (6 or 18), when kept ready. */
  readonly compact?: Uint8Array;
}

/** An IPv4 address as one 32-bit integer (its bytes big-endian, signed: a small integer in V8); undefined for other text. */
export function ipv4ToInt(ip: string): number | undefined {
  const b = parseIPv4(ip);
  return b ? (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3] : undefined;
}

/** Writes one compact IPv4 peer (BEP 23: 4 address bytes, then 2 port bytes, big-endian) at `o`. */
export function writeCompactIPv4(out: Uint8Array, o: number, ipv4: number, port: number): void {
  out[o] = ipv4 >>> 24;
  out[o + 1] = ipv4 >>> 16;
  out[o + 2] = ipv4 >>> 8;
  out[o + 3] = ipv4;
  out[o + 4] = port >>> 8;
  out[o + 5] = port;
}

/**
 * Writes a peer's compact form at `o` when it has `size` bytes (6: IPv4, 18: IPv6), from its
 * integer address, its compact bytes, or its text; returns the offset after it (`o` when the peer
 * is of the other family or its address is unusable).
 */
export function writeCompactPeer(out: Uint8Array, o: number, p: CompactSource, size: 6 | 18): number {
  if (p.ipv4 !== undefined) {
    if (size !== 6) return o;
    writeCompactIPv4(out, o, p.ipv4, p.port);
    return o + 6;
  }
  const c = p.compact ?? compactPeer(p.ip, p.port);
  if (c?.length !== size) return o;
  out.set(c, o);
  return o + size;
}

/** Compact peer bytes: 6 for IPv4, 18 for IPv6; undefined for text that is neither. */
export function compactPeer(ip: string, port: number): Uint8Array | undefined {
  const v4 = parseIPv4(ip);
  const addr = v4 ?? parseIPv6(ip);
  if (!addr) return undefined;
  const out = new Uint8Array(addr.length + 2);
  out.set(addr);
  out[addr.length] = port >> 8;
  out[addr.length + 1] = port & 0xff;
  return out;
}
