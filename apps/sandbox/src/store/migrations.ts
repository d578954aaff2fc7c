import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  sql,
} from 'kysely';

export type StoreDialect = 'sqlite' | 'postgres';

export interface UniqueIndex {
  name: string;
  table: string;
  columns: readonly string[];
}

/** The unique indexes behind the Store's uniqueness rules. */
export const UNIQUE_INDEXES = {
  merchantPublicId: { name: 'merchants_public_id_key', table: 'merchants', columns: ['public_id'] },
  merchantSecretHash: {
    name: 'merchants_secret_hash_key',
    table: 'merchants',
    columns: ['secret_hash'],
  },
  liveSessionCode: {
    name: 'client_sessions_live_code_key',
    table: 'client_sessions',
    columns: ['merchant_id', 'merchant_internal_transaction_code'],
  },
  sessionTransaction: {
    name: 'transactions_session_key',
    table: 'transactions',
    columns: ['session_id'],
  },
  childTransaction: {
    name: 'transactions_parent_key',
    table: 'transactions',
    columns: ['parent_transaction_id'],
  },
  sessionToken: {
    name: 'client_sessions_provider_token_key',
    table: 'client_sessions',
    columns: ['provider', 'token'],
  },
  sessionProviderCode: {
    name: 'client_sessions_provider_code_key',
    table: 'client_sessions',
    columns: ['provider', 'provider_code'],
  },
  paymentMethodReference: {
    name: 'payment_methods_reference_key',
    table: 'payment_methods',
    columns: ['merchant_id', 'provider', 'provider_reference'],
  },
} as const satisfies Record<string, UniqueIndex>;

function createUniqueIndex(db: Kysely<unknown>, index: UniqueIndex) {
  return db.schema
    .createIndex(index.name)
    .on(index.table)
    .columns([...index.columns])
    .unique();
}

const LIVE_SESSION_STATUSES = ['PENDING', 'ACTIVE', 'COMPLETED', 'UNKNOWN'] as const;

