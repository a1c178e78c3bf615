/**
 * An iterative Kademlia lookup (BEP 5 find_node / get_peers). Owns the candidate list of one
 * lookup and decides whom to query next:
 * - closest-first, at most `alpha` (3) queries counted in flight;
 * - a query past its slow deadline stops counting (another one starts) and its node is left out
 *   of the "k closest" until it answers, so dead nodes after churn cost one slow deadline, not a
 *   full timeout;
 * - it ends as soon as the k closest live candidates have all answered (early stop), or nothing
 *   is left to ask, or `maxQueries` is reached (bounded);
 * - hops: a node learned from a reply at hop h is at hop h + 1; the lookup reports the hop of
 *   the closest node that answered.
 */
import type { NodeInfo, PeerAddress } from '../../codecs/krpc/types.js';
import type { KrpcResponse } from '../../codecs/krpc/types.js';
import { isUsableAddress } from '../../codecs/krpc/compact.js';
import type { Clock } from '../../ports/clock.js';
import { equalBytes } from '../../util/bytes.js';
import type { TorrentkitError } from '../../util/errors.js';
import { compareDistance } from '../../policies/dht/distance.js';
import type { OutgoingQuery, QueryHandlers } from './rpc.js';

export type LookupKind = 'find_node' | 'get_peers';

export interface LookupResult {
  target: Uint8Array;
  kind: LookupKind;
  /** The k closest nodes that answered, closest first, with the token each gave (get_peers). */
  closest: (NodeInfo & { token?: Uint8Array })[];
  /** Distinct peers found (get_peers). */
  peers: PeerAddress[];
  queries: number;
  replies: number;
  failures: number;
  /** Hop count of the closest node that answered (1 = a node we already knew). */
  hops: number;
  durationMs: number;
  /** True when it stopped because `maxQueries` was reached. */
  truncated: boolean;
}

export interface LookupDeps {
  clock: Clock;
  ownId: Uint8Array;
  family: 'IPv4' | 'IPv6';
  /** Our own socket address, never queried even when a reply names it. */
  self?: PeerAddress;
  query(to: PeerAddress, q: OutgoingQuery, handlers: QueryHandlers): boolean;
  /** A node answered one of the lookup's queries. */
  onReply(node: NodeInfo, msg: KrpcResponse): void;
  /** A known node failed to answer. */
  onFailure(node: NodeInfo, err: TorrentkitError): void;
  /** New peers arrived (get_peers), already de-duplicated within this lookup. */
  onPeers?(peers: PeerAddress[]): void;
}

export interface LookupOptions {
  k: number;
  alpha: number;
  maxQueries: number;
  /** Bounds of the slow deadline, ms; within them it follows this lookup's own round trips. */
  minSlowMs?: number;
  maxSlowMs?: number;
  want?: ('n4' | 'n6')[];
}

type State = 'new' | 'inflight' | 'slow' | 'done' | 'failed';

interface Candidate {
  id: Uint8Array | undefined;
  address: string;
  port: number;
  hop: number;
  state: State;
  token?: Uint8Array;
}

export class Lookup {
  private readonly candidates: Candidate[] = [];
  /** Candidates with unknown ids (bootstrap routers), queried first. */
  private readonly anonymous: Candidate[] = [];
  private readonly seen = new Set<string>();
  private readonly peerKeys = new Set<string>();
  private readonly peers: PeerAddress[] = [];
  /** Round-trip times of this lookup's replies, ms. */
  private readonly rtts: number[] = [];
  private active = 0;
  private queries = 0;
  private replies = 0;
  private failures = 0;
  private started = 0;
  private finished = false;
  private truncated = false;

