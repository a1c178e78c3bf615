import { type ErrorCode, TorrentkitError } from '../../util/errors.js';

/** Bencode error codes, stable across releases. */
export const BencodeErrorCode = {
  Truncated: 'BT_ERR_BENCODE_TRUNCATED',
  UnexpectedByte: 'BT_ERR_BENCODE_UNEXPECTED_BYTE',
  LeadingZero: 'BT_ERR_BENCODE_LEADING_ZERO',
  NegativeZero: 'BT_ERR_BENCODE_NEGATIVE_ZERO',
  NegativeLength: 'BT_ERR_BENCODE_NEGATIVE_LENGTH',
  BadInteger: 'BT_ERR_BENCODE_BAD_INTEGER',
  IntegerTooLong: 'BT_ERR_BENCODE_INTEGER_TOO_LONG',
  TrailingData: 'BT_ERR_BENCODE_TRAILING_DATA',
  Depth: 'BT_ERR_BENCODE_DEPTH',
  Tokens: 'BT_ERR_BENCODE_TOKENS',
  TooLong: 'BT_ERR_BENCODE_TOO_LONG',
  KeyNotString: 'BT_ERR_BENCODE_KEY_NOT_STRING',
  UnsortedKeys: 'BT_ERR_BENCODE_UNSORTED_KEYS',
  DuplicateKey: 'BT_ERR_BENCODE_DUPLICATE_KEY',
  Unencodable: 'BT_ERR_BENCODE_UNENCODABLE',
} as const satisfies Record<string, ErrorCode>;
export type BencodeErrorCode = (typeof BencodeErrorCode)[keyof typeof BencodeErrorCode];

/** A decode or encode failure with the byte offset where it was found (-1 when encoding). */
export class BencodeError extends TorrentkitError {
  override readonly code: BencodeErrorCode;
  readonly offset: number;

  constructor(code: BencodeErrorCode, message: string, offset: number) {
    super(code, offset >= 0 ? `${message} at byte ${offset}` : message);
    this.code = code;
    this.offset = offset;
    this.name = 'BencodeError';
  }
}
