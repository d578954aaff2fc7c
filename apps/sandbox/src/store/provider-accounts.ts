import type { Kysely } from 'kysely';
import { changed, reusedSelect, type StoreContext } from './context.ts';
import { parseRow, type StoredRow, serialiseRow } from './json-columns.ts';
import { equalAll, windowPage } from './pages.ts';
import type { Database } from './schema.ts';
import { describeKeySource, SecretBox, WrongKeyError } from './secret-box.ts';
import type { MerchantTransactionProviderRow, Store } from './store.ts';

/**
 * The merchants' accounts at the providers (merchant_transaction_providers). Their credentials
 * are serialised and sealed on the way in, opened and parsed on the way out: the domain only
 * ever sees plain values.
 */
/** The provider account a session or callback names (several times a flow), compiled once. */
const accountById = reusedSelect((db: Kysely<Database>, id: string) =>
  db.selectFrom('merchant_transaction_providers').selectAll().where('id', '=', id),
);

/** How many immutable rows a store keeps opened at most (then it starts again). */
const IMMUTABLE_ROWS_MAX = 10_000;

export function providerAccountQueries(ctx: StoreContext) {
  const { db, box } = ctx;
  const accounts = () => db.selectFrom('merchant_transaction_providers').selectAll();
  const open = (row: StoredRow<'merchant_transaction_providers'>): MerchantTransactionProviderRow =>
    parseRow('merchant_transaction_providers', {
      ...row,
      credentials: openCredentials(ctx, row),
    });
  return {
    async insertMerchantTransactionProvider(row) {
      const stored = serialiseRow('merchant_transaction_providers', row);
      await db
        .insertInto('merchant_transaction_providers')
        .values({ ...stored, credentials: box.seal(stored.credentials) })
        .execute();
    },
    // Read several times a flow (start, each callback, verify); a provider record never changes
    // once written (start-up sealing keeps its values), so it is read and decrypted once.
    async findMerchantTransactionProviderById(id) {
      const key = `merchant_transaction_providers:${id}`;
      const known = ctx.immutableRows.get(key) as MerchantTransactionProviderRow | undefined;
      if (known) return known;
      const [row] = await accountById(db, id);
      if (!row) return undefined;
      const opened = open(row);
      Object.freeze(opened.credentials);
      if (ctx.immutableRows.size >= IMMUTABLE_ROWS_MAX) ctx.immutableRows.clear();
      ctx.immutableRows.set(key, Object.freeze(opened));
      return opened;
    },
    async findMerchantTransactionProviderByProvider(merchantId, provider) {
      const row = await accounts()
        .where('merchant_id', '=', merchantId)
        .where('provider', '=', provider)
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .limit(1)
        .executeTakeFirst();
      return row && open(row);
    },
    async listMerchantTransactionProviders(merchantId) {
      const rows = await accounts()
        .where('merchant_id', '=', merchantId)
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(open);
    },
    providerAccountWindow: (merchantId, query, window) =>
      windowPage(
        db
          .selectFrom('merchant_transaction_providers')
          .select(['id', 'merchant_id', 'provider', 'created_at'])
          .where(
            equalAll<MerchantTransactionProviderRow>({
              merchant_id: merchantId,
              id: query.id,
              provider: query.transactionProvider,
            }),
          ),
        window,
      ),
  } satisfies Partial<Store>;
}

/** A merchant's account at Accrue Pay, its credentials opened. */
export interface AccrueAccountRow {
  /** mtp_accrue_...: the merchantTransactionProviderId of Accrue's notification URL. */
  id: string;
  merchant_id: string;
  credentials: Record<string, unknown>;
  created_at: string;
}

/** The merchants' Accrue accounts (0007): sealed like the other providers' credentials. */
export interface AccrueAccountQueries {
  /** Inserts the merchant's Accrue account; the one already there when another request won. */
  insertAccrueAccount(row: AccrueAccountRow): Promise<AccrueAccountRow>;
  findAccrueAccountById(id: string): Promise<AccrueAccountRow | undefined>;
  findAccrueAccountOfMerchant(merchantId: string): Promise<AccrueAccountRow | undefined>;
}

export function accrueAccountQueries(ctx: StoreContext): AccrueAccountQueries {
  const { db, box } = ctx;
  const open = (row: {
    id: string;
    merchant_id: string;
    credentials: string;
    created_at: string;
  }) => ({
    ...row,
    credentials: JSON.parse(openCredentials(ctx, row)) as Record<string, unknown>,
  });
  const byMerchant = async (merchantId: string) => {
    const row = await db
      .selectFrom('accrue_accounts')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    return row && open(row);
  };
  return {
    async insertAccrueAccount(row) {
      await db
        .insertInto('accrue_accounts')
        .values({ ...row, credentials: box.seal(JSON.stringify(row.credentials)) })
        .onConflict((oc) => oc.column('merchant_id').doNothing())
        .execute();
      const stored = await byMerchant(row.merchant_id);
      if (!stored) throw new Error(`the Accrue account of ${row.merchant_id} was not written`);
      return stored;
    },
    async findAccrueAccountById(id) {
      const row = await db
        .selectFrom('accrue_accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && open(row);
    },
    findAccrueAccountOfMerchant: byMerchant,
  };
}

function openCredentials(ctx: StoreContext, row: { id: string; credentials: string }): string {
  try {
    return ctx.box.open(row.credentials);
  } catch (error) {
    if (!(error instanceof WrongKeyError)) throw error;
    throw new Error(wrongKeyMessage(ctx, row.id), { cause: error });
  }
}

function wrongKeyMessage(ctx: StoreContext, id: string): string {
  return (
    `Cannot decrypt the provider credentials of ${id} in ${ctx.label} with ` +
    `${describeKeySource(ctx.box.source)}: they were encrypted with another key. Start with ` +
    'the key used before (set ACCRUPAY_CREDENTIALS_KEY to it, or restore its key file); ' +
    'instances that share one database must share ACCRUPAY_CREDENTIALS_KEY. If that key is ' +
    'lost, so are these records: delete the database file (or drop the schema) to start afresh.'
  );
}

/**
 * At start: encrypts credentials written in plain text before encryption at rest, and checks
 * that the key opens every sealed row, so that a wrong key fails here and not on a request.
 */
export async function sealCredentials(ctx: StoreContext): Promise<void> {
  const { db, box } = ctx;
  const rows = await db
    .selectFrom('merchant_transaction_providers')
    .select(['id', 'credentials'])
    .execute();
  let sealed = 0;
  for (const row of rows) {
    if (SecretBox.isSealed(row.credentials)) {
      openCredentials(ctx, row);
      continue;
    }
    // Only if still plain: another instance starting at once may have sealed it already.
    const result = await db
      .updateTable('merchant_transaction_providers')
      .set({ credentials: box.seal(row.credentials) })
      .where('id', '=', row.id)
      .where('credentials', '=', row.credentials)
      .executeTakeFirst();
    if (changed(result)) sealed++;
  }
  if (sealed > 0) ctx.log?.(`store: encrypted the credentials of ${sealed} provider records`);
}
