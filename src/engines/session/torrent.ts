/**
 * A Torrent coordinates: it owns the components of one torrent and moves data between them, and
 * holds no policy of its own.
 *   Swarm (connections) -> PeerSession events (torrent-peers.ts) -> Transfer (picker, scheduler,
 *   assembler) -> verification (hasher) -> Storage, and Uploader (PieceReader) for requests;
 *   Choker every 10 s; resume data every 30 s and at pause/close.
 * Lifecycle: start() checks what is on storage (startup.ts), then downloads or seeds; pause(),
 * resume(), select(), remove(); `done` when every wanted piece is verified on storage; `error`
 * (fatal: the torrent stops) on a storage failure such as a full disk.
 */
import { layoutOf, type Metainfo } from '../../codecs/metainfo/index.js';
import { piecePrioritiesFromFiles } from '../../policies/picker/index.js';
import type { PeerSource } from '../../policies/peer-list.js';
import { TokenBucket } from '../../policies/token-bucket.js';
import type { Cancel } from '../../ports/clock.js';
import type { Storage } from '../../ports/storage.js';
import { Bitfield } from '../../util/bitfield.js';
import { toHex } from '../../util/bytes.js';
import { Emitter } from '../../util/emitter.js';
import { TorrentkitError } from '../../util/errors.js';
import type { InfoHash } from '../../util/units.js';
import { type ReaderOptions, StreamHub, TorrentFile, type TorrentReader } from '../stream/index.js';
import type { Wire } from '../wire/index.js';
import type { PeerSession } from './peer.js';
import { PieceReader } from './piece-reader.js';
import { saveResume, startup } from './startup.js';
import { torrentPieceSource } from './stream-source.js';
import { Swarm } from './swarm.js';
import { TorrentPeers } from './torrent-peers.js';
import { Transfer } from './transfer.js';
import type { TorrentDeps } from './torrent-deps.js';
import type { AddOptions, TorrentEvents, TorrentState, TorrentStats } from './types.js';
import { Uploader } from './uploader.js';
import { parseHostPort } from '../../util/ip.js';

const TICK_MS = 1_000;
const RESUME_SAVE_MS = 30_000;
/** Whole pieces cached for uploads. */
const READ_CACHE = 16 * 1024 * 1024;

export class Torrent extends Emitter<TorrentEvents> {
  readonly infoHash: InfoHash;
  readonly infoHashHex: string;
  readonly meta: Metainfo;
  readonly path: string;
  /** The files, readable at once (createReader / createReadStream / stream); pad files included. */
  readonly files: readonly TorrentFile[];
  readonly storage: Storage;
  readonly transfer: Transfer;
  readonly swarm: Swarm;
  private readonly peers: TorrentPeers;
  private readonly uploader: Uploader;
  private readonly reader: PieceReader;
  private readonly buckets: { download: TokenBucket; upload: TokenBucket };
  private readonly have: Bitfield;
  private readonly pieceHashes: Uint8Array;
  private selection: boolean[];
  private stateValue: TorrentState = 'checking';
  private timers: Cancel[] = [];
  private downloadedBase = 0;
  private uploadedBase = 0;
  private downloaded = 0;
  private uploaded = 0;
  private hashFailures = 0;
  private unverified: Bitfield | undefined;
  private started = false;
  private doneEmitted = false;
  private streamHub: StreamHub | undefined;
  private readonly closeListeners = new Set<(err: Error) => void>();

