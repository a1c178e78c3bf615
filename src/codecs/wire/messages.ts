/**
 * Peer wire messages (BEP 3, BEP 5 `port`, BEP 6 fast extension, BEP 10 `extended`) and their
 * encoders. Every message is <length: u32 big-endian><id: u8><payload>; length 0 is a keep-alive.
 *
 * Allocation: fixed messages (choke, unchoke, ...) are shared constant buffers that must not be
 * mutated; the others allocate exactly their size. A `piece` message is written as a 13-byte
 * header (`encodePieceHeader`) followed by the caller's block, so a block is never copied.
 */
import { WireError, WireErrorCode } from './errors.js';

/** Message ids (BEP 3, 5, 6, 10). */
export const MessageId = {
  Choke: 0,
  Unchoke: 1,
  Interested: 2,
  NotInterested: 3,
  Have: 4,
  Bitfield: 5,
  Request: 6,
  Piece: 7,
  Cancel: 8,
  Port: 9,
  Suggest: 13,
  HaveAll: 14,
  HaveNone: 15,
  Reject: 16,
  AllowedFast: 17,
  Extended: 20,
} as const;
export type MessageId = (typeof MessageId)[keyof typeof MessageId];

/** Ids that exist only when both ends set the fast extension bit (BEP 6). */
export const FAST_MESSAGE_IDS: ReadonlySet<number> = new Set([13, 14, 15, 16, 17]);

/** BEP 3: "All current implementations use 2^14 (16 kiB), and close connections which request an amount greater than that." */
export const BLOCK_SIZE = 16 * 1024;

export interface BlockRef {
  index: number;
  begin: number;
  length: number;
}

/** A decoded message. `block`, `payload` and `bytes` are views into the received data (not copies). */
export type WireMessage =
  | { type: 'keepAlive' }
  | { type: 'choke' }
  | { type: 'unchoke' }
  | { type: 'interested' }
  | { type: 'notInterested' }
  | { type: 'have'; index: number }
  | { type: 'bitfield'; bytes: Uint8Array }
  | ({ type: 'request' } & BlockRef)
  | { type: 'piece'; index: number; begin: number; block: Uint8Array }
  | ({ type: 'cancel' } & BlockRef)
  | { type: 'port'; port: number }
  | { type: 'suggest'; index: number }
  | { type: 'haveAll' }
  | { type: 'haveNone' }
  | ({ type: 'reject' } & BlockRef)
  | { type: 'allowedFast'; index: number }
  | { type: 'extended'; extId: number; payload: Uint8Array }
  | { type: 'unknown'; id: number; payload: Uint8Array };

export type WireMessageType = WireMessage['type'];

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new WireError(WireErrorCode.BadArgument, `${what} ${v} is not a u32`);
  return v;
}

function fixed(id: number): Uint8Array {
  return Uint8Array.of(0, 0, 0, 1, id);
}

export const KEEP_ALIVE: Uint8Array = new Uint8Array(4);
export const CHOKE: Uint8Array = fixed(MessageId.Choke);
export const UNCHOKE: Uint8Array = fixed(MessageId.Unchoke);
export const INTERESTED: Uint8Array = fixed(MessageId.Interested);
export const NOT_INTERESTED: Uint8Array = fixed(MessageId.NotInterested);
export const HAVE_ALL: Uint8Array = fixed(MessageId.HaveAll);
export const HAVE_NONE: Uint8Array = fixed(MessageId.HaveNone);

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function indexMessage(id: number, index: number): Uint8Array {
  const out = new Uint8Array(9);
  writeU32(out, 0, 5);
  out[4] = id;
  writeU32(out, 5, u32(index, 'piece index'));
  return out;
}

function blockMessage(id: number, index: number, begin: number, length: number): Uint8Array {
  const out = new Uint8Array(17);
  writeU32(out, 0, 13);
  out[4] = id;
  writeU32(out, 5, u32(index, 'piece index'));
  writeU32(out, 9, u32(begin, 'block offset'));
  writeU32(out, 13, u32(length, 'block length'));
  return out;
}

