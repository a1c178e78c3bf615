/**
 * In-memory PeerStore with the bounds BEP 5 leaves to implementations: peers expire after 30
 * minutes without a re-announce, each info hash keeps at most `maxPeersPerInfoHash` (the oldest
 * announce is evicted), and the whole store holds at most `maxInfoHashes` swarms and `maxPeers`
 * peers (new ones are refused beyond that, so a flood cannot grow memory).
 */
import type { PeerStore, StoredPeer } from '../../ports/peer-store.js';
import { toHex } from '../../util/bytes.js';

/** BEP 5 leaves expiry open; libtorrent and most nodes keep announces for 30 minutes. */
export const PEER_TTL_MS = 30 * 60_000;

export interface MemoryPeerStoreOptions {
  ttlMs?: number;
  maxPeersPerInfoHash?: number;
  maxInfoHashes?: number;
  maxPeers?: number;
}

interface Entry {
  peer: StoredPeer;
  at: number;
}

export class MemoryPeerStore implements PeerStore {
  private readonly swarms = new Map<string, Map<string, Entry>>();
  private total = 0;
  private readonly ttl: number;
  private readonly perHash: number;
  private readonly maxHashes: number;
  private readonly maxPeers: number;

  constructor(options: MemoryPeerStoreOptions = {}) {
    this.ttl = options.ttlMs ?? PEER_TTL_MS;
    this.perHash = options.maxPeersPerInfoHash ?? 200;
    this.maxHashes = options.maxInfoHashes ?? 5_000;
    this.maxPeers = options.maxPeers ?? 100_000;
  }

  add(infoHash: Uint8Array, peer: StoredPeer, now: number): void {
    const key = toHex(infoHash);
    let swarm = this.swarms.get(key);
    if (!swarm) {
      if (this.swarms.size >= this.maxHashes) return;
      swarm = new Map();
      this.swarms.set(key, swarm);
    }
    const pk = `${peer.address}|${peer.port}`;
    if (swarm.delete(pk)) this.total--;
    else if (this.total >= this.maxPeers) return;
    // Re-inserting keeps each swarm's map ordered oldest announce first.
    swarm.set(pk, { peer: { ...peer }, at: now });
    this.total++;
    if (swarm.size > this.perHash) {
      const oldest = swarm.keys().next().value!;
      swarm.delete(oldest);
      this.total--;
    }
  }

  get(
    infoHash: Uint8Array,
    options: { max: number; family: 'IPv4' | 'IPv6'; now: number; pick: (n: number) => number },
  ): StoredPeer[] {
    const swarm = this.swarms.get(toHex(infoHash));
    if (!swarm) return [];
    const live: StoredPeer[] = [];
    for (const e of swarm.values()) {
      if (options.now - e.at >= this.ttl) continue;
      if ((e.peer.address.includes(':') ? 'IPv6' : 'IPv4') === options.family) live.push(e.peer);
    }
    if (live.length <= options.max) return live;
    // Partial Fisher-Yates: a uniform random sample of `max` peers.
    for (let i = 0; i < options.max; i++) {
      const j = i + options.pick(live.length - i);
      const t = live[i];
      live[i] = live[j];
      live[j] = t;
    }
    return live.slice(0, options.max);
  }

  prune(now: number): void {
    for (const [key, swarm] of this.swarms) {
      for (const [pk, e] of swarm) {
        if (now - e.at < this.ttl) break; // ordered oldest first: the rest are younger
        swarm.delete(pk);
        this.total--;
      }
      if (swarm.size === 0) this.swarms.delete(key);
    }
  }

  size(): number {
    return this.total;
  }

  /** Number of info hashes with stored peers. */
  swarmCount(): number {
    return this.swarms.size;
  }
}
