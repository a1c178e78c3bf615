/**
 * Per-source-address rate limit for incoming queries: a token bucket per IP, in a bounded map
 * (least recently seen addresses are forgotten first), so neither one flooding host nor many
 * spoofed ones can make the node answer without limit or grow memory.
 */
export interface RateLimitOptions {
  /** Sustained queries per second allowed from one address. */
  perSecond?: number;
  /** Burst size. */
  burst?: number;
  /** Most addresses tracked. */
  maxAddresses?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly max: number;

  constructor(options: RateLimitOptions = {}) {
    this.rate = (options.perSecond ?? 50) / 1000;
    this.burst = options.burst ?? 100;
    this.max = options.maxAddresses ?? 10_000;
  }

  /** Takes one token for `address` at time `now`; false means drop the query. */
  allow(address: string, now: number): boolean {
    this.forgetIdle(now);
    let b = this.buckets.get(address);
    if (b) {
      this.buckets.delete(address);
      b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.rate);
      b.at = now;
    } else {
      b = { tokens: this.burst, at: now };
      if (this.buckets.size >= this.max) this.buckets.delete(this.buckets.keys().next().value!);
    }
    this.buckets.set(address, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * Drops addresses idle long enough for their bucket to be full again: they behave exactly as
   * unknown ones, so memory holds only recently active senders. The map is in least-recently-
   * seen order, so this stops at the first active entry (amortised O(1)).
   */
  private forgetIdle(now: number): void {
    const refillMs = this.burst / this.rate;
    for (const [address, b] of this.buckets) {
      if (now - b.at < refillMs) break;
      this.buckets.delete(address);
    }
  }

  /** Number of addresses currently tracked. */
  get size(): number {
    return this.buckets.size;
  }
}
