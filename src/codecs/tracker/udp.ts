/**
 * UDP tracker packets (BEP 15), both directions, with length checks. All integers are big endian.
 *
 *   connect  request  16 bytes: protocol_id u64 = 0x41727101980, action u32 = 0, transaction_id u32
 *   connect  response 16 bytes: action 0, transaction_id, connection_id u64
 *   announce request  98 bytes: connection_id, action 1, transaction_id, info_hash 20, peer_id 20,
 *                     downloaded u64, left u64, uploaded u64, event u32, ip u32, key u32,
 *                     num_want i32 (-1 = default), port u16 [, BEP 41 options]
 *   announce response 20 + 6n (IPv4) or 20 + 18n (IPv6): action 1, transaction_id, interval,
 *                     leechers, seeders, peers
 *   scrape   request  16 + 20n: connection_id, action 2, transaction_id, info_hashes
 *   scrape   response 8 + 12n: action 2, transaction_id, (seeders, completed, leechers) * n
 *   error    response 8 + message: action 3, transaction_id, message text
 */
import { utf8Decode, utf8Encode } from '../../util/bytes.js';
import { TrackerError, TrackerErrorCode as E } from './errors.js';
import { type CompactSource, formatIPv4, writeCompactPeer } from './ip.js';
import type { AnnounceEvent, ScrapeEntry, TrackerPeer } from './types.js';
import { decodeCompactPeers } from './response.js';

export const UDP_PROTOCOL_ID = 0x41727101980n;
export const UdpAction = { Connect: 0, Announce: 1, Scrape: 2, Error: 3 } as const;
/** BEP 15 caps a scrape at about 74 info hashes so the request fits a datagram. */
export const UDP_MAX_SCRAPE_HASHES = 74;
/** Largest datagram we build or accept. */
export const UDP_MAX_PACKET = 2048;

const EVENT_CODES: readonly (AnnounceEvent | undefined)[] = [undefined, 'completed', 'started', 'stopped'];

export function udpEventCode(e: AnnounceEvent | undefined): number {
  if (e === 'completed') return 1;
  if (e === 'started') return 2;
  if (e === 'stopped') return 3;
  return 0;
}

export interface UdpConnectRequest {
  action: 'connect';
  transactionId: number;
}

export interface UdpAnnounceRequest {
  action: 'announce';
  /** 8 raw bytes (compared, never interpreted). */
  connectionId: Uint8Array;
  transactionId: number;
  infoHash: Uint8Array;
  peerId: Uint8Array;
  downloaded: number;
  left: number;
  uploaded: number;
  event: AnnounceEvent | undefined;
  /** 0 = use the sender's address; anything else as dotted text. */
  ip: string | undefined;
  key: number;
  /** undefined when the client sent -1 (the default). */
  numwant: number | undefined;
  port: number;
}

export interface UdpScrapeRequest {
  action: 'scrape';
  connectionId: Uint8Array;
  transactionId: number;
  infoHashes: Uint8Array[];
}

export type UdpRequest = UdpConnectRequest | UdpAnnounceRequest | UdpScrapeRequest;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** u64 as a number, clamped to 2^53 - 1 (amounts beyond that are meaningless). */
function u64(v: DataView, o: number): number {
  const hi = v.getUint32(o);
  const lo = v.getUint32(o + 4);
  return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
}

function setU64(v: DataView, o: number, n: number): void {
  const x = Math.max(0, Math.floor(n));
  v.setUint32(o, Math.floor(x / 0x100000000));
  v.setUint32(o + 4, x >>> 0);
}

