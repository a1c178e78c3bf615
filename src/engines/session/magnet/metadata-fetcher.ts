/**
 * Fetches an info dictionary from peers (BEP 9) and verifies it against the info hash: SHA-1 for
 * a v1 hash (`urn:btih`), SHA-256 for a v2 one (`urn:btmh`); both must match when both are known.
 *
 * - The size comes from the first usable peer's `metadata_size`; peers announcing more than
 *   `maxSize` (16 MiB by default, libtorrent's `max_metadata_size`) are dropped; peers announcing
 *   another size wait in case the first one lied.
 * - Pieces are spread over the peers (a few requests per peer at a time); a request unanswered for
 *   `requestTimeoutMs` or rejected goes to another peer; a peer that rejected a piece is not asked
 *   for it again.
 * - A data message whose `total_size` differs from the size being fetched drops its sender.
 * - A copy that fails verification: if one peer sent all of it, that peer is dropped; otherwise
 *   the fetch starts again taking every piece from one peer at a time, so a second failure names
 *   the liar; once a good copy is found, senders of pieces that differ from it are dropped too.
 */
import { concatBytes, equalBytes } from '../../../util/bytes.js';
import { Emitter } from '../../../util/emitter.js';
import { TorrentkitError } from '../../../util/errors.js';
import type { Cancel, Clock } from '../../../ports/clock.js';
import { METADATA_PIECE_SIZE, metadataPieceCount, metadataPieceLength } from '../../../codecs/wire/index.js';

/** libtorrent's default `max_metadata_size`. */
export const DEFAULT_MAX_METADATA_BYTES = 16 * 1024 * 1024;

/** One peer that offers metadata (the wire's ut_metadata extension). */
export interface MetadataPeer {
  readonly key: string;
  request(piece: number): boolean;
  drop(reason: TorrentkitError): void;
}

export interface MetadataFetcherDeps {
  clock: Clock;
  /** SHA-1 / SHA-256 of a buffer (the session passes its Hasher). */
  hash(data: Uint8Array, algorithm: 'sha1' | 'sha256'): Promise<Uint8Array>;
}

export interface MetadataFetcherOptions {
  /** v1 info hash (20 bytes). */
  infoHash?: Uint8Array;
  /** v2 info hash (32 bytes). */
  infoHashV2?: Uint8Array;
  maxSize?: number;
  requestTimeoutMs?: number;
  /** Requests in flight per peer. */
  maxRequestsPerPeer?: number;
}

export interface MetadataFetcherEvents {
  /** The verified info dictionary. */
  metadata: [info: Uint8Array];
  /** A peer was dropped for bad, oversized or inconsistent metadata. */
  peerRejected: [peer: MetadataPeer, reason: TorrentkitError];
}

interface PeerState {
  size: number;
  inflight: Map<number, number>;
  rejected: Set<number>;
  timeouts: number;
  triedAlone: boolean;
}

interface Slot {
  data?: Uint8Array;
  from?: MetadataPeer;
  requestedFrom?: MetadataPeer;
}

export class MetadataFetcher extends Emitter<MetadataFetcherEvents> {
  private readonly peers = new Map<MetadataPeer, PeerState>();
  private size = 0;
  private slots: Slot[] = [];
  /** After a failed mixed copy: every piece from this one peer. */
  private singleMode = false;
  private single: MetadataPeer | undefined;
  private failedCopies: Slot[][] = [];
  private verifying = false;
  private done = false;
  private readonly timer: Cancel;
  private readonly maxSize: number;
  private readonly timeoutMs: number;
  private readonly perPeer: number;

  constructor(
    private readonly deps: MetadataFetcherDeps,
    private readonly options: MetadataFetcherOptions,
  ) {
    super();
    if (!options.infoHash && !options.infoHashV2) throw new TorrentkitError('BT_ERR_BAD_ARGUMENT', 'a metadata fetch needs an info hash');
    this.maxSize = options.maxSize ?? DEFAULT_MAX_METADATA_BYTES;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.perPeer = options.maxRequestsPerPeer ?? 4;
    this.timer = deps.clock.setInterval(() => this.checkTimeouts(), Math.max(100, Math.floor(this.timeoutMs / 4)));
  }

