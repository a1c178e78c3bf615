import type { BlockRef, DecodedExtensionHandshake, Handshake } from '../../codecs/wire/index.js';
import type { TorrentkitError } from '../../util/errors.js';

/**
 * Why a wire closed:
 * - `local`: `close()` was called.
 * - `remote`: the peer closed the connection.
 * - `transport_error`: the connection failed (reset, network error); `error` is the cause.
 * - `handshake_timeout`: no handshake within `handshakeTimeoutMs`.
 * - `idle_timeout`: nothing received (not even a keep-alive) for `idleTimeoutMs`.
 * - `infohash_mismatch`: the peer's info hash is not ours, or not one we serve.
 * - `protocol_violation`: malformed, oversized or illegal message; `error.code` says which.
 */
export type WireCloseReason =
  | 'local'
  | 'remote'
  | 'transport_error'
  | 'handshake_timeout'
  | 'idle_timeout'
  | 'infohash_mismatch'
  | 'protocol_violation';

export interface WireClose {
  reason: WireCloseReason;
  error?: TorrentkitError | Error;
}

/** A received block. `block` is a view into received data: copy it to keep it beyond the handler. */
export interface PieceEvent {
  index: number;
  begin: number;
  block: Uint8Array;
  /**
   * Whether it answers a request of ours still outstanding. Without the fast extension a block may
   * arrive after a cancel or a choke dropped its request: still valid data, flagged false. With it,
   * an unrequested piece closes the wire (BEP 6) and never reaches this event.
   */
  requested: boolean;
}

/** Events of a Wire. Recoverable peer misbehaviour closes the wire; there is no `error` event. */
export interface WireEvents {
  /** The peer's handshake, accepted. Register extensions and send the bitfield from this handler. */
  handshake: [handshake: Handshake];
  /** The peer's BEP 10 extension handshake (again on updates). */
  extendedHandshake: [handshake: DecodedExtensionHandshake];
  keepAlive: [];
  /** The peer choked us; `dropped` lists our requests it implicitly discarded (none with BEP 6). */
  choke: [dropped: BlockRef[]];
  unchoke: [];
  interested: [];
  notInterested: [];
  have: [index: number];
  /** The peer's bitfield (BEP 3 layout, a view: copy to keep), checked against the piece count when known. */
  bitfield: [bytes: Uint8Array];
  haveAll: [];
  haveNone: [];
  /** A request we should serve (or reject): it passed the choke, allowed-fast and queue checks. */
  request: [block: BlockRef];
  piece: [piece: PieceEvent];
  /** The peer cancelled a request; with BEP 6 it still expects a piece or a reject for it. */
  cancel: [block: BlockRef];
  /** The peer rejected a request of ours (BEP 6). */
  reject: [block: BlockRef];
  suggest: [index: number];
  allowedFast: [index: number];
  /** The peer's DHT port (BEP 5). */
  port: [port: number];
  /** An extended message for an id no registered extension owns. */
  extended: [message: { id: number; payload: Uint8Array }];
  /** A message id the decoder does not know (BEP 3 says to ignore it). */
  unknown: [message: { id: number; payload: Uint8Array }];
  /** The connection accepts writes again after `writable` went false. */
  drain: [];
  /** The wire is closed; emitted once. */
  close: [close: WireClose];
}
