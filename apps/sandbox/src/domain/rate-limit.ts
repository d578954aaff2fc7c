import type { Clock } from './clock.ts';

/** A token bucket per key on the injected clock: `burst` requests at once, refilled at `perSecond`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: { perSecond: number; burst: number },
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds to wait before retrying. */
  take(key: string): number {
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limits.burst, at: now };
    const refilled = Math.min(
      this.limits.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.limits.perSecond,
    );
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens: refilled, at: now });
    return Math.max(1, Math.ceil((1 - refilled) / this.limits.perSecond));
  }
}
