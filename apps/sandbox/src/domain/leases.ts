import { isoAt } from './clock.ts';
import type { DomainContext } from './context.ts';
import { RouterError } from './errors.ts';
import { newId } from './ids.ts';

/**
 * A short lease so that one request at a time talks to the provider about one thing; others
 * get 409 and retry. It lapses by itself if the router stops mid-way.
 */
export async function takeLease(
  ctx: DomainContext,
  key: string,
): Promise<{ release(): Promise<void> }> {
  const now = ctx.clock.now();
  const holder = newId('lease');
  const claimed = await ctx.store.claimLease({
    key,
    holder,
    created_at: isoAt(now),
    expires_at: isoAt(now + ctx.staleStartMs),
  });
  if (!claimed) {
    throw new RouterError(
      'IDEMPOTENCY_KEY_IN_USE',
      'Another request is already talking to the provider about this payment; retry in a moment.',
    );
  }
  return { release: () => ctx.store.releaseLease(key, holder) };
}

/** Runs `work` while holding the lease on `key`; the lease is given back whatever happens. */
export async function withLease<T>(
  ctx: DomainContext,
  key: string,
  work: () => Promise<T>,
): Promise<T> {
  const lease = await takeLease(ctx, key);
  try {
    return await work();
  } finally {
    await lease.release();
  }
}
