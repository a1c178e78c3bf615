/**
 * Wire: one peer connection speaking the BitTorrent protocol (BEP 3) with the fast extension
 * (BEP 6) and the extension protocol (BEP 10), over a StreamConnection.
 *
 * Owns: the handshake exchange (outgoing: ours first; incoming: theirs first, checked by
 * `acceptInfoHash`), the peer's messages and the rules they must follow, keep-alives and timeouts
 * (through the Clock) and closing. The connection's state (choke/interest of both sides, request
 * bookkeeping in both directions, byte counters, write backpressure, the typed extension registry)
 * and the messages we send live in WireState (wire-state.ts), which Wire extends. It does not pick
 * pieces, decide whom to choke, or touch storage: the engine calls its methods and listens to its
 * events.
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
  checkBitfield,
  decodeExtensionHandshake,
  encodeReject,
  type Handshake,
  KEEP_ALIVE,
  WireDecoder,
  WireError,
  type WireMessage,
} from '../../codecs/wire/index.js';
import type { Cancel } from '../../ports/clock.js';
import type { StreamConnection } from '../../ports/transport.js';
import { equalBytes } from '../../util/bytes.js';
import { TorrentkitError } from '../../util/errors.js';
import type { WireClose, WireCloseReason } from './events.js';
import { HANDSHAKE_TIMEOUT_MS, IDLE_TIMEOUT_MS, KEEP_ALIVE_INTERVAL_MS, MAX_INCOMING_REQUESTS, TICK_MS, type WireDeps, type WireOptions } from './options.js';
import { WireState } from './wire-state.js';
import { DOUBLE_ZERO } from '../../util/double.js';

export class Wire extends WireState {
  private readonly decoder: WireDecoder;
  private started = false;
  private haveMessageSeen = false;
  private pendingBitfield: Uint8Array | undefined;
  private lastReceivedAt = DOUBLE_ZERO;
  private cancelTick: Cancel | undefined;
  private cancelHandshakeTimer: Cancel | undefined;

  constructor(conn: StreamConnection, deps: WireDeps, options: WireOptions) {
    super(conn, deps, options);
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

  /** Closes the wire (reason `local`); pending writes are flushed. Idempotent. */
  close(): void {
    this.finish({ reason: 'local' }, false);
  }

  /** Closes the wire at once for the given reason (e.g. the engine found corrupt data from this peer). */
  destroy(reason: WireCloseReason = 'local', error?: TorrentkitError): void {
    this.finish({ reason, error }, true);
  }

  // ---- receiving ----------------------------------------------------------------------------

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
