/**
 * The download side of one torrent: turns the peers' piece announcements and blocks into requests
 * and complete pieces. Glue between the wire events and the policies: the piece picker (what to
 * request), the request scheduler (how many, from whom, when to give up) and the piece assembler
 * (where blocks wait until their piece is complete). Complete pieces go to `onPieceComplete`;
 * verification and storage are not this module's business.
 */
import { type PeerRequest, PiecePicker } from '../../policies/picker/index.js';
import type { Random } from '../../policies/random.js';
import { RequestScheduler } from '../../policies/request/index.js';
import type { TokenBucket } from '../../policies/token-bucket.js';
import type { Clock } from '../../ports/clock.js';
import { Bitfield } from '../../util/bitfield.js';
import type { BlockRef } from '../../codecs/wire/index.js';
import type { PieceEvent } from '../wire/index.js';
import type { PeerSession } from './peer.js';
import { PieceAssembler } from './piece-assembler.js';

const BLOCK = 16 * 1024;
/** Seconds of its rate each peer queues while a reader waits on critical pieces. */
const CRITICAL_QUEUE_SECONDS = 0.25;
/** Most free request slots a busy peer's queue waits for before it is refilled. */
const REFILL_BATCH = 16;

/**
 * Memory for pieces being assembled and verified, with one peer: 16 MiB (four times a peer's
 * 4 MiB queue of requests; pieces are hashed as they complete, so only the disk write keeps them
 * longer), or eight pieces when pieces are large, so big pieces still overlap.
 */
const ASSEMBLY_MEMORY = 16 * 1024 * 1024;
const ASSEMBLY_MIN_PIECES = 8;
/** Each further peer adds 4 MiB (two pieces when pieces are larger), up to 64 MiB in all. */
const ASSEMBLY_PER_PEER = 4 * 1024 * 1024;
const ASSEMBLY_MAX_MEMORY = 64 * 1024 * 1024;

export interface TransferOptions {
  pieceLength: number;
  totalLength: number;
  /** Memory for pieces being assembled (bytes) with one peer (default: see ASSEMBLY_MEMORY). */
  memoryBytes?: number;
  /**
   * More memory per further peer, up to `maxMemoryBytes`: each peer keeps seconds of its rate
   * requested, and a budget sized for one peer lets the queues of a few slow peers hold every
   * open piece while a fast peer (the seeder of a swarm) waits idle.
   */
  memoryPerPeerBytes?: number;
  maxMemoryBytes?: number;
}

export interface TransferHooks {
  /** Every block of `piece` arrived; `data` must be given back with `release` once handled. */
  onPieceComplete(piece: number, data: Uint8Array): void;
  /** Payload bytes received from a peer (for rates and statistics). */
  onPayload(peer: PeerSession, bytes: number): void;
}

export class Transfer {
  readonly picker: PiecePicker<PeerSession>;
  readonly scheduler: RequestScheduler<PeerSession>;
  readonly assembler: PieceAssembler;
  private readonly peers = new Set<PeerSession>();
  private readonly clock: Clock;
  /** The assembly budget: `base` with one peer, plus `perPeer` for each further one, up to `max`. */
  private readonly memory: { base: number; perPeer: number; max: number };
  /** Downloading stops (no new requests) while paused or when the torrent is done. */
  active = true;
  /** Download rate limits (the torrent's and the client's): requests are sent within them. */
  buckets: readonly TokenBucket[] = [];
  /**
   * Assembly memory in use when a fill last found only new pieces to pick while over budget;
   * fills wait until memory drops below it (or a peer, choke, reject or tick resets it).
   */
  private blockedAtBytes = Number.POSITIVE_INFINITY;

