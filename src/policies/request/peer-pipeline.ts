/**
 * Request pipeline of one peer: how many requests to keep outstanding, which ones are late, and
 * whether the peer snubs us.
 *
 * Owns: the peer's outstanding requests with the time each was sent, its download rate (bytes it
 * sent us), the time of its last block, its `reqq` (BEP 10 extension handshake), snubbed state.
 * Invariants: every outstanding request is keyed once by `piece:begin`; `snubbed` is cleared by
 * the next block.
 * Depth: libtorrent keeps `rate x request_queue_time / block size` requests queued (3 s by
 * default), bounded below so a new peer can show its speed and above by the peer's `reqq` and
 * our own cap; a snubbed peer gets one request at a time. Slow start (libtorrent's): a new peer's
 * queue grows by one request per block it delivers while its queue is full, doubling every round
 * trip, until its rate stops growing from one tick to the next; the rate then sets the depth. A
 * queue of `minDepth` alone would hold a fast peer to a few blocks per round trip for seconds.
 * Timeouts: a request is late once `requestTimeoutMs` have passed since it was sent and since the
 * peer last delivered anything (a peer working through a deep queue is not late; a stalled one is).
 * Snubbing: no block for `snubTimeoutMs` (libtorrent and mainline: 60 s) while we wait on the peer.
 * We wait from the first request sent after the last block until the peer delivers or our
 * requests are withdrawn for reasons not the peer's (choke, cancels); timed out requests do not end
 * the wait, so a peer that never answers is snubbed although each request times out sooner.
 */
import { RateEstimator } from '../rate.js';
import { BLOCK_SIZE, type BlockRequest } from '../picker/types.js';
import { DOUBLE_ZERO } from '../../util/double.js';

export interface PipelineOptions {
  /** Seconds of the peer's rate to keep requested. Default 3. */
  readonly queueSeconds?: number;
  /** Fewest requests kept outstanding (unless snubbed). Default 4. */
  readonly minDepth?: number;
  /** Most requests kept outstanding whatever the rate. Default 500 (libtorrent's max_out_request_queue). */
  readonly maxDepth?: number;
  /** A request with no progress for this long is timed out. Default 20 s. */
  readonly requestTimeoutMs?: number;
  /** No block for this long while requests are outstanding: snubbed. Default 60 s. */
  readonly snubTimeoutMs?: number;
  /** Block size in bytes, for the depth. Default 16 KiB. */
  readonly blockSize?: number;
  /** Rate window. Default 5 s. */
  readonly rateWindowMs?: number;
}

/** Outstanding requests a peer accepts when it does not say (BEP 10 `reqq`; libtorrent's default). */
export const DEFAULT_REQQ = 250;

interface Outstanding {
  readonly request: BlockRequest;
  readonly sentAt: number;
}

export class PeerPipeline {
  readonly rate: RateEstimator;
  private readonly out = new Map<number, Outstanding>();
  private readonly queueSeconds: number;
  private readonly minDepth: number;
  private readonly maxDepth: number;
  private readonly requestTimeoutMs: number;
  private readonly snubTimeoutMs: number;
  private readonly blockSize: number;
  private lastBlockAt: number;
  /** Since when we wait on the peer; NaN while we do not (a number either way, so V8 keeps the field a double). */
  private waitingSince = Number.NaN;
  private isSnubbed = false;
  private slowStart = true;
  private slowDepth: number;
  private lastTickRate = DOUBLE_ZERO;
  /** The last fill filled the queue to the slow-start depth (the queue, not the picker, limited it). */
  private depthLimited = false;
  /** Peer's `reqq` from its extension handshake. */
  reqq = DEFAULT_REQQ;

  constructor(now: number, options: PipelineOptions = {}) {
    this.queueSeconds = options.queueSeconds ?? 3;
    this.minDepth = options.minDepth ?? 4;
    this.maxDepth = options.maxDepth ?? 500;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
    this.snubTimeoutMs = options.snubTimeoutMs ?? 60_000;
    this.blockSize = options.blockSize ?? BLOCK_SIZE;
    this.rate = new RateEstimator(options.rateWindowMs ?? 5_000);
    this.lastBlockAt = now;
    this.slowDepth = this.minDepth;
  }

  /** Whether the queue still grows per delivered block (see Depth above). */
  get inSlowStart(): boolean {
    return this.slowStart;
  }

  get outstanding(): number {
    return this.out.size;
  }

  get snubbed(): boolean {
    return this.isSnubbed;
  }

