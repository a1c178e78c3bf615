/**
 * The choker: which peers we upload to (BEP 3 choking; mainline's and libtorrent's algorithms).
 *
 * Owns: the optimistic unchoke slot(s) and when they last rotated, and when each peer was last
 * unchoked (for round robin seeding).
 * Invariants: at most `uploadSlots` regular and `optimisticSlots` optimistic peers are unchoked,
 * all of them interested; `rechoke` returns sets that are disjoint, `unchoke` only naming peers
 * now choked and `choke` only naming peers now unchoked.
 * Regular slots: while leeching, tit-for-tat: the interested peers that send us the most
 * (download rate), leaving out peers that snub us; while seeding, either the peers we upload to
 * the fastest ("fastest upload") or in turns ("round robin", libtorrent's default seed choker: a
 * peer keeps its slot for `roundRobinTurnMs`, then the peer that has waited longest gets it).
 * Optimistic unchoke: one more interested peer outside the regular slots, chosen at random and
 * rotated every `optimisticIntervalMs` (30 s), newly connected peers three times as likely
 * (mainline), so that new peers get a first piece to trade and better partners are discovered.
 * The engine calls `rechoke` every RECHOKE_INTERVAL_MS and sends the chokes and unchokes.
 */
import type { Random } from '../random.js';

export const RECHOKE_INTERVAL_MS = 10_000;
export const OPTIMISTIC_INTERVAL_MS = 30_000;

export interface ChokePeer<P> {
  readonly id: P;
  /** The peer is interested in our pieces. */
  readonly interested: boolean;
  /** We currently choke the peer. */
  readonly choked: boolean;
  /** The peer has sent us nothing for a long time although we have requests out. */
  readonly snubbed?: boolean;
  /** Bytes per second the peer sends us (mainline averages over 20 s, about two rechokes). */
  readonly downloadRate: number;
  /** Bytes per second we send the peer. */
  readonly uploadRate: number;
  /** When the connection was made (same clock as `now`). */
  readonly connectedAt: number;
}

export interface ChokerOptions {
  /** Regular upload slots. Default 4 (mainline). */
  readonly uploadSlots?: number;
  /** Optimistic unchoke slots. Default 1. */
  readonly optimisticSlots?: number;
  readonly optimisticIntervalMs?: number;
  /** Peers connected for less than this are "new" for the optimistic draw. Default 60 s. */
  readonly newPeerMs?: number;
  /** Weight of a new peer in the optimistic draw. Default 3. */
  readonly newPeerWeight?: number;
  /** Seeding algorithm. Default 'round-robin'. */
  readonly seeding?: 'fastest-upload' | 'round-robin';
  /** Round robin: how long an unchoked peer keeps its slot. Default 30 s. */
  readonly roundRobinTurnMs?: number;
}

export interface RechokeResult<P> {
  /** Peers to unchoke now (currently choked). */
  readonly unchoke: Set<P>;
  /** Peers to choke now (currently unchoked). */
  readonly choke: Set<P>;
  /** Every peer that should be unchoked after this round. */
  readonly unchoked: Set<P>;
  /** The optimistic peers among them. */
  readonly optimistic: Set<P>;
}

export class Choker<P> {
  private readonly slots: number;
  private readonly optimisticSlots: number;
  private readonly optimisticIntervalMs: number;
  private readonly newPeerMs: number;
  private readonly newPeerWeight: number;
  private readonly seedingAlgorithm: 'fastest-upload' | 'round-robin';
  private readonly turnMs: number;
  private optimistic = new Set<P>();
  private optimisticAt = -Infinity;
  /** When we last unchoked each peer (round robin); kept while the peer is unchoked. */
  private readonly unchokedAt = new Map<P, number>();
  /** When each peer last lost its slot (round robin: who has waited longest). */
  private readonly chokedAt = new Map<P, number>();

  constructor(options: ChokerOptions = {}) {
    this.slots = options.uploadSlots ?? 4;
    this.optimisticSlots = options.optimisticSlots ?? 1;
    this.optimisticIntervalMs = options.optimisticIntervalMs ?? OPTIMISTIC_INTERVAL_MS;
    this.newPeerMs = options.newPeerMs ?? 60_000;
    this.newPeerWeight = options.newPeerWeight ?? 3;
    this.seedingAlgorithm = options.seeding ?? 'round-robin';
    this.turnMs = options.roundRobinTurnMs ?? 30_000;
  }

  /** The current optimistic peers. */
  get optimisticPeers(): ReadonlySet<P> {
    return this.optimistic;
  }

