/** Small timing helpers for benches (benches may read the clock directly; the library may not). */
import { readFileSync } from 'node:fs';

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
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Steal time of all CPUs so far, ms (NaN where the kernel does not report it). */
function stealMs(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    // cpu user nice system idle iowait irq softirq steal ...; USER_HZ is 100 on Linux.
    return cpu[0] === 'cpu' && cpu.length > 8 ? Number(cpu[8]) * 10 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Runs a load and adds `stealMs`: the CPU time the hypervisor took from this virtual machine
 * meanwhile (the steal column of /proc/stat, all CPUs). A stall of the host shows here, not in
 * the server under test.
 */
export async function stolen<T extends object>(run: () => T | Promise<T>): Promise<T & { stealMs: number }> {
  const before = stealMs();
  const r = await run();
  return { ...r, stealMs: stealMs() - before };
}