  /**
   * Requests to keep outstanding now. `queueSeconds` overrides the option: a shorter queue while
   * time-critical pieces are wanted, so that a critical request does not wait behind seconds of
   * others in the peer's queue (peers serve requests in order).
   */
  depth(now: number, queueSeconds = this.queueSeconds): number {
    if (this.isSnubbed) return 1;
    const byRate = Math.ceil((this.rate.rate(now) * Math.min(queueSeconds, this.queueSeconds)) / this.blockSize);
    // Slow start only for the normal queue: a short (critical) queue stays short.
    const floor = this.slowStart && queueSeconds >= this.queueSeconds ? this.slowDepth : this.minDepth;
    return Math.max(1, Math.min(Math.max(byRate, floor), this.maxDepth, this.reqq));
  }

  /** How many more requests to send now. */
  room(now: number, queueSeconds = this.queueSeconds): number {
    return Math.max(0, this.depth(now, queueSeconds) - this.out.size);
  }

  /** Bytes still to come for the requests outstanding. */
  bytesOutstanding(): number {
    let n = 0;
    for (const o of this.out.values()) n += o.request.length;
    return n;
  }

  /** Expected milliseconds until everything outstanding has arrived, at the measured rate. */
  expectedDrainMs(now: number): number {
    const r = this.rate.rate(now);
    return r > 0 ? (this.bytesOutstanding() * 1000) / r : Infinity;
  }

  /** The outstanding requests, oldest first. */
  requests(): BlockRequest[] {
    return [...this.out.values()].map((o) => o.request);
  }

  sent(requests: readonly BlockRequest[], now: number): void {
    if (requests.length > 0 && Number.isNaN(this.waitingSince)) this.waitingSince = now;
    for (const r of requests) this.out.set(key(r.piece, r.begin), { request: r, sentAt: now });
    if (requests.length > 0) this.depthLimited = this.out.size >= this.slowDepth;
  }

  has(piece: number, begin: number): boolean {
    return this.out.has(key(piece, begin));
  }

  sentAt(piece: number, begin: number): number | undefined {
    return this.out.get(key(piece, begin))?.sentAt;
  }

  /**
   * A block arrived (`bytes` long). Counts toward the rate even if we had not requested it or had
   * cancelled it: the peer did send it. Returns whether it was outstanding.
   */
  received(piece: number, begin: number, bytes: number, now: number): boolean {
    this.rate.add(bytes, now);
    this.lastBlockAt = now;
    this.isSnubbed = false;
    const was = this.out.delete(key(piece, begin));
    // The queue was full when last filled: the peer keeps up with it, so it may hold one more.
    if (was && this.slowStart && this.depthLimited) this.slowDepth = Math.min(this.slowDepth + 1, this.maxDepth);
    this.waitingSince = this.out.size > 0 ? now : Number.NaN;
    return was;
  }

  /**
   * The request ended without data: cancelled by us or rejected, or (with `timedOut`) given up
   * on, which does not end the wait for the snub timeout.
   */
  remove(piece: number, begin: number, timedOut = false): boolean {
    const was = this.out.delete(key(piece, begin));
    if (this.out.size === 0 && !timedOut) this.waitingSince = Number.NaN;
    return was;
  }

  /** Removes and returns every outstanding request (peer gone, or choked without BEP 6). */
  clear(): BlockRequest[] {
    const all = this.requests();
    this.out.clear();
    this.waitingSince = Number.NaN;
    return all;
  }

  /** Outstanding requests with no progress for `requestTimeoutMs`; they stay outstanding. */
  late(now: number): BlockRequest[] {
    const out: BlockRequest[] = [];
    for (const o of this.out.values()) {
      if (now - Math.max(o.sentAt, this.lastBlockAt) >= this.requestTimeoutMs) out.push(o.request);
    }
    return out;
  }

  /**
   * About once a second: slow start ends when the rate grew by less than a tenth (and 5 kB/s,
   * libtorrent's margin) since the last call while requests were outstanding.
   */
  tickRate(now: number): void {
    if (!this.slowStart) return;
    const r = this.rate.rate(now);
    if (this.out.size > 0 && this.lastTickRate > 0 && r < this.lastTickRate * 1.1 + 5_000) this.slowStart = false;
    this.lastTickRate = r;
  }

  /** Re-evaluates snubbing; returns true when the peer just became snubbed. */
  checkSnubbed(now: number): boolean {
    if (this.isSnubbed || Number.isNaN(this.waitingSince)) return false;
    if (now - this.waitingSince < this.snubTimeoutMs) return false;
    this.isSnubbed = true;
    this.slowStart = false;
    return true;
  }
}

/**
 * One number per block: pieces are at most 512 MiB (BEP 52's largest practical size), so
 * begin / 16 KiB < 65,536 and the key is unique and exact (no string allocated per request).
 */
function key(piece: number, begin: number): number {
  return piece * 65_536 + begin / BLOCK_SIZE;
}
