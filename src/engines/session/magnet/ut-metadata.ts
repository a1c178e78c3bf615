/**
 * The engine's ut_metadata extension (BEP 9 over BEP 10), one per wire. It serves our info
 * dictionary in 16 KiB pieces when we have it (announcing `metadata_size` in our extension
 * handshake, rejecting requests past its end or while we do not have it), and, during the magnet
 * phase, feeds a MetadataFetcher: the peer's `metadata_size`, its data and reject messages.
 */
import type { BEncodable } from '../../../codecs/bencode/index.js';
import {
  decodeMetadataMessage,
  encodeMetadataMessage,
  METADATA_PIECE_SIZE,
  metadataPieceCount,
  UT_METADATA,
  type DecodedExtensionHandshake,
} from '../../../codecs/wire/index.js';
import type { TorrentkitError } from '../../../util/errors.js';
import type { Wire, WireExtension } from '../../wire/index.js';
import { DEFAULT_MAX_METADATA_BYTES, type MetadataFetcher, type MetadataPeer } from './metadata-fetcher.js';

/** Most metadata pieces we serve one peer per minute (a peer asking more is wasting our upload). */
const MAX_SERVED_PER_MINUTE = 256;

export interface UtMetadataOptions {
  /** Our info dictionary, once known (serving). */
  metadata?: () => Uint8Array | undefined;
  /** Where the peer's metadata goes (magnet phase). */
  fetcher?: MetadataFetcher;
  /** Largest `total_size` accepted in data messages. */
  maxMetadataSize?: number;
  /** Current time in ms, for the serving rate limit. */
  now: () => number;
}

export class UtMetadataExtension implements WireExtension, MetadataPeer {
  readonly name = UT_METADATA;
  private served = 0;
  private servedWindowStart = 0;

  constructor(
    private readonly wire: Wire,
    readonly key: string,
    private readonly options: UtMetadataOptions,
  ) {}

  handshakeFields(): Record<string, BEncodable> {
    const m = this.options.metadata?.();
    return m ? { metadata_size: m.length } : {};
  }

  onExtendedHandshake(h: DecodedExtensionHandshake, supported: boolean): void {
    if (supported && h.metadataSize !== undefined) this.options.fetcher?.addPeer(this, h.metadataSize);
  }

  onMessage(payload: Uint8Array): void {
    // A malformed message or a total_size over the limit throws: the wire drops the peer.
    const m = decodeMetadataMessage(payload, { maxMetadataSize: this.options.maxMetadataSize ?? DEFAULT_MAX_METADATA_BYTES });
    switch (m.type) {
      case 'request':
        this.serve(m.piece);
        return;
      case 'data':
        this.options.fetcher?.onData(this, m.piece, m.totalSize, m.data);
        return;
      case 'reject':
        this.options.fetcher?.onReject(this, m.piece);
        return;
      case 'unknown':
        return; // BEP 9: unknown message types are ignored.
    }
  }

  private serve(piece: number): void {
    const metadata = this.options.metadata?.();
    const now = this.options.now();
    if (now - this.servedWindowStart >= 60_000) {
      this.servedWindowStart = now;
      this.served = 0;
    }
    // BEP 9: reject a request for a piece we cannot give (no metadata yet, or past the end).
    if (!metadata || piece >= metadataPieceCount(metadata.length) || this.served >= MAX_SERVED_PER_MINUTE) {
      this.wire.sendExtended(this.name, encodeMetadataMessage({ type: 'reject', piece }));
      return;
    }
    this.served++;
    const start = piece * METADATA_PIECE_SIZE;
    const data = metadata.subarray(start, start + METADATA_PIECE_SIZE);
    this.wire.sendExtended(this.name, encodeMetadataMessage({ type: 'data', piece, totalSize: metadata.length, data }));
  }

  /** Asks the peer for metadata piece `piece`. */
  request(piece: number): boolean {
    return this.wire.sendExtended(this.name, encodeMetadataMessage({ type: 'request', piece }));
  }

  /** The peer sent bad metadata or lied about its size: disconnect it. */
  drop(_reason: TorrentkitError): void {
    this.wire.destroy('local');
  }

  onClose(): void {
    this.options.fetcher?.removePeer(this);
  }
}
