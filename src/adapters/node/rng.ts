import { randomBytes, randomFillSync } from 'node:crypto';
import type { Rng } from '../../ports/rng.js';

// Random numbers come from a pool refilled from the OS generator, so that the many small draws of
// the choker and the picker do not each cost a system call.
const pool = new Uint32Array(1024);
let next = pool.length;

function u32(): number {
  if (next >= pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++];
}

/** Crypto-backed randomness for production. */
export const cryptoRng: Rng = {
  // 53 random bits.
  random: () => ((u32() >>> 5) * 67108864 + (u32() >>> 6)) / 9007199254740992,
  int: (n) => (n <= 1 ? 0 : Math.floor(cryptoRng.random() * n)),
  bytes: (n) => new Uint8Array(randomBytes(n)),
};
