/** Options, dependencies, limits and counters of a Wire. */
import type { ReservedFlags } from '../../codecs/wire/index.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../util/logger.js';
import type { InfoHash, PeerId } from '../../util/units.js';

/** BEP 3: "Keepalives are generally sent once every two minutes". */
export const KEEP_ALIVE_INTERVAL_MS = 120_000;
/** Close after this long without receiving a byte (two and a half keep-alive periods). */
export const IDLE_TIMEOUT_MS = 300_000;
/** Close when the peer's handshake has not arrived within this time (libtorrent: 10-20 s). */
export const HANDSHAKE_TIMEOUT_MS = 15_000;
/** Requests we queue from one peer (our BEP 10 `reqq`); libtorrent allows 500 by default. */
export const MAX_INCOMING_REQUESTS = 500;
/** BEP 10: "The default in libtorrent is 250" for a peer that does not send `reqq`. */
export const DEFAULT_PEER_REQQ = 250;
/** Period of the timer that checks keep-alive and idle deadlines. */
export const TICK_MS = 5_000;

export interface WireDeps {
  clock: Clock;
  logger?: Logger;
}

export interface WireOptions {
  /** Who opened the connection: outgoing wires send their handshake at `start()`. */
  direction: 'outgoing' | 'incoming';
  peerId: PeerId;
  /** The torrent; required for outgoing wires. */
  infoHash?: InfoHash;
  /** Incoming wires without `infoHash`: whether we serve this info hash (otherwise closed with `infohash_mismatch`). */
  acceptInfoHash?: (infoHash: InfoHash) => boolean;
  /** Reserved bits we set (default: extension protocol and fast extension on, DHT off). */
  flags?: Partial<ReservedFlags>;
  /** Piece count, when known (for a magnet link, set it later with `setPieceCount`). */
  pieceCount?: number;
  /** BEP 10 `v` (default "torrentkit 0.1.0"). */
  clientName?: string;
  /** BEP 10 `p`: our TCP listen port. */
  listenPort?: number;
  maxIncomingRequests?: number;
  keepAliveIntervalMs?: number;
  idleTimeoutMs?: number;
  handshakeTimeoutMs?: number;
  /** Largest message accepted (see WireDecoder). */
  maxMessageLength?: number;
}

export interface WireStats {
  /** All bytes, protocol overhead included. */
  bytesSent: number;
  bytesReceived: number;
  /** Block bytes of piece messages only. */
  payloadSent: number;
  payloadReceived: number;
}
