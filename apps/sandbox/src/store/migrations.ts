import {
  type ColumnDefinitionBuilder,
  type CreateIndexBuilder,
  type CreateTableBuilder,
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  PostgresDialect,
  type PostgresDialectConfig,
  sql,
  type TableMetadata,
} from 'kysely';
import {
  type ColumnSpec,
  INITIAL_TABLES,
  LEASE_TABLES,
  LIVE_SESSION_STATUSES,
  LOOKUP_INDEXES_0008,
  PAYMENT_INTENT_TABLES,
  REDUNDANT_INDEXES_0009,
  SETTLE_OR_VOID,
  type StoreDialect,
  sessionIndexColumns0001,
  type TableSpec,
  UNIQUE_INDEXES,
  UNRESOLVED_REFUND_STATUSES,
  type UniqueIndex,
  WEBHOOK_TABLES,
} from './tables.ts';

/** A plain (not unique) index of `columns` on `table`. */
function createIndex(db: Kysely<unknown>, table: string, name: string, columns: readonly string[]) {
  return db.schema
    .createIndex(name)
    .on(table)
    .columns([...columns])
    .execute();
}

function createUniqueIndex(db: Kysely<unknown>, index: UniqueIndex) {
  return db.schema
    .createIndex(index.name)
    .on(index.table)
    .columns([...index.columns])
    .unique();
}

const UNFILTERED = (index: CreateIndexBuilder) => index;

function defineColumn(dialect: StoreDialect, spec: ColumnSpec) {
  const [type, ...words] = spec.split(' ');
  return (column: ColumnDefinitionBuilder): ColumnDefinitionBuilder => {
    let out = column;
    if (type === 'serial') {
      out = dialect === 'postgres' ? out.primaryKey() : out.primaryKey().autoIncrement();
    }
    for (const word of words) {
      if (word === 'primary') out = out.primaryKey();
      else if (word === 'required') out = out.notNull();
      else if (word.startsWith('->')) out = out.references(word.slice(2));
      else if (word.startsWith('default=')) out = out.defaultTo(Number(word.slice(8)));
      else if (word !== 'sortable') throw new Error(`Unknown column word ${word} in "${spec}"`);
    }
    return words.includes('sortable') && dialect === 'postgres'
      ? out.modifyEnd(sql`collate "C"`)
      : out;
  };
}

function columnType(dialect: StoreDialect, spec: ColumnSpec) {
  const type = spec.split(' ')[0];
  if (type === 'serial') return dialect === 'postgres' ? 'serial' : 'integer';
  return type === 'integer' ? 'integer' : 'text';
}

async function createTable(db: Kysely<unknown>, dialect: StoreDialect, table: TableSpec) {
  let create: CreateTableBuilder<string, string> = db.schema.createTable(table.name);
  for (const [name, spec] of Object.entries(table.columns)) {
    create = create.addColumn(name, columnType(dialect, spec), defineColumn(dialect, spec));
  }
  if (table.primaryKey) {
    create = create.addPrimaryKeyConstraint(table.primaryKey.name, [...table.primaryKey.columns]);
  }
  await create.execute();
  for (const [index, filter = UNFILTERED] of table.unique ?? []) {
    await filter(createUniqueIndex(db, index)).execute();
  }
  for (const [name, columns] of Object.entries(table.indexes ?? {})) {
    await createIndex(db, table.name, name, columns);
  }
}

/** A migration that creates these tables (in order) and drops them (in reverse). */
function creating(dialect: StoreDialect, tables: readonly TableSpec[]): Migration {
  return {
    async up(db) {
      for (const table of tables) await createTable(db, dialect, table);
    },
    async down(db) {
      for (const table of [...tables].reverse()) await db.schema.dropTable(table.name).execute();
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

/** 0004: the billing contact a session was started with (JSON), for the merchant's reads. */
const sessionBilling: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('client_sessions').addColumn('billing', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('client_sessions').dropColumn('billing').execute();
  },
};

/**
 * 0005: refunds are children of the payment they give money back on, so the one-child index holds
 * for SETTLE and VOID only; one unresolved refund per payment at a time; the payment's refunded
 * total and when.
 */
const refunds: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('transactions').addColumn('refunded_amount', 'text').execute();
    await db.schema.alterTable('transactions').addColumn('refunded_at', 'text').execute();
    await db.schema.dropIndex(UNIQUE_INDEXES.childTransaction.name).execute();
    await createUniqueIndex(db, UNIQUE_INDEXES.childTransaction)
      .where(sql.ref('action'), 'in', SETTLE_OR_VOID)
      .execute();
    await createUniqueIndex(db, UNIQUE_INDEXES.pendingRefund)
      .where(sql.ref('action'), '=', 'REFUND')
      .where(sql.ref('status'), 'in', UNRESOLVED_REFUND_STATUSES)
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex(UNIQUE_INDEXES.pendingRefund.name).execute();
    await db.schema.dropIndex(UNIQUE_INDEXES.childTransaction.name).execute();
    await createUniqueIndex(db, UNIQUE_INDEXES.childTransaction)
      .where(sql.ref('parent_transaction_id'), 'is not', null)
      .execute();
    await db.schema.alterTable('transactions').dropColumn('refunded_at').execute();
    await db.schema.alterTable('transactions').dropColumn('refunded_amount').execute();
  },
};