  /** Peers offering metadata now. */
  get peerCount(): number {
    return this.peers.size;
  }

  get finished(): boolean {
    return this.done;
  }

  /** Bytes received of the copy being fetched, and its size (0 while unknown). */
  progress(): { received: number; size: number } {
    let received = 0;
    for (const s of this.slots) received += s.data?.length ?? 0;
    return { received, size: this.size };
  }

  /** A peer's extension handshake offered ut_metadata with `metadata_size`. */
  addPeer(peer: MetadataPeer, size: number): void {
    if (this.done || this.peers.has(peer)) return;
    if (!Number.isSafeInteger(size) || size <= 0 || size > this.maxSize) {
      this.reject(peer, new TorrentkitError('BT_ERR_METADATA_TOO_LARGE', `${peer.key} announced ${size} bytes of metadata (limit ${this.maxSize})`));
      return;
    }
    this.peers.set(peer, { size, inflight: new Map(), rejected: new Set(), timeouts: 0, triedAlone: false });
    if (this.size === 0) this.begin(size);
    this.pump();
  }

  removePeer(peer: MetadataPeer): void {
    const st = this.peers.get(peer);
    if (!st) return;
    this.peers.delete(peer);
    for (const piece of st.inflight.keys()) {
      const slot = this.slots[piece];
      if (slot && slot.requestedFrom === peer) slot.requestedFrom = undefined;
    }
    if (this.single === peer) this.single = undefined;
    if (!this.done && this.peers.size > 0 && ![...this.peers.values()].some((p) => p.size === this.size)) {
      // Nobody left offers the size we were fetching: start over with a size still on offer.
      this.begin([...this.peers.values()][0].size);
    }
    this.pump();
  }

  onData(peer: MetadataPeer, piece: number, totalSize: number, data: Uint8Array): void {
    const st = this.peers.get(peer);
    if (this.done || !st) return;
    if (totalSize !== st.size) {
      this.reject(peer, new TorrentkitError('BT_ERR_METADATA_SIZE_MISMATCH', `${peer.key} sent total_size ${totalSize} after announcing ${st.size}`));
      return;
    }
    // Unrequested data (late after a timeout, or never asked for) is ignored.
    if (!st.inflight.delete(piece)) return;
    const slot = this.slots[piece];
    if (totalSize !== this.size || !slot || slot.requestedFrom !== peer || slot.data) {
      this.pump();
      return;
    }
    if (data.length !== metadataPieceLength(piece, this.size)) {
      this.reject(peer, new TorrentkitError('BT_ERR_METADATA_BAD_PIECE', `${peer.key} sent ${data.length} bytes for metadata piece ${piece}`));
      return;
    }
    slot.data = data.slice();
    slot.from = peer;
    slot.requestedFrom = undefined;
    if (this.slots.every((s) => s.data)) void this.verify();
    else this.pump();
  }

  onReject(peer: MetadataPeer, piece: number): void {
    const st = this.peers.get(peer);
    if (!st) return;
    st.rejected.add(piece);
    if (st.inflight.delete(piece)) {
      const slot = this.slots[piece];
      if (slot?.requestedFrom === peer) slot.requestedFrom = undefined;
    }
    if (this.single === peer) this.single = undefined;
    this.pump();
  }

  close(): void {
    this.done = true;
    this.timer();
    this.peers.clear();
  }

  private begin(size: number): void {
    this.size = size;
    this.slots = Array.from({ length: metadataPieceCount(size) }, () => ({}));
    for (const st of this.peers.values()) st.inflight.clear();
  }

  private reject(peer: MetadataPeer, reason: TorrentkitError): void {
    this.removePeer(peer);
    this.emit('peerRejected', peer, reason);
    peer.drop(reason);
  }

