/**
 * A small discrete-event swarm that drives the policies together (piece picker, request
 * scheduler, choker) without the wire codec or the engine: on a VirtualClock, with SeededRng,
 * full-mesh peers whose links have a latency and whose uploads have a rate. Each node serves the
 * requests of the peers it unchokes one block at a time, first come first served. Messages are
 * the BEP 3 ones (bitfield / have-all, have, interested, choke, unchoke, request, piece, cancel).
 */
import { SeededRng } from '../../src/adapters/testing/seeded-rng.js';
import { VirtualClock } from '../../src/adapters/testing/virtual-clock.js';
import { type ChokePeer, Choker, type ChokerOptions, RECHOKE_INTERVAL_MS } from '../../src/policies/choke/choker.js';
import { PiecePicker } from '../../src/policies/picker/piece-picker.js';
import { RateEstimator } from '../../src/policies/rate.js';
import { RequestScheduler, type SchedulerOptions } from '../../src/policies/request/request-scheduler.js';
import { Bitfield } from '../../src/util/bitfield.js';

export const BLOCK = 16 * 1024;

export interface NodeSpec {
  readonly id: string;
  /** Upload capacity in bytes per second (0: a free rider that never serves). */
  readonly uploadRate: number;
  readonly seed?: boolean;
  readonly sequential?: boolean;
  readonly endgame?: boolean;
  /** Every block this node sends is corrupt (the receiver's hash check fails). */
  readonly corrupt?: boolean;
  /** Fraction of the pieces the node starts with, chosen at random. */
  readonly initialShare?: number;
  /** Deadlines to set before the start: piece -> ms. */
  readonly deadlines?: ReadonlyMap<number, number>;
}

export interface SwarmSpec {
  readonly seed: number;
  readonly pieces: number;
  readonly blocksPerPiece?: number;
  readonly latencyMs?: number;
  readonly nodes: readonly NodeSpec[];
  readonly choker?: ChokerOptions;
  readonly scheduler?: SchedulerOptions;
}

interface Link {
  readonly remote: SimNode;
  remoteHas: Bitfield | 'all';
  amChoking: boolean;
  peerChoking: boolean;
  amInterested: boolean;
  peerInterested: boolean;
  readonly upRate: RateEstimator;
  /** What the peer sends us, over mainline's 20 s rolling window, for tit-for-tat. */
  readonly downRate: RateEstimator;
}

interface Job {
  readonly to: SimNode;
  readonly piece: number;
  readonly begin: number;
  readonly length: number;
}

export class SimNode {
  readonly picker: PiecePicker<string>;
  readonly sched: RequestScheduler<string>;
  readonly choker: Choker<string>;
  readonly links = new Map<string, Link>();
  readonly verifiedAt = new Map<number, number>();
  readonly optimisticLog: { at: number; ids: string[] }[] = [];
  /** Requests sent, per remote, as "piece:begin" (to check that every cancel names one). */
  readonly requested = new Map<string, Set<string>>();
  readonly stats = { bytesIn: 0, duplicates: 0, cancelsSent: 0, cancelsHit: 0, badCancels: 0, uploaded: 0 };
  readonly bytesFrom = new Map<string, number>();
  doneAt: number | undefined;
  /** Peers banned for sending corrupt data, and hash failures seen. */
  readonly banned = new Set<string>();
  hashFailures = 0;
  /** Pieces holding a block from a corrupt sender (the simulated hash check fails them). */
  private readonly tainted = new Set<number>();
  private queue: Job[] = [];
  private busy = false;

  constructor(
    readonly swarm: Swarm,
    readonly spec: NodeSpec,
  ) {
    const bpp = swarm.blocksPerPiece;
    this.picker = new PiecePicker<string>(
      { rng: swarm.rng },
      { pieceLength: bpp * BLOCK, totalLength: swarm.pieces * bpp * BLOCK, endgame: spec.endgame },
    );
    this.sched = new RequestScheduler<string>({ picker: this.picker }, swarm.spec.scheduler);
    this.choker = new Choker<string>(swarm.spec.choker);
    if (spec.seed) for (let i = 0; i < swarm.pieces; i++) this.picker.pieceVerified(i);
    else if (spec.initialShare) for (let i = 0; i < swarm.pieces; i++) if (swarm.rng.random() < spec.initialShare) this.picker.pieceVerified(i);
    if (spec.sequential) this.picker.setSequential(true);
    for (const [i, at] of spec.deadlines ?? []) this.picker.deadlines.set(i, at);
    if (spec.seed) this.doneAt = 0;
  }

  get id(): string {
    return this.spec.id;
  }

  connect(remote: SimNode): void {
    this.links.set(remote.id, {
      remote,
      remoteHas: new Bitfield(this.swarm.pieces),
      amChoking: true,
      peerChoking: true,
      amInterested: false,
      peerInterested: false,
      upRate: new RateEstimator(20_000, 1_000),
      downRate: new RateEstimator(20_000, 1_000),
    });
    this.sched.addPeer(remote.id, this.swarm.clock.now());
  }

