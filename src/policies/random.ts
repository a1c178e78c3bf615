/**
 * The randomness policies need. Policies sit below ports in the layers, so they declare this
 * narrow shape themselves; the `Rng` port (crypto-backed in production, `SeededRng` in
 * simulations) satisfies it structurally.
 */
export interface Random {
  /** A float in [0, 1). */
  random(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}
