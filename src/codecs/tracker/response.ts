/**
 * Bencoded HTTP tracker responses (BEP 3), both directions: announce (`interval`, `min interval`,
 * `tracker id`, `complete`, `incomplete`, `warning message`, peers as a compact string (BEP 23) or
 * a list of dictionaries, `peers6` (BEP 7)), scrape (BEP 48 `files`), and `failure reason`.
 */
import { type BDict, type BValue, decode, encode } from '../bencode/index.js';
import { BencodeError } from '../bencode/errors.js';
import { binaryToBytes, bytesToBinary, concatBytes, utf8Decode, utf8Encode } from '../../util/bytes.js';
import { TrackerError, TrackerErrorCode as E } from './errors.js';
import { type CompactSource, compactPeer, formatIPv4, formatIPv6, writeCompactPeer } from './ip.js';
import type { AnnounceResult, ScrapeEntry, TrackerPeer } from './types.js';

/** Largest response body a client accepts (a 10,000-peer compact list is 60 KB). */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface AnnounceResponseInput {
  interval: number;
  minInterval?: number;
  trackerId?: string;
  complete: number;
  incomplete: number;
  warning?: string;
  /** IPv4 and IPv6 peers; in compact form IPv4 goes to `peers` and IPv6 to `peers6`. */
  peers: readonly (TrackerPeer & CompactSource)[];
  /**
   * The compact forms of `peers` when the caller has them ready (IPv4 and IPv6 lists, see
   * SwarmAnnounceResult.peers4): a compact answer writes these instead of each peer.
   */
  peers4?: Uint8Array;
  peers6?: Uint8Array;
  compact: boolean;
  noPeerId?: boolean;
}

/** Writes ASCII text at `o`; returns the offset after it. */
function putAscii(out: Uint8Array, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
  return o;
}

/** Writes a byte string's ASCII head (its key and length) and its bytes at `o`; returns the offset after them. */
function putString(out: Uint8Array, o: number, head: string, bytes: Uint8Array): number {
  o = putAscii(out, o, head);
  out.set(bytes, o);
  return o + bytes.length;
}

/**
 * A compact announce response written straight into one buffer, keys in the canonical (sorted)
 * order the bencode encoder gives them; the same bytes as `encode` of the dictionary, which a
 * test checks. Every HTTP announce is answered through here.
 */
function encodeCompactAnnounce(r: AnnounceResponseInput, peers4: Uint8Array, peers6: Uint8Array | undefined, alloc: (length: number) => Uint8Array): Uint8Array {
  let head = `d8:completei${r.complete}e10:incompletei${r.incomplete}e8:intervali${r.interval}e`;
  if (r.minInterval !== undefined) head += `12:min intervali${r.minInterval}e`;
  head += `5:peers${peers4.length}:`;
  const head6 = peers6 ? `6:peers6${peers6.length}:` : '';
  const tid = r.trackerId === undefined ? undefined : utf8Encode(r.trackerId);
  const tidHead = tid ? `10:tracker id${tid.length}:` : '';
  const warning = r.warning === undefined ? undefined : utf8Encode(r.warning);
  const warningHead = warning ? `15:warning message${warning.length}:` : '';
  const out = alloc(
    head.length + peers4.length + head6.length + (peers6?.length ?? 0) + tidHead.length + (tid?.length ?? 0) + warningHead.length + (warning?.length ?? 0) + 1,
  );
  let o = putString(out, 0, head, peers4);
  if (peers6) o = putString(out, o, head6, peers6);
  if (tid) o = putString(out, o, tidHead, tid);
  if (warning) o = putString(out, o, warningHead, warning);
  out[o] = 0x65; // e
  return out;
}

/** The IPv4 peers of the compact answer being written (answers are written one at a time). */
let scratch4 = new Uint8Array(6 * 64);

/**
 * The IPv4 list (a view of scratch4) and the IPv6 list of `peers`, in one pass: IPv4 peers from
 * their integer address when the store keeps it, IPv6 ones from their compact bytes.
 */