  /** Decides the unchoked set. `seeding`: we have every wanted piece (upload-only). */
  rechoke(peers: readonly ChokePeer<P>[], now: number, rng: Random, seeding: boolean): RechokeResult<P> {
    const interested = peers.filter((p) => p.interested);
    const tie = new Map<P, number>(interested.map((p) => [p.id, rng.random()]));
    let ranked: ChokePeer<P>[];
    if (!seeding) {
      // Tit-for-tat (BEP 3 / mainline): reciprocate to whoever gives us the most.
      ranked = interested.filter((p) => !p.snubbed).sort((a, b) => b.downloadRate - a.downloadRate || tie.get(a.id)! - tie.get(b.id)!);
    } else if (this.seedingAlgorithm === 'fastest-upload') {
      ranked = interested.slice().sort((a, b) => b.uploadRate - a.uploadRate || tie.get(a.id)! - tie.get(b.id)!);
    } else {
      ranked = this.roundRobinOrder(interested, now, tie);
    }
    const regular = new Set(ranked.slice(0, this.slots).map((p) => p.id));
    this.rotateOptimistic(interested, regular, now, rng);
    const unchoked = new Set([...regular, ...this.optimistic]);
    const unchoke = new Set<P>();
    const choke = new Set<P>();
    const present = new Set<P>();
    for (const p of peers) {
      present.add(p.id);
      if (unchoked.has(p.id)) {
        if (p.choked) unchoke.add(p.id);
        if (p.choked || !this.unchokedAt.has(p.id)) this.unchokedAt.set(p.id, now);
      } else {
        if (!p.choked) choke.add(p.id);
        if (this.unchokedAt.delete(p.id)) this.chokedAt.set(p.id, now);
      }
    }
    for (const id of [...this.unchokedAt.keys()]) if (!present.has(id)) this.unchokedAt.delete(id);
    for (const id of [...this.chokedAt.keys()]) if (!present.has(id)) this.chokedAt.delete(id);
    return { unchoke, choke, unchoked, optimistic: new Set(this.optimistic) };
  }

  /**
   * Round robin: peers within their turn keep their slots (longest-serving first, so they also
   * leave first); then the peers that have waited longest since their last slot (never = first).
   */
  private roundRobinOrder(interested: ChokePeer<P>[], now: number, tie: Map<P, number>): ChokePeer<P>[] {
    const inTurn: ChokePeer<P>[] = [];
    const waiting: ChokePeer<P>[] = [];
    for (const p of interested) {
      const since = this.unchokedAt.get(p.id);
      if (!p.choked && since !== undefined && now - since < this.turnMs && !this.optimistic.has(p.id)) inTurn.push(p);
      else waiting.push(p);
    }
    inTurn.sort((a, b) => this.unchokedAt.get(a.id)! - this.unchokedAt.get(b.id)! || tie.get(a.id)! - tie.get(b.id)!);
    // A peer whose turn just ended has waited least of all.
    const waitedSince = (p: ChokePeer<P>) => (this.unchokedAt.has(p.id) ? now : (this.chokedAt.get(p.id) ?? -Infinity));
    waiting.sort((a, b) => waitedSince(a) - waitedSince(b) || tie.get(a.id)! - tie.get(b.id)!);
    return [...inTurn, ...waiting];
  }

  private rotateOptimistic(interested: ChokePeer<P>[], regular: Set<P>, now: number, rng: Random): void {
    const byId = new Map(interested.map((p) => [p.id, p]));
    const due = now - this.optimisticAt >= this.optimisticIntervalMs;
    const previous = this.optimistic;
    // Keep the current optimistic peers until the interval is up, unless they left, lost
    // interest or earned a regular slot.
    const kept = due ? new Set<P>() : new Set([...previous].filter((id) => byId.has(id) && !regular.has(id)));
    let pool = interested.filter((p) => !regular.has(p.id) && !kept.has(p.id));
    // On rotation, prefer peers that were not optimistic last time.
    if (due && pool.some((p) => !previous.has(p.id))) pool = pool.filter((p) => !previous.has(p.id));
    while (kept.size < this.optimisticSlots && pool.length > 0) {
      const weights = pool.map((p) => (now - p.connectedAt < this.newPeerMs ? this.newPeerWeight : 1));
      let x = rng.random() * weights.reduce((a, b) => a + b, 0);
      let k = 0;
      while (k < pool.length - 1 && x >= weights[k]) x -= weights[k++];
      kept.add(pool[k].id);
      pool.splice(k, 1);
    }
    if (due) this.optimisticAt = now;
    this.optimistic = kept;
  }
}
