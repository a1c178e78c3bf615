/**
 * A virtual clock for deterministic simulations: time moves only when the test advances it, and
 * timers fire in (time, insertion) order.
 */
import type { Cancel, Clock } from '../../ports/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  every: number;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers: Timer[] = [];

  constructor(private readonly epoch = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  wallTime(): number {
    return this.epoch + this.time;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    return this.add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): Cancel {
    return this.add(fn, ms, Math.max(1, ms));
  }

  private add(fn: () => void, ms: number, every: number): Cancel {
    const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, every, cancelled: false };
    this.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  private push(timer: Timer): void {
    // Binary insertion keeps timers sorted by (at, seq).
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = this.timers[mid];
      if (t.at < timer.at || (t.at === timer.at && t.seq < timer.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.timers.splice(lo, 0, timer);
  }

  /** Number of live timers. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Time of the next live timer, or undefined. */
  nextAt(): number | undefined {
    for (const t of this.timers) if (!t.cancelled) return t.at;
    return undefined;
  }

  /** Runs every timer due up to `this.now() + ms`, advancing time as it goes. */
  advance(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Runs timers due up to absolute time `target`; bounded by `maxTimers` to stop runaway loops. */
  runUntil(target: number, maxTimers = 10_000_000): void {
    let ran = 0;
    while (this.timers.length > 0 && this.timers[0].at <= target) {
      const t = this.timers.shift()!;
      if (t.cancelled) continue;
      this.time = Math.max(this.time, t.at);
      if (t.every > 0) {
        t.at += t.every;
        t.seq = this.seq++;
        this.push(t);
      }
      t.fn();
      if (++ran > maxTimers) throw new Error(`more than ${maxTimers} timers ran before ${target}`);
    }
    this.time = Math.max(this.time, target);
  }
}
