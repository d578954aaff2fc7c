import type { Kysely } from 'kysely';
import { reusedSelect, type StoreContext } from './context.ts';
import { parseRow, parseRowIfAny, serialiseRow } from './json-columns.ts';
import type { Database } from './schema.ts';
import type { Store } from './store.ts';

type Column = 'id' | 'secret_hash' | 'public_id';
/** The lookups every request makes (its secret, its public id), compiled once. */
const BY = Object.fromEntries(
  (['id', 'secret_hash', 'public_id'] as const).map((column) => [
    column,
    reusedSelect((db: Kysely<Database>, value: string) =>
      db.selectFrom('merchants').selectAll().where(column, '=', value),
    ),
  ]),
) as Record<Column, (db: Kysely<Database>, value: string) => Promise<Database['merchants'][]>>;

/** The merchants: found by id, by the hash of their secret, or by their public id. */
export function merchantQueries({ db }: StoreContext) {
  const merchants = () => db.selectFrom('merchants').selectAll();
  const findBy = async (column: Column, value: string) =>
    parseRowIfAny('merchants', (await BY[column](db, value))[0]);
  const queries = {
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
  return { ...queries, ...clientCredentialQueries(db) };
}

/** The secure card API's credential pair of a merchant (0007): the secret only as its hash. */
export interface ClientCredentialRow {
  merchant_id: string;
  client_id: string;
  secret_hash: string;
  created_at: string;
}

export interface ClientCredentialQueries {
  /** Sets the merchant's pair, replacing the one it had. */
  putClientCredentials(row: ClientCredentialRow): Promise<void>;
  /** Sets the merchant's pair only if it has none; whether it did. */
  insertClientCredentialsIfNone(row: ClientCredentialRow): Promise<boolean>;
  findClientCredentialsById(clientId: string): Promise<ClientCredentialRow | undefined>;
  findClientCredentialsOfMerchant(merchantId: string): Promise<ClientCredentialRow | undefined>;
}

function clientCredentialQueries(db: StoreContext['db']): ClientCredentialQueries {
  const pairs = () => db.selectFrom('merchant_client_credentials').selectAll();
  return {
    async putClientCredentials(row) {
      await db
        .insertInto('merchant_client_credentials')
        .values(row)
        .onConflict((oc) =>
          oc.column('merchant_id').doUpdateSet({
            client_id: row.client_id,
            secret_hash: row.secret_hash,
            created_at: row.created_at,
          }),
        )
        .execute();
    },
    async insertClientCredentialsIfNone(row) {
      const result = await db
        .insertInto('merchant_client_credentials')
        .values(row)
        .onConflict((oc) => oc.column('merchant_id').doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
    findClientCredentialsById: (clientId) =>
      pairs().where('client_id', '=', clientId).executeTakeFirst(),
    findClientCredentialsOfMerchant: (merchantId) =>
      pairs().where('merchant_id', '=', merchantId).executeTakeFirst(),
  };
}