/** Decodes a request datagram (server side). */
export function decodeUdpRequest(b: Uint8Array): UdpRequest {
  if (b.length < 16) throw new TrackerError(E.UdpTruncated, `packet of ${b.length} bytes is shorter than 16`);
  if (b.length > UDP_MAX_PACKET) throw new TrackerError(E.TooLarge, 'packet too large');
  const v = view(b);
  const action = v.getUint32(8);
  const transactionId = v.getUint32(12);
  if (action === UdpAction.Connect) {
    if (v.getBigUint64(0) !== UDP_PROTOCOL_ID) throw new TrackerError(E.UdpBadPacket, 'connect without the protocol id');
    return { action: 'connect', transactionId };
  }
  const connectionId = b.slice(0, 8);
  if (action === UdpAction.Announce) {
    if (b.length < 98) throw new TrackerError(E.UdpTruncated, `announce of ${b.length} bytes is shorter than 98`);
    const eventCode = v.getUint32(80);
    if (eventCode > 3) throw new TrackerError(E.BadEvent, 'unknown event');
    const ipNum = v.getUint32(84);
    const numwant = v.getInt32(92);
    return {
      action: 'announce',
      connectionId,
      transactionId,
      infoHash: b.slice(16, 36),
      peerId: b.slice(36, 56),
      downloaded: u64(v, 56),
      left: u64(v, 64),
      uploaded: u64(v, 72),
      event: EVENT_CODES[eventCode],
      ip: ipNum === 0 ? undefined : formatIPv4(b, 84),
      key: v.getUint32(88),
      numwant: numwant < 0 ? undefined : numwant,
      port: v.getUint16(96),
    };
  }
  if (action === UdpAction.Scrape) {
    const n = (b.length - 16) / 20;
    if (!Number.isInteger(n)) throw new TrackerError(E.UdpTruncated, 'scrape length is not 16 + 20n');
    if (n > UDP_MAX_SCRAPE_HASHES) throw new TrackerError(E.TooLarge, 'too many info hashes in one scrape');
    const infoHashes: Uint8Array[] = [];
    for (let i = 0; i < n; i++) infoHashes.push(b.slice(16 + i * 20, 36 + i * 20));
    return { action: 'scrape', connectionId, transactionId, infoHashes };
  }
  throw new TrackerError(E.UdpBadPacket, `unknown action ${action}`);
}

/** The transaction id of any datagram at least 16 bytes long (to address an error reply). */
export function udpTransactionId(b: Uint8Array): number | undefined {
  return b.length >= 16 ? view(b).getUint32(12) : undefined;
}

export function encodeUdpConnectResponse(transactionId: number, connectionId: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  const v = view(out);
  v.setUint32(0, UdpAction.Connect);
  v.setUint32(4, transactionId);
  out.set(connectionId.subarray(0, 8), 8);
  return out;
}

/** The 20-byte head of an announce response: action, transaction id, interval, leechers, seeders. */
function announceHeader(out: Uint8Array, transactionId: number, interval: number, leechers: number, seeders: number): void {
  const v = view(out);
  v.setUint32(0, UdpAction.Announce);
  v.setUint32(4, transactionId);
  v.setUint32(8, interval);
  v.setUint32(12, leechers);
  v.setUint32(16, seeders);
}

/**
 * Announce response; `peers` is pre-encoded compact bytes (6 per IPv4 peer, or 18 per IPv6 peer
 * when the request came over IPv6, as BEP 15 says).
 */
export function encodeUdpAnnounceResponse(
  transactionId: number,
  interval: number,
  leechers: number,
  seeders: number,
  peers: Uint8Array,
  /** Allocates the packet (see encodeUdpAnnounceResponseOf). */
  alloc: (bytes: number) => Uint8Array = (bytes) => new Uint8Array(bytes),
): Uint8Array {
  const out = alloc(20 + peers.length);
  announceHeader(out, transactionId, interval, leechers, seeders);
  out.set(peers, 20);
  return out;
}

/**
 * Announce response written straight from the peers in one allocation (the server's hot path):
 * IPv4 peers from their integer address when the store keeps it (`ipv4`), others from their
 * compact bytes, made from the textual address when missing. Peers of the other family (`size`:
 * 6 for an IPv4 request, 18 for IPv6, as BEP 15 says) or with an unusable address are skipped.
 */
export function encodeUdpAnnounceResponseOf(
  transactionId: number,
  interval: number,
  leechers: number,
  seeders: number,
  peers: readonly CompactSource[],
  size: 6 | 18,
  /** Allocates the packet; a server passes a pooled allocator (every answer is garbage at once). */
  alloc: (bytes: number) => Uint8Array = (bytes) => new Uint8Array(bytes),
): Uint8Array {
  // Room for every peer; the answer is cut to what was written (skipped peers are rare).
  const out = alloc(20 + peers.length * size);
  announceHeader(out, transactionId, interval, leechers, seeders);
  let o = 20;
  for (let i = 0; i < peers.length; i++) o = writeCompactPeer(out, o, peers[i], size);
  return o === out.length ? out : out.subarray(0, o);
}

export function encodeUdpScrapeResponse(transactionId: number, entries: readonly ScrapeEntry[]): Uint8Array {
  const out = new Uint8Array(8 + 12 * entries.length);
  const v = view(out);
  v.setUint32(0, UdpAction.Scrape);
  v.setUint32(4, transactionId);
  entries.forEach((e, i) => {
    v.setUint32(8 + i * 12, e.complete);
    v.setUint32(12 + i * 12, e.downloaded);
    v.setUint32(16 + i * 12, e.incomplete);
  });
  return out;
}

