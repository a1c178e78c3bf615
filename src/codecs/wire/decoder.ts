/**
 * Push decoder for the peer wire stream (BEP 3): feed it chunks as they arrive (any sizes, any
 * split points) and it calls back with the handshake, then with each typed message.
 *
 * Limits and invariants:
 * - A length prefix above `maxMessageLength` fails at once, before anything is buffered for it:
 *   the decoder never allocates what the input names but does not contain. A message that spans
 *   chunks is copied into one buffer only once all of its bytes have arrived.
 * - Messages that lie inside one chunk are zero-copy views (`piece` blocks included): hold on to
 *   them only as long as the chunk may be kept alive, or copy.
 * - Each id's fixed length is checked; request/cancel/reject lengths must be 1..`maxRequestLength`
 *   (BEP 3: 16 KiB); piece blocks at most `maxBlockLength`; with a known piece count, indices are in
 *   range and a bitfield is exactly ceil(pieces / 8) bytes with its spare bits zero.
 * - Unknown ids are emitted as `unknown`, skipped, or refused, per `unknownMessages`.
 * - After an error the decoder is dead: every later `push` throws the same error.
 */
import { copyBytes } from '../../util/bytes.js';
import { WireError, WireErrorCode } from './errors.js';
import { checkHandshakePrefix, decodeHandshake, HANDSHAKE_LENGTH, type Handshake } from './handshake.js';
import { BLOCK_SIZE, MessageId, readU32, type WireMessage } from './messages.js';

export interface WireDecoderOptions {
  /** Expect the 68-byte handshake before the first message (default true). */
  handshake?: boolean;
  /** Largest message accepted, length prefix excluded (default 1 MiB; raised to fit a bitfield of `pieceCount`). */
  maxMessageLength?: number;
  /** Largest block a request, cancel or reject may name (default 16 KiB, BEP 3). */
  maxRequestLength?: number;
  /** Largest block a piece message may carry (default 16 KiB). */
  maxBlockLength?: number;
  /** Number of pieces, when known (checks indices and the bitfield). */
  pieceCount?: number;
  /** What to do with ids this decoder does not know (default 'emit'). */
  unknownMessages?: 'emit' | 'ignore' | 'error';
  /**
   * The caller reuses each pushed chunk's memory once `push` returns (a transport reading into
   * one buffer). The decoder then copies what it keeps: the unconsumed tail of a chunk, and
   * every message except `piece`, whose block stays a view that is valid only during the
   * handler call (the engine copies blocks into their piece at once).
   */
  volatileChunks?: boolean;
}

export interface WireDecoderHandlers {
  handshake?(h: Handshake): void;
  message(m: WireMessage): void;
}

export const DEFAULT_MAX_MESSAGE_LENGTH = 1024 * 1024;

export class WireDecoder {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;
  /** Bytes consumed from the stream so far (for error offsets). */
  private consumed = 0;
  private awaitingHandshake: boolean;
  private prefixChecked = 0;
  private failure: WireError | undefined;
  private stopped = false;
  private pieceCount: number | undefined;
  private readonly maxMessageLength: number;
  private readonly maxRequestLength: number;
  private readonly maxBlockLength: number;
  private readonly unknown: 'emit' | 'ignore' | 'error';
  private readonly volatile: boolean;

  constructor(
    private readonly handlers: WireDecoderHandlers,
    options: WireDecoderOptions = {},
  ) {
    this.awaitingHandshake = options.handshake ?? true;
    this.maxMessageLength = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.maxRequestLength = options.maxRequestLength ?? BLOCK_SIZE;
    this.maxBlockLength = options.maxBlockLength ?? BLOCK_SIZE;
    this.unknown = options.unknownMessages ?? 'emit';
    this.pieceCount = options.pieceCount;
    this.volatile = options.volatileChunks ?? false;
  }

  /** Sets the piece count once known (after metadata arrives for a magnet link). */
  setPieceCount(n: number): void {
    this.pieceCount = n;
  }

