/**
 * KRPC transactions: sends queries, matches responses by transaction id AND source address, and
 * times them out. The pending table is bounded (`maxPending`); a full table refuses new queries
 * rather than growing. Each query also has a "slow" deadline, adaptive to measured round-trip
 * times (like TCP's RTO: srtt + 4 * rttvar, clamped), after which lookups stop waiting for it
 * while it may still answer until the hard timeout.
 */
import type { Cancel, Clock } from '../../ports/clock.js';
import type { Rng } from '../../ports/rng.js';
import { encodeKrpc } from '../../codecs/krpc/encode.js';
import { KrpcCode, KrpcRemoteError } from '../../codecs/krpc/errors.js';
import type { KnownQuery, KrpcErrorMessage, KrpcResponse, PeerAddress } from '../../codecs/krpc/types.js';
import { TorrentkitError } from '../../util/errors.js';

export interface QueryHandlers {
  onReply(msg: KrpcResponse, rttMs: number): void;
  /** Timeout, remote error, or the node closing. */
  onFailure(err: TorrentkitError): void;
  /** The query passed its slow deadline without an answer (it may still answer). */
  onSlow?(): void;
  /** This query's slow deadline, ms (default: the node-wide estimate, `slowAfterMs()`). */
  slowAfterMs?: number;
}

export type OutgoingQuery = DistributiveOmit<KnownQuery, 't' | 'id' | 'y'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface RpcOptions {
  /** Hard timeout of a query in ms. */
  timeoutMs: number;
  /** Bounds of the adaptive slow deadline in ms. */
  minSlowMs: number;
  maxSlowMs: number;
  /** Most queries in flight at once. */
  maxPending: number;
}

interface Pending {
  address: string;
  port: number;
  sentAt: number;
  handlers: QueryHandlers;
  cancelTimeout: Cancel;
  cancelSlow: Cancel;
}

export class Rpc {
  private readonly pending = new Map<number, Pending>();
  private nextTid: number;
  private srtt = -1;
  private rttvar = 0;
  readonly stats = { queriesSent: 0, repliesReceived: 0, timeouts: 0, errorsReceived: 0, refused: 0 };

  constructor(
    private readonly deps: { clock: Clock; rng: Rng; send: (data: Uint8Array, to: PeerAddress) => void; ownId: () => Uint8Array; readOnly: boolean },
    private readonly options: RpcOptions,
  ) {
    this.nextTid = deps.rng.int(65536);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Current slow deadline in ms. */
  slowAfterMs(): number {
    if (this.srtt < 0) return this.options.maxSlowMs;
    return Math.min(this.options.maxSlowMs, Math.max(this.options.minSlowMs, this.srtt + 4 * this.rttvar));
  }

  /** Sends a query; false (and no callback) when the pending table is full. */
  query(to: PeerAddress, q: OutgoingQuery, handlers: QueryHandlers): boolean {
    if (this.pending.size >= this.options.maxPending) {
      this.stats.refused++;
      return false;
    }
    let tid = this.nextTid;
    while (this.pending.has(tid)) tid = (tid + 1) & 0xffff;
    this.nextTid = (tid + 1) & 0xffff;
    const t = new Uint8Array([tid >> 8, tid & 0xff]);
    const msg = { ...q, y: 'q', t, id: this.deps.ownId(), ...(this.deps.readOnly ? { readOnly: true } : {}) } as KnownQuery;
    const bytes = encodeKrpc(msg);
    const { clock } = this.deps;
    const entry: Pending = {
      address: to.address,
      port: to.port,
      sentAt: clock.now(),
      handlers,
      cancelTimeout: () => {},
      cancelSlow: () => {},
    };
    entry.cancelTimeout = clock.setTimeout(() => {
      if (this.pending.get(tid) !== entry) return;
      this.finish(tid, entry);
      this.stats.timeouts++;
      handlers.onFailure(new TorrentkitError(KrpcCode.Timeout, `no answer from ${to.address}:${to.port} to ${q.q}`));
    }, this.options.timeoutMs);
    if (handlers.onSlow) {
      const onSlow = handlers.onSlow;
      entry.cancelSlow = clock.setTimeout(() => {
        if (this.pending.get(tid) === entry) onSlow();
      }, handlers.slowAfterMs ?? this.slowAfterMs());
    }
    this.pending.set(tid, entry);
    this.stats.queriesSent++;
    this.deps.send(bytes, to);
    return true;
  }

  private finish(tid: number, entry: Pending): void {
    this.pending.delete(tid);
    entry.cancelTimeout();
    entry.cancelSlow();
  }

  private take(t: Uint8Array, from: PeerAddress): Pending | undefined {
    if (t.length !== 2) return undefined;
    const tid = (t[0] << 8) | t[1];
    const entry = this.pending.get(tid);
    // A reply must come from the address we asked: anything else is stale or spoofed.
    if (!entry || entry.address !== from.address || entry.port !== from.port) return undefined;
    this.finish(tid, entry);
    return entry;
  }

  /** Feeds a response or error message; returns false when it matched no pending query. */
  handle(msg: KrpcResponse | KrpcErrorMessage, from: PeerAddress): boolean {
    const entry = this.take(msg.t, from);
    if (!entry) return false;
    const rtt = this.deps.clock.now() - entry.sentAt;
    if (msg.y === 'e') {
      this.stats.errorsReceived++;
      entry.handlers.onFailure(new KrpcRemoteError(msg.number, msg.message));
      return true;
    }
    this.stats.repliesReceived++;
    this.sampleRtt(rtt);
    entry.handlers.onReply(msg, rtt);
    return true;
  }

  private sampleRtt(rtt: number): void {
    if (this.srtt < 0) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
  }

  /** Fails every pending query (the node is closing). */
  close(): void {
    const entries = [...this.pending.entries()];
    for (const [tid, entry] of entries) {
      this.finish(tid, entry);
      entry.handlers.onFailure(new TorrentkitError('BT_ERR_DHT_CLOSED', 'the DHT node closed'));
    }
  }
}
