/** Shared types of the piece picker and the request scheduler. */
import type { Bitfield } from '../../util/bitfield.js';

/** Size of a request in BEP 3 ("all current implementations use 2^14 (16 kiB)"). */
export const BLOCK_SIZE = 16 * 1024;

/** Lowest and highest piece priority; 0 means "do not download". */
export const PRIORITY_SKIP = 0;
export const PRIORITY_MAX = 7;
/** Priority of pieces nobody set one for (libtorrent's default_priority). */
export const PRIORITY_DEFAULT = 4;

/**
 * Speed class of a peer, set by the request scheduler from the peer's measured rate relative to
 * the others. Pieces remember the class of the peer that started them, so that fast peers do not
 * wait on pieces that slow peers hold up (libtorrent's piece affinity), and critical (deadline)
 * pieces are kept away from slow peers.
 */
export type SpeedClass = 'slow' | 'medium' | 'fast';

/** One block of one piece. `begin` and `length` are in bytes within the piece. */
export interface BlockRequest {
  readonly piece: number;
  readonly block: number;
  readonly begin: number;
  readonly length: number;
}

/** A block request held by a given peer. */
export interface PeerRequest<P> extends BlockRequest {
  readonly peer: P;
}

/** What the picker needs to know about the peer it picks for. */
export interface PickPeer<P> {
  readonly id: P;
  /**
   * The peer's pieces: a bitfield, or 'all' for a seed (BEP 6 have all). They must have been
   * reported with addAvailability / peerHave (the picker skips pieces nobody is known to have).
   */
  readonly has: Bitfield | 'all';
  /** The peer is choking us: only its allowed-fast pieces may be requested (BEP 6). */
  readonly choked?: boolean;
  /** Pieces the peer allows us to request while choked (BEP 6 allowed fast). */
  readonly allowedFast?: ReadonlySet<number>;
  /** Pieces the peer suggested (BEP 6 suggest piece), most recent last; preferred after partials. */
  readonly suggested?: readonly number[];
  /** Relative speed; undefined when unknown (treated as medium). */
  readonly speed?: SpeedClass;
  /**
   * Most pieces not started yet that this pick may start; undefined: no limit. The engine passes
   * how many more pieces its assembly memory holds, so that a pick never takes blocks of pieces
   * it could not open and would give back at once.
   */
  readonly newPieces?: number;
}

/** Result of `blockReceived`. */
export interface BlockReceipt<P> {
  /** Requests for the same block still outstanding at other peers: send them a cancel. */
  readonly cancel: PeerRequest<P>[];
  /** Every block of the piece has arrived: hash it. */
  readonly pieceComplete: boolean;
  /** We already had this block (endgame race, or a block we did not ask for twice). */
  readonly duplicate: boolean;
}

/** Result of `pieceFailed`. */
export interface PieceFailure<P> {
  /** Peers that sent blocks of the failed piece, with how many blocks each sent. */
  readonly contributors: { peer: P; blocks: number }[];
  /**
   * Peers that also sent blocks of an earlier failed copy of this piece: the likely culprits
   * (a lone contributor is the culprit outright). The engine bans them.
   */
  readonly repeat: P[];
  /**
   * Sender of each block of the failed copy: once the piece passes, the engine can compare block
   * hashes with the failed copy's to find the peer whose blocks differed (libtorrent's smart ban).
   */
  readonly senders: readonly (P | undefined)[];
}