  constructor(
    private readonly deps: TorrentDeps,
    meta: Metainfo,
    private readonly options: AddOptions & { path: string },
  ) {
    super();
    if (!meta.pieces) {
      throw new TorrentkitError('BT_ERR_V2_ONLY_UNSUPPORTED', 'v2-only torrents cannot be downloaded yet (hybrid and v1 torrents can)');
    }
    this.meta = meta;
    this.infoHash = meta.id;
    this.infoHashHex = toHex(meta.id);
    this.path = options.path;
    this.pieceHashes = meta.pieces;
    this.files = meta.files.map(
      (f, i) => new TorrentFile(i, { path: f.path, length: f.length, offset: f.offset, pad: f.pad || undefined }, () => this.streams, deps.nodeReadable),
    );
    this.have = new Bitfield(meta.pieceCount);
    this.selection = this.files.map((f, i) => !f.pad && (options.selection === undefined || options.selection.includes(i)));
    const now = deps.clock.now();
    this.buckets = { download: new TokenBucket(options.downloadLimit ?? 0, now), upload: new TokenBucket(options.uploadLimit ?? 0, now) };
    this.storage = deps.storageFactory(this.files, { name: meta.name, id: this.infoHashHex, dir: options.path });
    this.transfer = new Transfer(
      { clock: deps.clock, rng: deps.rng },
      { pieceLength: meta.pieceLength, totalLength: meta.totalLength },
      {
        onPieceComplete: (piece, data) => void this.verify(piece, data),
        onPayload: (_peer, bytes) => {
          this.downloaded += bytes;
        },
      },
    );
    this.transfer.buckets = [this.buckets.download, deps.clientBuckets.download];
    if (options.sequential) this.transfer.picker.setSequential(true);
    this.reader = new PieceReader(
      { storage: this.storage, hasher: deps.hasher },
      {
        pieceLength: meta.pieceLength,
        totalLength: meta.totalLength,
        cacheBytes: options.readCacheBytes ?? READ_CACHE,
        pieceHashes: this.pieceHashes,
        onBadPiece: (piece) => this.lostPiece(piece),
        recycle: (buf) => this.transfer.assembler.recycle(buf),
      },
    );
    this.uploader = new Uploader(
      { clock: deps.clock, reader: this.reader, buckets: [this.buckets.upload, deps.clientBuckets.upload] },
      {
        has: (piece) => this.have.get(piece),
        onPayload: (_peer, bytes) => {
          this.uploaded += bytes;
        },
        onReadError: (_peer, block, err) =>
          this.warn(new TorrentkitError('BT_ERR_UPLOAD_READ', `could not read piece ${block.index} for upload`, { cause: err })),
      },
    );
    this.swarm = new Swarm(
      { clock: deps.clock, transport: deps.transport, limits: deps.limits, logger: deps.logger },
      {
        infoHash: this.infoHash,
        peerId: deps.peerId,
        pieceCount: meta.pieceCount,
        listenPort: deps.listenPort,
        localAddress: deps.localAddress,
        // BEP 27: no DHT for private torrents, so no DHT bit either.
        wireFlags: meta.private ? undefined : deps.wireFlags,
        maxPeers: options.maxPeers,
      },
      {
        onPeer: (p) => {
          deps.peerExtensions?.(this, p);
          this.peers.attach(p);
        },
        onPeerClosed: (p, close) => this.peers.detach(p, close.reason),
      },
    );
    this.peers = new TorrentPeers(
      { clock: deps.clock, rng: deps.rng },
      this,
      this.transfer,
      this.uploader,
      {
        connected: (info) => this.emit('peerConnected', info),
        disconnected: (info, reason) => this.emit('peerDisconnected', info, reason),
      },
      { uploadSlots: options.uploadSlots },
    );
    // No connections while the startup check runs (they would fetch pieces the check then finds
    // on disk): peers given now are only remembered; run() opens the swarm.
    this.swarm.close();
    for (const p of options.peers ?? []) this.addPeerString(p, 'manual');
  }

  /** The read heads of this torrent's readers (streaming); created on first use. */
  get streams(): StreamHub {
    this.streamHub ??= new StreamHub(
      torrentPieceSource({
        clock: this.deps.clock,
        pieceLength: this.meta.pieceLength,
        totalLength: this.meta.totalLength,
        have: this.have,
        reader: this.reader,
        transfer: this.transfer,
        onPiece: (fn) => {
          this.on('pieceVerified', fn);
          return () => this.off('pieceVerified', fn);
        },
        onClose: (fn) => {
          this.closeListeners.add(fn);
          return () => this.closeListeners.delete(fn);
        },
      }),
    );
    return this.streamHub;
  }

  /** A seekable reader of file `file` (an index into `files`); see TorrentReader. */
  createReader(options: ReaderOptions & { file: number }): TorrentReader {
    const f = this.files[options.file];
    if (!f) throw new TorrentkitError('BT_ERR_NO_SUCH_FILE', `no file ${options.file} in this torrent`);
    return f.createReader(options);
  }

  /** Trackers given when the torrent was added, beyond its own. */
  get extraTrackers(): readonly string[] {
    return this.options.trackers ?? [];
  }

  get state(): TorrentState {
    return this.stateValue;
  }

  /** Our verified pieces (do not modify). */
  get bitfield(): Bitfield {
    return this.have;
  }

  /** True when every wanted piece is verified. */
  get done(): boolean {
    return this.transfer.picker.done;
  }

  get connectedPeers(): ReadonlySet<PeerSession> {
    return this.swarm.all;
  }