  /** Bytes received but not yet decoded. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Stops decoding: the current `push` returns after the message being delivered, later pushes are ignored. */
  stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
    this.head = 0;
  }

  push(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    if (this.stopped || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      this.drain();
      if (this.volatile && this.buffered > 0) this.keepTail(chunk);
    } catch (err) {
      if (err instanceof WireError) {
        this.failure = err;
        this.chunks = [];
        this.buffered = 0;
      }
      throw err;
    }
  }

  private drain(): void {
    while (!this.stopped) {
      if (this.awaitingHandshake) {
        if (this.prefixChecked < 20) {
          const n = Math.min(this.buffered, 20);
          if (n > this.prefixChecked) {
            checkHandshakePrefix(this.peek(n));
            this.prefixChecked = n;
          }
        }
        if (this.buffered < HANDSHAKE_LENGTH) return;
        const raw = this.take(HANDSHAKE_LENGTH);
        const h = decodeHandshake(this.volatile ? copyBytes(raw) : raw);
        this.awaitingHandshake = false;
        this.handlers.handshake?.(h);
        continue;
      }
      if (this.buffered < 4) return;
      const length = this.peekLength();
      const limit = this.pieceCount === undefined ? this.maxMessageLength : Math.max(this.maxMessageLength, 1 + ((this.pieceCount + 7) >> 3));
      if (length > limit) {
        throw new WireError(WireErrorCode.MessageTooLarge, `message of ${length} bytes exceeds the limit of ${limit}`, this.consumed);
      }
      if (this.buffered < 4 + length) return;
      const at = this.consumed;
      this.skip(4);
      if (length === 0) {
        this.handlers.message({ type: 'keepAlive' });
        continue;
      }
      let body = this.take(length);
      if (this.volatile && body[0] !== MessageId.Piece) body = copyBytes(body);
      const m = this.parse(body, at);
      if (m) this.handlers.message(m);
    }
  }

  private need(body: Uint8Array, n: number, at: number): void {
    if (body.length !== n) throw new WireError(WireErrorCode.BadLength, `message id ${body[0]} has length ${body.length}, not ${n}`, at);
  }

  private index(body: Uint8Array, at: number): number {
    const i = readU32(body, 1);
    if (this.pieceCount !== undefined && i >= this.pieceCount) {
      throw new WireError(WireErrorCode.BadPieceIndex, `piece index ${i} out of range (${this.pieceCount} pieces)`, at);
    }
    return i;
  }

  private blockLength(body: Uint8Array, at: number): number {
    const length = readU32(body, 9);
    if (length === 0 || length > this.maxRequestLength) {
      throw new WireError(WireErrorCode.BlockTooLarge, `block length ${length} outside 1..${this.maxRequestLength}`, at);
    }
    return length;
  }

  private parse(body: Uint8Array, at: number): WireMessage | undefined {
    const id = body[0];
    const len = body.length;
    // The hot paths (piece, request, have) allocate nothing but the message itself.
    if (id === MessageId.Piece) {
      if (len < 9) throw new WireError(WireErrorCode.BadLength, `piece message of ${len} bytes is shorter than 9`, at);
      if (len - 9 > this.maxBlockLength) {
        throw new WireError(WireErrorCode.BlockTooLarge, `piece block of ${len - 9} bytes exceeds ${this.maxBlockLength}`, at);
      }
      return { type: 'piece', index: this.index(body, at), begin: readU32(body, 5), block: body.subarray(9) };
    }
    if (id === MessageId.Request || id === MessageId.Cancel || id === MessageId.Reject) {
      this.need(body, 13, at);
      const length = this.blockLength(body, at);
      const type = id === MessageId.Request ? 'request' : id === MessageId.Cancel ? 'cancel' : 'reject';
      return { type, index: this.index(body, at), begin: readU32(body, 5), length };
    }
    if (id === MessageId.Have) {
      this.need(body, 5, at);
      return { type: 'have', index: this.index(body, at) };
    }
    const need = (n: number): void => this.need(body, n, at);
    const index = (): number => this.index(body, at);
    switch (id) {
      case MessageId.Choke:
        need(1);
        return { type: 'choke' };
      case MessageId.Unchoke:
        need(1);
        return { type: 'unchoke' };
      case MessageId.Interested:
        need(1);
        return { type: 'interested' };
      case MessageId.NotInterested:
        need(1);
        return { type: 'notInterested' };
      case MessageId.HaveAll:
        need(1);
        return { type: 'haveAll' };
      case MessageId.HaveNone:
        need(1);
        return { type: 'haveNone' };
      case MessageId.Suggest:
        need(5);
        return { type: 'suggest', index: index() };
      case MessageId.AllowedFast:
        need(5);
        return { type: 'allowedFast', index: index() };
      case MessageId.Bitfield: {
        const bytes = body.subarray(1);
        if (this.pieceCount !== undefined) checkBitfield(bytes, this.pieceCount, at);
        return { type: 'bitfield', bytes };
      }
      case MessageId.Port:
        need(3);
        return { type: 'port', port: (body[1] << 8) | body[2] };
      case MessageId.Extended:
        if (len < 2) throw new WireError(WireErrorCode.BadLength, 'extended message without an extension id', at);
        return { type: 'extended', extId: body[1], payload: body.subarray(2) };
      default:
        if (this.unknown === 'error') throw new WireError(WireErrorCode.UnknownMessage, `unknown message id ${id}`, at);
        if (this.unknown === 'ignore') return undefined;
        return { type: 'unknown', id, payload: body.subarray(1) };
    }
  }

  /** Replaces the pushed chunk, if still buffered, with a copy of its unconsumed bytes. */
  private keepTail(chunk: Uint8Array): void {
    const last = this.chunks.length - 1;
    if (last < 0 || this.chunks[last] !== chunk) return;
    if (last === 0) {
      this.chunks[0] = copyBytes(chunk.subarray(this.head));
      this.head = 0;
    } else {
      this.chunks[last] = copyBytes(chunk);
    }
  }

  /** The next 4 buffered bytes as a big-endian length prefix (buffered >= 4), without a view. */
  private peekLength(): number {
    const first = this.chunks[0];
    const h = this.head;
    if (first.length - h >= 4) return ((first[h] << 24) | (first[h + 1] << 16) | (first[h + 2] << 8) | first[h + 3]) >>> 0;
    return readU32(this.peek(4), 0);
  }

  /** The next `n` buffered bytes without consuming them (n <= buffered). */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let o = 0;
    let h = this.head;
    for (let i = 0; o < n; i++) {
      const c = this.chunks[i];
      const k = Math.min(n - o, c.length - h);
      out.set(c.subarray(h, h + k), o);
      o += k;
      h = 0;
    }
    return out;
  }

  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    let out: Uint8Array;
    if (first.length - this.head >= n) {
      out = first.subarray(this.head, this.head + n);
    } else {
      out = this.peek(n);
    }
    this.skip(n);
    return out;
  }

  private skip(n: number): void {
    this.buffered -= n;
    this.consumed += n;
    while (n > 0) {
      const c = this.chunks[0];
      const left = c.length - this.head;
      if (left > n) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }
}

/** BEP 3: a bitfield is ceil(pieces / 8) bytes and "spare bits at the end are set to zero". */
export function checkBitfield(bytes: Uint8Array, pieceCount: number, at = -1): void {
  const want = (pieceCount + 7) >> 3;
  if (bytes.length !== want) throw new WireError(WireErrorCode.BadBitfield, `bitfield of ${bytes.length} bytes for ${pieceCount} pieces (want ${want})`, at);
  const spare = want * 8 - pieceCount;
  if (spare > 0 && (bytes[want - 1] & ((1 << spare) - 1)) !== 0) {
    throw new WireError(WireErrorCode.BadBitfield, 'bitfield sets spare bits past the last piece', at);
  }
}
