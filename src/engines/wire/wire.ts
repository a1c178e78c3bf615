/**
 * Wire: one peer connection speaking the BitTorrent protocol (BEP 3) with the fast extension
 * (BEP 6) and the extension protocol (BEP 10), over a StreamConnection.
 *
 * Owns: the handshake exchange (outgoing: ours first; incoming: theirs first, checked by
 * `acceptInfoHash`), choke/interest state of both sides, request bookkeeping in both directions,
 * keep-alives and timeouts (through the Clock), byte counters, write backpressure, and the typed
 * extension registry. It does not pick pieces, decide whom to choke, or touch storage: the engine
 * calls its methods and listens to its events.
 *
 * Protocol rules it enforces on the peer (each breach closes with `protocol_violation` and a code):
 * - fast-extension messages only when both ends set the bit; extended messages only with BEP 10;
 * - one of bitfield / have all / have none first (BEP 6: "Exactly one ... MUST appear"); a later
 *   bitfield or have all is taken as an update (aria2 sends them in place of many haves), a later
 *   have none is a violation;
 * - requests beyond our advertised `reqq` are rejected (fast) or dropped; requests while we choke
 *   are rejected (fast, unless allowed fast) or dropped (BEP 3);
 * - with BEP 6, a piece we never requested closes the connection ("MUST close");
 * - everything the decoder checks (lengths, 16 KiB blocks, bitfield size and spare bits, indices).
 *
 * Writes: small messages are always written; the engine should stop sending blocks while
 * `writable` is false and resume on `drain`. A block is written after its 13-byte header as is,
 * never copied.
 */
import {
  type BlockRef,
  CHOKE,
  checkBitfield,
  type DecodedExtensionHandshake,
  decodeExtensionHandshake,
  encodeAllowedFast,
  encodeBitfield,
  encodeCancel,
  encodeExtended,
  encodeExtensionHandshake,
  encodeHandshake,
  encodeHave,
  encodePieceHeader,
  encodePort,
  encodeReject,
  encodeRequest,
  encodeSuggest,
  type Handshake,
  HAVE_ALL,
  HAVE_NONE,
  INTERESTED,
  KEEP_ALIVE,
  NOT_INTERESTED,
  parseIPBytes,
  type ReservedFlags,
  UNCHOKE,
  WireDecoder,
  WireError,
  type WireMessage,
} from '../../codecs/wire/index.js';
import type { Cancel, Clock } from '../../ports/clock.js';
import type { StreamConnection } from '../../ports/transport.js';
import { Emitter } from '../../util/emitter.js';
import { Bitfield } from '../../util/bitfield.js';
import { equalBytes } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import { type Logger, nullLogger } from '../../util/logger.js';
import type { InfoHash } from '../../util/units.js';
import type { WireClose, WireCloseReason, WireEvents } from './events.js';
import { ExtensionRegistry, type WireExtension } from './extensions.js';
import {
  DEFAULT_PEER_REQQ,
  HANDSHAKE_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  KEEP_ALIVE_INTERVAL_MS,
  MAX_INCOMING_REQUESTS,
  TICK_MS,
  type WireDeps,
  type WireOptions,
  type WireStats,
} from './options.js';
import { RequestSet } from './requests.js';

export class Wire extends Emitter<WireEvents> {
  /** We choke the peer / the peer chokes us (BEP 3: both start choked and not interested). */
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** The peer's handshake and extension handshake, once received. */
  remote: Handshake | undefined;
  remoteExtended: DecodedExtensionHandshake | undefined;
  readonly stats: WireStats = { bytesSent: 0, bytesReceived: 0, payloadSent: 0, payloadReceived: 0 };

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly flags: Partial<ReservedFlags>;
  private infoHash: InfoHash | undefined;
  private pieceCount: number | undefined;
  private readonly decoder: WireDecoder;
  private readonly extensions = new ExtensionRegistry();
  /** Requests the peer made that we have not answered. */
  private readonly incoming = new RequestSet();
  /** Requests we made that the peer has not answered. */
  private readonly outgoing = new RequestSet();
  private readonly allowedFastForPeer = new Set<number>();
  private readonly allowedFastFromPeer = new Set<number>();
  private started = false;
  private handshakeSent = false;
  private extendedHandshakeSent = false;
  private haveMessageSeen = false;
  private pendingBitfield: Uint8Array | undefined;
  private closedWith: WireClose | undefined;
  private needDrain = false;
  private lastSentAt = 0;
  private lastReceivedAt = 0;
  private cancelTick: Cancel | undefined;
  private cancelHandshakeTimer: Cancel | undefined;

