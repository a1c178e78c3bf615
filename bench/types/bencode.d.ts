// Minimal types for the `bencode` npm package (the anchor of bench/bencode.bench.ts).
declare module 'bencode' {
  const bencode: {
    encode(value: unknown, buffer?: Uint8Array, offset?: number): Uint8Array;
    decode(data: Uint8Array, start?: number, end?: number, encoding?: string): unknown;
  };
  export default bencode;
}
