/** Small timing helpers for benches (benches may read the clock directly; the library may not). */

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Runs `fn` repeatedly for about `ms` milliseconds; returns the mean ms per run. Collects garbage
 * first (benches run with --expose-gc) so one contender does not pay for the other's garbage.
 */
export function timeLoop(fn: () => void, ms = 300): number {
  gc?.();
  let runs = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    fn();
    runs++;
    now = performance.now();
  }
  return (now - start) / runs;
}

/**
 * Times two contenders in alternating rounds after a warm-up and returns the median ms per run of
 * each: on a shared machine, load that comes and goes hits both alike.
 */
export function compare(ours: () => void, theirs: () => void, rounds = 7, ms = 300): { ours: number; theirs: number } {
  timeLoop(ours, ms);
  timeLoop(theirs, ms);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(timeLoop(ours, ms));
    b.push(timeLoop(theirs, ms));
  }
  return { ours: median(a), theirs: median(b) };
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
