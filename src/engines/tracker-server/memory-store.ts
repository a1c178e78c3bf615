/**
 * The in-memory SwarmStore: the fastest store, and the reference the others are checked against.
 * Swarms are keyed by the info hash as a binary string; each swarm keeps its peers in a Map by
 * peer id (binary string) plus the seeder count, so counts are O(1) and a peer list is one pass
 * over seeder and leecher lists (starting at a random offset so every peer gets handed out).
 */
import { compactPeer, ipv4ToInt, writeCompactIPv4 } from '../../codecs/tracker/ip.js';
import type { ScrapeEntry } from '../../codecs/tracker/types.js';
import type { Rng } from '../../ports/rng.js';
import { type StoredPeer, type SwarmAnnounce, type SwarmAnnounceResult, type SwarmStore, type SwarmTotals, withoutCompactLists } from '../../ports/swarm-store.js';
import { binaryToBytes, bytesToBinary } from '../../util/bytes.js';

/**
 * One peer. The peer id is kept only as the binary string that also keys the swarm's map (a
 * string costs far less than a Uint8Array with its own buffer); `peerId` rebuilds the bytes for
 * the rare dictionary-style response. What every announce reads of the peers it hands out (expiry,
 * family, compact form) lives in its list's arrays instead (see PeerList).
 */
class Peer implements StoredPeer {
  constructor(
    readonly id: string,
    public ip: string,
    public port: number,
    public seeder: boolean,
    /** Index in its swarm's seeder or leecher list (swap-remove keeps removal O(1)). */
    public slot: number,
  ) {
    this.ipv4 = ipv4ToInt(ip);
    this.compact = this.ipv4 === undefined ? compactPeer(ip, port) : undefined;
  }

  /** An IPv4 peer's address as an integer; an IPv6 peer keeps its 18 compact bytes (BEP 7). */
  ipv4: number | undefined;
  compact: Uint8Array | undefined;

  get peerId(): Uint8Array {
    return binaryToBytes(this.id);
  }

  /** Takes a new address; false when it is the same. */
  move(ip: string, port: number): boolean {
    if (ip === this.ip && port === this.port) return false;
    this.ip = ip;
    this.port = port;
    this.ipv4 = ipv4ToInt(ip);
    this.compact = this.ipv4 === undefined ? compactPeer(ip, port) : undefined;
    return true;
  }
}

/** Bytes per slot of PeerList.info: the peer's kind, then an IPv4 peer's 6 compact bytes (BEP 23). */
const SLOT = 7;
/** Kinds: an IPv4 peer; an IPv6 peer (its compact form on its object); a textual address without a compact form. */
const IPV4 = 0;
const IPV6 = 1;
const UNUSABLE = 2;

/**
 * A swarm's seeders or leechers. An announce hands out up to numwant of them, and reading a
 * field of each peer's object would be a cache miss per peer (the objects lie wherever the heap
 * put them): the fields it needs sit in two arrays indexed by slot instead, so a peer list is a
 * pass over contiguous bytes, written out as they are.
 */
class PeerList {
  readonly peers: Peer[] = [];
  expires = new Float64Array(2);
  info = new Uint8Array(2 * SLOT);

  get length(): number {
    return this.peers.length;
  }

  add(p: Peer, expiresAt: number): void {
    const slot = this.peers.length;
    if (slot === this.expires.length) this.grow();
    p.slot = slot;
    this.peers.push(p);
    this.expires[slot] = expiresAt;
    this.write(p);
  }

  remove(p: Peer): void {
    const last = this.peers.pop()!;
    if (last === p) return;
    const to = p.slot;
    this.peers[to] = last;
    this.expires[to] = this.expires[last.slot];
    this.info.copyWithin(to * SLOT, last.slot * SLOT, last.slot * SLOT + SLOT);
    last.slot = to;
  }

  /** A peer announced again: its new expiry, and its compact form when its address changed. */
  refresh(p: Peer, expiresAt: number, moved: boolean): void {
    this.expires[p.slot] = expiresAt;
    if (moved) this.write(p);
  }

  /** Writes a peer's kind and compact IPv4 form at its slot (after add and after a move). */
  private write(p: Peer): void {
    const o = p.slot * SLOT;
    const info = this.info;
    if (p.ipv4 !== undefined) {
      info[o] = IPV4;
      writeCompactIPv4(info, o + 1, p.ipv4, p.port);
    } else info[o] = p.ip.includes(':') ? IPV6 : UNUSABLE;
  }

  private grow(): void {
    const expires = new Float64Array(this.expires.length * 2);
    expires.set(this.expires);
    const info = new Uint8Array(this.info.length * 2);
    info.set(this.info);
    this.expires = expires;
    this.info = info;
  }
}

