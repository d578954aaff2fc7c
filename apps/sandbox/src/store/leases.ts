import { type StoreContext, written } from './context.ts';
import type { Store } from './store.ts';

/**
 * Leases: short locks on one payment while a request talks to the provider about it. A table of
 * their own, so that no merchant Idempotency-Key can take, free or replay one.
 */
export function leaseQueries({ db }: StoreContext) {
  return {
    async claimLease(lease) {
      const result = await db
        .insertInto('leases')
        .values(lease)
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({
              holder: lease.holder,
              created_at: lease.created_at,
              expires_at: lease.expires_at,
            })
            .where('leases.expires_at', '<=', lease.created_at),
        )
        .executeTakeFirst();
      return written(result);
    },
    async releaseLease(key, holder) {
      await db.deleteFrom('leases').where('key', '=', key).where('holder', '=', holder).execute();
    },
  } satisfies Partial<Store>;
}
