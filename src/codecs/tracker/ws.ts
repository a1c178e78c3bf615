/**
 * WebTorrent WebSocket tracker messages (the JSON format of the `bittorrent-tracker` package), both
 * directions. Ids (`info_hash`, `peer_id`, `offer_id`, `to_peer_id`) travel as binary strings:
 * one JS char per byte, 20 chars each. Browser peers send WebRTC offers through the tracker, which
 * relays each offer to one other peer of the swarm and relays the answer back.
 *
 *   client -> tracker  {action:'announce', info_hash, peer_id, uploaded, downloaded, left, event?,
 *                       numwant, offers?: [{offer:{type,sdp}, offer_id}]}
 *                      {action:'announce', info_hash, peer_id, to_peer_id, answer:{type,sdp}, offer_id}
 *                      {action:'scrape', info_hash: string | string[]}
 *   tracker -> client  {action:'announce', info_hash, interval, complete, incomplete}
 *                      {action:'announce', info_hash, peer_id, offer, offer_id}   (relayed offer)
 *                      {action:'announce', info_hash, peer_id, answer, offer_id}  (relayed answer)
 *                      {action:'scrape', files: {<info_hash>: {complete, incomplete, downloaded}}}
 *                      {'failure reason', info_hash?, action?}
 */
import { binaryToBytes, bytesToBinary } from '../../util/bytes.js';
import { TrackerError, TrackerErrorCode as E } from './errors.js';
import { MAX_AMOUNT } from './limits.js';
import type { AnnounceEvent, ScrapeEntry } from './types.js';

/** Largest WebSocket message accepted (an offer's SDP is a few KB; ten of them fit easily). */
export const WS_MAX_MESSAGE_BYTES = 64 * 1024;
/** Most offers relayed for one announce (bittorrent-tracker sends at most 10, its client 5). */
export const WS_MAX_OFFERS = 10;

export interface WsSignal {
  type: string;
  sdp: string;
}

export interface WsOffer {
  offer: WsSignal;
  /** 20 raw bytes as a binary string. */
  offerId: string;
}

export interface WsAnnounceMessage {
  action: 'announce';
  infoHash: Uint8Array;
  peerId: Uint8Array;
  uploaded: number;
  downloaded: number;
  /** Infinity when the client does not know (bittorrent-tracker's convention). */
  left: number;
  event: AnnounceEvent | undefined;
  numwant: number;
  offers: WsOffer[];
  /** An answer to relay to `toPeerId` for `offerId`. */
  answer: { signal: WsSignal; toPeerId: Uint8Array; offerId: string } | undefined;
}

export interface WsScrapeMessage {
  action: 'scrape';
  infoHashes: Uint8Array[];
}

export type WsMessage = WsAnnounceMessage | WsScrapeMessage;

function binId(v: unknown, name: string, code: typeof E.BadInfoHash | typeof E.BadPeerId | typeof E.BadMessage): Uint8Array {
  if (typeof v !== 'string' || v.length !== 20) throw new TrackerError(code, `${name} must be a 20-char binary string`);
  for (let i = 0; i < 20; i++) if (v.charCodeAt(i) > 0xff) throw new TrackerError(code, `${name} is not a binary string`);
  return binaryToBytes(v);
}

function amount(v: unknown, name: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_AMOUNT) throw new TrackerError(E.BadNumber, `${name} must be a non-negative integer`);
  return n;
}

function signal(v: unknown, name: string): WsSignal {
  if (typeof v !== 'object' || v === null) throw new TrackerError(E.BadMessage, `${name} must be an object`);
  const s = v as { type?: unknown; sdp?: unknown };
  if (typeof s.type !== 'string' || typeof s.sdp !== 'string' || s.type.length > 32) {
    throw new TrackerError(E.BadMessage, `${name} must have a type and an sdp`);
  }
  return { type: s.type, sdp: s.sdp };
}

const EVENTS = new Set(['started', 'completed', 'stopped', 'paused']);

