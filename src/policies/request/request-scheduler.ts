/**
 * Request scheduling: keeps each peer's pipeline full with blocks from the piece picker, sized to
 * the peer's measured rate, and takes blocks back from peers that stall.
 *
 * Owns: one PeerPipeline per connected peer and each peer's speed class (fast / medium / slow,
 * relative to the fastest peer, recomputed on every `tick`).
 * Invariants: a request is outstanding in a peer's pipeline exactly when the picker lists that
 * peer as a holder of the block (every path that ends a request updates both); requests are sent
 * only to peers that were added.
 * The engine calls `fill` when a peer unchokes us, when a block arrives and after `tick` (about
 * once a second); it sends the returned requests and cancels. Time is passed in.
 * While critical pieces are wanted, pipelines are kept to `criticalQueueSeconds` of each peer's
 * rate, so a critical request is served within about that long by whichever peer takes it.
 * Slow peers: their speed class keeps them off critical pieces (the picker), endgame duplicates
 * the last blocks they hold, and `tick` takes critical blocks back from slow or snubbed peers that
 * have held them for `criticalStallMs`, so a faster peer requests them.
 */
import type { PiecePicker } from '../picker/piece-picker.js';
import type { BlockReceipt, BlockRequest, PeerRequest, PickPeer, SpeedClass } from '../picker/types.js';
import { PeerPipeline, type PipelineOptions } from './peer-pipeline.js';

export interface SchedulerOptions extends PipelineOptions {
  /** Peers at or above this fraction of the fastest peer's rate are fast. Default 0.5. */
  readonly fastFraction?: number;
  /** Peers below this fraction of the fastest peer's rate are slow. Default 0.2. */
  readonly slowFraction?: number;
  /** A slow peer holding a critical block this long loses it. Default 1500 ms. */
  readonly criticalStallMs?: number;
  /** Queue length in seconds of rate while critical pieces are wanted. Default 1. */
  readonly criticalQueueSeconds?: number;
}

/** `T` with each of its optional keys present (its value may still be undefined). */
type AllKeys<T> = { [K in keyof Required<T>]: T[K] };

/** What the engine knows of a peer when filling its pipeline (the scheduler adds id and speed). */
export type PeerView<P> = Omit<PickPeer<P>, 'id' | 'speed'>;

export interface TickResult<P> {
  /** Requests taken back (timed out, or critical blocks held by a slow peer): send a cancel. */
  readonly cancel: PeerRequest<P>[];
  /** Peers that have just become snubbed (the choker leaves them out of tit-for-tat). */
  readonly snubbed: P[];
}

export class RequestScheduler<P> {
  private readonly picker: PiecePicker<P>;
  private readonly options: SchedulerOptions;
  private readonly peers = new Map<P, PeerPipeline>();
  private readonly speeds = new Map<P, SpeedClass>();

  constructor(deps: { picker: PiecePicker<P> }, options: SchedulerOptions = {}) {
    this.picker = deps.picker;
    this.options = options;
  }

  addPeer(peer: P, now: number): PeerPipeline {
    let p = this.peers.get(peer);
    if (!p) this.peers.set(peer, (p = new PeerPipeline(now, this.options)));
    return p;
  }

  /** The peer's BEP 10 `reqq`: the most requests it queues. */
  setReqq(peer: P, reqq: number): void {
    const p = this.peers.get(peer);
    if (p && Number.isInteger(reqq) && reqq > 0) p.reqq = reqq;
  }

  /** The peer left: its requests return to the picker's pool. Returns them. */
  removePeer(peer: P): BlockRequest[] {
    this.peers.delete(peer);
    this.speeds.delete(peer);
    return this.picker.releasePeer(peer);
  }

  pipeline(peer: P): PeerPipeline | undefined {
    return this.peers.get(peer);
  }

  speedOf(peer: P): SpeedClass {
    return this.speeds.get(peer) ?? 'medium';
  }

