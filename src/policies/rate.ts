/**
 * Sliding-window rate estimator (bytes per second), pure: time is passed in.
 *
 * Owns: byte counts in fixed time slots covering the last `windowMs`, their running sum, the
 * total ever added, and the time of the first sample.
 * Invariants: `slots` is a ring indexed by `floor(t / slotMs) % slotCount`; every slot older
 * than the window is zero once `advance` has run; `sum` equals the sum of the slots.
 * The rate divides by the time the slots cover (the window, or less since the first sample), so a
 * new peer is not reported as slow for its first seconds. Time must not go backwards.
 */
import { DOUBLE_ZERO } from '../util/double.js';

export class RateEstimator {
  private readonly slots: Float64Array;
  private readonly slotCount: number;
  private sum = DOUBLE_ZERO;
  private currentSlot = -1;
  /** -Infinity until the first sample (a double from the start: see DOUBLE_ZERO). */
  private firstAt = Number.NEGATIVE_INFINITY;
  private totalBytes = 0;

  constructor(
    readonly windowMs = 5_000,
    readonly slotMs = 250,
  ) {
    this.slotCount = Math.max(1, Math.ceil(windowMs / slotMs));
    this.slots = new Float64Array(this.slotCount);
  }

  /** Bytes added since creation. */
  get total(): number {
    return this.totalBytes;
  }

  add(bytes: number, now: number): void {
    this.advance(now);
    if (this.firstAt < 0) this.firstAt = now;
    this.slots[this.currentSlot % this.slotCount] += bytes;
    this.sum += bytes;
    this.totalBytes += bytes;
  }

  /** Bytes per second over the window ending at `now`. */
  rate(now: number): number {
    this.advance(now);
    if (this.firstAt < 0) return 0;
    // The slots cover from the start of the oldest one (or of the first sample's) up to now.
    const oldest = Math.max(this.currentSlot - this.slotCount + 1, Math.floor(this.firstAt / this.slotMs)) * this.slotMs;
    // At least a second (or the window), so that one early block does not read as a burst.
    return (this.sum * 1000) / Math.max(Math.min(1_000, this.windowMs), this.slotMs, now - oldest);
  }

  private advance(now: number): void {
    const slot = Math.floor(now / this.slotMs);
    if (this.currentSlot < 0) {
      this.currentSlot = slot;
      return;
    }
    if (slot <= this.currentSlot) return;
    const steps = Math.min(slot - this.currentSlot, this.slotCount);
    for (let k = 1; k <= steps; k++) {
      const at = (this.currentSlot + k) % this.slotCount;
      this.sum -= this.slots[at];
      this.slots[at] = 0;
    }
    if (steps === this.slotCount) this.sum = 0;
    this.currentSlot = slot;
  }
}