/** 0008: the lookup indexes of LOOKUP_INDEXES_0008, replacing two that missed their lookups. */
const lookupIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const index of LOOKUP_INDEXES_0008) {
      if (index.replaces) await db.schema.dropIndex(index.name).execute();
      await createIndex(db, index.table, index.name, index.columns);
    }
  },
  async down(db: Kysely<unknown>) {
    for (const index of [...LOOKUP_INDEXES_0008].reverse()) {
      await db.schema.dropIndex(index.name).execute();
      if (index.replaces) await createIndex(db, index.table, index.name, index.replaces);
    }
  },
};

/** 0009: drops the indexes of REDUNDANT_INDEXES_0009 (the unique provider references answer their lookups). */
const leanSessionIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const name of REDUNDANT_INDEXES_0009) await db.schema.dropIndex(name).execute();
  },
  async down(db: Kysely<unknown>) {
    for (const name of REDUNDANT_INDEXES_0009) {
      await createIndex(db, 'client_sessions', name, sessionIndexColumns0001(name));
    }
  },
};

/** The migrations, in order of their names. */
export function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_initial': creating(dialect, INITIAL_TABLES),
    '0002_unique_provider_references': uniqueProviderReferences,
    '0003_leases': creating(dialect, LEASE_TABLES),
    '0004_session_billing': sessionBilling,
    '0005_refunds': refunds,
    '0006_webhooks': creating(dialect, WEBHOOK_TABLES),
    '0007_payment_intents': creating(dialect, PAYMENT_INTENT_TABLES),
    '0008_lookup_indexes': lookupIndexes,
    '0009_lean_session_indexes': leanSessionIndexes,
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

interface ColumnRow {
  table: string;
  is_view: boolean;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  auto_incrementing: boolean;
  comment: string | null;
}

/**
 * What the migrator sees of a PostgreSQL database: one schema's tables, nothing else. Kysely's own
 * introspector reads every schema's catalog and looks each column up again by its schema-qualified
 * name (`pg_get_serial_sequence`), so a migration failed (42P01, 42703, 3F000) whenever another
 * session dropped a table, a column or a schema during that scan, as parallel test runs sharing one
 * database do all the time (and it grew slow with their thousands of tables). Here the scan is
 * filtered to `schema`, and looks nothing up by name.
 */
export class OwnSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;
  readonly #schema: string;
  constructor(db: Kysely<unknown>, schema: string) {
    this.#db = db;
    this.#schema = schema;
  }

  async getSchemas() {
    const { rows } = await sql<{ name: string }>`
      select nspname as name from pg_catalog.pg_namespace where nspname = ${this.#schema}
    `.execute(this.#db);
    return rows;
  }

  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const kyselyTables = [DEFAULT_MIGRATION_TABLE, DEFAULT_MIGRATION_LOCK_TABLE];
    const { rows } = await sql<ColumnRow>`
      select c.relname as table, c.relkind = 'v' as is_view, a.attname as column,
        t.typname as type, tns.nspname as type_schema, a.attnotnull as not_null,
        a.atthasdef as has_default, col_description(c.oid, a.attnum) as comment,
        a.attidentity <> '' or coalesce(pg_get_expr(ad.adbin, ad.adrelid) like 'nextval(%', false)
          as auto_incrementing
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid
      join pg_catalog.pg_type t on t.oid = a.atttypid
      join pg_catalog.pg_namespace tns on tns.oid = t.typnamespace
      left join pg_catalog.pg_attrdef ad on ad.adrelid = c.oid and ad.adnum = a.attnum
      where ns.nspname = ${this.#schema} and c.relkind in ('r', 'v', 'p')
        and a.attnum > 0 and not a.attisdropped
        and (${options.withInternalKyselyTables} or c.relname not in (${sql.join(kyselyTables)}))
      order by c.relname, a.attnum
    `.execute(this.#db);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows) {
      let table = tables.get(row.table);
      if (!table) {
        table = { name: row.table, isView: row.is_view, schema: this.#schema, columns: [] };
        tables.set(row.table, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isAutoIncrementing: row.auto_incrementing,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        ...(row.comment === null ? {} : { comment: row.comment }),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions) {
    return { tables: await this.getTables(options) };
  }
}

/** PostgreSQL whose introspection (and so whose migrator) sees only `schema`. */
export class OwnSchemaPostgresDialect extends PostgresDialect {
  readonly #schema: string;
  constructor(config: PostgresDialectConfig, schema: string) {
    super(config);
    this.#schema = schema;
  }

  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new OwnSchemaIntrospector(db, this.#schema);
  }
}