interface Swarm {
  peers: Map<string, Peer>;
  seeds: PeerList;
  leeches: PeerList;
  downloaded: number;
}

function listOf(swarm: Swarm, seeder: boolean): PeerList {
  return seeder ? swarm.seeds : swarm.leeches;
}

export class MemorySwarmStore implements SwarmStore {
  private readonly swarms = new Map<string, Swarm>();
  /** The compact peer lists of the announce being answered (see SwarmAnnounceResult.peers4). */
  private out4 = new Uint8Array(6 * 64);
  private out6 = new Uint8Array(18 * 8);
  private o4 = 0;
  private o6 = 0;

  constructor(private readonly deps: { rng: Rng }) {}

  async announce(a: SwarmAnnounce): Promise<SwarmAnnounceResult> {
    return withoutCompactLists(this.announceSync(a));
  }

  /** The synchronous core of `announce` (the HTTP and UDP servers call it without a promise when they can). */
  announceSync(a: SwarmAnnounce): SwarmAnnounceResult {
    const key = bytesToBinary(a.infoHash);
    let swarm = this.swarms.get(key);
    const id = bytesToBinary(a.peer.peerId);
    if (a.event === 'stopped') {
      if (!swarm) return { complete: 0, incomplete: 0, downloaded: 0, peers: [] };
      const old = swarm.peers.get(id);
      if (old) {
        // A leecher that leaves with nothing left finished (aria2 sends `stopped`, not `completed`).
        if (!old.seeder && a.left === 0) swarm.downloaded++;
        this.remove(swarm, id, old);
      }
      return { complete: swarm.seeds.length, incomplete: swarm.leeches.length, downloaded: swarm.downloaded, peers: [] };
    }
    if (!swarm) swarm = this.swarmFor(key);
    const seeder = a.left === 0;
    let self = swarm.peers.get(id);
    const expiresAt = a.now + a.ttlMs;
    // A download counts once: a `completed` event from a peer not yet seeding, or a known
    // leecher that reports nothing left (clients differ in whether they send `completed`).
    if ((a.event === 'completed' && (!self || !self.seeder)) || (self && !self.seeder && seeder)) swarm.downloaded++;
    if (self) {
      const moved = self.move(a.peer.ip, a.peer.port);
      if (self.seeder !== seeder) {
        listOf(swarm, self.seeder).remove(self);
        self.seeder = seeder;
        listOf(swarm, seeder).add(self, expiresAt);
      } else listOf(swarm, seeder).refresh(self, expiresAt, moved);
    } else {
      self = new Peer(id, a.peer.ip, a.peer.port, seeder, 0);
      swarm.peers.set(id, self);
      listOf(swarm, seeder).add(self, expiresAt);
    }
    const peers = this.select(swarm, self, a);
    return {
      complete: swarm.seeds.length,
      incomplete: swarm.leeches.length,
      downloaded: swarm.downloaded,
      peers,
      peers4: this.out4.subarray(0, this.o4),
      peers6: this.o6 > 0 ? this.out6.subarray(0, this.o6) : undefined,
    };
  }

  private remove(swarm: Swarm, id: string, p: Peer): void {
    swarm.peers.delete(id);
    listOf(swarm, p.seeder).remove(p);
  }

  private select(swarm: Swarm, self: Peer, a: SwarmAnnounce): StoredPeer[] {
    const want = a.numwant;
    const out: Peer[] = [];
    this.o4 = 0;
    this.o6 = 0;
    if (want <= 0 || swarm.peers.size <= 1) return out;
    if (this.out4.length < want * 6) this.out4 = new Uint8Array(want * 6);
    // BEP 3 leaves the choice to the tracker: a seeder gains nothing from seeders, so it gets
    // leechers only; a leecher gets seeders first (they have every piece), then leechers.
    if (!self.seeder && swarm.seeds.length > 0) this.pick(swarm.seeds, want, this.deps.rng.int(swarm.seeds.length), -1, a.now, a.family, out);
    if (swarm.leeches.length > 0) this.pick(swarm.leeches, want, this.deps.rng.int(swarm.leeches.length), self.seeder ? -1 : self.slot, a.now, a.family, out);
    return out;
  }

