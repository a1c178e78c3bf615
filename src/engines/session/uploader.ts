/**
 * The upload side of one torrent: answers the requests peers make (the Wire already checked choke
 * state, allowed-fast and queue limits) with blocks read through the PieceReader, within the upload
 * rate limits and the connection's write backpressure.
 *
 * Per peer, requests wait in arrival order; at most `READS_IN_FLIGHT` reads run at once per peer
 * and a peer whose connection is over its high-water mark waits for `drain`. Rate limits are token
 * buckets (the torrent's and the client's); a block that does not fit waits for the tokens.
 */
import type { BlockRef } from '../../codecs/wire/index.js';
import type { TokenBucket } from '../../policies/token-bucket.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { PeerSession } from './peer.js';
import type { PieceReader } from './piece-reader.js';

const READS_IN_FLIGHT = 16;
/** Pieces read ahead of the one being sent, per peer. */
const READ_AHEAD_PIECES = 2;

interface PeerQueue {
  queue: BlockRef[];
  reading: number;
  timer: Cancel | undefined;
}

export interface UploaderHooks {
  /** Whether we have (verified) the piece. */
  has(piece: number): boolean;
  onPayload(peer: PeerSession, bytes: number): void;
  /** A read failed (piece missing or corrupt on disk). */
  onReadError(peer: PeerSession, block: BlockRef, err: unknown): void;
}

export class Uploader {
  private readonly queues = new Map<PeerSession, PeerQueue>();

  constructor(
    private readonly deps: { clock: Clock; reader: PieceReader; buckets: readonly TokenBucket[] },
    private readonly hooks: UploaderHooks,
  ) {}

  onRequest(peer: PeerSession, block: BlockRef): void {
    if (!this.hooks.has(block.index)) {
      // We never announced it: BEP 6 lets us reject; without it the request is dropped.
      peer.wire.reject(block.index, block.begin, block.length);
      return;
    }
    let q = this.queues.get(peer);
    if (!q) this.queues.set(peer, (q = { queue: [], reading: 0, timer: undefined }));
    q.queue.push(block);
    this.pump(peer, q);
  }

  onCancel(peer: PeerSession, block: BlockRef): void {
    const q = this.queues.get(peer);
    if (!q) return;
    const i = q.queue.findIndex((b) => b.index === block.index && b.begin === block.begin && b.length === block.length);
    if (i >= 0) {
      q.queue.splice(i, 1);
      // BEP 6: a cancelled request is still answered, with a reject.
      peer.wire.reject(block.index, block.begin, block.length);
    }
  }

  /**
   * We choked the peer: the wire dropped (BEP 3) or rejected (BEP 6) its pending requests, except
   * allowed-fast ones; queued blocks the wire no longer holds are skipped when sending.
   */
  onChoke(peer: PeerSession): void {
    const q = this.queues.get(peer);
    if (q) q.queue = [];
  }

  onDrain(peer: PeerSession): void {
    const q = this.queues.get(peer);
    if (q) this.pump(peer, q);
  }

  peerGone(peer: PeerSession): void {
    const q = this.queues.get(peer);
    q?.timer?.();
    this.queues.delete(peer);
  }

  close(): void {
    for (const q of this.queues.values()) q.timer?.();
    this.queues.clear();
  }

  private pump(peer: PeerSession, q: PeerQueue): void {
    const now = this.deps.clock.now();
    while (q.queue.length > 0 && q.reading < READS_IN_FLIGHT && peer.wire.writable && !peer.wire.closed && !q.timer) {
      const block = q.queue[0];
      let wait = 0;
      for (const b of this.deps.buckets) wait = Math.max(wait, b.waitMs(block.length, now));
      if (wait > 0) {
        q.timer = this.deps.clock.setTimeout(() => {
          q.timer = undefined;
          if (this.queues.get(peer) === q) this.pump(peer, q);
        }, wait);
        return;
      }
      for (const b of this.deps.buckets) b.tryTake(block.length, now);
      q.queue.shift();
      const cached = this.deps.reader.cachedBlock(block.index, block.begin, block.length);
      if (cached) {
        this.sendCached(peer, block, cached);
        continue;
      }
      q.reading++;
      this.deps.reader.heldBlock(block.index, block.begin, block.length).then(
        (data) => {
          q.reading--;
          this.sendHeld(peer, block, data);
          if (this.queues.get(peer) === q) this.pump(peer, q);
        },
        (err) => {
          q.reading--;
          peer.wire.reject(block.index, block.begin, block.length);
          this.hooks.onReadError(peer, block, err);
          if (this.queues.get(peer) === q) this.pump(peer, q);
        },
      );
    }
    this.readAhead(q);
  }

  /** Sends a block of a cached piece, held until the transport has written it (PieceReader). */
  private sendCached(peer: PeerSession, block: BlockRef, data: Uint8Array): void {
    this.deps.reader.hold(data);
    this.sendHeld(peer, block, data);
  }

  /** Sends a held block; the transport's `onWritten` releases it, or a refusal does now. */
  private sendHeld(peer: PeerSession, block: BlockRef, data: Uint8Array): void {
    const reader = this.deps.reader;
    // piece() answers false both for "no such request pending" and "over the high-water mark";
    // the payload counter tells whether the block went out.
    const before = peer.wire.stats.payloadSent;
    peer.wire.piece(block.index, block.begin, data, () => reader.release(data));
    if (peer.wire.stats.payloadSent === before) {
      reader.release(data);
      return;
    }
    peer.up.add(data.length, this.deps.clock.now());
    this.hooks.onPayload(peer, data.length);
  }

  /** Starts reading the next pieces the peer asked for while the current one is sent. */
  private readAhead(q: PeerQueue): void {
    let last = -1;
    let ahead = 0;
    for (const b of q.queue) {
      if (b.index === last) continue;
      last = b.index;
      this.deps.reader.prefetch(b.index);
      if (++ahead >= READ_AHEAD_PIECES) return;
    }
  }
}