  constructor(
    readonly conn: StreamConnection,
    deps: WireDeps,
    private readonly options: WireOptions,
  ) {
    super();
    this.clock = deps.clock;
    this.logger = deps.logger ?? nullLogger;
    this.flags = options.flags ?? { extended: true, fast: true };
    this.infoHash = options.infoHash;
    this.pieceCount = options.pieceCount;
    if (options.direction === 'outgoing' && !options.infoHash) {
      throw new TorrentkitError('BT_ERR_WIRE_NO_INFOHASH', 'an outgoing wire needs the info hash');
    }
    this.decoder = new WireDecoder(
      { handshake: (h) => this.onHandshake(h), message: (m) => this.onMessage(m) },
      { pieceCount: options.pieceCount, maxMessageLength: options.maxMessageLength, volatileChunks: conn.volatileData === true },
    );
  }

  /** Starts reading and the timers; an outgoing wire sends its handshake. Idempotent. */
  start(): this {
    if (this.started || this.closedWith) return this;
    this.started = true;
    const now = this.clock.now();
    this.lastReceivedAt = now;
    this.lastSentAt = now;
    this.conn.onData((chunk) => this.onData(chunk));
    this.conn.onDrain(() => {
      if (!this.needDrain || this.closedWith) return;
      this.needDrain = false;
      this.emit('drain');
    });
    this.conn.onClose((err) => {
      if (err) this.finish({ reason: 'transport_error', error: err }, false);
      else this.finish({ reason: 'remote' }, false);
    });
    this.cancelHandshakeTimer = this.clock.setTimeout(
      () => this.finish({ reason: 'handshake_timeout' }, true),
      this.options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    );
    this.cancelTick = this.clock.setInterval(() => this.tick(), TICK_MS);
    if (this.options.direction === 'outgoing') this.sendHandshake();
    return this;
  }

  // ---- state -------------------------------------------------------------------------------

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** False while the connection's send buffer is full: stop sending blocks until `drain`. */
  get writable(): boolean {
    return !this.needDrain && !this.closedWith;
  }

  /** Both ends set the BEP 6 bit. */
  get fastExtension(): boolean {
    return !!this.remote?.flags.fast && !!this.flags.fast;
  }

  /** Both ends set the BEP 10 bit. */
  get extensionProtocol(): boolean {
    return !!this.remote?.flags.extended && !!this.flags.extended;
  }

  /** How many requests the peer queues (BEP 10 `reqq`, else libtorrent's default of 250). */
  get peerRequestQueueLimit(): number {
    return this.remoteExtended?.reqq ?? DEFAULT_PEER_REQQ;
  }

  /** Our requests still waiting for a piece (or, with BEP 6, a reject). */
  get outstandingRequests(): number {
    return this.outgoing.size;
  }

  /** The peer's requests we have not answered yet. */
  get pendingIncomingRequests(): number {
    return this.incoming.size;
  }

  /** Pieces the peer lets us request while choked (BEP 6 allowed fast). */
  get peerAllowedFast(): ReadonlySet<number> {
    return this.allowedFastFromPeer;
  }

  setPieceCount(n: number): void {
    this.pieceCount = n;
    this.decoder.setPieceCount(n);
    const bf = this.pendingBitfield;
    this.pendingBitfield = undefined;
    if (bf) {
      try {
        checkBitfield(bf, n);
      } catch (err) {
        this.violation(err as WireError);
      }
    }
  }

  pause(): void {
    this.conn.pause();
  }

  resume(): void {
    this.conn.resume();
  }

  // ---- extensions ---------------------------------------------------------------------------

  /** Registers a BEP 10 extension; register before or in the `handshake` event (later ones re-send our handshake). */
  use<E extends WireExtension>(factory: (wire: Wire) => E): E {
    const ext = factory(this);
    this.extensions.add(ext);
    if (this.extendedHandshakeSent) this.sendExtendedHandshake();
    return ext;
  }

  extension<E extends WireExtension = WireExtension>(name: string): E | undefined {
    return this.extensions.get<E>(name);
  }

  /** The peer offers extension `name` (after its extension handshake). */
  peerSupports(name: string): boolean {
    return this.extensions.remoteId(name) !== undefined;
  }

