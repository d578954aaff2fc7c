import type { StoreContext } from './context.ts';
import type { Store } from './store.ts';

/** The merchants: found by id, by the hash of their secret, or by their public id. */
export function merchantQueries({ db }: StoreContext) {
  const merchants = () => db.selectFrom('merchants').selectAll();
  return {
    async insertMerchant(row) {
      await db.insertInto('merchants').values(row).execute();
    },
    findMerchantById: (id) => merchants().where('id', '=', id).executeTakeFirst(),
    findMerchantBySecretHash: (secretHash) =>
      merchants().where('secret_hash', '=', secretHash).executeTakeFirst(),
    findMerchantByPublicId: (publicId) =>
      merchants().where('public_id', '=', publicId).executeTakeFirst(),
    listMerchants: () => merchants().orderBy('created_at', 'asc').orderBy('id', 'asc').execute(),
  } satisfies Partial<Store>;
}
