/**
 * Where a DHT node keeps the peers announced to it (BEP 5 announce_peer), per info hash. The
 * in-memory store lives in engines/dht; a shared store (SQLite, Redis) implements the same
 * interface and passes the same compliance suite (adapters/testing/peer-store-compliance.ts).
 * Methods may answer synchronously or with a promise.
 */
export interface StoredPeer {
  address: string;
  port: number;
  /** Announced as a seed (BEP 33 `seed` flag); informational. */
  seed?: boolean;
}

export interface PeerStore {
  /** Records (or refreshes) a peer for `infoHash` at time `now` (ms, the node's clock). */
  add(infoHash: Uint8Array, peer: StoredPeer, now: number): void | Promise<void>;
  /**
   * Up to `max` live peers of `infoHash` of the given family, chosen at random when there are
   * more (`pick(n)` gives an integer in [0, n), from the node's Rng).
   */
  get(
    infoHash: Uint8Array,
    options: { max: number; family: 'IPv4' | 'IPv6'; now: number; pick: (n: number) => number },
  ): StoredPeer[] | Promise<StoredPeer[]>;
  /** Drops peers not refreshed within the store's lifetime. */
  prune(now: number): void | Promise<void>;
  /** Number of stored peers overall (for limits and stats). */
  size(): number | Promise<number>;
}
