/** Kademlia XOR metric over 20-byte ids (BEP 5: distance(A, B) = |A xor B| as an unsigned integer). */

/** Compares the distances of `a` and `b` to `target`: negative when `a` is closer. */
export function compareDistance(a: Uint8Array, b: Uint8Array, target: Uint8Array): number {
  for (let i = 0; i < target.length; i++) {
    const da = a[i] ^ target[i];
    const db = b[i] ^ target[i];
    if (da !== db) return da - db;
  }
  return 0;
}

/** Number of leading bits `a` and `b` share (160 when equal). */
export function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ^ b[i];
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return a.length * 8;
}

/**
 * An id sharing exactly `prefix` leading bits with `base` (the next bit differs), the remaining
 * bits taken from `random` (20 bytes). Used to refresh a bucket: bucket i holds ids with prefix i.
 */
export function idWithPrefix(base: Uint8Array, prefix: number, random: Uint8Array): Uint8Array {
  const out = random.slice(0, base.length);
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) out[i] = base[i];
  if (whole < base.length) {
    const bit = prefix & 7;
    const keep = (0xff00 >> bit) & 0xff; // the first `bit` bits come from base
    const flip = 0x80 >> bit; // the next bit differs from base
    out[whole] = (base[whole] & keep) | (~base[whole] & flip) | (out[whole] & ~(keep | flip) & 0xff);
  }
  return out;
}
