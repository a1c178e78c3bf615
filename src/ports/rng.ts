/** Randomness, injected: seeded in simulations, crypto-backed in production. */
export interface Rng {
  /** A float in [0, 1). */
  random(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** `n` random bytes (cryptographically strong in production: peer ids, tokens, secrets). */
  bytes(n: number): Uint8Array;
}

/** Fisher-Yates shuffle in place with the given randomness. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