  /** Picks requests to send to `peer` now, up to its pipeline depth (and `limit`, for rate limits). */
  fill(peer: P, view: PeerView<P>, now: number, limit = Number.POSITIVE_INFINITY): BlockRequest[] {
    const p = this.peers.get(peer);
    if (!p) return [];
    const critical = this.picker.deadlines.size > 0;
    const room = Math.min(limit, critical ? p.room(now, this.options.criticalQueueSeconds ?? 1) : p.room(now));
    if (room === 0) return [];
    // Spelled out rather than spread: V8 builds a spread object through its slow generic path,
    // which took a tenth of a swarm leecher's fill time. Typed with every key of PickPeer, so a
    // field added there cannot be left out here.
    const pickPeer: AllKeys<PickPeer<P>> = {
      id: peer,
      has: view.has,
      choked: view.choked,
      allowedFast: view.allowedFast,
      suggested: view.suggested,
      speed: this.speedOf(peer),
      newPieces: view.newPieces,
    };
    const picked = this.picker.pickBlocks(pickPeer, room, now);
    p.sent(picked, now);
    return picked;
  }

  /**
   * A block arrived. Updates the rate, the picker and every pipeline that held a request for the
   * block; returns the picker's receipt (whom to cancel, whether the piece is ready to hash).
   */
  blockReceived(peer: P, piece: number, begin: number, length: number, now: number): BlockReceipt<P> {
    this.peers.get(peer)?.received(piece, begin, length, now);
    const receipt = this.picker.blockReceived(peer, piece, Math.floor(begin / this.picker.geo.blockSize));
    this.forget(receipt.cancel);
    return receipt;
  }

  /** A request ended without data: rejected (BEP 6), or cancelled by us. */
  requestEnded(peer: P, piece: number, begin: number): void {
    this.peers.get(peer)?.remove(piece, begin);
    this.picker.abortRequest(peer, piece, Math.floor(begin / this.picker.geo.blockSize));
  }

  /**
   * The peer choked us. Without the fast extension, the peer discards our requests (BEP 3), so
   * they return to the pool; with it (BEP 6) they stand until rejected. Returns those dropped.
   */
  choked(peer: P, fastExtension: boolean): BlockRequest[] {
    if (fastExtension) return [];
    this.peers.get(peer)?.clear();
    return this.picker.releasePeer(peer);
  }

  /** Removes requests the picker dropped (e.g. `pieceVerified`, `deadlines.clear`) from the pipelines. */
  forget(requests: readonly PeerRequest<P>[]): void {
    for (const r of requests) this.peers.get(r.peer)?.remove(r.piece, r.begin);
  }

  /** Periodic work (about once a second): timeouts, snubbing, speed classes, stalled critical blocks. */
  tick(now: number): TickResult<P> {
    const cancel: PeerRequest<P>[] = [];
    const snubbed: P[] = [];
    for (const [peer, p] of this.peers) {
      for (const r of p.late(now)) {
        p.remove(r.piece, r.begin, true);
        this.picker.abortRequest(peer, r.piece, r.block);
        cancel.push({ peer, ...r });
      }
      if (p.checkSnubbed(now)) snubbed.push(peer);
      p.tickRate(now);
    }
    this.classify(now);
    const stallMs = this.options.criticalStallMs ?? 1_500;
    for (const r of this.picker.deadlines.stalled(now, stallMs)) {
      const p = this.peers.get(r.peer);
      if (!p || (this.speedOf(r.peer) !== 'slow' && !p.snubbed)) continue;
      const sentAt = p.sentAt(r.piece, r.begin);
      if (sentAt === undefined || now - sentAt < stallMs) continue;
      p.remove(r.piece, r.begin);
      this.picker.abortRequest(r.peer, r.piece, r.block);
      cancel.push(r);
    }
    return { cancel, snubbed };
  }

  /** Ranks peers by download rate relative to the fastest; snubbed peers are slow. */
  private classify(now: number): void {
    let best = 0;
    const rates = new Map<P, number>();
    for (const [peer, p] of this.peers) {
      const r = p.rate.rate(now);
      rates.set(peer, r);
      if (r > best) best = r;
    }
    const fast = this.options.fastFraction ?? 0.5;
    const slow = this.options.slowFraction ?? 0.2;
    for (const [peer, p] of this.peers) {
      const r = rates.get(peer)!;
      let cls: SpeedClass = 'medium';
      if (p.snubbed) cls = 'slow';
      else if (best > 0 && p.rate.total > 0) cls = r >= best * fast ? 'fast' : r < best * slow ? 'slow' : 'medium';
      this.speeds.set(peer, cls);
    }
  }
}
