/**
 * ut_pex (BEP 11): peer exchange. A bencoded dictionary with `added` / `added6` (compact peers),
 * `added.f` / `added6.f` (one flag byte per added peer), `dropped` / `dropped6`. Decoded peers
 * of both families come back in one list each for added and dropped.
 *
 * Limits: BEP 11 says that, except for the first message, added and dropped "should not exceed
 * 50 entries"; we refuse more than `maxPeers` (default 200, room for a generous first message)
 * per list, so a hostile peer cannot flood the peer store. Compact strings whose length is not a
 * multiple of the entry size are refused. Missing flag bytes count as 0; duplicates are dropped.
 */
import { type BDict, type BEncodable, type BValue, decode, encode } from '../bencode/index.js';
import { decodeCompactPeers, encodeCompactPeers, type PeerAddress } from './compact.js';
import { WireError, WireErrorCode } from './errors.js';

export const UT_PEX = 'ut_pex';

/** BEP 11 flag bits of `added.f`. */
export const PexFlags = {
  PrefersEncryption: 0x01,
  /** A seed or upload-only peer. */
  Seed: 0x02,
  Utp: 0x04,
  Holepunch: 0x08,
  /** We connected out to it: it is reachable. */
  Reachable: 0x10,
} as const;

export interface PexPeer extends PeerAddress {
  flags: number;
}

export interface PexMessage {
  added: PexPeer[];
  dropped: PeerAddress[];
}

export const DEFAULT_MAX_PEX_PEERS = 200;

const bad = (msg: string): WireError => new WireError(WireErrorCode.BadPexMessage, msg);

function split<T extends PeerAddress>(peers: readonly T[]): { v4: T[]; v6: T[] } {
  const v4: T[] = [];
  const v6: T[] = [];
  for (const p of peers) (p.host.includes(':') ? v6 : v4).push(p);
  return { v4, v6 };
}

function compact(peers: readonly PeerAddress[], len: 4 | 16): Uint8Array {
  const out = encodeCompactPeers(peers, len);
  if (!out) throw new WireError(WireErrorCode.BadArgument, 'ut_pex peer is not an IP literal with a valid port');
  return out;
}

/** The extended message payload (without the BEP 10 header). */
export function encodePexMessage(m: PexMessage): Uint8Array {
  const added = split(m.added);
  const dropped = split(m.dropped);
  const d: Record<string, BEncodable> = {};
  if (added.v4.length) {
    d.added = compact(added.v4, 4);
    d['added.f'] = Uint8Array.from(added.v4, (p) => p.flags & 0xff);
  }
  if (added.v6.length) {
    d.added6 = compact(added.v6, 16);
    d['added6.f'] = Uint8Array.from(added.v6, (p) => p.flags & 0xff);
  }
  if (dropped.v4.length) d.dropped = compact(dropped.v4, 4);
  if (dropped.v6.length) d.dropped6 = compact(dropped.v6, 16);
  return encode(d);
}

function peersOf(d: BDict, key: string, len: 4 | 16): PeerAddress[] {
  const v: BValue | undefined = d[key];
  if (v === undefined) return [];
  if (!(v instanceof Uint8Array)) throw bad(`ut_pex '${key}' is not a byte string`);
  const peers = decodeCompactPeers(v, len);
  if (!peers) throw bad(`ut_pex '${key}' has ${v.length} bytes, not a multiple of ${len + 2}`);
  return peers;
}

function flagsOf(d: BDict, key: string): Uint8Array {
  const v = d[key];
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

export function decodePexMessage(payload: Uint8Array, limits: { maxPeers?: number } = {}): PexMessage {
  const max = limits.maxPeers ?? DEFAULT_MAX_PEX_PEERS;
  // Each compact IPv4 entry is 6 bytes: refuse before decoding anything a hostile peer names.
  if (payload.length > (max * 2 * 18 + max * 2 + 256)) throw bad(`ut_pex message of ${payload.length} bytes is over the limit`);
  let d: BValue;
  try {
    d = decode(payload, { maxDepth: 4, maxTokens: 1000 });
  } catch (err) {
    throw bad(`ut_pex message is not bencoded: ${(err as Error).message}`);
  }
  if (typeof d !== 'object' || d === null || d instanceof Uint8Array || Array.isArray(d)) throw bad('ut_pex message is not a dictionary');
  const a4 = peersOf(d, 'added', 4);
  const a6 = peersOf(d, 'added6', 16);
  const d4 = peersOf(d, 'dropped', 4);
  const d6 = peersOf(d, 'dropped6', 16);
  if (a4.length + a6.length > max) throw bad(`ut_pex adds ${a4.length + a6.length} peers, more than ${max}`);
  if (d4.length + d6.length > max) throw bad(`ut_pex drops ${d4.length + d6.length} peers, more than ${max}`);
  const f4 = flagsOf(d, 'added.f');
  const f6 = flagsOf(d, 'added6.f');
  const seen = new Set<string>();
  const added: PexPeer[] = [];
  const push = (list: PeerAddress[], flags: Uint8Array): void => {
    list.forEach((p, i) => {
      const key = `${p.host}|${p.port}`;
      if (seen.has(key)) return;
      seen.add(key);
      added.push({ ...p, flags: flags[i] ?? 0 });
    });
  };
  push(a4, f4);
  push(a6, f6);
  const droppedSeen = new Set<string>();
  const dropped = [...d4, ...d6].filter((p) => {
    const key = `${p.host}|${p.port}`;
    if (droppedSeen.has(key)) return false;
    droppedSeen.add(key);
    return true;
  });
  return { added, dropped };
}