  constructor(
    deps: { clock: Clock; rng: Random },
    private readonly options: TransferOptions,
    private readonly hooks: TransferHooks,
  ) {
    this.clock = deps.clock;
    this.picker = new PiecePicker<PeerSession>({ rng: deps.rng }, { pieceLength: options.pieceLength, totalLength: options.totalLength });
    // While a reader waits (critical pieces), each peer queues a quarter second of its rate, so the
    // window's blocks spread over the fast peers instead of queueing behind one of them.
    this.scheduler = new RequestScheduler<PeerSession>({ picker: this.picker }, { criticalQueueSeconds: CRITICAL_QUEUE_SECONDS });
    const piece = options.pieceLength;
    this.memory = {
      base: options.memoryBytes ?? Math.max(ASSEMBLY_MEMORY, ASSEMBLY_MIN_PIECES * piece),
      perPeer: options.memoryPerPeerBytes ?? Math.max(ASSEMBLY_PER_PEER, 2 * piece),
      max: options.maxMemoryBytes ?? Math.max(ASSEMBLY_MAX_MEMORY, ASSEMBLY_MIN_PIECES * piece),
    };
    this.assembler = new PieceAssembler(options.pieceLength, options.totalLength, this.memory.base);
  }

  get pieceCount(): number {
    return this.picker.pieceCount;
  }

  addPeer(peer: PeerSession): void {
    this.peers.add(peer);
    this.scheduler.addPeer(peer, this.clock.now());
    this.sizeBudget();
  }

  private sizeBudget(): void {
    const { base, perPeer, max } = this.memory;
    this.assembler.setBudget(Math.max(base, Math.min(max, base + Math.max(0, this.peers.size - 1) * perPeer)));
  }

  peerGone(peer: PeerSession): void {
    if (!this.peers.delete(peer)) return;
    this.sizeBudget();
    this.blockedAtBytes = Number.POSITIVE_INFINITY;
    this.scheduler.removePeer(peer);
    if (peer.has !== undefined) this.picker.removeAvailability(peer.has);
  }

  setReqq(peer: PeerSession, reqq: number | undefined): void {
    if (reqq !== undefined) this.scheduler.setReqq(peer, reqq);
  }

  onBitfield(peer: PeerSession, bytes: Uint8Array): void {
    if (peer.has !== undefined) this.picker.removeAvailability(peer.has);
    peer.has = new Bitfield(this.pieceCount, bytes);
    this.picker.addAvailability(peer.has);
    this.updateInterest(peer);
  }

  onHaveAll(peer: PeerSession): void {
    if (peer.has !== undefined) this.picker.removeAvailability(peer.has);
    peer.has = 'all';
    this.picker.addAvailability('all');
    this.updateInterest(peer);
  }

  onHaveNone(peer: PeerSession): void {
    if (peer.has !== undefined) this.picker.removeAvailability(peer.has);
    peer.has = new Bitfield(this.pieceCount);
  }

  onHave(peer: PeerSession, piece: number): void {
    if (piece < 0 || piece >= this.pieceCount) return;
    if (!peer.addHave(piece, this.pieceCount)) return;
    this.picker.peerHave(piece);
    if (!peer.wire.amInterested && this.picker.wants(piece)) this.updateInterest(peer);
    else if (!peer.wire.peerChoking) this.fill(peer);
  }

  onSuggest(peer: PeerSession, piece: number): void {
    peer.suggested.push(piece);
    if (peer.suggested.length > 16) peer.suggested.shift();
  }

  /** Sends interested / not interested as the peer's pieces and ours change. */
  updateInterest(peer: PeerSession): void {
    const want = this.active && peer.has !== undefined && this.picker.interestedIn(peer.has);
    if (want && !peer.wire.amInterested) peer.wire.interested();
    else if (!want && peer.wire.amInterested) peer.wire.notInterested();
    if (want) this.fill(peer);
  }

  onChoke(peer: PeerSession): void {
    this.blockedAtBytes = Number.POSITIVE_INFINITY;
    this.scheduler.choked(peer, peer.wire.fastExtension);
  }

  onReject(peer: PeerSession, block: BlockRef): void {
    this.blockedAtBytes = Number.POSITIVE_INFINITY;
    this.scheduler.requestEnded(peer, block.index, block.begin);
  }

