/**
 * The DHT routing table (BEP 5). Owns: which nodes we know, their good/questionable/bad state,
 * bucket splitting around our own id, the replacement cache, and closest-node queries by XOR.
 * Pure: time comes in as `now` arguments, the engine does the pinging this table asks for.
 *
 * Layout: bucket i holds nodes sharing exactly i leading bits with our id; the last bucket holds
 * every node sharing at least `buckets.length - 1` bits, and is the only one that splits when it
 * overflows (this is the "split the bucket containing our own id" rule of BEP 5, expressed by
 * prefix length as libtorrent does). Each bucket holds at most k nodes plus a replacement cache.
 */
import { isBep42Valid } from '../../codecs/krpc/bep42.js';
import type { NodeInfo } from '../../codecs/krpc/types.js';
import { bytesToBinary, equalBytes, toHex } from '../../util/bytes.js';
import { commonPrefixBits, compareDistance } from './distance.js';

/** BEP 5: a node is good if it answered us, or queried us after having answered, within 15 minutes. */
export const NODE_GOOD_FOR_MS = 15 * 60_000;
/** BEP 5: buckets not changed in 15 minutes are refreshed. */
export const BUCKET_REFRESH_MS = 15 * 60_000;
/** Failures in a row after which a node is bad (BEP 5 says "multiple"; libtorrent uses a few). */
export const BAD_AFTER_FAILURES = 2;

export type NodeState = 'good' | 'questionable' | 'bad';

export interface RoutingNode extends NodeInfo {
  /** Last time it answered one of our queries (-Infinity if never). */
  lastReply: number;
  /** Last time it sent us a query. */
  lastQuery: number;
  /** Queries in a row it failed to answer. */
  failures: number;
  /** When it was added to the table. */
  added: number;
  /** The id's first 32 bits (for fast distance ordering). */
  readonly prefix32: number;
}

export interface RoutingTableOptions {
  /** Bucket size; BEP 5 uses 8. */
  k?: number;
  /** Reject node ids that fail the BEP 42 check for their address. */
  enforceBep42?: boolean;
}

export type AddResult =
  | { kind: 'added' | 'updated' }
  /** Bucket full of live nodes; the node went to the replacement cache. `ping` lists questionable nodes to check. */
  | { kind: 'cached'; ping: RoutingNode[] }
  | { kind: 'rejected'; reason: 'self' | 'bep42' | 'address-conflict' };

interface Bucket {
  nodes: RoutingNode[];
  replacements: RoutingNode[];
  lastChanged: number;
}

export interface RoutingTableSnapshot {
  id: string;
  nodes: { id: string; address: string; port: number }[];
}

export class RoutingTable {
  readonly k: number;
  private readonly enforceBep42: boolean;
  private buckets: Bucket[];
  /** Node id (as a binary string) -> node, for O(1) lookups. */
  private readonly byId = new Map<string, RoutingNode>();

  constructor(
    readonly ownId: Uint8Array,
    options: RoutingTableOptions = {},
    now = 0,
  ) {
    this.k = options.k ?? 8;
    this.enforceBep42 = options.enforceBep42 ?? false;
    this.buckets = [{ nodes: [], replacements: [], lastChanged: now }];
  }

