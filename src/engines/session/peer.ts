/**
 * One connected peer of a torrent: its Wire plus what the session knows about it (pieces, rates,
 * where it came from). The PeerSession object is the peer's identity in the picker, scheduler and
 * choker.
 */
import { parsePeerId } from '../../codecs/wire/index.js';
import type { PeerSource } from '../../policies/peer-list.js';
import { RateEstimator } from '../../policies/rate.js';
import { Bitfield } from '../../util/bitfield.js';
import { toHex } from '../../util/bytes.js';
import type { Wire } from '../wire/index.js';
import type { PeerInfo } from './types.js';

export class PeerSession {
  /** The peer's pieces; undefined until its bitfield / have all / have none or first have. */
  has: Bitfield | 'all' | undefined;
  readonly down = new RateEstimator();
  readonly up = new RateEstimator();
  snubbed = false;
  /** Pieces the peer suggested (BEP 6), most recent last. */
  readonly suggested: number[] = [];
  /** Blocks of this peer found in pieces that failed their hash check. */
  hashFailures = 0;

  constructor(
    readonly wire: Wire,
    readonly key: string,
    readonly host: string,
    readonly port: number,
    readonly direction: 'incoming' | 'outgoing',
    readonly source: PeerSource,
    readonly connectedAt: number,
  ) {}

  get peerIdHex(): string {
    return this.wire.remote ? toHex(this.wire.remote.peerId) : '';
  }

  get isSeed(): boolean {
    return this.has === 'all' || (this.has instanceof Bitfield && this.has.isFull());
  }

  /** Marks piece `i` as had; returns false when it was already known. */
  addHave(i: number, pieceCount: number): boolean {
    if (this.has === 'all') return false;
    if (!this.has) this.has = new Bitfield(pieceCount);
    if (this.has.get(i)) return false;
    this.has.set(i);
    return true;
  }

  info(pieceCount: number, now: number): PeerInfo {
    const remote = this.wire.remote;
    const client = remote ? parsePeerId(remote.peerId) : undefined;
    const v = this.wire.remoteExtended?.v;
    const have = this.has === 'all' ? pieceCount : (this.has?.count() ?? 0);
    return {
      address: this.host,
      port: this.port,
      client: v ?? (client ? `${client.name} ${client.version}`.trim() : 'unknown'),
      source: this.source,
      direction: this.direction,
      downloadRate: this.down.rate(now),
      uploadRate: this.up.rate(now),
      progress: pieceCount > 0 ? have / pieceCount : 0,
      amChoking: this.wire.amChoking,
      peerChoking: this.wire.peerChoking,
      amInterested: this.wire.amInterested,
      peerInterested: this.wire.peerInterested,
    };
  }
}