  /** Keeps the peer's request pipeline full. */
  fill(peer: PeerSession): void {
    const wire = peer.wire;
    if (!this.active || wire.closed || peer.has === undefined || !wire.amInterested) return;
    if (wire.peerChoking && wire.peerAllowedFast.size === 0) return;
    // Memory backpressure: partial pieces must complete before new ones start. After a fill that
    // could only pick new pieces, picking again is wasted until memory is released.
    const overBudget = !this.assembler.canOpen();
    if (overBudget && this.assembler.bytesInUse >= this.blockedAtBytes) return;
    const now = this.clock.now();
    const limit = this.allowance(now);
    if (limit === 0) return;
    const picked = this.scheduler.fill(
      peer,
      { has: peer.has, choked: wire.peerChoking, allowedFast: wire.peerAllowedFast, suggested: peer.suggested, newPieces: this.assembler.freeSlots },
      now,
      limit,
    );
    this.charge(picked.reduce((n, r) => n + r.length, 0), now);
    let blocked = false;
    for (const r of picked) {
      if (!this.assembler.isOpen(r.piece) && (overBudget || !this.assembler.open(r.piece))) {
        this.scheduler.requestEnded(peer, r.piece, r.begin);
        blocked = true;
        continue;
      }
      // A block whose cancel the peer has not answered yet is not asked again (BEP 6: the answer,
      // block or reject, would match either request).
      if (wire.isRequested(r.piece, r.begin, r.length) || !wire.request(r.piece, r.begin, r.length)) this.scheduler.requestEnded(peer, r.piece, r.begin);
    }
    // Nothing to take from started pieces and no memory to start another: the next release of
    // memory refills (the picker never offers blocks of pieces that could not be opened).
    if (picked.length === 0 && this.assembler.freeSlots === 0) blocked = true;
    this.blockedAtBytes = blocked ? this.assembler.bytesInUse : Number.POSITIVE_INFINITY;
  }

  /**
   * Rate limiting: requests are sent only for as many blocks as the buckets hold tokens for; the
   * tokens are taken when the requests go out (the bytes follow within about one round trip).
   */
  private allowance(now: number): number {
    let blocks = Number.POSITIVE_INFINITY;
    for (const b of this.buckets) {
      if (b.unlimited) continue;
      const wait = b.waitMs(BLOCK, now);
      blocks = wait > 0 ? 0 : Math.min(blocks, Math.max(1, Math.floor(b.available(now) / BLOCK)));
    }
    return blocks;
  }

  private charge(bytes: number, now: number): void {
    for (const b of this.buckets) if (!b.unlimited) b.take(bytes, now);
  }

  onBlock(peer: PeerSession, ev: PieceEvent): void {
    const now = this.clock.now();
    const len = ev.block.length;
    peer.down.add(len, now);
    this.hooks.onPayload(peer, len);
    if (ev.index >= this.pieceCount || this.picker.have.get(ev.index)) {
      if (ev.index < this.pieceCount) this.scheduler.requestEnded(peer, ev.index, ev.begin);
      return;
    }
    const receipt = this.scheduler.blockReceived(peer, ev.index, ev.begin, len, now);
    for (const c of receipt.cancel) c.peer.wire.cancel(c.piece, c.begin, c.length);
    if (!receipt.duplicate) {
      if (!this.assembler.isOpen(ev.index)) this.assembler.open(ev.index);
      const added = this.assembler.addBlock(ev.index, ev.begin, ev.block);
      if (added === 'complete') {
        this.hooks.onPieceComplete(ev.index, this.assembler.take(ev.index));
      }
    }
    // Refill in batches: one pick and one write for several requests instead of one per block,
    // while the queue stays deep enough that the peer never runs dry.
    const pipe = this.scheduler.pipeline(peer);
    if (pipe === undefined || pipe.room(now) >= Math.min(REFILL_BATCH, Math.max(1, pipe.depth(now) >> 2))) this.fill(peer);
  }

