/**
 * The peers of one torrent as the Torrent sees them: wires their events to the Transfer (download)
 * and the Uploader, sends our pieces after the handshake, runs the choker, and sums statistics.
 */
import { Choker } from '../../policies/choke/index.js';
import type { Random } from '../../policies/random.js';
import type { Clock } from '../../ports/clock.js';
import type { Bitfield } from '../../util/bitfield.js';
import type { PeerSession } from './peer.js';
import type { Torrent } from './torrent.js';
import type { Transfer } from './transfer.js';
import type { PeerInfo, TorrentState, TorrentStats } from './types.js';
import type { Uploader } from './uploader.js';

/** Regular upload slots per torrent unless the torrent says otherwise (AddOptions.uploadSlots). */
const DEFAULT_UPLOAD_SLOTS = 8;

export class TorrentPeers {
  private readonly peers = new Set<PeerSession>();
  private readonly choker: Choker<PeerSession>;
  private rechokeSoon = false;

  constructor(
    private readonly deps: { clock: Clock; rng: Random },
    private readonly torrent: Torrent,
    private readonly transfer: Transfer,
    private readonly uploader: Uploader,
    private readonly hooks: { connected(info: PeerInfo): void; disconnected(info: PeerInfo, reason: string): void },
    options: { uploadSlots?: number } = {},
  ) {
    // Eight regular upload slots by default, libtorrent's (`unchoke_slots_limit`); mainline's four
    // leave half of a small swarm waiting for an optimistic unchoke.
    this.choker = new Choker<PeerSession>({ uploadSlots: options.uploadSlots ?? DEFAULT_UPLOAD_SLOTS });
  }

  /** A peer passed its handshake: hook up its events and tell it what we have. */
  attach(peer: PeerSession): void {
    const { wire } = peer;
    this.peers.add(peer);
    this.transfer.addPeer(peer);
    const have = this.torrent.bitfield;
    if (have.isFull()) wire.haveAll();
    else if (have.isEmpty()) wire.haveNone();
    else wire.bitfield(have.bytes);
    wire.on('extendedHandshake', (h) => this.transfer.setReqq(peer, h.reqq));
    wire.on('bitfield', (bytes) => this.transfer.onBitfield(peer, bytes));
    wire.on('have', (i) => this.transfer.onHave(peer, i));
    wire.on('haveAll', () => this.transfer.onHaveAll(peer));
    wire.on('haveNone', () => this.transfer.onHaveNone(peer));
    wire.on('unchoke', () => this.transfer.fill(peer));
    wire.on('choke', () => this.transfer.onChoke(peer));
    wire.on('allowedFast', () => this.transfer.fill(peer));
    wire.on('suggest', (i) => this.transfer.onSuggest(peer, i));
    wire.on('piece', (ev) => this.transfer.onBlock(peer, ev));
    wire.on('reject', (b) => this.transfer.onReject(peer, b));
    wire.on('request', (b) => this.uploader.onRequest(peer, b));
    wire.on('cancel', (b) => this.uploader.onCancel(peer, b));
    wire.on('drain', () => this.uploader.onDrain(peer));
    wire.on('interested', () => this.scheduleRechoke());
    wire.on('notInterested', () => this.scheduleRechoke());
    this.hooks.connected(peer.info(this.transfer.pieceCount, this.deps.clock.now()));
  }

  detach(peer: PeerSession, reason: string): void {
    if (!this.peers.delete(peer)) return;
    this.transfer.peerGone(peer);
    this.uploader.peerGone(peer);
    this.hooks.disconnected(peer.info(this.transfer.pieceCount, this.deps.clock.now()), reason);
    if (!peer.wire.amChoking) this.scheduleRechoke();
  }

  broadcastHave(piece: number): void {
    for (const p of this.peers) {
      // Peers that have the piece do not need to hear about it (libtorrent does the same).
      if (p.has === 'all' || p.has?.get(piece)) continue;
      p.wire.have(piece);
    }
  }

  /** A free upload slot should not wait for the next 10 s round. */
  private scheduleRechoke(): void {
    if (this.rechokeSoon) return;
    this.rechokeSoon = true;
    this.deps.clock.setTimeout(() => {
      this.rechokeSoon = false;
      this.rechoke(this.torrent.done);
    }, 0);
  }

  rechoke(seeding: boolean): void {
    const now = this.deps.clock.now();
    const result = this.choker.rechoke(
      [...this.peers].map((p) => ({
        id: p,
        interested: p.wire.peerInterested,
        choked: p.wire.amChoking,
        snubbed: p.snubbed,
        downloadRate: p.down.rate(now),
        uploadRate: p.up.rate(now),
        connectedAt: p.connectedAt,
      })),
      now,
      this.deps.rng,
      seeding,
    );
    for (const p of result.choke) {
      p.wire.choke();
      this.uploader.onChoke(p);
    }
    for (const p of result.unchoke) p.wire.unchoke();
  }

  /** Whether a connected peer is interested in our pieces. */
  wantData(): boolean {
    for (const p of this.peers) if (p.wire.peerInterested) return true;
    return false;
  }

  /** Once a second: seeds do not need seeds. */
  tick(seeding: boolean): void {
    if (!seeding || !this.torrent.bitfield.isFull()) return;
    for (const p of this.peers) if (p.isSeed) p.wire.close();
  }

  stats(input: {
    state: TorrentState;
    have: Bitfield;
    selection: readonly boolean[];
    downloaded: number;
    uploaded: number;
    hashFailures: number;
    knownPeers: number;
  }): TorrentStats {
    const now = this.deps.clock.now();
    const picker = this.transfer.picker;
    const pieceLength = this.torrent.meta.pieceLength;
    const total = this.torrent.meta.totalLength;
    const sizeOf = (i: number) => Math.min(pieceLength, total - i * pieceLength);
    let wanted = 0;
    let wantedHave = 0;
    let verifiedBytes = 0;
    for (let i = 0; i < picker.pieceCount; i++) {
      const had = input.have.get(i);
      if (had) verifiedBytes += sizeOf(i);
      if (picker.priority(i) > 0 || had) {
        if (picker.priority(i) > 0) {
          wanted += sizeOf(i);
          if (had) wantedHave += sizeOf(i);
        }
      }
    }
    let downloadRate = 0;
    let uploadRate = 0;
    let seeds = 0;
    for (const p of this.peers) {
      downloadRate += p.down.rate(now);
      uploadRate += p.up.rate(now);
      if (p.isSeed) seeds++;
    }
    const left = wanted - wantedHave;
    return {
      state: input.state,
      progress: wanted === 0 ? 1 : wantedHave / wanted,
      verifiedBytes,
      leftBytes: left,
      downloaded: input.downloaded,
      uploaded: input.uploaded,
      downloadRate,
      uploadRate,
      peers: this.peers.size,
      seeds,
      knownPeers: input.knownPeers,
      ratio: input.downloaded > 0 ? input.uploaded / input.downloaded : input.uploaded / Math.max(1, total),
      eta: left === 0 ? 0 : downloadRate > 0 ? left / downloadRate : Number.POSITIVE_INFINITY,
      piecesVerified: input.have.count(),
      pieceCount: picker.pieceCount,
      hashFailures: input.hashFailures,
    };
  }
}