  /** Checks storage and starts downloading or seeding. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.storage.setSelection(this.selection);
      const r = await startup({
        id: this.infoHashHex,
        infoHash: this.infoHash,
        files: this.files,
        pieceLength: this.meta.pieceLength,
        pieceCount: this.meta.pieceCount,
        pieceHashes: this.pieceHashes,
        storage: this.storage,
        hasher: this.deps.hasher,
        resumeStore: this.deps.resumeStore,
        logger: this.deps.logger,
        verify: this.options.verify,
        assumeComplete: this.options.assumeComplete,
        signal: this.options.signal,
      });
      this.downloadedBase = r.downloaded;
      this.uploadedBase = r.uploaded;
      this.unverified = r.unverified;
      if (r.unverified) this.reader.setUnverified(r.unverified);
      for (const i of r.have.ones()) this.markHave(i);
      this.applySelection();
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.stateValue === 'removed' || this.stateValue === 'error') return;
    if (this.options.paused) {
      this.stateValue = 'paused';
      this.transfer.active = false;
      this.emit('ready');
      return;
    }
    this.run();
    this.emit('ready');
    this.checkDone();
  }

  private run(): void {
    this.stateValue = this.done ? 'seeding' : 'downloading';
    this.transfer.active = !this.done;
    this.swarm.reopen();
    this.timers.push(
      this.deps.clock.setInterval(() => this.tick(), TICK_MS),
      this.deps.clock.setInterval(() => this.peers.rechoke(this.done), 10_000),
      this.deps.clock.setInterval(() => void this.saveResume(), RESUME_SAVE_MS),
    );
    this.swarm.maintain();
  }

  private tick(): void {
    this.transfer.tick();
    this.peers.tick(this.done);
    this.swarm.maintain();
  }

  /** Adds peer addresses ("host:port" strings or parsed). */
  addPeer(host: string, port: number, source: PeerSource = 'manual'): void {
    this.swarm.addPeer(host, port, source);
  }

  addPeerString(hostPort: string, source: PeerSource = 'manual'): void {
    const a = parseHostPort(hostPort);
    if (!a) throw new TorrentkitError('BT_ERR_BAD_PEER_ADDRESS', `not a HOST:PORT address: ${hostPort}`);
    this.addPeer(a.host, a.port, source);
  }

  /** An incoming connection for this torrent passed its handshake (routed by the client). */
  attachIncoming(wire: Wire): void {
    if (this.stateValue !== 'downloading' && this.stateValue !== 'seeding') {
      wire.destroy('local');
      return;
    }
    this.swarm.attachIncoming(wire);
  }

  /** Sets which files to download (indices); pieces no longer wanted are cancelled. */
  async select(indices: readonly number[]): Promise<void> {
    this.selection = this.files.map((f, i) => !f.pad && indices.includes(i));
    await this.storage.setSelection(this.selection);
    this.applySelection();
    if (!this.done && this.stateValue === 'seeding') {
      this.stateValue = 'downloading';
      this.transfer.active = true;
      this.doneEmitted = false;
      for (const p of this.swarm.all) this.transfer.updateInterest(p);
    }
    this.checkDone();
  }

  private applySelection(): void {
    const prios = piecePrioritiesFromFiles(
      layoutOf(this.meta),
      this.selection.map((s) => (s ? 4 : 0)),
      (i) => this.files[i].pad === true,
    );
    this.transfer.setPriorities(prios);
  }

  /** Verifies a complete piece and stores it. */
  private async verify(piece: number, data: Uint8Array): Promise<void> {
    let ok = false;
    let failed = false;
    let failure: unknown;
    try {
      const digest = await this.deps.hasher.hashBuffer(data, { algorithm: 'sha1' });
      ok = digest.every((b, i) => b === this.pieceHashes[piece * 20 + i]);
      if (ok) await this.storage.write(piece * this.meta.pieceLength, data);
    } catch (err) {
      failed = true;
      failure = err;
    }
    // While peers want data from us, a verified piece goes into the read cache: they ask for it
    // as soon as they learn we have it. The cache hands the buffer back to the assembler's pool
    // once it evicts it and no socket still holds one of its blocks (PieceReader). Otherwise (a
    // failed piece, or nobody interested, as downloading from seeders) it goes back now, and the
    // cache costs no memory.
    if (ok && !failed && this.peers.wantData()) {
      this.transfer.assembler.release(data, false);
      this.reader.insert(piece, data);
    } else {
      this.transfer.assembler.release(data);
    }
    if (failed) {
      if (this.stateValue === 'removed') return;
      // Storage failed: the piece is not marked done. A full disk stops the torrent.
      this.transfer.pieceFailed(piece);
      this.fail(failure);
      return;
    }
    if (this.stateValue === 'removed' || this.stateValue === 'error') return;
    if (!ok) {
      this.hashFailures++;
      this.emit('hashFailure', piece);
      for (const culprit of this.transfer.pieceFailed(piece)) {
        this.warn(new TorrentkitError('BT_ERR_PEER_CORRUPT', `banned ${culprit.key}: sent corrupt data for piece ${piece}`));
        this.swarm.ban(culprit);
      }
      this.transfer.memoryReleased();
      return;
    }
    this.markHave(piece);
    this.emit('pieceVerified', piece);
    this.checkDone();
    this.transfer.memoryReleased();
  }

