import { type ErrorCode, TorrentkitError } from '../../util/errors.js';

/** KRPC error codes of BEP 5 (the `e` list's first element). */
export const KrpcErrorNumber = {
  Generic: 201,
  Server: 202,
  Protocol: 203,
  MethodUnknown: 204,
} as const;
export type KrpcErrorNumber = (typeof KrpcErrorNumber)[keyof typeof KrpcErrorNumber];

/** Stable codes for KRPC decode failures. */
export const KrpcCode = {
  TooLong: 'BT_ERR_KRPC_TOO_LONG',
  Malformed: 'BT_ERR_KRPC_MALFORMED',
  MissingField: 'BT_ERR_KRPC_MISSING_FIELD',
  BadField: 'BT_ERR_KRPC_BAD_FIELD',
  Limit: 'BT_ERR_KRPC_LIMIT',
  /** A `y: e` message received as the answer to one of our queries. */
  Remote: 'BT_ERR_KRPC_REMOTE',
  Timeout: 'BT_ERR_KRPC_TIMEOUT',
} as const satisfies Record<string, ErrorCode>;
export type KrpcCode = (typeof KrpcCode)[keyof typeof KrpcCode];

/**
 * A KRPC message that could not be decoded. When the transaction id and the kind were readable,
 * `transactionId` is set and `isQuery` tells whether the sender expects an answer: the node then
 * replies with a 203 Protocol Error (BEP 5) instead of staying silent.
 */
export class KrpcDecodeError extends TorrentkitError {
  override readonly code: KrpcCode;
  readonly transactionId: Uint8Array | undefined;
  readonly isQuery: boolean;
  /** The KRPC error number to answer with (203 Protocol Error, or 204 Method Unknown). */
  readonly replyNumber: KrpcErrorNumber;

  constructor(
    code: KrpcCode,
    message: string,
    context: { transactionId?: Uint8Array; isQuery?: boolean; replyNumber?: KrpcErrorNumber; cause?: unknown } = {},
  ) {
    super(code, message, { cause: context.cause });
    this.code = code;
    this.transactionId = context.transactionId;
    this.isQuery = context.isQuery ?? false;
    this.replyNumber = context.replyNumber ?? KrpcErrorNumber.Protocol;
    this.name = 'KrpcDecodeError';
  }
}

/** A `y: e` answer to one of our queries, carrying the remote's error number (201-204). */
export class KrpcRemoteError extends TorrentkitError {
  constructor(
    readonly number: number,
    readonly remoteMessage: string,
  ) {
    super(KrpcCode.Remote, `remote KRPC error ${number}: ${remoteMessage}`);
    this.name = 'KrpcRemoteError';
  }
}
