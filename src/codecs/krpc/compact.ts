/**
 * Compact address encodings: peers are 6 bytes (IPv4) or 18 bytes (IPv6) of address and
 * big-endian port (BEP 5, BEP 32); nodes add the 20-byte id in front, 26 or 38 bytes.
 */
import { KrpcCode, KrpcDecodeError } from './errors.js';
import type { IpFamily, NodeInfo, PeerAddress } from './types.js';

/** Parses "1.2.3.4" to 4 bytes, or undefined when it is not a dotted quad. */
export function parseIPv4(s: string): Uint8Array | undefined {
  // A hand-written scan: this runs for every node of every reply we encode.
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // '.' ends the last part
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || part > 3) return undefined;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else return undefined;
  }
  return part === 4 ? out : undefined;
}

/** Parses an IPv6 address (with `::` and an optional trailing dotted quad) to 16 bytes. */
export function parseIPv6(s: string): Uint8Array | undefined {
  let text = s;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(Number.parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = all[i] >> 8;
    out[i * 2 + 1] = all[i] & 0xff;
  }
  return out;
}

/** Parses either family; the result's length (4 or 16) tells which. */
export function parseIp(s: string): Uint8Array | undefined {
  return parseIPv4(s) ?? parseIPv6(s);
}

export function ipFamily(s: string): IpFamily | undefined {
  if (parseIPv4(s)) return 'IPv4';
  if (parseIPv6(s)) return 'IPv6';
  return undefined;
}

/** Formats 4 or 16 address bytes (IPv6 in RFC 5952 form: lower case, longest zero run as `::`). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[i * 2] << 8) | b[i * 2 + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

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