/** Decodes one client message (server side); `text` is the WebSocket text frame. */
export function decodeWsMessage(text: string): WsMessage {
  if (text.length > WS_MAX_MESSAGE_BYTES) throw new TrackerError(E.TooLarge, 'message too large');
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new TrackerError(E.BadMessage, 'message is not JSON');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new TrackerError(E.BadMessage, 'message is not an object');
  const o = m as Record<string, unknown>;
  if (o.action === 'scrape') {
    const raw = o.info_hash === undefined ? [] : Array.isArray(o.info_hash) ? o.info_hash : [o.info_hash];
    if (raw.length > 100) throw new TrackerError(E.TooLarge, 'too many info hashes in one scrape');
    return { action: 'scrape', infoHashes: raw.map((h) => binId(h, 'info_hash', E.BadInfoHash)) };
  }
  if (o.action !== 'announce') throw new TrackerError(E.BadMessage, 'unknown action');
  const infoHash = binId(o.info_hash, 'info_hash', E.BadInfoHash);
  const peerId = binId(o.peer_id, 'peer_id', E.BadPeerId);
  let event: AnnounceEvent | undefined;
  if (o.event !== undefined && o.event !== null && o.event !== '' && o.event !== 'update') {
    if (typeof o.event !== 'string' || !EVENTS.has(o.event)) throw new TrackerError(E.BadEvent, 'unknown event');
    event = o.event as AnnounceEvent;
  }
  const offers: WsOffer[] = [];
  if (o.offers !== undefined) {
    if (!Array.isArray(o.offers)) throw new TrackerError(E.BadMessage, 'offers must be a list');
    for (const item of o.offers.slice(0, WS_MAX_OFFERS)) {
      if (typeof item !== 'object' || item === null) throw new TrackerError(E.BadMessage, 'offer must be an object');
      const it = item as { offer?: unknown; offer_id?: unknown };
      offers.push({ offer: signal(it.offer, 'offer'), offerId: bytesToBinary(binId(it.offer_id, 'offer_id', E.BadMessage)) });
    }
  }
  let answer: WsAnnounceMessage['answer'];
  if (o.answer !== undefined) {
    answer = {
      signal: signal(o.answer, 'answer'),
      toPeerId: binId(o.to_peer_id, 'to_peer_id', E.BadPeerId),
      offerId: bytesToBinary(binId(o.offer_id, 'offer_id', E.BadMessage)),
    };
  }
  const left = o.left === undefined || o.left === null || (typeof o.left === 'number' && !Number.isFinite(o.left)) ? Number.POSITIVE_INFINITY : amount(o.left, 'left');
  return {
    action: 'announce',
    infoHash,
    peerId,
    uploaded: amount(o.uploaded, 'uploaded'),
    downloaded: amount(o.downloaded, 'downloaded'),
    left,
    event,
    numwant: offers.length,
    offers,
    answer,
  };
}

// ---- tracker -> client ----

export function encodeWsAnnounceResponse(r: { infoHash: Uint8Array; interval: number; complete: number; incomplete: number }): string {
  return JSON.stringify({
    action: 'announce',
    interval: r.interval,
    info_hash: bytesToBinary(r.infoHash),
    complete: r.complete,
    incomplete: r.incomplete,
  });
}

export function encodeWsOffer(infoHash: Uint8Array, fromPeerId: Uint8Array, offer: WsOffer): string {
  return JSON.stringify({
    action: 'announce',
    offer: offer.offer,
    offer_id: offer.offerId,
    peer_id: bytesToBinary(fromPeerId),
    info_hash: bytesToBinary(infoHash),
  });
}

export function encodeWsAnswer(infoHash: Uint8Array, fromPeerId: Uint8Array, answer: WsSignal, offerId: string): string {
  return JSON.stringify({
    action: 'announce',
    answer,
    offer_id: offerId,
    peer_id: bytesToBinary(fromPeerId),
    info_hash: bytesToBinary(infoHash),
  });
}

export function encodeWsScrapeResponse(entries: readonly ScrapeEntry[]): string {
  const files: Record<string, { complete: number; incomplete: number; downloaded: number }> = {};
  for (const e of entries) files[bytesToBinary(e.infoHash)] = { complete: e.complete, incomplete: e.incomplete, downloaded: e.downloaded };
  return JSON.stringify({ action: 'scrape', files });
}

export function encodeWsFailure(reason: string, action?: 'announce' | 'scrape', infoHash?: Uint8Array): string {
  return JSON.stringify({ action, 'failure reason': reason, info_hash: infoHash ? bytesToBinary(infoHash) : undefined });
}
