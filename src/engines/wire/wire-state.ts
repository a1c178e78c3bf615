/**
 * The state of one peer connection and the messages we send on it: choke and interest of both
 * sides, the requests outstanding in both directions, the BEP 10 extension registry, byte counters
 * and write backpressure. Wire (wire.ts) adds the receiving side (the handshake exchange and the
 * rules it enforces on the peer's messages), the timers and closing.
 */
import {
  CHOKE,
  type DecodedExtensionHandshake,
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
  NOT_INTERESTED,
  parseIPBytes,
  type ReservedFlags,
  UNCHOKE,
} from '../../codecs/wire/index.js';
import type { Clock } from '../../ports/clock.js';
import type { StreamConnection } from '../../ports/transport.js';
import { Bitfield } from '../../util/bitfield.js';
import { Emitter } from '../../util/emitter.js';
import { TorrentkitError } from '../../util/errors.js';
import { type Logger, nullLogger } from '../../util/logger.js';
import type { InfoHash } from '../../util/units.js';
import type { WireClose, WireEvents } from './events.js';
import { ExtensionRegistry, type WireExtension } from './extensions.js';
import { DEFAULT_PEER_REQQ, MAX_INCOMING_REQUESTS, type WireDeps, type WireOptions, type WireStats } from './options.js';
import { RequestSet } from './requests.js';
import { DOUBLE_ZERO } from '../../util/double.js';

export abstract class WireState extends Emitter<WireEvents> {
  /** We choke the peer / the peer chokes us (BEP 3: both start choked and not interested). */
  amChoking = true;
  amInterested = false;
  peerChoking = true;
  peerInterested = false;
  /** The peer's handshake and extension handshake, once received. */
  remote: Handshake | undefined;
  remoteExtended: DecodedExtensionHandshake | undefined;
  readonly stats: WireStats = { bytesSent: 0, bytesReceived: 0, payloadSent: 0, payloadReceived: 0 };

  protected readonly clock: Clock;
  protected readonly logger: Logger;
  protected readonly flags: Partial<ReservedFlags>;
  protected infoHash: InfoHash | undefined;
  protected pieceCount: number | undefined;
  protected readonly extensions = new ExtensionRegistry();
  /** Requests the peer made that we have not answered. */
  protected readonly incoming = new RequestSet();
  /** Requests we made that the peer has not answered. */
  protected readonly outgoing = new RequestSet();
  protected readonly allowedFastForPeer = new Set<number>();
  protected readonly allowedFastFromPeer = new Set<number>();
  protected handshakeSent = false;
  protected extendedHandshakeSent = false;
  protected closedWith: WireClose | undefined;
  protected needDrain = false;
  protected lastSentAt = DOUBLE_ZERO;

  constructor(
    readonly conn: StreamConnection,
    deps: WireDeps,
    protected readonly options: WireOptions,
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

  // ---- extensions ---------------------------------------------------------------------------

  /** Registers a BEP 10 extension; register before or in the `handshake` event (later ones re-send our handshake). */
  use<E extends WireExtension>(factory: (wire: this) => E): E {
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

  /**
   * Answers a pending request of the peer with its block; false when no such request is pending.
   * `onWritten` is the transport's (StreamConnection.write): called once the block's memory is no
   * longer referenced, and only when the block was sent (`stats.payloadSent` grew).
   */
  piece(index: number, begin: number, block: Uint8Array, onWritten?: () => void): boolean {
    if (this.closedWith || !this.incoming.delete(index, begin, block.length)) return false;
    this.stats.payloadSent += block.length;
    this.send(encodePieceHeader(index, begin, block.length));
    return this.send(block, onWritten);
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

  // ---- internals ----------------------------------------------------------------------------

  protected send(bytes: Uint8Array, onWritten?: () => void): boolean {
    if (this.closedWith) {
      onWritten?.();
      return false;
    }
    this.stats.bytesSent += bytes.length;
    this.lastSentAt = this.clock.now();
    if (!this.conn.write(bytes, onWritten)) this.needDrain = true;
    return !this.needDrain;
  }

  protected sendHandshake(): void {
    if (this.handshakeSent || !this.infoHash) return;
    this.handshakeSent = true;
    this.send(encodeHandshake(this.infoHash, this.options.peerId, this.flags));
  }
}