  start(): void {
    const mine = this.spec.seed ? 'all' : this.picker.have.clone();
    for (const link of this.links.values()) this.send(link.remote, (r) => r.onBitfield(this.id, mine));
    const c = this.swarm.clock;
    // The first rechoke soon after the bitfields are in, then every 10 s, nodes out of step.
    const offset = 100 + this.swarm.rng.int(1_000);
    c.setTimeout(() => {
      this.rechoke();
      c.setInterval(() => this.rechoke(), RECHOKE_INTERVAL_MS);
    }, offset);
    c.setInterval(() => this.tick(), 1_000);
  }

  private send(to: SimNode, fn: (r: SimNode) => void): void {
    this.swarm.clock.setTimeout(() => fn(to), this.swarm.latencyMs);
  }

  private link(id: string): Link {
    return this.links.get(id)!;
  }

  // ---- downloading side ----

  onBitfield(from: string, has: Bitfield | 'all'): void {
    if (!this.links.has(from)) return;
    const link = this.link(from);
    link.remoteHas = has === 'all' ? 'all' : has.clone();
    this.picker.addAvailability(link.remoteHas);
    this.updateInterest(link);
  }

  onHave(from: string, piece: number): void {
    if (!this.links.has(from)) return;
    const link = this.link(from);
    if (link.remoteHas === 'all' || link.remoteHas.get(piece)) return;
    link.remoteHas.set(piece);
    this.picker.peerHave(piece);
    this.updateInterest(link);
  }

  onChoke(from: string): void {
    if (!this.links.has(from)) return;
    this.link(from).peerChoking = true;
    this.sched.choked(from, false);
  }

  onUnchoke(from: string): void {
    if (!this.links.has(from)) return;
    this.link(from).peerChoking = false;
    this.fill(this.link(from));
  }

  onBlock(from: string, piece: number, begin: number, length: number): void {
    if (!this.links.has(from)) return;
    const now = this.swarm.clock.now();
    this.stats.bytesIn += length;
    this.bytesFrom.set(from, (this.bytesFrom.get(from) ?? 0) + length);
    this.link(from).downRate.add(length, now);
    const receipt = this.sched.blockReceived(from, piece, begin, length, now);
    if (receipt.duplicate) this.stats.duplicates++;
    else if (this.link(from).remote.spec.corrupt) this.tainted.add(piece);
    this.sendCancels(receipt.cancel);
    if (receipt.pieceComplete && this.tainted.delete(piece)) {
      this.hashFailed(piece);
    } else if (receipt.pieceComplete) {
      const cancels = this.picker.pieceVerified(piece);
      this.sched.forget(cancels);
      this.sendCancels(cancels);
      this.verifiedAt.set(piece, now);
      for (const link of this.links.values()) this.send(link.remote, (r) => r.onHave(this.id, piece));
      if (this.picker.done && this.doneAt === undefined) this.doneAt = now;
      for (const link of this.links.values()) this.updateInterest(link);
    }
    const link = this.links.get(from); // gone if this block got it banned
    if (link) this.fill(link);
  }

  /**
   * Ban policy: the peer that sent all of a failed piece (after a first failure the picker fetches
   * the piece from a single peer, so a second failure always names one).
   */
  private hashFailed(piece: number): void {
    this.hashFailures++;
    const failure = this.picker.pieceFailed(piece);
    const culprits = failure.contributors.length === 1 ? [failure.contributors[0].peer] : [];
    for (const id of culprits) {
      this.banned.add(id);
      const link = this.link(id);
      this.drop(id);
      link.remote.drop(this.id);
    }
  }

  /** Closes the connection to `id`: its requests and availability leave the policies. */
  drop(id: string): void {
    const link = this.links.get(id);
    if (!link) return;
    this.picker.peerGone(id, link.remoteHas);
    this.sched.removePeer(id);
    this.queue = this.queue.filter((j) => j.to.id !== id);
    this.links.delete(id);
  }

  private sendCancels(cancels: readonly { peer: string; piece: number; begin: number }[]): void {
    for (const c of cancels) {
      if (!this.links.has(c.peer)) continue;
      this.stats.cancelsSent++;
      if (!this.requested.get(c.peer)?.has(`${c.piece}:${c.begin}`)) this.stats.badCancels++;
      this.send(this.link(c.peer).remote, (r) => r.onCancel(this.id, c.piece, c.begin));
    }
  }

  private updateInterest(link: Link): void {
    const want = !this.picker.done && this.picker.interestedIn(link.remoteHas);
    if (want === link.amInterested) return;
    link.amInterested = want;
    this.send(link.remote, (r) => r.onInterested(this.id, want));
    if (want) this.fill(link);
  }

  private fill(link: Link): void {
    if (link.peerChoking || !link.amInterested) return;
    const reqs = this.sched.fill(link.remote.id, { has: link.remoteHas }, this.swarm.clock.now());
    let sent = this.requested.get(link.remote.id);
    if (!sent) this.requested.set(link.remote.id, (sent = new Set()));
    for (const r of reqs) {
      sent.add(`${r.piece}:${r.begin}`);
      this.send(link.remote, (x) => x.onRequest(this.id, r.piece, r.begin, r.length));
    }
  }

