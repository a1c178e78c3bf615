/**
 * Tracker protocol errors (BEP 3 HTTP tracker, BEP 15 UDP tracker, WebTorrent WebSocket tracker).
 * `reason` is the text a tracker sends back to the client (bencoded `failure reason`, UDP error
 * action message, WebSocket `failure reason`); `code` is stable for callers and tests.
 */
import { type ErrorCode, TorrentkitError } from '../../util/errors.js';

export const TrackerErrorCode = {
  /** Malformed query string (bad percent escape, too long, too many parameters). */
  BadQuery: 'BT_ERR_TRACKER_BAD_QUERY',
  /** Missing or wrong-length info_hash. */
  BadInfoHash: 'BT_ERR_TRACKER_BAD_INFO_HASH',
  /** Missing or wrong-length peer_id. */
  BadPeerId: 'BT_ERR_TRACKER_BAD_PEER_ID',
  BadPort: 'BT_ERR_TRACKER_BAD_PORT',
  /** A numeric parameter that is not a non-negative integer within limits. */
  BadNumber: 'BT_ERR_TRACKER_BAD_NUMBER',
  BadEvent: 'BT_ERR_TRACKER_BAD_EVENT',
  /** Too many info hashes in one scrape, or an oversized packet or message. */
  TooLarge: 'BT_ERR_TRACKER_TOO_LARGE',
  /** A UDP packet shorter than its action needs. */
  UdpTruncated: 'BT_ERR_TRACKER_UDP_TRUNCATED',
  /** A UDP packet with an unknown action or a connect without the protocol id. */
  UdpBadPacket: 'BT_ERR_TRACKER_UDP_BAD_PACKET',
  /** A tracker response that does not follow the protocol. */
  BadResponse: 'BT_ERR_TRACKER_BAD_RESPONSE',
  /** The tracker answered with a failure reason (HTTP, UDP error action or WebSocket). */
  Failure: 'BT_ERR_TRACKER_FAILURE',
  /** A WebSocket message that is not a valid WebTorrent tracker message. */
  BadMessage: 'BT_ERR_TRACKER_WS_BAD_MESSAGE',
  /** Private mode: the info hash is not on the allow list. */
  NotAllowed: 'BT_ERR_TRACKER_NOT_ALLOWED',
  /** A UDP request whose connection id this tracker did not hand out (or that expired). */
  BadConnectionId: 'BT_ERR_TRACKER_BAD_CONNECTION_ID',
  /** No answer from the tracker in time (HTTP timeout, UDP retransmissions exhausted). */
  Timeout: 'BT_ERR_TRACKER_TIMEOUT',
  /** The tracker could not be reached or the transport failed. */
  Unreachable: 'BT_ERR_TRACKER_UNREACHABLE',
  /** The tracker URL is not http(s)://, udp:// or ws(s)://, or is malformed. */
  BadUrl: 'BT_ERR_TRACKER_BAD_URL',
} as const satisfies Record<string, ErrorCode>;
export type TrackerErrorCode = (typeof TrackerErrorCode)[keyof typeof TrackerErrorCode];

export class TrackerError extends TorrentkitError {
  override readonly code: TrackerErrorCode;
  /** What the tracker tells (or told) the client. */
  readonly reason: string;

  constructor(code: TrackerErrorCode, reason: string, options?: { cause?: unknown }) {
    super(code, reason, options);
    this.code = code;
    this.reason = reason;
    this.name = 'TrackerError';
  }
}
