/**
 * Local Service Discovery messages (BEP 14): an HTTP-over-UDP `BT-SEARCH` request announcing a
 * listening port and one or more info hashes to a multicast group. Pure; decoding has limits
 * (datagram size, header count, info hashes) and typed errors.
 */
import { type ErrorCode, TorrentkitError } from '../../util/errors.js';
import { fromHex, toHex, utf8Decode, utf8Encode } from '../../util/bytes.js';

/** BEP 14 multicast groups and port. */
export const LSD_IPV4_GROUP = '239.192.152.143';
export const LSD_IPV6_GROUP = 'ff15::efc0:988f';
export const LSD_PORT = 6771;
/** BEP 14: "the packet length should not exceed 1400 bytes". */
export const LSD_MAX_PACKET_BYTES = 1400;

export const LsdCode = {
  TooLong: 'BT_ERR_LSD_TOO_LONG',
  Malformed: 'BT_ERR_LSD_MALFORMED',
  BadPort: 'BT_ERR_LSD_BAD_PORT',
  NoInfoHash: 'BT_ERR_LSD_NO_INFOHASH',
} as const satisfies Record<string, ErrorCode>;
export type LsdCode = (typeof LsdCode)[keyof typeof LsdCode];

export class LsdError extends TorrentkitError {
  override readonly code: LsdCode;
  constructor(code: LsdCode, message: string) {
    super(code, message);
    this.code = code;
    this.name = 'LsdError';
  }
}

export interface LsdAnnounce {
  /** The Host header: the group and port it was sent to, e.g. "239.192.152.143:6771". */
  host: string;
  /** The sender's BitTorrent listening port. */
  port: number;
  infoHashes: Uint8Array[];
  /** Opaque; lets a sender recognise its own announces coming back through multicast loopback. */
  cookie?: string;
}

/** The Host header value for a group (RFC 2732 brackets for IPv6). */
export function lsdHost(group: string, port = LSD_PORT): string {
  return group.includes(':') ? `[${group}]:${port}` : `${group}:${port}`;
}

/**
 * Encodes announces for `infoHashes`, as many per packet as fit in 1400 bytes (BEP 14 allows
 * consecutive Infohash headers); returns one packet per group of hashes.
 */
export function encodeLsdAnnounces(a: { host: string; port: number; infoHashes: Uint8Array[]; cookie?: string }): Uint8Array[] {
  if (!Number.isInteger(a.port) || a.port < 1 || a.port > 65535) throw new LsdError(LsdCode.BadPort, `bad port ${a.port}`);
  if (a.cookie !== undefined && !/^[\x21-\x7e]{1,64}$/.test(a.cookie)) throw new LsdError(LsdCode.Malformed, 'cookie must be 1-64 visible ASCII characters');
  const head = `BT-SEARCH * HTTP/1.1\r\nHost: ${a.host}\r\nPort: ${a.port}\r\n`;
  const tail = `${a.cookie !== undefined ? `cookie: ${a.cookie}\r\n` : ''}\r\n\r\n`;
  const line = 'Infohash: '.length + 40 + 2;
  const perPacket = Math.max(1, Math.floor((LSD_MAX_PACKET_BYTES - head.length - tail.length) / line));
  const out: Uint8Array[] = [];
  for (let i = 0; i < a.infoHashes.length; i += perPacket) {
    const lines = a.infoHashes.slice(i, i + perPacket).map((h) => `Infohash: ${toHex(h)}\r\n`);
    out.push(utf8Encode(head + lines.join('') + tail));
  }
  return out;
}

/** Decodes a BT-SEARCH announce. Unknown headers are ignored (BEP 14). */
export function decodeLsdAnnounce(data: Uint8Array, limits: { maxBytes?: number; maxInfoHashes?: number } = {}): LsdAnnounce {
  const maxBytes = limits.maxBytes ?? 2048;
  const maxHashes = limits.maxInfoHashes ?? 64;
  if (data.length > maxBytes) throw new LsdError(LsdCode.TooLong, `datagram of ${data.length} bytes exceeds ${maxBytes}`);
  const text = utf8Decode(data);
  const lines = text.split(/\r?\n/);
  if (lines[0].trim() !== 'BT-SEARCH * HTTP/1.1') throw new LsdError(LsdCode.Malformed, 'not a BT-SEARCH request');
  let host = '';
  let port = NaN;
  let cookie: string | undefined;
  const infoHashes: Uint8Array[] = [];
  for (const raw of lines.slice(1, 1 + 4 + maxHashes + 16)) {
    if (raw === '') continue;
    const colon = raw.indexOf(':');
    if (colon <= 0) throw new LsdError(LsdCode.Malformed, `bad header line "${raw.slice(0, 40)}"`);
    const name = raw.slice(0, colon).trim().toLowerCase();
    const value = raw.slice(colon + 1).trim();
    if (name === 'host') host = value;
    else if (name === 'port') port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
    else if (name === 'cookie') cookie = value.slice(0, 64);
    else if (name === 'infohash') {
      // Some clients send upper-case hex; anything that is not 40 hex digits is skipped.
      if (/^[0-9a-fA-F]{40}$/.test(value) && infoHashes.length < maxHashes) infoHashes.push(fromHex(value));
    }
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LsdError(LsdCode.BadPort, 'missing or bad Port header');
  if (infoHashes.length === 0) throw new LsdError(LsdCode.NoInfoHash, 'no valid Infohash header');
  return { host, port, infoHashes, ...(cookie !== undefined ? { cookie } : {}) };
}
