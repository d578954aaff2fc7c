import type { StoreContext } from './context.ts';
import { parseRow, parseRowIfAny, serialiseRow } from './json-columns.ts';
import type { Store } from './store.ts';

/** The merchants: found by id, by the hash of their secret, or by their public id. */
export function merchantQueries({ db }: StoreContext) {
  const merchants = () => db.selectFrom('merchants').selectAll();
  const findBy = async (column: 'id' | 'secret_hash' | 'public_id', value: string) =>
    parseRowIfAny('merchants', await merchants().where(column, '=', value).executeTakeFirst());
  return {
    async insertMerchant(row) {
      await db.insertInto('merchants').values(serialiseRow('merchants', row)).execute();
    },
    findMerchantById: (id) => findBy('id', id),
    findMerchantBySecretHash: (secretHash) => findBy('secret_hash', secretHash),
    findMerchantByPublicId: (publicId) => findBy('public_id', publicId),
    async listMerchants() {
      const rows = await merchants().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map((row) => parseRow('merchants', row));
    },
  } satisfies Partial<Store>;
}
