import { type ErrorCode, TorrentkitError } from '../../util/errors.js';

/** Peer wire error codes (BEP 3, 6, 9, 10, 11), stable across releases. */
export const WireErrorCode = {
  /** The handshake does not start with "\x13BitTorrent protocol" (or is an encrypted stream). */
  BadProtocol: 'BT_ERR_WIRE_BAD_PROTOCOL',
  /** A message's length prefix exceeds the decoder's `maxMessageLength`. */
  MessageTooLarge: 'BT_ERR_WIRE_MESSAGE_TOO_LARGE',
  /** A message's length does not match what its id requires (e.g. a `have` that is not 5 bytes). */
  BadLength: 'BT_ERR_WIRE_BAD_LENGTH',
  /** A request, reject or cancel for a block larger than `maxRequestLength` (16 KiB), or of zero bytes. */
  BlockTooLarge: 'BT_ERR_WIRE_BLOCK_TOO_LARGE',
  /** A bitfield whose length is not ceil(pieces / 8) or that sets spare bits. */
  BadBitfield: 'BT_ERR_WIRE_BAD_BITFIELD',
  /** A piece index at or past the piece count. */
  BadPieceIndex: 'BT_ERR_WIRE_BAD_PIECE_INDEX',
  /** A message id this decoder does not know, under `unknownMessages: 'error'`. */
  UnknownMessage: 'BT_ERR_WIRE_UNKNOWN_MESSAGE',
  /** A BEP 10 extension handshake or extension message that is not what its BEP says. */
  BadExtension: 'BT_ERR_WIRE_BAD_EXTENSION',
  /** A ut_metadata message (BEP 9) that is malformed or over its limits. */
  BadMetadataMessage: 'BT_ERR_WIRE_BAD_METADATA_MESSAGE',
  /** A ut_pex message (BEP 11) that is malformed or over its limits. */
  BadPexMessage: 'BT_ERR_WIRE_BAD_PEX_MESSAGE',
  /** A peer id that is not 20 bytes, or a client prefix that does not fit. */
  BadPeerId: 'BT_ERR_WIRE_BAD_PEER_ID',
  /** An argument to an encoder is out of range (a programming error on our side). */
  BadArgument: 'BT_ERR_WIRE_BAD_ARGUMENT',
} as const satisfies Record<string, ErrorCode>;
export type WireErrorCode = (typeof WireErrorCode)[keyof typeof WireErrorCode];

/** A wire decode failure; `offset` is the byte position in the stream (or message) where it was found. */
export class WireError extends TorrentkitError {
  override readonly code: WireErrorCode;
  readonly offset: number;

  constructor(code: WireErrorCode, message: string, offset = -1) {
    super(code, offset >= 0 ? `${message} at byte ${offset}` : message);
    this.code = code;
    this.offset = offset;
    this.name = 'WireError';
  }
}