  /** Sends requests for missing pieces to peers with room. */
  private pump(): void {
    if (this.done || this.verifying || this.size === 0) return;
    if (this.singleMode) {
      if (!this.single) {
        const next = [...this.peers].find(([, st]) => st.size === this.size && !st.triedAlone);
        if (!next) return;
        this.single = next[0];
        next[1].triedAlone = true;
      }
    }
    for (let piece = 0; piece < this.slots.length; piece++) {
      const slot = this.slots[piece];
      if (slot.data || slot.requestedFrom) continue;
      const peer = this.choosePeer(piece);
      if (!peer) continue;
      const st = this.peers.get(peer)!;
      slot.requestedFrom = peer;
      st.inflight.set(piece, this.deps.clock.now());
      peer.request(piece);
    }
  }

  private choosePeer(piece: number): MetadataPeer | undefined {
    let best: MetadataPeer | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (const [peer, st] of this.peers) {
      if (this.singleMode && peer !== this.single) continue;
      if (st.size !== this.size || st.rejected.has(piece) || st.inflight.size >= this.perPeer) continue;
      const load = st.inflight.size + st.timeouts * 2;
      if (load < bestLoad) {
        best = peer;
        bestLoad = load;
      }
    }
    return best;
  }

  private checkTimeouts(): void {
    if (this.done) return;
    const now = this.deps.clock.now();
    let changed = false;
    for (const [peer, st] of this.peers) {
      for (const [piece, at] of st.inflight) {
        if (now - at < this.timeoutMs) continue;
        st.inflight.delete(piece);
        st.timeouts++;
        // Do not ask it for this piece again while others might answer.
        st.rejected.add(piece);
        const slot = this.slots[piece];
        if (slot?.requestedFrom === peer) slot.requestedFrom = undefined;
        if (this.single === peer) this.single = undefined;
        changed = true;
      }
    }
    if (changed) this.pump();
  }

  private async verify(): Promise<void> {
    this.verifying = true;
    const slots = this.slots;
    const info = concatBytes(slots.map((s) => s.data!));
    let ok: boolean;
    try {
      ok = await this.matches(info);
    } finally {
      this.verifying = false;
    }
    if (this.done) return;
    if (ok) {
      this.done = true;
      this.timer();
      this.blameAfterSuccess(info);
      this.peers.clear();
      this.emit('metadata', info);
      return;
    }
    const senders = new Set(slots.map((s) => s.from!));
    if (senders.size === 1) {
      const [peer] = senders;
      this.reject(peer, new TorrentkitError('BT_ERR_METADATA_HASH_MISMATCH', `${peer.key} sent metadata that does not match the info hash`));
    } else {
      this.failedCopies.push(slots);
      this.singleMode = true;
    }
    this.single = undefined;
    if (this.peers.size > 0 && ![...this.peers.values()].some((p) => p.size === this.size)) this.begin([...this.peers.values()][0].size);
    else this.begin(this.size);
    // A peer that already tried alone and failed was dropped; others may try again.
    this.pump();
  }

  private async matches(info: Uint8Array): Promise<boolean> {
    if (this.options.infoHash) {
      const h = await this.deps.hash(info, 'sha1');
      if (!equalBytes(h, this.options.infoHash)) return false;
    }
    if (this.options.infoHashV2) {
      const h = await this.deps.hash(info, 'sha256');
      if (!equalBytes(h, this.options.infoHashV2)) return false;
    }
    return true;
  }

  /** Senders of pieces of earlier failed copies that differ from the good copy lied. */
  private blameAfterSuccess(info: Uint8Array): void {
    const liars = new Set<MetadataPeer>();
    for (const copy of this.failedCopies) {
      if (copy.length * METADATA_PIECE_SIZE < info.length || copy.length !== metadataPieceCount(info.length)) {
        for (const s of copy) if (s.from) liars.add(s.from);
        continue;
      }
      copy.forEach((s, piece) => {
        const start = piece * METADATA_PIECE_SIZE;
        if (s.data && s.from && !equalBytes(s.data, info.subarray(start, start + s.data.length))) liars.add(s.from);
      });
    }
    for (const peer of liars) {
      const reason = new TorrentkitError('BT_ERR_METADATA_HASH_MISMATCH', `${peer.key} sent metadata pieces that do not match the info hash`);
      this.emit('peerRejected', peer, reason);
      peer.drop(reason);
    }
  }
}
