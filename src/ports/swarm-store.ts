/**
 * SwarmStore: where a tracker keeps its swarms (memory, SQLite, Redis). One call per announce does
 * the update and the peer selection together, so a networked store needs one round trip.
 *
 * Invariants every store keeps (checked by the compliance suite in
 * src/adapters/testing/swarm-store-compliance.ts):
 * - a peer is identified by (info hash, peer id); re-announcing replaces its address and state;
 * - `stopped` removes the peer and returns no peers;
 * - a download is counted once per peer: a `completed` event from a peer that was not seeding,
 *   or a known leecher reporting left = 0 (also in `stopped`: some clients never send `completed`);
 * - smart peer lists: a seeder is never sent seeders; a leecher gets seeders first, then leechers;
 *   a peer is never sent itself; at most `numwant` peers, only of the requested address family;
 * - peers not seen for `ttlMs` disappear (from counts and lists) once `expire(now)` runs past it;
 * - `downloaded` (completed count) survives peers leaving.
 */
import type { AnnounceEvent, ScrapeEntry } from '../codecs/tracker/types.js';

export interface StoredPeer {
  /** 20 bytes. */
  peerId: Uint8Array;
  /** Textual IPv4 or IPv6 address. */
  ip: string;
  port: number;
  /**
   * The IPv4 address as a 32-bit integer (its bytes big-endian, signed), when the store keeps it
   * ready: compact peer lists are written from it and `port` (see codecs/tracker/ip.ts).
   */
  readonly ipv4?: number;
  /** BEP 23/7 compact form (6 or 18 bytes), when the store keeps it ready. */
  readonly compact?: Uint8Array;
}

export interface SwarmAnnounce {
  infoHash: Uint8Array;
  peer: StoredPeer;
  /** Bytes left; 0 makes the peer a seeder. */
  left: number;
  event: AnnounceEvent | undefined;
  /** Peers wanted (already capped by the server). */
  numwant: number;
  /** Which address family to return: a UDP client over IPv4 cannot use IPv6 peers. */
  family: 'IPv4' | 'IPv6' | 'any';
  /** Current wall time, ms. */
  now: number;
  /** The peer expires `ttlMs` after `now` unless it announces again. */
  ttlMs: number;
}

export interface SwarmAnnounceResult {
  complete: number;
  incomplete: number;
  downloaded: number;
  peers: StoredPeer[];
  /**
   * When the store keeps compact forms ready (only from `announceSync`): the BEP 23 bytes of the
   * IPv4 peers among `peers`, in their order, and the BEP 7 bytes of the IPv6 ones (undefined
   * when there are none), which the encoders write as they are. They may be views of the store's
   * own buffers, valid until its next announce: read them before that.
   */
  peers4?: Uint8Array;
  peers6?: Uint8Array;
}

/** A result without its compact lists, for an answer that leaves through a promise (see SwarmAnnounceResult.peers4). */
export function withoutCompactLists(r: SwarmAnnounceResult): SwarmAnnounceResult {
  return { complete: r.complete, incomplete: r.incomplete, downloaded: r.downloaded, peers: r.peers };
}

export interface SwarmTotals {
  torrents: number;
  seeders: number;
  leechers: number;
  /** Sum of completed downloads over all swarms. */
  completed: number;
}

export interface SwarmStore {
  announce(a: SwarmAnnounce): Promise<SwarmAnnounceResult>;
  /**
   * The same as `announce`, answered at once: stores that hold their swarms in this process
   * (memory, SQLite) provide it so that a server spends no promise per announce. Its peers
   * always carry `ipv4` or `compact`.
   */
  announceSync?(a: SwarmAnnounce): SwarmAnnounceResult;
  /** Counts for each hash, in order; unknown hashes give zeros. */
  scrape(infoHashes: readonly Uint8Array[], now: number): Promise<ScrapeEntry[]>;
  /** Removes peers whose expiry is at or before `now`; resolves to how many were removed. */
  expire(now: number): Promise<number>;
  totals(now: number): Promise<SwarmTotals>;
  /** Writes anything buffered and releases resources; idempotent. */
  close(): Promise<void>;
}