  constructor(
    private readonly deps: LookupDeps,
    readonly kind: LookupKind,
    readonly target: Uint8Array,
    private readonly options: LookupOptions,
    private readonly onDone: (result: LookupResult) => void,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  /** Starts from known nodes (closest first) and addresses of unknown id (bootstrap routers). */
  start(known: NodeInfo[], unknown: PeerAddress[] = []): void {
    this.started = this.deps.clock.now();
    for (const n of known) this.addCandidate(n.id, n, 1);
    for (const a of unknown) this.addCandidate(undefined, a, 1);
    this.step();
  }

  /** Stops without waiting for outstanding queries; onDone runs with what was found so far. */
  abort(): void {
    this.finish();
  }

  private addCandidate(id: Uint8Array | undefined, addr: PeerAddress, hop: number): void {
    if (id && equalBytes(id, this.deps.ownId)) return;
    if (addr.port <= 0 || addr.port > 65535 || !isUsableAddress(addr.address)) return;
    if (addr.address === this.deps.self?.address && addr.port === this.deps.self.port) return;
    if ((addr.address.includes(':') ? 'IPv6' : 'IPv4') !== this.deps.family) return;
    const key = `${addr.address}|${addr.port}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const c: Candidate = { id, address: addr.address, port: addr.port, hop, state: 'new' };
    if (!id) {
      this.anonymous.push(c);
      return;
    }
    // Binary insertion keeps candidates sorted by distance to the target.
    let lo = 0;
    let hi = this.candidates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareDistance(this.candidates[mid].id!, id, this.target) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.candidates.splice(lo, 0, c);
  }

  private step(): void {
    if (this.finished) return;
    while (this.active < this.options.alpha && this.queries < this.options.maxQueries) {
      const next = this.anonymous.find((c) => c.state === 'new') ?? this.nextClose();
      if (!next) break;
      this.send(next);
    }
    if (this.queries >= this.options.maxQueries && this.active === 0) {
      this.truncated = true;
      this.finish();
      return;
    }
    if (this.active === 0 && this.isConverged()) this.finish();
  }

  /** The closest unqueried candidate among the k closest live ones, if any. */
  private nextClose(): Candidate | undefined {
    let considered = 0;
    for (const c of this.candidates) {
      if (c.state === 'failed' || c.state === 'slow') continue;
      if (c.state === 'new') return c;
      if (++considered >= this.options.k) return undefined;
    }
    return undefined;
  }

  /** True when the k closest live candidates have all answered and no router is pending. */
  private isConverged(): boolean {
    if (this.anonymous.some((c) => c.state === 'new' || c.state === 'inflight')) return false;
    let considered = 0;
    for (const c of this.candidates) {
      if (c.state === 'failed' || c.state === 'slow') continue;
      if (c.state !== 'done') return false;
      if (++considered >= this.options.k) break;
    }
    return true;
  }

  private send(c: Candidate): void {
    const q: OutgoingQuery =
      this.kind === 'get_peers'
        ? { q: 'get_peers', infoHash: this.target, ...(this.options.want ? { want: this.options.want } : {}) }
        : { q: 'find_node', target: this.target, ...(this.options.want ? { want: this.options.want } : {}) };
    c.state = 'inflight';
    this.active++;
    this.queries++;
    const slow = this.slowDeadline();
    const ok = this.deps.query(c, q, {
      ...(slow !== undefined ? { slowAfterMs: slow } : {}),
      onReply: (msg, rtt) => {
        if (this.rtts.length < 64) this.rtts.push(rtt);
        this.onReply(c, msg);
      },
      onFailure: (err) => this.onFailure(c, err),
      onSlow: () => {
        if (c.state !== 'inflight') return;
        c.state = 'slow';
        this.active--;
        this.step();
      },
    });
    if (!ok) {
      // The pending table is full: treat as a failure of this candidate, without blaming the node.
      c.state = 'failed';
      this.active--;
      this.failures++;
    }
  }

  /**
   * Once two replies are in, a query is slow after 3x this lookup's median round trip (within
   * the bounds): it tracks the network as it is now, where the node-wide estimate may still
   * carry old samples. Before that, the node-wide estimate applies.
   */
  private slowDeadline(): number | undefined {
    const { minSlowMs, maxSlowMs } = this.options;
    if (this.rtts.length < 2 || minSlowMs === undefined || maxSlowMs === undefined) return undefined;
    const sorted = [...this.rtts].sort((a, b) => a - b);
    return Math.min(maxSlowMs, Math.max(minSlowMs, 3 * sorted[sorted.length >> 1]));
  }

  private settle(c: Candidate): void {
    if (c.state === 'inflight') this.active--;
  }

  private onReply(c: Candidate, msg: KrpcResponse): void {
    this.settle(c);
    c.state = 'done';
    this.replies++;
    if (this.finished) {
      this.deps.onReply({ id: msg.id, address: c.address, port: c.port }, msg);
      return;
    }
    if (!c.id || !equalBytes(c.id, msg.id)) {
      // A router (or a node that changed id): re-file it under the id it answered with.
      const i = this.candidates.indexOf(c);
      if (i >= 0) this.candidates.splice(i, 1);
      const ai = this.anonymous.indexOf(c);
      if (ai >= 0) this.anonymous.splice(ai, 1);
      this.seen.delete(`${c.address}|${c.port}`);
      this.addCandidate(msg.id, c, c.hop);
      const filed = this.candidates.find((x) => x.address === c.address && x.port === c.port);
      if (filed) {
        filed.state = 'done';
        filed.token = msg.token;
      }
    } else if (msg.token) c.token = msg.token;
    this.deps.onReply({ id: msg.id, address: c.address, port: c.port }, msg);
    const learned = this.deps.family === 'IPv4' ? msg.nodes : msg.nodes6;
    if (learned) for (const n of learned) this.addCandidate(n.id, n, c.hop + 1);
    if (msg.values && msg.values.length > 0) {
      const fresh: PeerAddress[] = [];
      for (const p of msg.values) {
        const key = `${p.address}|${p.port}`;
        if (this.peerKeys.has(key) || p.port === 0 || !isUsableAddress(p.address)) continue;
        this.peerKeys.add(key);
        this.peers.push(p);
        fresh.push(p);
      }
      if (fresh.length > 0) this.deps.onPeers?.(fresh);
    }
    this.step();
  }

  private onFailure(c: Candidate, err: TorrentkitError): void {
    this.settle(c);
    c.state = 'failed';
    this.failures++;
    if (c.id) this.deps.onFailure({ id: c.id, address: c.address, port: c.port }, err);
    this.step();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const closest = this.candidates.filter((c) => c.state === 'done').slice(0, this.options.k);
    this.onDone({
      target: this.target,
      kind: this.kind,
      closest: closest.map((c) => ({ id: c.id!, address: c.address, port: c.port, ...(c.token ? { token: c.token } : {}) })),
      peers: this.peers,
      queries: this.queries,
      replies: this.replies,
      failures: this.failures,
      hops: closest.length > 0 ? closest[0].hop : 0,
      durationMs: this.deps.clock.now() - this.started,
      truncated: this.truncated,
    });
  }
}