  /** Sends an extension message with the id the peer assigned; false when it does not support `name`. */
  sendExtended(name: string, payload: Uint8Array): boolean {
    const id = this.extensions.remoteId(name);
    if (id === undefined || !this.extensionProtocol) return false;
    return this.send(encodeExtended(id, payload));
  }

  /** Sends (or re-sends, e.g. after `upload_only` changed) our BEP 10 handshake. */
  sendExtendedHandshake(extra: { uploadOnly?: boolean; metadataSize?: number } = {}): boolean {
    if (!this.extensionProtocol) return false;
    const yourip = parseIPBytes(this.conn.remoteAddress);
    const payload = encodeExtensionHandshake(
      {
        m: this.extensions.localIds(),
        v: this.options.clientName ?? 'torrentkit 0.1.0',
        p: this.options.listenPort,
        reqq: this.options.maxIncomingRequests ?? MAX_INCOMING_REQUESTS,
        yourip: yourip && (yourip.length === 4 || yourip.length === 16) ? yourip : undefined,
        ...extra,
      },
      this.extensions.handshakeFields(),
    );
    this.extendedHandshakeSent = true;
    return this.send(encodeExtended(0, payload));
  }

  // ---- sending ------------------------------------------------------------------------------

  choke(): boolean {
    if (this.amChoking) return true;
    this.amChoking = true;
    const ok = this.send(CHOKE);
    if (this.fastExtension) {
      // BEP 6: choke no longer discards requests implicitly; reject all but allowed-fast ones.
      for (const b of this.incoming.drain((b) => this.allowedFastForPeer.has(b.index))) {
        this.send(encodeReject(b.index, b.begin, b.length));
      }
    } else {
      // BEP 3: a choke discards the peer's pending requests.
      this.incoming.drain();
    }
    return ok;
  }

  unchoke(): boolean {
    if (!this.amChoking) return true;
    this.amChoking = false;
    return this.send(UNCHOKE);
  }

  interested(): boolean {
    if (this.amInterested) return true;
    this.amInterested = true;
    return this.send(INTERESTED);
  }

  notInterested(): boolean {
    if (!this.amInterested) return true;
    this.amInterested = false;
    return this.send(NOT_INTERESTED);
  }

  have(index: number): boolean {
    return this.send(encodeHave(index));
  }

  /** Our bitfield (BEP 3 layout); send it right after the handshake, or use haveAll/haveNone. */
  bitfield(bytes: Uint8Array): boolean {
    return this.send(encodeBitfield(bytes));
  }

  /** BEP 6 have all; without the fast extension a full bitfield is sent instead (needs the piece count). */
  haveAll(): boolean {
    if (this.fastExtension) return this.send(HAVE_ALL);
    if (this.pieceCount === undefined) return false;
    return this.bitfield(Bitfield.full(this.pieceCount).bytes);
  }

  /** BEP 6 have none; without the fast extension nothing is sent (BEP 3 allows no bitfield). */
  haveNone(): boolean {
    return this.fastExtension ? this.send(HAVE_NONE) : true;
  }

  /** Requests a block; false (not sent) while the peer chokes us and the piece is not allowed fast. */
  request(index: number, begin: number, length: number): boolean {
    if (this.closedWith) return false;
    if (this.peerChoking && !(this.fastExtension && this.allowedFastFromPeer.has(index))) return false;
    this.outgoing.add({ index, begin, length });
    this.send(encodeRequest(index, begin, length));
    return true;
  }

  /**
   * Whether a request of ours for the block is outstanding (with the fast extension a cancelled
   * request stays outstanding until the peer answers with the block or a reject, BEP 6; asking for
   * it again before that would make the answer ambiguous).
   */
  isRequested(index: number, begin: number, length: number): boolean {
    return this.outgoing.has(index, begin, length);
  }

  /** Cancels a request. With BEP 6 the peer still answers it (piece or reject); without, it is forgotten now. */
  cancel(index: number, begin: number, length: number): boolean {
    if (!this.outgoing.has(index, begin, length)) return false;
    if (!this.fastExtension) this.outgoing.delete(index, begin, length);
    return this.send(encodeCancel(index, begin, length));
  }

  /** Answers a pending request of the peer with its block; false when no such request is pending. */
  piece(index: number, begin: number, block: Uint8Array): boolean {
    if (this.closedWith || !this.incoming.delete(index, begin, block.length)) return false;
    this.stats.payloadSent += block.length;
    this.send(encodePieceHeader(index, begin, block.length));
    return this.send(block);
  }