  private tick(): void {
    const { cancel } = this.sched.tick(this.swarm.clock.now());
    this.sendCancels(cancel);
    for (const link of this.links.values()) this.fill(link);
  }

  // ---- uploading side ----

  onInterested(from: string, interested: boolean): void {
    if (!this.links.has(from)) return;
    this.link(from).peerInterested = interested;
  }

  onRequest(from: string, piece: number, begin: number, length: number): void {
    if (!this.links.has(from)) return;
    const link = this.link(from);
    if (link.amChoking || this.spec.uploadRate <= 0) return;
    this.queue.push({ to: link.remote, piece, begin, length });
    this.pump();
  }

  onCancel(from: string, piece: number, begin: number): void {
    if (!this.links.has(from)) return;
    const before = this.queue.length;
    this.queue = this.queue.filter((j) => !(j.to.id === from && j.piece === piece && j.begin === begin));
    if (this.queue.length < before) this.link(from).remote.stats.cancelsHit++;
  }

  private pump(): void {
    if (this.busy || this.queue.length === 0) return;
    const job = this.queue.shift()!;
    this.busy = true;
    this.swarm.clock.setTimeout(
      () => {
        this.busy = false;
        this.stats.uploaded += job.length;
        this.links.get(job.to.id)?.upRate.add(job.length, this.swarm.clock.now());
        this.send(job.to, (r) => r.onBlock(this.id, job.piece, job.begin, job.length));
        this.pump();
      },
      (job.length * 1000) / this.spec.uploadRate,
    );
  }

  private rechoke(): void {
    if (this.spec.uploadRate <= 0) return; // a free rider never unchokes anyone
    const now = this.swarm.clock.now();
    const peers: ChokePeer<string>[] = [...this.links.values()].map((l) => ({
      id: l.remote.id,
      interested: l.peerInterested,
      choked: l.amChoking,
      snubbed: this.sched.pipeline(l.remote.id)?.snubbed,
      downloadRate: l.downRate.rate(now),
      uploadRate: l.upRate.rate(now),
      connectedAt: 0,
    }));
    const r = this.choker.rechoke(peers, now, this.swarm.rng, this.picker.done);
    this.optimisticLog.push({ at: now, ids: [...r.optimistic] });
    for (const id of r.unchoke) {
      this.link(id).amChoking = false;
      this.send(this.link(id).remote, (x) => x.onUnchoke(this.id));
    }
    for (const id of r.choke) {
      this.link(id).amChoking = true;
      this.queue = this.queue.filter((j) => j.to.id !== id);
      this.send(this.link(id).remote, (x) => x.onChoke(this.id));
    }
  }
}

/**
 * The scheduler's invariant, checked from outside: each peer's pipeline holds exactly the requests
 * the picker lists for that peer. Returns the mismatches.
 */
export function pipelineMismatches(node: SimNode): string[] {
  const bad: string[] = [];
  for (const id of node.links.keys()) {
    const inPipeline = (node.sched.pipeline(id)?.requests() ?? []).map((r) => `${r.piece}:${r.begin}`).sort();
    const inPicker = node.picker.requestsOf(id).map((r) => `${r.piece}:${r.begin}`).sort();
    if (inPipeline.join() !== inPicker.join()) bad.push(`${node.id}->${id}: pipeline [${inPipeline}] picker [${inPicker}]`);
  }
  return bad;
}

export class Swarm {
  readonly clock = new VirtualClock();
  readonly rng: SeededRng;
  readonly pieces: number;
  readonly blocksPerPiece: number;
  readonly latencyMs: number;
  readonly nodes: SimNode[];

  constructor(readonly spec: SwarmSpec) {
    this.rng = new SeededRng(spec.seed);
    this.pieces = spec.pieces;
    this.blocksPerPiece = spec.blocksPerPiece ?? 4;
    this.latencyMs = spec.latencyMs ?? 20;
    this.nodes = spec.nodes.map((n) => new SimNode(this, n));
    for (const a of this.nodes) for (const b of this.nodes) if (a !== b) a.connect(b);
    for (const n of this.nodes) n.start();
  }

  node(id: string): SimNode {
    return this.nodes.find((n) => n.id === id)!;
  }

  /** Runs until `until` returns true (checked every `stepMs`) or `limitMs` of virtual time. */
  run(until: () => boolean, limitMs: number, stepMs = 100): number {
    while (this.clock.now() < limitMs && !until()) this.clock.advance(stepMs);
    return this.clock.now();
  }

  /** Pieces that no leecher (no node but the seeds) has verified. */
  piecesOnlyAtSeeds(): number {
    const leechers = this.nodes.filter((n) => !n.spec.seed);
    let n = 0;
    for (let i = 0; i < this.pieces; i++) if (!leechers.some((l) => l.picker.have.get(i))) n++;
    return n;
  }
}
