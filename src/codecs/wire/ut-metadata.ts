/**
 * ut_metadata (BEP 9): fetching the info dictionary from peers in 16 KiB pieces. A message is a
 * bencoded dictionary { msg_type, piece[, total_size] }; a `data` message is followed by the
 * piece's bytes. msg_type 0 = request, 1 = data, 2 = reject. Unknown msg_types "MUST be ignored"
 * (BEP 9), so they decode to `{ type: 'unknown' }` rather than an error.
 */
import { type BValue, decodePrefix, encode } from '../bencode/index.js';
import { concatBytes } from '../../util/bytes.js';
import { WireError, WireErrorCode } from './errors.js';
import { DEFAULT_MAX_METADATA_SIZE } from './extension-handshake.js';

export const UT_METADATA = 'ut_metadata';
/** BEP 9: "The metadata is handled in blocks of 16KiB (16384 Bytes)." */
export const METADATA_PIECE_SIZE = 16 * 1024;

export type MetadataMessage =
  | { type: 'request'; piece: number }
  | { type: 'data'; piece: number; totalSize: number; data: Uint8Array }
  | { type: 'reject'; piece: number }
  | { type: 'unknown'; msgType: number; piece: number };

/** Number of metadata pieces for an info dictionary of `size` bytes. */
export function metadataPieceCount(size: number): number {
  return Math.ceil(size / METADATA_PIECE_SIZE);
}

/** Expected length of metadata piece `piece` of an info dictionary of `totalSize` bytes. */
export function metadataPieceLength(piece: number, totalSize: number): number {
  return Math.min(METADATA_PIECE_SIZE, totalSize - piece * METADATA_PIECE_SIZE);
}

/** The extended message payload (without the BEP 10 header). */
export function encodeMetadataMessage(m: MetadataMessage): Uint8Array {
  switch (m.type) {
    case 'request':
      return encode({ msg_type: 0, piece: m.piece });
    case 'reject':
      return encode({ msg_type: 2, piece: m.piece });
    case 'unknown':
      return encode({ msg_type: m.msgType, piece: m.piece });
    case 'data':
      return concatBytes([encode({ msg_type: 1, piece: m.piece, total_size: m.totalSize }), m.data]);
  }
}

const bad = (msg: string): WireError => new WireError(WireErrorCode.BadMetadataMessage, msg);

/** Decodes a ut_metadata payload; `data` must be exactly the piece's length for `total_size`. */
export function decodeMetadataMessage(payload: Uint8Array, limits: { maxMetadataSize?: number } = {}): MetadataMessage {
  let value: BValue;
  let end: number;
  try {
    ({ value, end } = decodePrefix(payload, { maxDepth: 4, maxTokens: 100 }));
  } catch (err) {
    throw bad(`ut_metadata message is not bencoded: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || Array.isArray(value)) {
    throw bad('ut_metadata message is not a dictionary');
  }
  const msgType = value.msg_type;
  const piece = value.piece;
  if (typeof msgType !== 'number' || !Number.isSafeInteger(msgType)) throw bad('ut_metadata msg_type is not an integer');
  if (typeof piece !== 'number' || !Number.isSafeInteger(piece) || piece < 0) throw bad('ut_metadata piece is not a non-negative integer');
  const rest = payload.subarray(end);
  if (msgType === 0 || msgType === 2) {
    if (rest.length !== 0) throw bad('ut_metadata request/reject carries trailing bytes');
    return msgType === 0 ? { type: 'request', piece } : { type: 'reject', piece };
  }
  if (msgType !== 1) return { type: 'unknown', msgType, piece };
  const totalSize = value.total_size;
  const max = limits.maxMetadataSize ?? DEFAULT_MAX_METADATA_SIZE;
  if (typeof totalSize !== 'number' || !Number.isSafeInteger(totalSize) || totalSize <= 0 || totalSize > max) {
    throw bad(`ut_metadata total_size outside 1..${max}`);
  }
  if (piece >= metadataPieceCount(totalSize)) throw bad(`ut_metadata piece ${piece} past the end of ${totalSize} bytes`);
  const want = metadataPieceLength(piece, totalSize);
  if (rest.length !== want) throw bad(`ut_metadata piece ${piece} carries ${rest.length} bytes, not ${want}`);
  return { type: 'data', piece, totalSize, data: rest };
}
