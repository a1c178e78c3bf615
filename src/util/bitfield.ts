/**
 * A fixed-size bit set in the wire layout of BEP 3: bit 0 is the high bit of byte 0. Spare bits at
 * the end of the last byte are always zero (a peer that sets them is violating BEP 3, which the
 * wire codec checks with `hasSpareBits`).
 */
export class Bitfield {
  readonly bytes: Uint8Array;
  private setCount = 0;

  constructor(
    readonly length: number,
    bytes?: Uint8Array,
  ) {
    const n = (length + 7) >> 3;
    this.bytes = new Uint8Array(n);
    if (bytes) {
      this.bytes.set(bytes.subarray(0, n));
      const spare = n * 8 - length;
      if (spare > 0 && n > 0) this.bytes[n - 1] &= (0xff << spare) & 0xff;
      for (let i = 0; i < n; i++) this.setCount += POPCOUNT[this.bytes[i]];
    }
  }

  static full(length: number): Bitfield {
    const b = new Bitfield(length);
    b.fill();
    return b;
  }

  /** True when `bytes` (a peer's bitfield message) sets bits past `length`. */
  static hasSpareBits(bytes: Uint8Array, length: number): boolean {
    const n = (length + 7) >> 3;
    if (bytes.length !== n) return true;
    const spare = n * 8 - length;
    return spare > 0 && (bytes[n - 1] & ((1 << spare) - 1)) !== 0;
  }

  get(i: number): boolean {
    if (i < 0 || i >= this.length) return false;
    return (this.bytes[i >> 3] & (0x80 >> (i & 7))) !== 0;
  }

  set(i: number, value = true): void {
    if (i < 0 || i >= this.length) throw new RangeError(`bit ${i} outside 0..${this.length - 1}`);
    const mask = 0x80 >> (i & 7);
    const had = (this.bytes[i >> 3] & mask) !== 0;
    if (value === had) return;
    if (value) {
      this.bytes[i >> 3] |= mask;
      this.setCount++;
    } else {
      this.bytes[i >> 3] &= ~mask;
      this.setCount--;
    }
  }

  fill(): void {
    this.bytes.fill(0xff);
    const spare = this.bytes.length * 8 - this.length;
    if (spare > 0 && this.bytes.length > 0) this.bytes[this.bytes.length - 1] = (0xff << spare) & 0xff;
    this.setCount = this.length;
  }

  clear(): void {
    this.bytes.fill(0);
    this.setCount = 0;
  }

  /** Number of set bits (kept up to date, O(1)). */
  count(): number {
    return this.setCount;
  }

  isFull(): boolean {
    return this.setCount === this.length;
  }

  isEmpty(): boolean {
    return this.setCount === 0;
  }

  clone(): Bitfield {
    return new Bitfield(this.length, this.bytes);
  }

  /**
   * Index of the first set bit at or after `from`, or -1. Hot loops walk the set bits with it
   * (`for (let i = b.nextSet(0); i !== -1; i = b.nextSet(i + 1))`): no iterator objects.
   */
  nextSet(from: number): number {
    if (from < 0) from = 0;
    const bytes = this.bytes;
    let byte = from >> 3;
    if (byte >= bytes.length) return -1;
    // The first byte, with the bits before `from` masked off.
    let v = bytes[byte] & (0xff >> (from & 7));
    while (v === 0) {
      if (++byte >= bytes.length) return -1;
      v = bytes[byte];
    }
    return byte * 8 + Math.clz32(v) - 24;
  }

  /** Indices of set bits, in order (a copy: the bitfield may change afterwards). */
  ones(): number[] {
    const out: number[] = [];
    for (let i = this.nextSet(0); i !== -1; i = this.nextSet(i + 1)) out.push(i);
    return out;
  }
}

const POPCOUNT = new Uint8Array(256);
for (let i = 0; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];
