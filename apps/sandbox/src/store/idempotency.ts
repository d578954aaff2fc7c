import { type StoreContext, written } from './context.ts';
import type { Store } from './store.ts';

const CLAIM_ATTEMPTS = 5;

/** The merchants' Idempotency-Keys: claimed, completed with the response, or released. */
export function idempotencyQueries({ db }: StoreContext) {
  const key = (merchantId: string, name: string) =>
    db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('key', '=', name);
  return {
    async claimIdempotencyKey(row) {
      const claim = {
        request_hash: row.request_hash,
        state: 'in_flight',
        response_status: null,
        response_body: null,
        created_at: row.created_at,
        expires_at: row.expires_at,
      };
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const result = await db
          .insertInto('idempotency_keys')
          .values({ merchant_id: row.merchant_id, key: row.key, ...claim })
          .onConflict((oc) =>
            oc
              .columns(['merchant_id', 'key'])
              .doUpdateSet(claim)
              .where('idempotency_keys.expires_at', '<=', row.created_at),
          )
          .executeTakeFirst();
        if (written(result)) return { claimed: true };
        const existing = await key(row.merchant_id, row.key).executeTakeFirst();
        if (existing !== undefined) return { claimed: false, existing };
      }
      throw new Error(`Idempotency key ${row.key} kept changing while being claimed`);
    },
    async completeIdempotencyKey(merchantId, name, response) {
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'done', response_status: response.status, response_body: response.body })
        .where('merchant_id', '=', merchantId)
        .where('key', '=', name)
        .execute();
    },
    async releaseIdempotencyKey(merchantId, name) {
      await db
        .deleteFrom('idempotency_keys')
        .where('merchant_id', '=', merchantId)
        .where('key', '=', name)
        .where('state', '=', 'in_flight')
        .execute();
    },
    async deleteExpiredIdempotencyKeys(now) {
      const result = await db
        .deleteFrom('idempotency_keys')
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  } satisfies Partial<Store>;
}