  /** Rejects a pending request of the peer (BEP 6 only). */
  reject(index: number, begin: number, length: number): boolean {
    if (!this.fastExtension || !this.incoming.delete(index, begin, length)) return false;
    return this.send(encodeReject(index, begin, length));
  }

  suggest(index: number): boolean {
    return this.fastExtension ? this.send(encodeSuggest(index)) : false;
  }

  /** Lets the peer request `index` while choked (BEP 6). */
  allowFast(index: number): boolean {
    if (!this.fastExtension) return false;
    this.allowedFastForPeer.add(index);
    return this.send(encodeAllowedFast(index));
  }

  /** Our DHT port (BEP 5), sent only to peers that set the DHT bit. */
  port(port: number): boolean {
    return this.remote?.flags.dht ? this.send(encodePort(port)) : false;
  }

  /** Closes the wire (reason `local`); pending writes are flushed. Idempotent. */
  close(): void {
    this.finish({ reason: 'local' }, false);
  }

  /** Closes the wire at once for the given reason (e.g. the engine found corrupt data from this peer). */
  destroy(reason: WireCloseReason = 'local', error?: TorrentkitError): void {
    this.finish({ reason, error }, true);
  }

  // ---- internals ----------------------------------------------------------------------------

  private send(bytes: Uint8Array): boolean {
    if (this.closedWith) return false;
    this.stats.bytesSent += bytes.length;
    this.lastSentAt = this.clock.now();
    if (!this.conn.write(bytes)) this.needDrain = true;
    return !this.needDrain;
  }

  private sendHandshake(): void {
    if (this.handshakeSent || !this.infoHash) return;
    this.handshakeSent = true;
    this.send(encodeHandshake(this.infoHash, this.options.peerId, this.flags));
  }

  private onData(chunk: Uint8Array): void {
    if (this.closedWith) return;
    this.stats.bytesReceived += chunk.length;
    this.lastReceivedAt = this.clock.now();
    try {
      this.decoder.push(chunk);
    } catch (err) {
      if (err instanceof TorrentkitError) this.violation(err);
      else throw err;
    }
  }

  private violation(err: TorrentkitError): void {
    this.logger.debug('wire', `protocol violation from ${this.conn.remoteAddress}:${this.conn.remotePort}`, { code: err.code, message: err.message });
    this.finish({ reason: 'protocol_violation', error: err }, true);
  }

  private fail(code: `BT_ERR_${string}`, message: string): never {
    throw new TorrentkitError(code, message);
  }

  private onHandshake(h: Handshake): void {
    this.cancelHandshakeTimer?.();
    if (this.infoHash) {
      if (!equalBytes(h.infoHash, this.infoHash)) {
        this.finish({ reason: 'infohash_mismatch' }, true);
        return;
      }
    } else if (this.options.acceptInfoHash?.(h.infoHash)) {
      this.infoHash = h.infoHash;
    } else {
      this.finish({ reason: 'infohash_mismatch' }, true);
      return;
    }
    this.remote = h;
    this.sendHandshake();
    this.emit('handshake', h);
    if (this.closedWith) return;
    if (this.extensionProtocol && !this.extendedHandshakeSent) this.sendExtendedHandshake();
  }

  private onMessage(m: WireMessage): void {
    if (this.closedWith) return;
    try {
      this.dispatch(m);
    } catch (err) {
      if (err instanceof TorrentkitError) this.violation(err);
      else throw err;
    }
  }