/** Ordered and compared columns sort byte-wise on PostgreSQL too, whatever the database's locale. */
function sortableIn(dialect: StoreDialect) {
  return (col: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? col.modifyEnd(sql`collate "C"`) : col;
}

function initial(dialect: StoreDialect): Migration {
  const sortable = sortableIn(dialect);

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('merchants')
        .addColumn('id', 'text', (c) => sortable(c.primaryKey()))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_id', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('secret_last4', 'text', (c) => c.notNull())
        .addColumn('allowed_origins', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => sortable(c.notNull()))
        .execute();
      await createUniqueIndex(db, UNIQUE_INDEXES.merchantPublicId).execute();
      await createUniqueIndex(db, UNIQUE_INDEXES.merchantSecretHash).execute();
      await db.schema
        .createIndex('merchants_created_idx')
        .on('merchants')
        .columns(['created_at', 'id'])
        .execute();

      await db.schema
        .createTable('merchant_transaction_providers')
        .addColumn('id', 'text', (c) => sortable(c.primaryKey()))
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('credentials', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => sortable(c.notNull()))
        .execute();
      await db.schema
        .createIndex('mtp_merchant_provider_idx')
        .on('merchant_transaction_providers')
        .columns(['merchant_id', 'provider', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('mtp_merchant_created_idx')
        .on('merchant_transaction_providers')
        .columns(['merchant_id', 'created_at', 'id'])
        .execute();

      await db.schema
        .createTable('payment_methods')
        .addColumn('id', 'text', (c) => sortable(c.primaryKey()))
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('merchant_transaction_provider_id', 'text', (c) =>
          c.notNull().references('merchant_transaction_providers.id'),
        )
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('merchant_internal_customer_code', 'text')
        .addColumn('provider_reference', 'text', (c) => c.notNull())
        .addColumn('provider_customer_reference', 'text')
        .addColumn('brand', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('expiry_month', 'integer', (c) => c.notNull())
        .addColumn('expiry_year', 'integer', (c) => c.notNull())
        .addColumn('billing_country', 'text')
        .addColumn('created_at', 'text', (c) => sortable(c.notNull()))
        .execute();
      await createUniqueIndex(db, UNIQUE_INDEXES.paymentMethodReference).execute();
      await db.schema
        .createIndex('payment_methods_customer_idx')
        .on('payment_methods')
        .columns(['merchant_id', 'merchant_internal_customer_code', 'created_at', 'id'])
        .execute();

      await db.schema
        .createTable('client_sessions')
        .addColumn('id', 'text', (c) => sortable(c.primaryKey()))
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('merchant_transaction_provider_id', 'text', (c) =>
          c.notNull().references('merchant_transaction_providers.id'),
        )
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', 'text')
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('merchant_internal_transaction_code', 'text', (c) => c.notNull())
        .addColumn('merchant_internal_customer_code', 'text')
        .addColumn('store_payment_method', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('customer_payment_method_id', 'text', (c) => c.references('payment_methods.id'))
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('token', 'text')
        .addColumn('token_expires_at', 'text')
        .addColumn('provider_code', 'text')
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('payment_method_id', 'text')
        .addColumn('transaction_id', 'text')
        .addColumn('created_at', 'text', (c) => sortable(c.notNull()))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await createUniqueIndex(db, UNIQUE_INDEXES.liveSessionCode)
        .where(sql.ref('status'), 'in', LIVE_SESSION_STATUSES)
        .execute();
      await db.schema
        .createIndex('client_sessions_mtp_provider_code_idx')
        .on('client_sessions')
        .columns(['merchant_transaction_provider_id', 'provider_code'])
        .execute();
      await db.schema
        .createIndex('client_sessions_mtp_token_idx')
        .on('client_sessions')
        .columns(['merchant_transaction_provider_id', 'token'])
        .execute();
      await db.schema
        .createIndex('client_sessions_merchant_provider_code_idx')
        .on('client_sessions')
        .columns(['merchant_id', 'provider_code'])
        .execute();
      await db.schema
        .createIndex('client_sessions_merchant_token_idx')
        .on('client_sessions')
        .columns(['merchant_id', 'token'])
        .execute();
      await db.schema
        .createIndex('client_sessions_merchant_created_idx')
        .on('client_sessions')
        .columns(['merchant_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('client_sessions_merchant_code_created_idx')
        .on('client_sessions')
        .columns(['merchant_id', 'merchant_internal_transaction_code', 'created_at'])
        .execute();

      await db.schema
        .createTable('transactions')
        .addColumn('id', 'text', (c) => sortable(c.primaryKey()))
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('session_id', 'text', (c) => c.references('client_sessions.id'))
        .addColumn('parent_transaction_id', 'text', (c) => c.references('transactions.id'))
        .addColumn('merchant_transaction_provider_id', 'text', (c) =>
          c.notNull().references('merchant_transaction_providers.id'),
        )
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', 'text')
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('settled_amount', 'text')
        .addColumn('merchant_internal_transaction_code', 'text')
        .addColumn('merchant_internal_customer_code', 'text')
        .addColumn('provider_code', 'text')
        .addColumn('payment_method_id', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('created_at', 'text', (c) => sortable(c.notNull()))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await createUniqueIndex(db, UNIQUE_INDEXES.sessionTransaction)
        .where(sql.ref('parent_transaction_id'), 'is', null)
        .where(sql.ref('session_id'), 'is not', null)
        .execute();
      await createUniqueIndex(db, UNIQUE_INDEXES.childTransaction)
        .where(sql.ref('parent_transaction_id'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('transactions_session_created_idx')
        .on('transactions')
        .columns(['session_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('transactions_merchant_created_idx')
        .on('transactions')
        .columns(['merchant_id', 'created_at', 'id'])
        .execute();
      await db.schema
        .createIndex('transactions_merchant_code_idx')
        .on('transactions')
        .columns(['merchant_id', 'merchant_internal_transaction_code'])
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('merchant_id', 'text', (c) => c.notNull().references('merchants.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'text', (c) => sortable(c.notNull()))
        .addColumn('expires_at', 'text', (c) => sortable(c.notNull()))
        .addPrimaryKeyConstraint('idempotency_keys_pkey', ['merchant_id', 'key'])
        .execute();
      await db.schema
        .createIndex('idempotency_keys_expires_idx')
        .on('idempotency_keys')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('provider_callbacks')
        .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('merchant_transaction_provider_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => sortable(c.notNull()))
        .addColumn('verified', 'integer', (c) => c.notNull())
        .addColumn('event_type', 'text')
        .addColumn('provider_code', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('provider_callbacks_received_idx')
        .on('provider_callbacks')
        .columns(['received_at', 'id'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of [
        'provider_callbacks',
        'idempotency_keys',
        'transactions',
        'client_sessions',
        'payment_methods',
        'merchant_transaction_providers',
        'merchants',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}

/**
 * Two sessions never share a provider's token or reference. A database written while the
 * simulator still reused its ids after a restart may hold such pairs: every session but the
 * newest of a pair loses the reference (kept in its error message) and, unless it already ended,
 * ends in ERROR, so that no lookup by the reference can reach an order it does not own.
 */
const uniqueProviderReferences: Migration = {
  async up(db: Kysely<unknown>) {
    const sessions = db as unknown as Kysely<{
      client_sessions: {
        id: string;
        provider: string;
        token: string | null;
        provider_code: string | null;
        status: string;
        transaction_id: string | null;
        created_at: string;
      };
      transactions: {
        id: string;
        status: string;
        error_code: string | null;
        error_message: string | null;
      };
    }>;
    for (const column of ['token', 'provider_code'] as const) {
      const rows = await sessions
        .selectFrom('client_sessions')
        .select(['id', 'provider', 'token', 'provider_code', 'status', 'transaction_id'])
        .where(column, 'is not', null)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const newest = new Set<string>();
      for (const row of rows) {
        const reference = `${row.provider}|${row[column]}`;
        if (!newest.has(reference)) {
          newest.add(reference);
          continue;
        }
        const note = `The provider's ${column} ${row[column]} was also given to a newer session; this session no longer answers to it.`;
        await sessions
          .updateTable('client_sessions')
          .set({
            [column]: null,
            ...(LIVE_SESSION_STATUSES.includes(row.status as never) && row.status !== 'COMPLETED'
              ? { status: 'ERROR' }
              : {}),
          })
          .where('id', '=', row.id)
          .execute();
        if (row.transaction_id) {
          await sessions
            .updateTable('transactions')
            .set({ error_code: 'provider_reference_reused', error_message: note })
            .where('id', '=', row.transaction_id)
            .execute();
          await sessions
            .updateTable('transactions')
            .set({ status: 'ERROR' })
            .where('id', '=', row.transaction_id)
            .where('status', 'in', ['PENDING', 'STARTED', 'UNKNOWN'])
            .execute();
        }
      }
    }
    await createUniqueIndex(db, UNIQUE_INDEXES.sessionToken)
      .where(sql.ref('token'), 'is not', null)
      .execute();
    await createUniqueIndex(db, UNIQUE_INDEXES.sessionProviderCode)
      .where(sql.ref('provider_code'), 'is not', null)
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex(UNIQUE_INDEXES.sessionProviderCode.name).execute();
    await db.schema.dropIndex(UNIQUE_INDEXES.sessionToken.name).execute();
  },
};

/** Leases move out of idempotency_keys, where a merchant's key could collide with one. */
function leases(dialect: StoreDialect): Migration {
  const sortable = sortableIn(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('leases')
        .addColumn('key', 'text', (c) => sortable(c.primaryKey()))
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => sortable(c.notNull()))
        .addColumn('expires_at', 'text', (c) => sortable(c.notNull()))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('leases').execute();
    },
  };
}

/** The migrations, in order of their names. */
export function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_unique_provider_references': uniqueProviderReferences,
    '0003_leases': leases(dialect),
  };
}

/** A Migrator over the in-code migrations; `schema` holds Kysely's bookkeeping tables (PostgreSQL). */
export function createMigrator(
  db: Kysely<unknown>,
  dialect: StoreDialect,
  schema?: string | undefined,
): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  return new Migrator({
    db,
    provider,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}
