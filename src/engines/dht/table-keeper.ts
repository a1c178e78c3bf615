/**
 * Keeps the routing table alive (BEP 5): nodes that reply or query us enter it, newcomers and
 * questionable nodes are pinged (those that fail twice give way to cached replacements), and each
 * maintenance round refreshes stale buckets with a lookup of a random id in them. The table itself
 * (policies/dht/routing-table.ts) decides; this part sends the pings and starts the refreshes.
 */
import type { KrpcQuery, NodeInfo, PeerAddress } from '../../codecs/krpc/types.js';
import type { Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';
import { idWithPrefix } from '../../policies/dht/distance.js';
import type { RoutingTable } from '../../policies/dht/routing-table.js';
import { toHex } from '../../util/bytes.js';
import type { QueryHandlers } from './rpc.js';

/** Questionable nodes pinged per maintenance round, and per full bucket seen on a query. */
const PINGS_PER_ROUND = 8;
const PINGS_PER_CACHED_ADD = 2;
/** Buckets refreshed per maintenance round. */
const REFRESHES_PER_ROUND = 2;

export interface TableKeeperDeps {
  clock: Clock;
  rng: Rng;
  /** The current table and our id (both change when the id does: BEP 42, a loaded state). */
  table(): RoutingTable;
  ownId(): Uint8Array;
  query(to: PeerAddress, q: { q: 'ping' }, handlers: QueryHandlers): boolean;
  /** Starts a find_node lookup of `target` in the background. */
  refresh(target: Uint8Array, onDone?: () => void): void;
  /** The node runs (refreshes stop when it closes). */
  running(): boolean;
  /** A node entered the table. */
  added(node: NodeInfo): void;
}

export class TableKeeper {
  private readonly pinging = new Set<string>();

  constructor(private readonly deps: TableKeeperDeps) {}

  /** A node answered one of our queries. */
  replied(node: NodeInfo): void {
    const table = this.deps.table();
    const before = table.size;
    const result = table.add(node, this.deps.clock.now(), 'replied');
    if (table.size > before) this.deps.added(node);
    if (result.kind === 'cached') this.ping(result.ping.slice(0, PINGS_PER_CACHED_ADD));
  }

  /** A node queried us (not read-only, with a port to reach it). */
  queried(q: KrpcQuery, from: PeerAddress): void {
    const table = this.deps.table();
    const node = { id: q.id, address: from.address, port: from.port };
    const before = table.size;
    const added = table.add(node, this.deps.clock.now(), 'queried');
    if (table.size > before) {
      this.deps.added(node);
      // Verify a newcomer before we hand it out to others (its source address may be spoofed).
      this.ping([node]);
    }
    if (added.kind === 'cached') this.ping(added.ping.slice(0, PINGS_PER_CACHED_ADD));
  }

  /** BEP 5: questionable nodes are pinged; those that fail twice give way to cached replacements. */
  ping(nodes: readonly NodeInfo[]): void {
    for (const n of nodes) {
      const key = toHex(n.id);
      if (this.pinging.has(key)) continue;
      this.pinging.add(key);
      this.deps.query(n, { q: 'ping' }, {
        onReply: (msg) => {
          this.pinging.delete(key);
          this.deps.table().add({ id: msg.id, address: n.address, port: n.port }, this.deps.clock.now(), 'replied');
        },
        onFailure: () => {
          this.pinging.delete(key);
          this.deps.table().failed(n.id, this.deps.clock.now());
        },
      });
    }
  }

  /**
   * After bootstrapping, fills the buckets that are not full with one find_node lookup of a random
   * id in each (as libtorrent does), one lookup at a time in the background: the lookup of our
   * own id only meets nodes near us, and far buckets are what lets lookups cross the id space.
   */
  refreshSparse(k: number): void {
    const table = this.deps.table();
    const sizes = table.bucketSizes();
    const indexes = sizes.map((n, i) => (n < k && i < sizes.length - 1 ? i : -1)).filter((i) => i >= 0);
    const next = () => {
      const index = indexes.shift();
      if (index === undefined || !this.deps.running()) return;
      this.deps.table().markRefreshed(index, this.deps.clock.now());
      this.deps.refresh(idWithPrefix(this.deps.ownId(), index, this.deps.rng.bytes(20)), next);
    };
    next();
  }

  /** One maintenance round: refresh stale buckets, ping questionable nodes. */
  maintain(): void {
    const now = this.deps.clock.now();
    const table = this.deps.table();
    for (const index of table.staleBuckets(now).slice(0, REFRESHES_PER_ROUND)) {
      table.markRefreshed(index, now);
      this.deps.refresh(idWithPrefix(this.deps.ownId(), index, this.deps.rng.bytes(20)));
    }
    this.ping(table.questionable(now).slice(0, PINGS_PER_ROUND));
  }
}
