/**
 * Nominal (branded) units. They cost nothing at run time and stop a byte offset from being
 * passed where a piece index is expected.
 */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Zero-based index of a piece in a torrent. */
export type PieceIndex = Brand<number, 'PieceIndex'>;
/** Byte offset in the torrent's concatenated content (or in a file, where stated). */
export type ByteOffset = Brand<number, 'ByteOffset'>;
/** 20-byte v1 info hash (SHA-1), or the 20-byte truncation of a v2 hash where stated. */
export type InfoHash = Brand<Uint8Array, 'InfoHash'>;
/** 32-byte v2 info hash (SHA-256). */
export type InfoHashV2 = Brand<Uint8Array, 'InfoHashV2'>;
/** 20-byte peer id (BEP 20). */
export type PeerId = Brand<Uint8Array, 'PeerId'>;

export const pieceIndex = (n: number): PieceIndex => n as PieceIndex;
export const byteOffset = (n: number): ByteOffset => n as ByteOffset;
