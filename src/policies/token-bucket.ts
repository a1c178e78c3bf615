/**
 * Token bucket for rate limits (download/upload, global and per torrent). Pure: time is passed in.
 * A limit of 0 or Infinity means unlimited. `take` grants up to what is available; callers that
 * got less wait `waitMs` before asking again.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param rate bytes per second (0 or Infinity: unlimited)
   * @param burstMs how many milliseconds of traffic may be sent at once after idling
   */
  constructor(
    private rate: number,
    now: number,
    private readonly burstMs = 500,
  ) {
    this.tokens = this.capacity();
    this.last = now;
  }

  get unlimited(): boolean {
    return !(this.rate > 0) || this.rate === Number.POSITIVE_INFINITY;
  }

  setRate(rate: number, now: number): void {
    this.refill(now);
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.capacity());
  }

  private capacity(): number {
    // At least one 16 KiB block, so that a slow limit still lets whole blocks through.
    return this.unlimited ? Number.POSITIVE_INFINITY : Math.max(16 * 1024, (this.rate * this.burstMs) / 1000);
  }

  private refill(now: number): void {
    if (this.unlimited) return;
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.capacity(), this.tokens + (elapsed * this.rate) / 1000);
  }

  /** Takes up to `want` bytes of allowance; returns how many were granted. */
  take(want: number, now: number): number {
    if (this.unlimited) return want;
    this.refill(now);
    const granted = Math.max(0, Math.min(want, Math.floor(this.tokens)));
    this.tokens -= granted;
    return granted;
  }

  /** Bytes available now. */
  available(now: number): number {
    if (this.unlimited) return Number.POSITIVE_INFINITY;
    this.refill(now);
    return Math.floor(this.tokens);
  }

  /** Takes exactly `n` bytes if available (all or nothing). */
  tryTake(n: number, now: number): boolean {
    if (this.unlimited) return true;
    this.refill(now);
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds until `n` bytes are available. */
  waitMs(n: number, now: number): number {
    if (this.unlimited) return 0;
    this.refill(now);
    return this.tokens >= n ? 0 : Math.ceil(((n - this.tokens) * 1000) / this.rate);
  }
}