function compactLists(peers: readonly (TrackerPeer & CompactSource)[]): [Uint8Array, Uint8Array | undefined] {
  if (scratch4.length < peers.length * 6) scratch4 = new Uint8Array(peers.length * 12);
  const v4 = scratch4;
  let o = 0;
  const v6: Uint8Array[] = [];
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i];
    const next = writeCompactPeer(v4, o, p, 6);
    if (next !== o) {
      o = next;
      continue;
    }
    const c = p.compact ?? compactPeer(p.ip, p.port);
    if (c?.length === 18) v6.push(c);
  }
  return [v4.subarray(0, o), v6.length > 0 ? concatBytes(v6) : undefined];
}

const newBytes = (length: number) => new Uint8Array(length);

/**
 * Encodes an announce response (server side). `alloc` gives the buffer of a compact answer (a
 * server can hand one from a pool, with room for its own headers in front).
 */
export function encodeAnnounceResponse(r: AnnounceResponseInput, alloc: (length: number) => Uint8Array = newBytes): Uint8Array {
  const dict: Record<string, BValue | string | undefined> = {};
  if (r.compact) {
    let peers4 = r.peers4;
    let peers6 = r.peers6;
    if (!peers4) [peers4, peers6] = compactLists(r.peers);
    const integers = Number.isSafeInteger(r.complete) && Number.isSafeInteger(r.incomplete) && Number.isSafeInteger(r.interval);
    if (integers && (r.minInterval === undefined || Number.isSafeInteger(r.minInterval))) return encodeCompactAnnounce(r, peers4, peers6, alloc);
    dict.peers = peers4;
    if (peers6) dict.peers6 = peers6;
  } else {
    dict.peers = r.peers.map((p) => {
      const d: BDict = Object.create(null);
      d.ip = new TextEncoder().encode(p.ip);
      d.port = p.port;
      if (!r.noPeerId && p.peerId) d['peer id'] = p.peerId;
      return d;
    });
  }
  dict.interval = r.interval;
  dict['min interval'] = r.minInterval;
  dict['tracker id'] = r.trackerId;
  dict.complete = r.complete;
  dict.incomplete = r.incomplete;
  dict['warning message'] = r.warning;
  return encode(dict as Record<string, BValue | string | undefined>);
}

/** Encodes a `failure reason` response. */
export function encodeFailure(reason: string, retryIn?: number): Uint8Array {
  return encode({ 'failure reason': reason, 'retry in': retryIn });
}

/** Encodes a BEP 48 scrape response: `files` keyed by the raw 20-byte info hash. */
export function encodeScrapeResponse(entries: readonly ScrapeEntry[]): Uint8Array {
  const files: Record<string, BDict> = Object.create(null);
  for (const e of entries) {
    files[bytesToBinary(e.infoHash)] = { complete: e.complete, downloaded: e.downloaded, incomplete: e.incomplete } as unknown as BDict;
  }
  return encode({ files });
}

function decodeDict(body: Uint8Array): BDict {
  if (body.length > MAX_RESPONSE_BYTES) throw new TrackerError(E.TooLarge, 'tracker response too large');
  let v: BValue;
  try {
    v = decode(body, { maxDepth: 8, maxTokens: 200_000 });
  } catch (err) {
    if (err instanceof BencodeError) throw new TrackerError(E.BadResponse, `tracker response is not bencode: ${err.message}`, { cause: err });
    throw err;
  }
  if (typeof v !== 'object' || v instanceof Uint8Array || Array.isArray(v) || typeof v === 'bigint') {
    throw new TrackerError(E.BadResponse, 'tracker response is not a dictionary');
  }
  return v as BDict;
}

function text(v: BValue | undefined): string | undefined {
  return v instanceof Uint8Array ? utf8Decode(v) : undefined;
}

