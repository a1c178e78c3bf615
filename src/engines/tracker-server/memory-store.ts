/**
 * The in-memory SwarmStore: the fastest store, and the reference the others are checked against.
 * Swarms are keyed by the info hash as a binary string; each swarm keeps its peers in a Map by
 * peer id (binary string) plus the seeder count, so counts are O(1) and a peer list is one pass
 * over seeder and leecher lists (starting at a random offset so every peer gets handed out).
 */
import { compactPeer, ipv4ToInt } from '../../codecs/tracker/ip.js';
import type { ScrapeEntry } from '../../codecs/tracker/types.js';
import type { Rng } from '../../ports/rng.js';
import type { StoredPeer, SwarmAnnounce, SwarmAnnounceResult, SwarmStore, SwarmTotals } from '../../ports/swarm-store.js';
import { binaryToBytes, bytesToBinary } from '../../util/bytes.js';

/**
 * One peer. The peer id is kept only as the binary string that also keys the swarm's map (a
 * string costs far less than a Uint8Array with its own buffer); `peerId` rebuilds the bytes for
 * the rare dictionary-style response.
 */
class Peer implements StoredPeer {
  constructor(
    readonly id: string,
    public ip: string,
    public port: number,
    public seeder: boolean,
    public v6: boolean,
    public expiresAt: number,
    /** Index in its swarm's seeder or leecher list (swap-remove keeps removal O(1)). */
    public slot: number,
  ) {
    this.ipv4 = ipv4ToInt(ip);
    this.compact = this.ipv4 === undefined ? compactPeer(ip, port) : undefined;
  }

  /**
   * How answers write this peer, set with the peer and when it moves: plain fields, since every
   * answer reads them for each peer it hands out. An IPv4 peer keeps its address as an integer,
   * read from the object the peer selection has just touched (a byte array per peer would be one
   * more cache miss per peer handed out, and memory); an IPv6 peer its 18 compact bytes (BEP 7).
   */
  ipv4: number | undefined;
  compact: Uint8Array | undefined;

  get peerId(): Uint8Array {
    return binaryToBytes(this.id);
  }

  move(ip: string, port: number): void {
    if (ip === this.ip && port === this.port) return;
    this.ip = ip;
    this.port = port;
    this.v6 = ip.includes(':');
    this.ipv4 = ipv4ToInt(ip);
    this.compact = this.ipv4 === undefined ? compactPeer(ip, port) : undefined;
  }
}

interface Swarm {
  peers: Map<string, Peer>;
  seeds: Peer[];
  leeches: Peer[];
  downloaded: number;
}

function listAdd(list: Peer[], p: Peer): void {
  p.slot = list.length;
  list.push(p);
}

function listRemove(list: Peer[], p: Peer): void {
  const last = list.pop()!;
  if (last !== p) {
    list[p.slot] = last;
    last.slot = p.slot;
  }
}

/**
 * Adds up to `want` peers of `pool` to `out`, starting at index `start` and wrapping: not `self`,
 * not expired at `now`, of the requested address family. Every announce runs it, over up to
 * numwant peers of a swarm that may hold thousands: a plain loop, no callback.
 */
function pickPeers(pool: readonly Peer[], want: number, start: number, self: Peer, now: number, family: 'any' | 'IPv4' | 'IPv6', out: Peer[]): void {
  const n = pool.length;
  const v6 = family === 'IPv6';
  let k = start;
  for (let i = 0; i < n && out.length < want; i++) {
    const p = pool[k];
    if (++k === n) k = 0;
    if (p !== self && p.expiresAt > now && (family === 'any' || p.v6 === v6)) out.push(p);
  }
}

export class MemorySwarmStore implements SwarmStore {
  private readonly swarms = new Map<string, Swarm>();

  constructor(private readonly deps: { rng: Rng }) {}

  async announce(a: SwarmAnnounce): Promise<SwarmAnnounceResult> {
    return this.announceSync(a);
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
    // A download counts once: a `completed` event from a peer not yet seeding, or a known
    // leecher that reports nothing left (clients differ in whether they send `completed`).
    if ((a.event === 'completed' && (!self || !self.seeder)) || (self && !self.seeder && seeder)) swarm.downloaded++;
    if (self) {
      if (self.seeder !== seeder) {
        listRemove(self.seeder ? swarm.seeds : swarm.leeches, self);
        listAdd(seeder ? swarm.seeds : swarm.leeches, self);
        self.seeder = seeder;
      }
      self.move(a.peer.ip, a.peer.port);
      self.expiresAt = a.now + a.ttlMs;
    } else {
      self = new Peer(id, a.peer.ip, a.peer.port, seeder, a.peer.ip.includes(':'), a.now + a.ttlMs, 0);
      swarm.peers.set(id, self);
      listAdd(seeder ? swarm.seeds : swarm.leeches, self);
    }
    const peers = this.select(swarm, self, a);
    return { complete: swarm.seeds.length, incomplete: swarm.leeches.length, downloaded: swarm.downloaded, peers };
  }

  private remove(swarm: Swarm, id: string, p: Peer): void {
    swarm.peers.delete(id);
    listRemove(p.seeder ? swarm.seeds : swarm.leeches, p);
  }

  private select(swarm: Swarm, self: Peer, a: SwarmAnnounce): StoredPeer[] {
    const want = a.numwant;
    const out: Peer[] = [];
    if (want <= 0 || swarm.peers.size <= 1) return out;
    // BEP 3 leaves the choice to the tracker: a seeder gains nothing from seeders, so it gets
    // leechers only; a leecher gets seeders first (they have every piece), then leechers.
    if (!self.seeder && swarm.seeds.length > 0) pickPeers(swarm.seeds, want, this.deps.rng.int(swarm.seeds.length), self, a.now, a.family, out);
    if (swarm.leeches.length > 0) pickPeers(swarm.leeches, want, this.deps.rng.int(swarm.leeches.length), self, a.now, a.family, out);
    return out;
  }

  /** Puts a peer back as it was saved (stores that persist load their state through this). */
  restorePeer(infoHash: Uint8Array, peer: StoredPeer, seeder: boolean, expiresAt: number): void {
    const key = bytesToBinary(infoHash);
    const swarm = this.swarmFor(key);
    const id = bytesToBinary(peer.peerId);
    const old = swarm.peers.get(id);
    if (old) this.remove(swarm, id, old);
    const p = new Peer(id, peer.ip, peer.port, seeder, peer.ip.includes(':'), expiresAt, 0);
    swarm.peers.set(id, p);
    listAdd(seeder ? swarm.seeds : swarm.leeches, p);
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
      swarm = { peers: new Map(), seeds: [], leeches: [], downloaded: 0 };
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
      for (const [id, p] of swarm.peers) {
        if (p.expiresAt <= now) {
          this.remove(swarm, id, p);
          removed++;
        }
      }
      // An empty swarm that never completed carries no information worth keeping.
      if (swarm.peers.size === 0 && swarm.downloaded === 0) this.swarms.delete(key);
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
