import type { Kysely } from 'kysely';
import { adminQueries } from './admin.ts';
import { callbackQueries } from './callbacks.ts';
import type { StoreContext } from './context.ts';
import { idempotencyQueries } from './idempotency.ts';
import { leaseQueries } from './leases.ts';
import { merchantQueries } from './merchants.ts';
import { createMigrator } from './migrations.ts';
import { paymentIntentQueries } from './payment-intents.ts';
import { paymentMethodQueries } from './payment-methods.ts';
import {
  accrueAccountQueries,
  providerAccountQueries,
  sealCredentials,
} from './provider-accounts.ts';
import type { Database } from './schema.ts';
import { describeKeySource, SecretBox } from './secret-box.ts';
import { sessionQueries } from './sessions.ts';
import type { Store } from './store.ts';
import { type StoreDialect, TABLES_CHILDREN_FIRST } from './tables.ts';
import { transactionQueries } from './transactions.ts';
import { webhookQueries } from './webhooks.ts';

/** Every table's queries, one module a table (or concern), as one object. */
function tableQueries(ctx: StoreContext) {
  return {
    ...merchantQueries(ctx),
    ...providerAccountQueries(ctx),
    ...accrueAccountQueries(ctx),
    ...paymentIntentQueries(ctx),
    ...sessionQueries(ctx),
    ...transactionQueries(ctx),
    ...paymentMethodQueries(ctx),
    ...idempotencyQueries(ctx),
    ...leaseQueries(ctx),
    ...callbackQueries(ctx),
    ...webhookQueries(ctx),
    ...adminQueries(ctx),
  };
}

type TableQueries = ReturnType<typeof tableQueries>;

/** A base class whose instances carry every table's queries as their own methods. */
const TableQueries = class {
  constructor(ctx: StoreContext) {
    Object.assign(this, tableQueries(ctx));
  }
} as new (
  ctx: StoreContext,
) => TableQueries;

export interface KyselyStoreOptions {
  log?: ((msg: string) => void) | undefined;
  schema?: string | undefined;
  /** Encrypts the provider credentials at rest. Default: an ephemeral random key. */
  credentials?: SecretBox | undefined;
  /** The database, as messages name it (a path, or a URL without its password). */
  label?: string | undefined;
  /** Told when a status change wrote an event and committed (the webhook worker's hint). */
  onEvent?: (() => void) | undefined;
}

function contextOf(
  db: Kysely<Database>,
  dialect: StoreDialect,
  options: KyselyStoreOptions,
): StoreContext {
  return {
    db,
    dialect,
    log: options.log,
    box: options.credentials ?? SecretBox.random(),
    label: options.label ?? `the ${dialect} database`,
    onEvent: options.onEvent,
    immutableRows: new Map(),
  };
}

/** The Store over a Kysely instance of either dialect: the queries of store/<table>.ts, composed. */
export class KyselyStore extends TableQueries implements Store {
  readonly #ctx: StoreContext;
  readonly #schema: string | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    /** The underlying Kysely instance, for tests and maintenance. */
    readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    options: KyselyStoreOptions = {},
  ) {
    const ctx = contextOf(db, dialect, options);
    super(ctx);
    this.#ctx = ctx;
    this.#schema = options.schema;
  }

  /** Where the key of the provider credentials comes from, as messages name it. */
  get credentialsKeySource(): string {
    return describeKeySource(this.#ctx.box.source);
  }

  async migrate(): Promise<void> {
    const migrator = createMigrator(
      this.db as unknown as Kysely<unknown>,
      this.dialect,
      this.#schema,
    );
    // On PostgreSQL the migrator introspects only this store's schema (OwnSchemaIntrospector),
    // so schemas other runs create and drop meanwhile cannot break it.
    const outcome = await migrator.migrateToLatest();
    const { error, results = [] } = outcome;
    const failed = results.find((result) => result.status === 'Error');
    if (error !== undefined) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Database migration ${failed ? `${failed.migrationName} ` : ''}failed: ${reason}`,
        { cause: error },
      );
    }
    await sealCredentials(this.#ctx);
    const applied = results.filter((result) => result.status === 'Success');
    this.#ctx.log?.(
      applied.length === 0
        ? 'store: migrations up to date'
        : `store: applied migrations ${applied.map((result) => result.migrationName).join(', ')}`,
    );
  }

  close(): Promise<void> {
    this.#closing ??= this.db.destroy();
    return this.#closing;
  }

  async truncateAll(): Promise<void> {
    for (const table of TABLES_CHILDREN_FIRST) {
      await this.db.deleteFrom(table).execute();
    }
    this.#ctx.immutableRows.clear();
  }
}
