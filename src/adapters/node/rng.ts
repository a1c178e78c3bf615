import { randomBytes, randomInt } from 'node:crypto';
import type { Rng } from '../../ports/rng.js';

/** Crypto-backed randomness for production. */
export const cryptoRng: Rng = {
  random: () => randomInt(0, 2 ** 48) / 2 ** 48,
  int: (n) => (n <= 1 ? 0 : n <= 2 ** 48 ? randomInt(0, n) : Math.floor(Math.random() * n)),
  bytes: (n) => new Uint8Array(randomBytes(n)),
};