  /**
   * A piece's buffer went back to the assembler (verified and written, or failed): fills that
   * waited for memory go on now rather than at the next block or tick.
   */
  memoryReleased(): void {
    if (this.blockedAtBytes === Number.POSITIVE_INFINITY || this.assembler.bytesInUse >= this.blockedAtBytes) return;
    this.blockedAtBytes = Number.POSITIVE_INFINITY;
    for (const p of this.peers) this.fill(p);
  }

  /** The piece is verified and stored: cancel leftover requests, update interest. */
  pieceVerified(piece: number): void {
    const cancel = this.picker.pieceVerified(piece);
    this.scheduler.forget(cancel);
    for (const c of cancel) c.peer.wire.cancel(c.piece, c.begin, c.length);
    this.assembler.drop(piece);
    for (const p of this.peers) {
      if (p.wire.amInterested && p.has !== undefined && !this.picker.interestedIn(p.has)) p.wire.notInterested();
    }
  }

  /** The piece failed its hash check: blocks return to the pool; returns the likely culprits. */
  pieceFailed(piece: number): PeerSession[] {
    const failure = this.picker.pieceFailed(piece);
    for (const c of failure.contributors) c.peer.hashFailures += c.blocks;
    const culprits = failure.repeat.slice();
    if (failure.contributors.length === 1) culprits.push(failure.contributors[0].peer);
    return [...new Set(culprits)];
  }

  /** Piece priorities changed (file selection): cancel requests for pieces no longer wanted. */
  setPriorities(priorities: ArrayLike<number>): void {
    const cancel = this.picker.setPriorities(priorities);
    this.scheduler.forget(cancel);
    for (const c of cancel) c.peer.wire.cancel(c.piece, c.begin, c.length);
    for (const p of this.peers) this.updateInterest(p);
  }

  // ---- streaming deadlines (driven by the read heads of src/engines/stream) ----

  /** Makes `piece` critical with `deadline` (clock time); see PiecePicker.deadlines. */
  setDeadline(piece: number, deadline: number): void {
    this.picker.deadlines.set(piece, deadline);
  }

  /** The piece is no longer critical and nothing needs it now: cancel its requests. */
  dropDeadline(piece: number): void {
    this.cancelRequests(this.picker.deadlines.drop(piece));
  }

  /**
   * Deadlines changed: send the critical requests now. After a jump (a seek), requests for pieces
   * that are not critical are cancelled first: they would sit in the peers' queues ahead of the
   * new critical blocks (the blocks return to the pool and are requested again behind them).
   */
  commitDeadlines(jumped: boolean): void {
    if (jumped && this.picker.deadlines.size > 0) {
      for (const p of this.peers) {
        const drop = this.picker.requestsOf(p).filter((r) => this.picker.deadlines.of(r.piece) === undefined);
        for (const r of drop) {
          this.scheduler.requestEnded(p, r.piece, r.begin);
          p.wire.cancel(r.piece, r.begin, r.length);
        }
      }
    }
    for (const p of this.peers) this.fill(p);
  }

  private cancelRequests(cancel: readonly PeerRequest<PeerSession>[]): void {
    this.scheduler.forget(cancel);
    for (const c of cancel) c.peer.wire.cancel(c.piece, c.begin, c.length);
  }

  /** About once a second: timeouts, snubbing, speed classes; refill every pipeline. */
  tick(): void {
    const { cancel, snubbed } = this.scheduler.tick(this.clock.now());
    for (const c of cancel) c.peer.wire.cancel(c.piece, c.begin, c.length);
    for (const p of snubbed) p.snubbed = true;
    // At worst a fill waits one tick for memory (blocks returned to partial pieces, say).
    this.blockedAtBytes = Number.POSITIVE_INFINITY;
    for (const p of this.peers) {
      if (p.snubbed && !this.scheduler.pipeline(p)?.snubbed) p.snubbed = false;
      this.fill(p);
    }
  }
}
