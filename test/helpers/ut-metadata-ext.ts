/**
 * A minimal ut_metadata (BEP 9) extension for tests: it proves that a real extension plugs into
 * the Wire's registry with the codec alone. It serves `metadata` when given one, and otherwise
 * fetches the peer's once the peer's extension handshake offers ut_metadata with a size. The
 * production MetadataFetcher (verification, several peers, retries) belongs to the session engine.
 */
import type { BEncodable } from '../../src/codecs/bencode/index.js';
import {
  decodeMetadataMessage,
  encodeMetadataMessage,
  METADATA_PIECE_SIZE,
  metadataPieceCount,
  UT_METADATA,
  type DecodedExtensionHandshake,
} from '../../src/codecs/wire/index.js';
import type { Wire, WireExtension } from '../../src/engines/wire/index.js';

export class TestUtMetadata implements WireExtension {
  readonly name = UT_METADATA;
  private buffer: Uint8Array | undefined;
  private got = 0;
  private resolveDone!: (m: Uint8Array) => void;
  private rejectDone!: (e: Error) => void;
  /** Resolves with the peer's whole info dictionary. */
  readonly fetched = new Promise<Uint8Array>((resolve, reject) => {
    this.resolveDone = resolve;
    this.rejectDone = reject;
  });

  constructor(
    private readonly wire: Wire,
    private readonly metadata?: Uint8Array,
  ) {
    this.fetched.catch(() => {});
  }

  handshakeFields(): Record<string, BEncodable> {
    return this.metadata ? { metadata_size: this.metadata.length } : {};
  }

  onExtendedHandshake(h: DecodedExtensionHandshake, supported: boolean): void {
    if (this.metadata || this.buffer || !supported || h.metadataSize === undefined) return;
    this.buffer = new Uint8Array(h.metadataSize);
    for (let piece = 0; piece < metadataPieceCount(h.metadataSize); piece++) {
      this.wire.sendExtended(this.name, encodeMetadataMessage({ type: 'request', piece }));
    }
  }

  onMessage(payload: Uint8Array): void {
    const m = decodeMetadataMessage(payload);
    if (m.type === 'request') {
      if (!this.metadata) {
        this.wire.sendExtended(this.name, encodeMetadataMessage({ type: 'reject', piece: m.piece }));
        return;
      }
      const start = m.piece * METADATA_PIECE_SIZE;
      const data = this.metadata.subarray(start, start + METADATA_PIECE_SIZE);
      this.wire.sendExtended(this.name, encodeMetadataMessage({ type: 'data', piece: m.piece, totalSize: this.metadata.length, data }));
    } else if (m.type === 'data' && this.buffer && m.totalSize === this.buffer.length) {
      this.buffer.set(m.data, m.piece * METADATA_PIECE_SIZE);
      this.got += m.data.length;
      if (this.got === this.buffer.length) this.resolveDone(this.buffer);
    } else if (m.type === 'reject') {
      this.rejectDone(new Error(`peer rejected metadata piece ${m.piece}`));
    }
  }

  onClose(): void {
    this.rejectDone(new Error('wire closed'));
  }
}