export function encodeUdpError(transactionId: number, message: string): Uint8Array {
  const msg = utf8Encode(message).subarray(0, 1024);
  const out = new Uint8Array(8 + msg.length);
  const v = view(out);
  v.setUint32(0, UdpAction.Error);
  v.setUint32(4, transactionId);
  out.set(msg, 8);
  return out;
}

// ---- client side ----

export function encodeUdpConnectRequest(transactionId: number): Uint8Array {
  const out = new Uint8Array(16);
  const v = view(out);
  v.setBigUint64(0, UDP_PROTOCOL_ID);
  v.setUint32(8, UdpAction.Connect);
  v.setUint32(12, transactionId);
  return out;
}

export interface UdpAnnounceInput {
  connectionId: Uint8Array;
  transactionId: number;
  infoHash: Uint8Array;
  peerId: Uint8Array;
  downloaded: number;
  left: number;
  uploaded: number;
  event: AnnounceEvent | undefined;
  key: number;
  numwant: number | undefined;
  port: number;
}

export function encodeUdpAnnounceRequest(a: UdpAnnounceInput): Uint8Array {
  const out = new Uint8Array(98);
  const v = view(out);
  out.set(a.connectionId.subarray(0, 8), 0);
  v.setUint32(8, UdpAction.Announce);
  v.setUint32(12, a.transactionId);
  out.set(a.infoHash, 16);
  out.set(a.peerId, 36);
  setU64(v, 56, a.downloaded);
  setU64(v, 64, a.left);
  setU64(v, 72, a.uploaded);
  v.setUint32(80, udpEventCode(a.event));
  v.setUint32(84, 0);
  v.setUint32(88, a.key >>> 0);
  v.setInt32(92, a.numwant === undefined ? -1 : a.numwant);
  v.setUint16(96, a.port);
  return out;
}

export function encodeUdpScrapeRequest(connectionId: Uint8Array, transactionId: number, infoHashes: readonly Uint8Array[]): Uint8Array {
  if (infoHashes.length > UDP_MAX_SCRAPE_HASHES) throw new TrackerError(E.TooLarge, 'too many info hashes in one scrape');
  const out = new Uint8Array(16 + 20 * infoHashes.length);
  const v = view(out);
  out.set(connectionId.subarray(0, 8), 0);
  v.setUint32(8, UdpAction.Scrape);
  v.setUint32(12, transactionId);
  infoHashes.forEach((h, i) => out.set(h, 16 + i * 20));
  return out;
}

export type UdpResponse =
  | { action: 'connect'; transactionId: number; connectionId: Uint8Array }
  | { action: 'announce'; transactionId: number; interval: number; leechers: number; seeders: number; peers: TrackerPeer[] }
  | { action: 'scrape'; transactionId: number; entries: { complete: number; downloaded: number; incomplete: number }[] }
  | { action: 'error'; transactionId: number; message: string };

/**
 * Decodes a response datagram (client side). `ipv6` says the request went over IPv6, so announce
 * peers are 18 bytes each (BEP 15).
 */
export function decodeUdpResponse(b: Uint8Array, ipv6 = false): UdpResponse {
  if (b.length < 8) throw new TrackerError(E.UdpTruncated, `response of ${b.length} bytes is shorter than 8`);
  if (b.length > 65536) throw new TrackerError(E.TooLarge, 'response too large');
  const v = view(b);
  const action = v.getUint32(0);
  const transactionId = v.getUint32(4);
  switch (action) {
    case UdpAction.Connect:
      if (b.length < 16) throw new TrackerError(E.UdpTruncated, 'connect response shorter than 16 bytes');
      return { action: 'connect', transactionId, connectionId: b.slice(8, 16) };
    case UdpAction.Announce: {
      if (b.length < 20) throw new TrackerError(E.UdpTruncated, 'announce response shorter than 20 bytes');
      const size = ipv6 ? 18 : 6;
      const usable = b.length - ((b.length - 20) % size);
      return {
        action: 'announce',
        transactionId,
        interval: v.getUint32(8),
        leechers: v.getUint32(12),
        seeders: v.getUint32(16),
        peers: decodeCompactPeers(b.subarray(20, usable), size),
      };
    }
    case UdpAction.Scrape: {
      const n = Math.floor((b.length - 8) / 12);
      const entries = [];
      for (let i = 0; i < n; i++) {
        entries.push({ complete: v.getUint32(8 + i * 12), downloaded: v.getUint32(12 + i * 12), incomplete: v.getUint32(16 + i * 12) });
      }
      return { action: 'scrape', transactionId, entries };
    }
    case UdpAction.Error:
      return { action: 'error', transactionId, message: utf8Decode(b.subarray(8, 8 + 1024)) };
    default:
      throw new TrackerError(E.UdpBadPacket, `unknown action ${action}`);
  }
}
