/**
 * Textual IP addresses <-> raw bytes, as compact peer lists need them (BEP 23: 4 bytes address +
 * 2 bytes port, big endian; BEP 7: 16 + 2 for IPv6). Pure and browser-safe (no node:net).
 */

import { parseIPv4, parseIPv6 } from '../../util/ip.js';

export { formatIPv4, formatIPv6, parseIPv4, parseIPv6, unmapIPv4 } from '../../util/ip.js';

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