  get size(): number {
    return this.byId.size;
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  state(node: RoutingNode, now: number): NodeState {
    if (node.failures >= BAD_AFTER_FAILURES) return 'bad';
    if (now - node.lastReply < NODE_GOOD_FOR_MS) return 'good';
    if (node.lastReply > -Infinity && now - node.lastQuery < NODE_GOOD_FOR_MS) return 'good';
    return 'questionable';
  }

  get(id: Uint8Array): RoutingNode | undefined {
    return this.byId.get(bytesToBinary(id));
  }

  private bucketIndex(id: Uint8Array): number {
    return Math.min(commonPrefixBits(this.ownId, id), this.buckets.length - 1);
  }

  /**
   * Records contact with a node. `replied` means it answered one of our queries (only such nodes
   * may enter a full bucket's place of a bad node); otherwise it queried us.
   */
  add(info: NodeInfo, now: number, contact: 'replied' | 'queried'): AddResult {
    if (equalBytes(info.id, this.ownId)) return { kind: 'rejected', reason: 'self' };
    if (this.enforceBep42 && !isBep42Valid(info.id, info.address)) return { kind: 'rejected', reason: 'bep42' };
    const key = bytesToBinary(info.id);
    const known = this.byId.get(key);
    if (known) {
      if (known.address !== info.address || known.port !== info.port) {
        // An id seen at another address: keep the one that answers (guards against id hijacking).
        if (this.state(known, now) !== 'bad') return { kind: 'rejected', reason: 'address-conflict' };
        known.address = info.address;
        known.port = info.port;
      }
      this.touch(known, now, contact);
      return { kind: 'updated' };
    }
    const node: RoutingNode = {
      id: info.id.slice(),
      address: info.address,
      port: info.port,
      lastReply: -Infinity,
      lastQuery: -Infinity,
      failures: 0,
      added: now,
      prefix32: ((info.id[0] << 24) | (info.id[1] << 16) | (info.id[2] << 8) | info.id[3]) >>> 0,
    };
    this.touch(node, now, contact);
    for (;;) {
      const index = this.bucketIndex(node.id);
      const bucket = this.buckets[index];
      if (bucket.nodes.length < this.k) {
        this.insert(bucket, node, now);
        return { kind: 'added' };
      }
      const bad = bucket.nodes.findIndex((n) => this.state(n, now) === 'bad');
      if (bad >= 0) {
        this.byId.delete(bytesToBinary(bucket.nodes[bad].id));
        bucket.nodes.splice(bad, 1);
        this.insert(bucket, node, now);
        return { kind: 'added' };
      }
      if (index === this.buckets.length - 1 && this.buckets.length < 160) {
        this.split(now);
        continue;
      }
      this.cacheReplacement(bucket, node);
      const ping = bucket.nodes.filter((n) => this.state(n, now) === 'questionable');
      return { kind: 'cached', ping };
    }
  }

  private touch(node: RoutingNode, now: number, contact: 'replied' | 'queried'): void {
    if (contact === 'replied') {
      node.lastReply = now;
      node.failures = 0;
    } else node.lastQuery = now;
  }

  private insert(bucket: Bucket, node: RoutingNode, now: number): void {
    bucket.nodes.push(node);
    bucket.lastChanged = now;
    this.byId.set(bytesToBinary(node.id), node);
    bucket.replacements = bucket.replacements.filter((r) => !equalBytes(r.id, node.id));
  }

  private cacheReplacement(bucket: Bucket, node: RoutingNode): void {
    const i = bucket.replacements.findIndex((r) => equalBytes(r.id, node.id));
    if (i >= 0) bucket.replacements.splice(i, 1);
    bucket.replacements.push(node);
    if (bucket.replacements.length > this.k) bucket.replacements.shift();
  }

  /** Splits the last bucket: nodes sharing more bits with us move to a new last bucket. */
  private split(now: number): void {
    const last = this.buckets[this.buckets.length - 1];
    const depth = this.buckets.length - 1;
    const stay: Bucket = { nodes: [], replacements: [], lastChanged: now };
    const move: Bucket = { nodes: [], replacements: [], lastChanged: now };
    for (const n of last.nodes) (commonPrefixBits(this.ownId, n.id) > depth ? move : stay).nodes.push(n);
    for (const n of last.replacements) (commonPrefixBits(this.ownId, n.id) > depth ? move : stay).replacements.push(n);
    this.buckets[depth] = stay;
    this.buckets.push(move);
  }

  /**
   * A query to the node went unanswered. Once it is bad and a replacement is cached, the
   * replacement (most recently seen first) takes its place.
   */
  failed(id: Uint8Array, now: number): void {
    const node = this.byId.get(bytesToBinary(id));
    if (!node) return;
    node.failures++;
    if (this.state(node, now) !== 'bad') return;
    const bucket = this.buckets[this.bucketIndex(id)];
    const replacement = bucket.replacements.pop();
    if (!replacement) return;
    const i = bucket.nodes.indexOf(node);
    bucket.nodes.splice(i, 1);
    this.byId.delete(bytesToBinary(id));
    this.insert(bucket, replacement, now);
  }

  remove(id: Uint8Array): boolean {
    const key = bytesToBinary(id);
    const node = this.byId.get(key);
    if (!node) return false;
    const bucket = this.buckets[this.bucketIndex(id)];
    bucket.nodes.splice(bucket.nodes.indexOf(node), 1);
    this.byId.delete(key);
    return true;
  }

  /**
   * Up to `n` non-bad nodes closest to `target` by XOR, closest first; optionally of one family,
   * and optionally only nodes that have answered us (what we hand out to others: a node we only
   * heard a query from may be a spoofed address).
   */
  closest(target: Uint8Array, n: number = this.k, family?: 'IPv4' | 'IPv6', verifiedOnly = false): RoutingNode[] {
    // Keeps the best n in insertion order, keyed on the first 32 bits of the distance (ties, rare,
    // fall back to the full comparison): no per-call allocation beyond the result.
    const t0 = ((target[0] << 24) | (target[1] << 16) | (target[2] << 8) | target[3]) >>> 0;
    const wantV6 = family === undefined ? undefined : family === 'IPv6';
    const best: RoutingNode[] = [];
    const keys: number[] = [];
    const closer = (d: number, a: RoutingNode, i: number) =>
      d < keys[i] || (d === keys[i] && compareDistance(a.id, best[i].id, target) < 0);
    for (const bucket of this.buckets) {
      for (const node of bucket.nodes) {
        if (node.failures >= BAD_AFTER_FAILURES) continue;
        if (verifiedOnly && node.lastReply === -Infinity) continue;
        if (wantV6 !== undefined && node.address.includes(':') !== wantV6) continue;
        const d = (node.prefix32 ^ t0) >>> 0;
        if (best.length === n && !closer(d, node, n - 1)) continue;
        let i = best.length;
        while (i > 0 && closer(d, node, i - 1)) i--;
        best.splice(i, 0, node);
        keys.splice(i, 0, d);
        if (best.length > n) {
          best.pop();
          keys.pop();
        }
      }
    }
    return best;
  }

  /** All nodes, bucket by bucket. */
  nodes(): RoutingNode[] {
    return this.buckets.flatMap((b) => b.nodes);
  }

  /** Indexes of buckets unchanged for BUCKET_REFRESH_MS (the engine looks up a random id in each). */
  staleBuckets(now: number): number[] {
    const out: number[] = [];
    this.buckets.forEach((b, i) => {
      if (now - b.lastChanged >= BUCKET_REFRESH_MS) out.push(i);
    });
    return out;
  }

  /** Number of nodes in each bucket, farthest bucket first. */
  bucketSizes(): number[] {
    return this.buckets.map((b) => b.nodes.length);
  }

  /** Marks a bucket refreshed (a lookup into its range ran). */
  markRefreshed(index: number, now: number): void {
    if (this.buckets[index]) this.buckets[index].lastChanged = now;
  }

  /** Questionable nodes, for the engine to ping (BEP 5: before they are replaced). */
  questionable(now: number): RoutingNode[] {
    return this.nodes().filter((n) => this.state(n, now) === 'questionable');
  }

  snapshot(): RoutingTableSnapshot {
    return {
      id: toHex(this.ownId),
      nodes: this.nodes().map((n) => ({ id: toHex(n.id), address: n.address, port: n.port })),
    };
  }
}
