/**
 * Request bookkeeping of one wire, in both directions. Keys stand for (index, begin, length) so a
 * piece answers exactly the request it matches (BEP 6: "every request is guaranteed to result in
 * EXACTLY ONE response").
 */
import type { BlockRef } from '../../codecs/wire/index.js';

const BLOCK = 16 * 1024;

/**
 * The key of a request. Ordinary requests (block-aligned, at most one block, index below 2^21)
 * get an exact number, (index * 2^17 + begin / 16 KiB) * (16 KiB + 1) + length < 2^53, so the
 * per-block path allocates no string; anything else a peer may send gets "index:begin:length".
 */
export function blockKey(index: number, begin: number, length: number): number | string {
  if (index < 2_097_152 && begin % BLOCK === 0 && begin < 2_147_483_648 && length <= BLOCK) {
    return (index * 131_072 + begin / BLOCK) * (BLOCK + 1) + length;
  }
  return `${index}:${begin}:${length}`;
}

export class RequestSet {
  private readonly map = new Map<number | string, BlockRef>();

  get size(): number {
    return this.map.size;
  }

  add(b: BlockRef): void {
    this.map.set(blockKey(b.index, b.begin, b.length), { index: b.index, begin: b.begin, length: b.length });
  }

  has(index: number, begin: number, length: number): boolean {
    return this.map.has(blockKey(index, begin, length));
  }

  delete(index: number, begin: number, length: number): boolean {
    return this.map.delete(blockKey(index, begin, length));
  }

  /** Removes and returns every entry that `keep` does not keep. */
  drain(keep: (b: BlockRef) => boolean = () => false): BlockRef[] {
    const out: BlockRef[] = [];
    for (const [k, b] of this.map) {
      if (keep(b)) continue;
      this.map.delete(k);
      out.push(b);
    }
    return out;
  }

  list(): BlockRef[] {
    return [...this.map.values()];
  }
}
