import type { Clock } from './clock.ts';

/** The limits of a token bucket: `burst` at once, refilled at `perSecond`. */
export interface RateLimits {
  perSecond: number;
  burst: number;
}

/** Buckets kept before full ones (which hold no state worth keeping) are dropped. */
const PRUNE_ABOVE = 10_000;

/** A token bucket per key on the injected clock: `burst` requests at once, refilled at `perSecond`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: RateLimits,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds to wait before retrying. */
  take(key: string): number {
    const now = this.clock.now();
    const refilled = this.tokens(key, now);
    if (this.buckets.size >= PRUNE_ABOVE && !this.buckets.has(key)) this.prune(now);
    if (refilled >= 1) {
      this.buckets.set(key, { tokens: refilled - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens: refilled, at: now });
    return this.waitFor(refilled);
  }

  /** The seconds to wait before a token is there (0: one is), taking none. */
  wait(key: string): number {
    const refilled = this.tokens(key, this.clock.now());
    return refilled >= 1 ? 0 : this.waitFor(refilled);
  }

  /** How many keys hold state (for tests of the pruning). */
  get size(): number {
    return this.buckets.size;
  }

  private tokens(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.limits.burst;
    return Math.min(
      this.limits.burst,
      bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * this.limits.perSecond,
    );
  }

  private waitFor(refilled: number): number {
    return Math.max(1, Math.ceil((1 - refilled) / this.limits.perSecond));
  }

  /** Drops the buckets that have refilled: a new one would start as full. */
  private prune(now: number) {
    for (const key of this.buckets.keys()) {
      if (this.tokens(key, now) >= this.limits.burst) this.buckets.delete(key);
    }
  }
}