export const encodeHave = (index: number): Uint8Array => indexMessage(MessageId.Have, index);
export const encodeSuggest = (index: number): Uint8Array => indexMessage(MessageId.Suggest, index);
export const encodeAllowedFast = (index: number): Uint8Array => indexMessage(MessageId.AllowedFast, index);
export const encodeRequest = (index: number, begin: number, length: number): Uint8Array =>
  blockMessage(MessageId.Request, index, begin, length);
export const encodeCancel = (index: number, begin: number, length: number): Uint8Array =>
  blockMessage(MessageId.Cancel, index, begin, length);
export const encodeReject = (index: number, begin: number, length: number): Uint8Array =>
  blockMessage(MessageId.Reject, index, begin, length);

/** A bitfield message; `bytes` is the BEP 3 bit layout (util/bitfield `Bitfield.bytes`). */
export function encodeBitfield(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + bytes.length);
  writeU32(out, 0, 1 + bytes.length);
  out[4] = MessageId.Bitfield;
  out.set(bytes, 5);
  return out;
}

/** The 13-byte header of a `piece` message carrying `blockLength` bytes; send the block right after it. */
export function encodePieceHeader(index: number, begin: number, blockLength: number): Uint8Array {
  const out = new Uint8Array(13);
  writeU32(out, 0, u32(9 + blockLength, 'message length'));
  out[4] = MessageId.Piece;
  writeU32(out, 5, u32(index, 'piece index'));
  writeU32(out, 9, u32(begin, 'block offset'));
  return out;
}

/** A whole `piece` message in one buffer (copies the block; prefer `encodePieceHeader` on hot paths). */
export function encodePiece(index: number, begin: number, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(13 + block.length);
  out.set(encodePieceHeader(index, begin, block.length), 0);
  out.set(block, 13);
  return out;
}

/** BEP 5: the DHT node's UDP port. */
export function encodePort(port: number): Uint8Array {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new WireError(WireErrorCode.BadArgument, `port ${port} out of range`);
  return Uint8Array.of(0, 0, 0, 3, MessageId.Port, port >> 8, port & 0xff);
}

/** BEP 10: an extended message; `extId` 0 is the extension handshake, others are the receiver's ids. */
export function encodeExtended(extId: number, payload: Uint8Array): Uint8Array {
  if (!Number.isInteger(extId) || extId < 0 || extId > 255) throw new WireError(WireErrorCode.BadArgument, `extended id ${extId} out of range`);
  const out = new Uint8Array(6 + payload.length);
  writeU32(out, 0, 2 + payload.length);
  out[4] = MessageId.Extended;
  out[5] = extId;
  out.set(payload, 6);
  return out;
}

/** Encodes any message (convenience for tests and tools; the Wire uses the specific encoders). */
export function encodeMessage(m: WireMessage): Uint8Array {
  switch (m.type) {
    case 'keepAlive':
      return KEEP_ALIVE;
    case 'choke':
      return CHOKE;
    case 'unchoke':
      return UNCHOKE;
    case 'interested':
      return INTERESTED;
    case 'notInterested':
      return NOT_INTERESTED;
    case 'have':
      return encodeHave(m.index);
    case 'bitfield':
      return encodeBitfield(m.bytes);
    case 'request':
      return encodeRequest(m.index, m.begin, m.length);
    case 'piece':
      return encodePiece(m.index, m.begin, m.block);
    case 'cancel':
      return encodeCancel(m.index, m.begin, m.length);
    case 'port':
      return encodePort(m.port);
    case 'suggest':
      return encodeSuggest(m.index);
    case 'haveAll':
      return HAVE_ALL;
    case 'haveNone':
      return HAVE_NONE;
    case 'reject':
      return encodeReject(m.index, m.begin, m.length);
    case 'allowedFast':
      return encodeAllowedFast(m.index);
    case 'extended':
      return encodeExtended(m.extId, m.payload);
    case 'unknown': {
      const out = new Uint8Array(5 + m.payload.length);
      writeU32(out, 0, 1 + m.payload.length);
      out[4] = m.id;
      out.set(m.payload, 5);
      return out;
    }
  }
}