  private markHave(piece: number): void {
    if (this.have.get(piece)) return;
    this.have.set(piece);
    this.transfer.pieceVerified(piece);
    this.peers.broadcastHave(piece);
  }

  /** A piece assumed complete turned out corrupt on disk: download it again. */
  private lostPiece(piece: number): void {
    this.have.set(piece, false);
    this.warn(new TorrentkitError('BT_ERR_PIECE_HASH', `piece ${piece} on disk failed its hash check; downloading it again`));
    this.transfer.picker.pieceFailed(piece);
  }

  private checkDone(): void {
    if (!this.done || this.doneEmitted || !this.started) return;
    this.doneEmitted = true;
    this.stateValue = this.stateValue === 'paused' ? 'paused' : 'seeding';
    this.transfer.active = false;
    this.transfer.assembler.trim();
    for (const p of this.swarm.all) this.transfer.updateInterest(p);
    void this.storage.flush().then(
      () => this.saveResume(),
      () => {},
    );
    this.emit('done');
  }

  /** Resolves when every wanted piece is verified on storage; rejects on error or abort. */
  whenDone(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.done && this.doneEmitted) return Promise.resolve();
    return this.waitFor('done', { fail: { event: 'error', error: (err) => err }, signal: options.signal }).then(() => {});
  }

  stats(): TorrentStats {
    return this.peers.stats({
      state: this.stateValue,
      have: this.have,
      selection: this.selection,
      downloaded: this.downloadedBase + this.downloaded,
      uploaded: this.uploadedBase + this.uploaded,
      hashFailures: this.hashFailures,
      knownPeers: this.swarm.peerList.size,
    });
  }

  pause(): void {
    if (this.stateValue !== 'downloading' && this.stateValue !== 'seeding') return;
    this.stopTimers();
    this.stateValue = 'paused';
    this.transfer.active = false;
    this.swarm.close();
    void this.saveResume();
    this.emit('paused');
  }

  resume(): void {
    if (this.stateValue !== 'paused') return;
    this.run();
    this.emit('resumed');
    this.checkDone();
  }

  /** Saves resume data now. */
  async saveResume(): Promise<void> {
    if (!this.deps.resumeStore || this.unverified) return;
    try {
      await saveResume(this.deps.resumeStore, {
        id: this.infoHashHex,
        infoHash: this.infoHash,
        have: this.have,
        storage: this.storage,
        uploaded: this.uploadedBase + this.uploaded,
        downloaded: this.downloadedBase + this.downloaded,
        now: this.deps.clock.wallTime(),
      });
    } catch (err) {
      this.deps.logger.warn('torrent', 'saving resume data failed', { error: String(err) });
    }
  }

  /** Stops everything and closes storage (resume data saved). */
  async close(): Promise<void> {
    if (this.stateValue === 'removed') return;
    this.stopTimers();
    this.swarm.close();
    this.uploader.close();
    if (this.stateValue !== 'error') await this.saveResume();
    this.stateValue = 'removed';
    this.notifyClosed(new TorrentkitError('BT_ERR_TORRENT_CLOSED', 'the torrent was closed'));
    await this.storage.close();
  }

  /** Closes the torrent and, with `deleteData`, deletes its files and resume data. */
  async remove(options: { deleteData?: boolean } = {}): Promise<void> {
    await this.close();
    if (options.deleteData) {
      await this.storage.destroy();
      await this.deps.resumeStore?.remove(this.infoHashHex);
    }
    this.emit('removed');
  }

  private stopTimers(): void {
    for (const t of this.timers) t();
    this.timers = [];
  }

  warn(err: TorrentkitError): void {
    this.deps.logger.warn('torrent', err.message, { code: err.code });
    this.emit('warning', err);
  }

  private fail(err: unknown): void {
    if (this.stateValue === 'error' || this.stateValue === 'removed') return;
    const e = err instanceof TorrentkitError ? err : new TorrentkitError('BT_ERR_INTERNAL', String((err as Error)?.message ?? err), { cause: err });
    this.stateValue = 'error';
    this.stopTimers();
    this.transfer.active = false;
    this.swarm.close();
    this.notifyClosed(e);
    this.emit('error', e);
  }

  private notifyClosed(err: Error): void {
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const fn of listeners) fn(err);
  }
}