function int(v: BValue | undefined, name: string, max = 2 ** 31 - 1): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || v < 0 || v > max) throw new TrackerError(E.BadResponse, `${name} is not a valid integer`);
  return v;
}

/** Reads compact peers: `size` = 6 (IPv4) or 18 (IPv6) bytes each. */
export function decodeCompactPeers(b: Uint8Array, size: 6 | 18): TrackerPeer[] {
  if (b.length % size !== 0) throw new TrackerError(E.BadResponse, `compact peer list length ${b.length} is not a multiple of ${size}`);
  const out: TrackerPeer[] = [];
  for (let o = 0; o < b.length; o += size) {
    const ip = size === 6 ? formatIPv4(b, o) : formatIPv6(b, o);
    const port = (b[o + size - 2] << 8) | b[o + size - 1];
    out.push({ ip, port });
  }
  return out;
}

function decodePeerList(v: BValue): TrackerPeer[] {
  if (v instanceof Uint8Array) return decodeCompactPeers(v, 6);
  if (!Array.isArray(v)) throw new TrackerError(E.BadResponse, 'peers is neither a string nor a list');
  const out: TrackerPeer[] = [];
  for (const item of v) {
    if (typeof item !== 'object' || item instanceof Uint8Array || Array.isArray(item) || typeof item === 'bigint') continue;
    const d = item as BDict;
    const ip = text(d.ip);
    const port = d.port;
    if (ip === undefined || typeof port !== 'number' || port < 1 || port > 65535) continue;
    const peerId = d['peer id'];
    out.push(peerId instanceof Uint8Array && peerId.length === 20 ? { ip, port, peerId } : { ip, port });
  }
  return out;
}

/**
 * Decodes an announce response (client side). A `failure reason` becomes a thrown TrackerError
 * with code BT_ERR_TRACKER_FAILURE and the tracker's text as `reason`.
 */
export function decodeAnnounceResponse(body: Uint8Array): AnnounceResult {
  const d = decodeDict(body);
  const failure = text(d['failure reason']);
  if (failure !== undefined) throw new TrackerError(E.Failure, failure);
  const interval = int(d.interval, 'interval');
  if (interval === undefined) throw new TrackerError(E.BadResponse, 'announce response without interval');
  const peers = d.peers === undefined ? [] : decodePeerList(d.peers);
  const p6 = d.peers6;
  if (p6 instanceof Uint8Array) peers.push(...decodeCompactPeers(p6, 18));
  const trackerId = d['tracker id'];
  return {
    interval,
    minInterval: int(d['min interval'], 'min interval'),
    trackerId: trackerId instanceof Uint8Array ? bytesToBinary(trackerId) : undefined,
    complete: int(d.complete, 'complete'),
    incomplete: int(d.incomplete, 'incomplete'),
    warning: text(d['warning message']),
    peers,
  };
}

/** Decodes a scrape response (client side); entries come back in the response's order. */
export function decodeScrapeResponse(body: Uint8Array): ScrapeEntry[] {
  const d = decodeDict(body);
  const failure = text(d['failure reason']);
  if (failure !== undefined) throw new TrackerError(E.Failure, failure);
  const files = d.files;
  if (typeof files !== 'object' || files instanceof Uint8Array || Array.isArray(files) || typeof files === 'bigint') {
    throw new TrackerError(E.BadResponse, 'scrape response without files');
  }
  const out: ScrapeEntry[] = [];
  for (const key of Object.keys(files)) {
    if (key.length !== 20) continue;
    const f = (files as BDict)[key];
    if (typeof f !== 'object' || f instanceof Uint8Array || Array.isArray(f) || typeof f === 'bigint') continue;
    const e = f as BDict;
    out.push({
      infoHash: binaryToBytes(key),
      complete: int(e.complete, 'complete') ?? 0,
      downloaded: int(e.downloaded, 'downloaded') ?? 0,
      incomplete: int(e.incomplete, 'incomplete') ?? 0,
    });
  }
  return out;
}