  /**
   * Adds up to `want` peers of `list` to `out`, starting at slot `start` and wrapping: not the
   * slot `skip` (the announcing peer), not expired at `now`, of the requested address family, and
   * writes their compact forms to out4 / out6. Every announce runs it, over up to numwant peers of
   * a swarm that may hold thousands: a plain loop over the list's arrays, no callback, and only an
   * IPv6 peer's object is read.
   */
  private pick(list: PeerList, want: number, start: number, skip: number, now: number, family: 'any' | 'IPv4' | 'IPv6', out: Peer[]): void {
    const n = list.length;
    const { expires, info, peers } = list;
    const out4 = this.out4;
    let o4 = this.o4;
    let k = start;
    for (let i = 0; i < n && out.length < want; i++) {
      const s = k;
      if (++k === n) k = 0;
      if (s === skip || expires[s] <= now) continue;
      const b = s * SLOT;
      const kind = info[b];
      if (family !== 'any' && (kind === IPV6) !== (family === 'IPv6')) continue;
      const p = peers[s];
      out.push(p);
      if (kind !== IPV4) {
        // Only in the dictionary form when it has no compact one (as the encoders skip it).
        if (p.compact?.length === 18) this.put6(p.compact);
        continue;
      }
      out4[o4] = info[b + 1];
      out4[o4 + 1] = info[b + 2];
      out4[o4 + 2] = info[b + 3];
      out4[o4 + 3] = info[b + 4];
      out4[o4 + 4] = info[b + 5];
      out4[o4 + 5] = info[b + 6];
      o4 += 6;
    }
    this.o4 = o4;
  }

  private put6(c: Uint8Array): void {
    if (this.o6 + c.length > this.out6.length) {
      const grown = new Uint8Array(this.out6.length * 2);
      grown.set(this.out6.subarray(0, this.o6));
      this.out6 = grown;
    }
    this.out6.set(c, this.o6);
    this.o6 += c.length;
  }

  /** Puts a peer back as it was saved (stores that persist load their state through this). */
  restorePeer(infoHash: Uint8Array, peer: StoredPeer, seeder: boolean, expiresAt: number): void {
    const key = bytesToBinary(infoHash);
    const swarm = this.swarmFor(key);
    const id = bytesToBinary(peer.peerId);
    const old = swarm.peers.get(id);
    if (old) this.remove(swarm, id, old);
    const p = new Peer(id, peer.ip, peer.port, seeder, 0);
    swarm.peers.set(id, p);
    listOf(swarm, seeder).add(p, expiresAt);
  }

  /** A swarm's completed count (0 for unknown swarms). */
  downloadedOf(infoHash: Uint8Array): number {
    return this.swarms.get(bytesToBinary(infoHash))?.downloaded ?? 0;
  }

  /** Sets a swarm's completed count as it was saved. */
  restoreDownloaded(infoHash: Uint8Array, downloaded: number): void {
    this.swarmFor(bytesToBinary(infoHash)).downloaded = downloaded;
  }

  private swarmFor(key: string): Swarm {
    let swarm = this.swarms.get(key);
    if (!swarm) {
      swarm = { peers: new Map(), seeds: new PeerList(), leeches: new PeerList(), downloaded: 0 };
      this.swarms.set(key, swarm);
    }
    return swarm;
  }

  async scrape(infoHashes: readonly Uint8Array[]): Promise<ScrapeEntry[]> {
    return infoHashes.map((h) => {
      const s = this.swarms.get(bytesToBinary(h));
      return s
        ? { infoHash: h, complete: s.seeds.length, downloaded: s.downloaded, incomplete: s.leeches.length }
        : { infoHash: h, complete: 0, downloaded: 0, incomplete: 0 };
    });
  }

  async expire(now: number): Promise<number> {
    let removed = 0;
    for (const [key, swarm] of this.swarms) {
      removed += this.expireList(swarm, swarm.seeds, now) + this.expireList(swarm, swarm.leeches, now);
      // An empty swarm that never completed carries no information worth keeping.
      if (swarm.peers.size === 0 && swarm.downloaded === 0) this.swarms.delete(key);
    }
    return removed;
  }

  /** Removes a list's peers that expired at `now`, from its end down (a removal moves the last peer into the gap). */
  private expireList(swarm: Swarm, list: PeerList, now: number): number {
    let removed = 0;
    for (let s = list.length - 1; s >= 0; s--) {
      if (list.expires[s] > now) continue;
      const p = list.peers[s];
      this.remove(swarm, p.id, p);
      removed++;
    }
    return removed;
  }

  async totals(): Promise<SwarmTotals> {
    let seeders = 0;
    let peers = 0;
    let completed = 0;
    for (const s of this.swarms.values()) {
      seeders += s.seeds.length;
      peers += s.peers.size;
      completed += s.downloaded;
    }
    return { torrents: this.swarms.size, seeders, leechers: peers - seeders, completed };
  }

  async close(): Promise<void> {}
}