  private dispatch(m: WireMessage): void {
    const fastOnly = m.type === 'haveAll' || m.type === 'haveNone' || m.type === 'suggest' || m.type === 'reject' || m.type === 'allowedFast';
    if (fastOnly && !this.fastExtension) this.fail('BT_ERR_WIRE_FAST_NOT_NEGOTIATED', `${m.type} without the fast extension (BEP 6)`);
    if (m.type === 'bitfield' || m.type === 'haveAll' || m.type === 'haveNone') {
      // BEP 3/6 want exactly one of these, first. aria2 later sends a whole bitfield (or have
      // all) in place of many have messages, and libtorrent accepts that as an update: so do we.
      // A later have none could only take pieces back, which no peer can do.
      const update = m.type !== 'haveNone';
      if (this.haveMessageSeen && !update) this.fail('BT_ERR_WIRE_DUPLICATE_BITFIELD', `${m.type} after the peer's first bitfield/have all/have none`);
      this.haveMessageSeen = true;
    }
    switch (m.type) {
      case 'keepAlive':
        return this.emit('keepAlive');
      case 'choke': {
        this.peerChoking = true;
        // BEP 3: choke discards our requests; BEP 6: they stay until answered.
        const dropped = this.fastExtension ? [] : this.outgoing.drain();
        return this.emit('choke', dropped);
      }
      case 'unchoke':
        this.peerChoking = false;
        return this.emit('unchoke');
      case 'interested':
        this.peerInterested = true;
        return this.emit('interested');
      case 'notInterested':
        this.peerInterested = false;
        return this.emit('notInterested');
      case 'have':
        return this.emit('have', m.index);
      case 'bitfield':
        if (this.pieceCount === undefined) this.pendingBitfield = m.bytes.slice();
        return this.emit('bitfield', m.bytes);
      case 'haveAll':
        return this.emit('haveAll');
      case 'haveNone':
        return this.emit('haveNone');
      case 'request':
        return this.onRequest(m);
      case 'piece': {
        const requested = this.outgoing.delete(m.index, m.begin, m.block.length);
        if (!requested && this.fastExtension) this.fail('BT_ERR_WIRE_UNREQUESTED_PIECE', `piece ${m.index}+${m.begin} was never requested (BEP 6)`);
        this.stats.payloadReceived += m.block.length;
        return this.emit('piece', { index: m.index, begin: m.begin, block: m.block, requested });
      }
      case 'cancel':
        if (!this.incoming.has(m.index, m.begin, m.length)) return;
        if (!this.fastExtension) this.incoming.delete(m.index, m.begin, m.length);
        return this.emit('cancel', block(m));
      case 'reject':
        if (!this.outgoing.delete(m.index, m.begin, m.length)) return;
        return this.emit('reject', block(m));
      case 'suggest':
        return this.emit('suggest', m.index);
      case 'allowedFast':
        this.allowedFastFromPeer.add(m.index);
        return this.emit('allowedFast', m.index);
      case 'port':
        return this.emit('port', m.port);
      case 'extended':
        return this.onExtended(m.extId, m.payload);
      case 'unknown':
        return this.emit('unknown', { id: m.id, payload: m.payload });
    }
  }

  private onRequest(m: BlockRef): void {
    const fast = this.fastExtension;
    const allowed = !this.amChoking || this.allowedFastForPeer.has(m.index);
    const full = this.incoming.size >= (this.options.maxIncomingRequests ?? MAX_INCOMING_REQUESTS);
    if (!allowed || full || this.incoming.has(m.index, m.begin, m.length)) {
      // BEP 6: every request gets exactly one answer; BEP 3: requests while choked are dropped.
      if (fast) this.send(encodeReject(m.index, m.begin, m.length));
      return;
    }
    this.incoming.add(m);
    this.emit('request', block(m));
  }

  private onExtended(id: number, payload: Uint8Array): void {
    if (!this.extensionProtocol) this.fail('BT_ERR_WIRE_EXTENSION_NOT_NEGOTIATED', 'extended message without the extension protocol (BEP 10)');
    if (id === 0) {
      const h = decodeExtensionHandshake(payload);
      this.remoteExtended = h;
      this.extensions.setRemote(h);
      this.emit('extendedHandshake', h);
      return;
    }
    const ext = this.extensions.byId(id);
    if (ext) ext.onMessage(payload);
    else this.emit('extended', { id, payload });
  }

  private tick(): void {
    if (this.closedWith) return;
    const now = this.clock.now();
    if (now - this.lastReceivedAt >= (this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS)) {
      this.finish({ reason: 'idle_timeout' }, true);
      return;
    }
    if (this.handshakeSent && now - this.lastSentAt >= (this.options.keepAliveIntervalMs ?? KEEP_ALIVE_INTERVAL_MS)) {
      this.send(KEEP_ALIVE);
    }
  }

  private finish(close: WireClose, destroy: boolean): void {
    if (this.closedWith) return;
    this.closedWith = close;
    this.cancelTick?.();
    this.cancelHandshakeTimer?.();
    this.decoder.stop();
    this.incoming.drain();
    this.outgoing.drain();
    this.conn.close(destroy);
    this.extensions.closeAll();
    this.emit('close', close);
  }
}

function block(m: BlockRef): BlockRef {
  return { index: m.index, begin: m.begin, length: m.length };
}
