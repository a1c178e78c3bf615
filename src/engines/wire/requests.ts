/**
 * Request bookkeeping of one wire, in both directions. Keys are "index:begin:length" so a piece
 * answers exactly the request it matches (BEP 6: "every request is guaranteed to result in
 * EXACTLY ONE response").
 */
import type { BlockRef } from '../../codecs/wire/index.js';

export function blockKey(index: number, begin: number, length: number): string {
  return `${index}:${begin}:${length}`;
}

export class RequestSet {
  private readonly map = new Map<string, BlockRef>();

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
