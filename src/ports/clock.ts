/**
 * Time, injected. Engines never call Date.now or setTimeout directly, so that the same code runs
 * on the real clock and on a virtual one in deterministic simulations.
 */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds on a monotonic timeline (not wall time). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds; the returned function cancels it. */
  setTimeout(fn: () => void, ms: number): Cancel;
  /** Runs `fn` every `ms` milliseconds until cancelled. */
  setInterval(fn: () => void, ms: number): Cancel;
  /** Wall-clock time in milliseconds since the epoch (creation dates, logs). */
  wallTime(): number;
}
