import type { StoreContext } from './context.ts';
import type { Store } from './store.ts';

/** The providers' callbacks, as received: for the dashboard and for debugging. */
export function callbackQueries({ db }: StoreContext) {
  return {
    async insertProviderCallback(row) {
      await db.insertInto('provider_callbacks').values(row).execute();
    },
    listProviderCallbacks: (limit) =>
      db
        .selectFrom('provider_callbacks')
        .selectAll()
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
  } satisfies Partial<Store>;
}
