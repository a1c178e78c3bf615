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
  /** Binary min-heap on (at, seq); cancelled timers are dropped lazily when they reach the top. */
  private readonly timers: Timer[] = [];
  private live = 0;

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
    this.live++;
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      this.live--;
    };
  }

  private static before(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: Timer): void {
    const h = this.timers;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!VirtualClock.before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): Timer | undefined {
    const h = this.timers;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && VirtualClock.before(h[l], h[m])) m = l;
        if (r < h.length && VirtualClock.before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }

  /** Drops cancelled timers from the top of the heap. */
  private peek(): Timer | undefined {
    while (this.timers.length > 0 && this.timers[0].cancelled) this.pop();
    return this.timers[0];
  }

  /** Number of live timers. */
  pending(): number {
    return this.live;
  }

  /** Time of the next live timer, or undefined. */
  nextAt(): number | undefined {
    return this.peek()?.at;
  }

  /** Runs every timer due up to `this.now() + ms`, advancing time as it goes. */
  advance(ms: number): void {
    this.runUntil(this.time + ms);
  }

  /** Runs timers due up to absolute time `target`; bounded by `maxTimers` to stop runaway loops. */
  runUntil(target: number, maxTimers = 10_000_000): void {
    let ran = 0;
    for (let t = this.peek(); t !== undefined && t.at <= target; t = this.peek()) {
      this.pop();
      this.time = Math.max(this.time, t.at);
      if (t.every > 0) {
        t.at += t.every;
        t.seq = this.seq++;
        this.push(t);
      } else {
        this.live--;
        t.cancelled = true;
      }
      t.fn();
      if (++ran > maxTimers) throw new Error(`more than ${maxTimers} timers ran before ${target}`);
    }
    this.time = Math.max(this.time, target);
  }
}
