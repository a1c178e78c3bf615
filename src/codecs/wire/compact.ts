/**
 * Compact peer addresses (BEP 23 / BEP 7 layout, used by BEP 10 `yourip` and BEP 11 ut_pex):
 * IPv4 is 4 address bytes + 2 port bytes, IPv6 16 + 2, big-endian. Pure string <-> bytes helpers
 * so codecs need no node:net.
 */
export function parseIPv4Bytes(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return undefined;
    const v = Number(parts[i]);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

export function parseIPv6Bytes(input: string): Uint8Array | undefined {
  let s = input;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const words: number[] = [];
  let tail4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.slice(lastColon + 1).includes('.')) {
    tail4 = parseIPv4Bytes(s.slice(lastColon + 1));
    if (!tail4) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const w of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
      out.push(Number.parseInt(w, 16));
    }
    return out;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return undefined;
  if (halves.length === 2) {
    if (head.length + rest.length > 7) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest);
  } else {
    if (head.length !== 8) return undefined;
    words.push(...head);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** Address bytes (4 or 16) of an IPv4 or IPv6 literal, or undefined. */
export function parseIPBytes(s: string): Uint8Array | undefined {
  return s.includes(':') ? parseIPv6Bytes(s) : parseIPv4Bytes(s);
}

/** Formats 4 or 16 address bytes (IPv6 in RFC 5952 form: lowercase, longest zero run as "::"). */
export function formatIP(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((b[i * 2] << 8) | b[i * 2 + 1]);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

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
