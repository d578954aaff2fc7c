import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import {
  createMigrator,
  type StoreDialect,
  UNIQUE_INDEXES,
  type UniqueIndex,
} from './migrations.ts';
import type { ClientSessionTable, Database } from './schema.ts';
import { describeKeySource, SecretBox, WrongKeyError } from './secret-box.ts';
import type {
  IdempotencyKeyRow,
  LeaseRow,
  MerchantRow,
  MerchantTransactionProviderRow,
  PaymentMethodRow,
  ProviderCallbackRow,
  SessionCursor,
  SessionFilters,
  SessionLookup,
  SessionPatch,
  SessionRow,
  Store,
  TransactionFilters,
  TransactionPatch,
  TransactionRow,
} from './store.ts';
import { findPaymentMethodsByIds, listTransactionsOfSessions } from './view-reads.ts';

const SESSION_PATCH_KEYS = [
  'status',
  'transaction_id',
  'payment_method_id',
  'provider_code',
  'updated_at',
] as const satisfies readonly (keyof SessionPatch)[];

const TRANSACTION_PATCH_KEYS = [
  'status',
  'provider_code',
  'payment_method_id',
  'error_code',
  'error_message',
  'amount',
  'settled_amount',
  'updated_at',
] as const satisfies readonly (keyof TransactionPatch)[];

/** Every table, children before parents, so that deleting in this order satisfies the foreign keys. */
const TABLES_CHILDREN_FIRST = [
  'provider_callbacks',
  'leases',
  'idempotency_keys',
  'transactions',
  'client_sessions',
  'payment_methods',
  'merchant_transaction_providers',
  'merchants',
] as const satisfies readonly (keyof Database)[];

const CLAIM_ATTEMPTS = 5;

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out;
}

function changed(result: { numUpdatedRows: bigint } | undefined): boolean {
  return (result?.numUpdatedRows ?? 0n) > 0n;
}

function toCount(row: { count: string | number | bigint } | undefined): number {
  return Number(row?.count ?? 0);
}

function sessionConditions(merchantId: string, filters: SessionFilters) {
  return (eb: ExpressionBuilder<Database, 'client_sessions'>) => {
    const conditions: Expression<SqlBool>[] = [eb('merchant_id', '=', merchantId)];
    if (filters.status !== undefined) conditions.push(eb('status', '=', filters.status));
    if (filters.type !== undefined)
      conditions.push(eb('type', '=', filters.type as ClientSessionTable['type']));
    if (filters.merchantInternalTransactionCode !== undefined) {
      conditions.push(
        eb('merchant_internal_transaction_code', '=', filters.merchantInternalTransactionCode),
      );
    }
    return eb.and(conditions);
  };
}

function transactionConditions(merchantId: string, filters: TransactionFilters) {
  return (eb: ExpressionBuilder<Database, 'transactions'>) => {
    const conditions: Expression<SqlBool>[] = [eb('merchant_id', '=', merchantId)];
    if (filters.status !== undefined) conditions.push(eb('status', '=', filters.status));
    if (filters.action !== undefined) conditions.push(eb('action', '=', filters.action));
    if (filters.sessionId !== undefined) conditions.push(eb('session_id', '=', filters.sessionId));
    if (filters.merchantInternalTransactionCode !== undefined) {
      conditions.push(
        eb('merchant_internal_transaction_code', '=', filters.merchantInternalTransactionCode),
      );
    }
    return eb.and(conditions);
  };
}

/** The Store over a Kysely instance of either dialect. */
export class KyselyStore implements Store {
  readonly #log: ((msg: string) => void) | undefined;
  readonly #schema: string | undefined;
  readonly #box: SecretBox;
  readonly #label: string;
  #closing: Promise<void> | undefined;

  constructor(
    /** The underlying Kysely instance, for tests and maintenance. */
    readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    options: {
      log?: ((msg: string) => void) | undefined;
      schema?: string | undefined;
      /** Encrypts the provider credentials at rest. Default: an ephemeral random key. */
      credentials?: SecretBox | undefined;
      /** The database, as messages name it (a path, or a URL without its password). */
      label?: string | undefined;
    } = {},
  ) {
    this.#log = options.log;
    this.#schema = options.schema;
    this.#box = options.credentials ?? SecretBox.random();
    this.#label = options.label ?? `the ${dialect} database`;
  }

  /** Where the key of the provider credentials comes from, as messages name it. */
  get credentialsKeySource(): string {
    return describeKeySource(this.#box.source);
  }

  #isUniqueViolation(error: unknown, indexes: readonly UniqueIndex[]): boolean {
    if (typeof error !== 'object' || error === null) return false;
    const { code, constraint } = error as { code?: unknown; constraint?: unknown };
    if (this.dialect === 'postgres') {
      return code === '23505' && indexes.some((index) => index.name === constraint);
    }
    if (code !== 'SQLITE_CONSTRAINT_UNIQUE') return false;
    // SQLite names the columns, not the index: "UNIQUE constraint failed: table.a, table.b".
    const failed = String((error as { message?: unknown }).message).replace(/^.*?failed: /, '');
    return indexes.some(
      (index) => failed === index.columns.map((column) => `${index.table}.${column}`).join(', '),
    );
  }

  async migrate(): Promise<void> {
    const migrator = createMigrator(
      this.db as unknown as Kysely<unknown>,
      this.dialect,
      this.#schema,
    );
    let outcome = await migrator.migrateToLatest();
    // Kysely's migrator looks for its tables through a catalog query over every schema, which
    // fails with 3F000 when another schema is dropped at that very moment (parallel test runs
    // do); nothing was applied then, so trying again is safe.
    for (let attempt = 1; attempt < 10 && isSchemaVanished(outcome.error); attempt++) {
      // Back off a little each time: the other drop is a transaction of its own that must end.
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
      outcome = await migrator.migrateToLatest();
    }
    const { error, results = [] } = outcome;
    const failed = results.find((result) => result.status === 'Error');
    if (error !== undefined) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Database migration ${failed ? `${failed.migrationName} ` : ''}failed: ${reason}`,
        { cause: error },
      );
    }
    await this.#sealCredentials();
    const applied = results.filter((result) => result.status === 'Success');
    this.#log?.(
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
  }

  async insertMerchant(row: MerchantRow): Promise<void> {
    await this.db.insertInto('merchants').values(row).execute();
  }

  findMerchantById(id: string): Promise<MerchantRow | undefined> {
    return this.db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findMerchantBySecretHash(secretHash: string): Promise<MerchantRow | undefined> {
    return this.db
      .selectFrom('merchants')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
  }

  findMerchantByPublicId(publicId: string): Promise<MerchantRow | undefined> {
    return this.db
      .selectFrom('merchants')
      .selectAll()
      .where('public_id', '=', publicId)
      .executeTakeFirst();
  }

  listMerchants(): Promise<MerchantRow[]> {
    return this.db
      .selectFrom('merchants')
      .selectAll()
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  async insertMerchantTransactionProvider(row: MerchantTransactionProviderRow): Promise<void> {
    await this.db
      .insertInto('merchant_transaction_providers')
      .values({ ...row, credentials: this.#box.seal(row.credentials) })
      .execute();
  }

  async findMerchantTransactionProviderById(
    id: string,
  ): Promise<MerchantTransactionProviderRow | undefined> {
    const row = await this.db
      .selectFrom('merchant_transaction_providers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.#openRow(row);
  }

  async findMerchantTransactionProviderByProvider(
    merchantId: string,
    provider: 'STRIPE' | 'NUVEI',
  ): Promise<MerchantTransactionProviderRow | undefined> {
    const row = await this.db
      .selectFrom('merchant_transaction_providers')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('provider', '=', provider)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(1)
      .executeTakeFirst();
    return row && this.#openRow(row);
  }

  async listMerchantTransactionProviders(
    merchantId: string,
  ): Promise<MerchantTransactionProviderRow[]> {
    const rows = await this.db
      .selectFrom('merchant_transaction_providers')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map((row) => this.#openRow(row));
  }

  /** The row with its credentials decrypted: the domain only ever sees plain credentials. */
  #openRow(row: MerchantTransactionProviderRow): MerchantTransactionProviderRow {
    return { ...row, credentials: this.#openCredentials(row) };
  }

  #openCredentials(row: { id: string; credentials: string }): string {
    try {
      return this.#box.open(row.credentials);
    } catch (error) {
      if (!(error instanceof WrongKeyError)) throw error;
      throw new Error(this.#wrongKeyMessage(row.id), { cause: error });
    }
  }

  #wrongKeyMessage(id: string): string {
    return (
      `Cannot decrypt the provider credentials of ${id} in ${this.#label} with ` +
      `${describeKeySource(this.#box.source)}: they were encrypted with another key. Start with ` +
      'the key used before (set ACCRUPAY_CREDENTIALS_KEY to it, or restore its key file); ' +
      'instances that share one database must share ACCRUPAY_CREDENTIALS_KEY. If that key is ' +
      'lost, so are these records: delete the database file (or drop the schema) to start afresh.'
    );
  }

  /**
   * At start: encrypts credentials written in plain text before encryption at rest, and checks
   * that the key opens every sealed row, so that a wrong key fails here and not on a request.
   */
  async #sealCredentials(): Promise<void> {
    const rows = await this.db
      .selectFrom('merchant_transaction_providers')
      .select(['id', 'credentials'])
      .execute();
    let sealed = 0;
    for (const row of rows) {
      if (SecretBox.isSealed(row.credentials)) {
        this.#openCredentials(row);
        continue;
      }
      // Only if still plain: another instance starting at once may have sealed it already.
      const result = await this.db
        .updateTable('merchant_transaction_providers')
        .set({ credentials: this.#box.seal(row.credentials) })
        .where('id', '=', row.id)
        .where('credentials', '=', row.credentials)
        .executeTakeFirst();
      if (changed(result)) sealed++;
    }
    if (sealed > 0) this.#log?.(`store: encrypted the credentials of ${sealed} provider records`);
  }

  async insertSession(
    row: SessionRow,
    transaction?: TransactionRow,
  ): Promise<'inserted' | 'conflict'> {
    try {
      if (transaction === undefined) {
        await this.db.insertInto('client_sessions').values(row).execute();
      } else {
        await this.db.transaction().execute(async (trx) => {
          await trx.insertInto('client_sessions').values(row).execute();
          await trx.insertInto('transactions').values(transaction).execute();
        });
      }
      return 'inserted';
    } catch (error) {
      if (this.#isUniqueViolation(error, [UNIQUE_INDEXES.liveSessionCode])) return 'conflict';
      throw error;
    }
  }

  findSession(merchantId: string, lookup: SessionLookup): Promise<SessionRow | undefined> {
    const query = this.db
      .selectFrom('client_sessions')
      .selectAll()
      .where('merchant_id', '=', merchantId);
    if ('id' in lookup) return query.where('id', '=', lookup.id).executeTakeFirst();
    if ('token' in lookup) return query.where('token', '=', lookup.token).executeTakeFirst();
    if ('providerCode' in lookup) {
      return query.where('provider_code', '=', lookup.providerCode).executeTakeFirst();
    }
    return query
      .where('merchant_internal_transaction_code', '=', lookup.merchantInternalTransactionCode)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  findSessionByProviderCode(
    merchantTransactionProviderId: string,
    providerCode: string,
  ): Promise<SessionRow | undefined> {
    return this.db
      .selectFrom('client_sessions')
      .selectAll()
      .where('merchant_transaction_provider_id', '=', merchantTransactionProviderId)
      .where('provider_code', '=', providerCode)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  findSessionByToken(
    merchantTransactionProviderId: string,
    token: string,
  ): Promise<SessionRow | undefined> {
    return this.db
      .selectFrom('client_sessions')
      .selectAll()
      .where('merchant_transaction_provider_id', '=', merchantTransactionProviderId)
      .where('token', '=', token)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  async listSessions(
    merchantId: string,
    filters: SessionFilters,
    page: { take: number; skip: number },
  ): Promise<{ rows: SessionRow[]; total: number }> {
    const where = sessionConditions(merchantId, filters);
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom('client_sessions')
        .selectAll()
        .where(where)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.take)
        .offset(page.skip)
        .execute(),
      this.db
        .selectFrom('client_sessions')
        .select((eb) => eb.fn.countAll().as('count'))
        .where(where)
        .executeTakeFirst(),
    ]);
    return { rows, total: toCount(count) };
  }

  async listSessionsAfter(
    merchantId: string,
    filters: SessionFilters,
    page: { first: number; after?: SessionCursor | undefined },
  ): Promise<{ rows: SessionRow[]; total: number; hasNextPage: boolean }> {
    const where = sessionConditions(merchantId, filters);
    const after = page.after;
    let query = this.db.selectFrom('client_sessions').selectAll().where(where);
    if (after !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    }
    const [rows, count] = await Promise.all([
      query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.first + 1)
        .execute(),
      this.db
        .selectFrom('client_sessions')
        .select((eb) => eb.fn.countAll().as('count'))
        .where(where)
        .executeTakeFirst(),
    ]);
    const hasNextPage = rows.length > page.first;
    return {
      rows: hasNextPage ? rows.slice(0, page.first) : rows,
      total: toCount(count),
      hasNextPage,
    };
  }

  async setSessionProviderData(
    id: string,
    data: Pick<
      SessionRow,
      'token' | 'token_expires_at' | 'provider_code' | 'payload' | 'updated_at'
    >,
  ): Promise<boolean | 'reference-in-use'> {
    const result = await this.db
      .updateTable('client_sessions')
      .set({
        token: data.token,
        token_expires_at: data.token_expires_at,
        provider_code: data.provider_code,
        payload: data.payload,
        updated_at: data.updated_at,
      })
      .where('id', '=', id)
      .where('token', 'is', null)
      .executeTakeFirst()
      .catch((error: unknown) => {
        if (
          this.#isUniqueViolation(error, [
            UNIQUE_INDEXES.sessionToken,
            UNIQUE_INDEXES.sessionProviderCode,
          ])
        ) {
          return 'reference-in-use' as const;
        }
        throw error;
      });
    return result === 'reference-in-use' ? result : changed(result);
  }

  async updateSessionIf(
    id: string,
    from: readonly SessionRow['status'][],
    patch: SessionPatch,
  ): Promise<boolean> {
    if (from.length === 0) return false;
    const result = await this.db
      .updateTable('client_sessions')
      .set(pick(patch, SESSION_PATCH_KEYS))
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return changed(result);
  }

  async insertTransaction(row: TransactionRow): Promise<'inserted' | 'conflict'> {
    try {
      await this.db.insertInto('transactions').values(row).execute();
      return 'inserted';
    } catch (error) {
      if (
        this.#isUniqueViolation(error, [
          UNIQUE_INDEXES.sessionTransaction,
          UNIQUE_INDEXES.childTransaction,
        ])
      ) {
        return 'conflict';
      }
      throw error;
    }
  }

  findTransaction(merchantId: string, id: string): Promise<TransactionRow | undefined> {
    return this.db
      .selectFrom('transactions')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  findSessionTransaction(sessionId: string): Promise<TransactionRow | undefined> {
    return this.db
      .selectFrom('transactions')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('parent_transaction_id', 'is', null)
      .executeTakeFirst();
  }

  findChildTransaction(parentTransactionId: string): Promise<TransactionRow | undefined> {
    return this.db
      .selectFrom('transactions')
      .selectAll()
      .where('parent_transaction_id', '=', parentTransactionId)
      .executeTakeFirst();
  }

  listSessionTransactions(sessionId: string): Promise<TransactionRow[]> {
    return listTransactionsOfSessions(this.db, [sessionId]);
  }

  async listTransactions(
    merchantId: string,
    filters: TransactionFilters,
    page: { take: number; skip: number },
  ): Promise<{ rows: TransactionRow[]; total: number }> {
    const where = transactionConditions(merchantId, filters);
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom('transactions')
        .selectAll()
        .where(where)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.take)
        .offset(page.skip)
        .execute(),
      this.db
        .selectFrom('transactions')
        .select((eb) => eb.fn.countAll().as('count'))
        .where(where)
        .executeTakeFirst(),
    ]);
    return { rows, total: toCount(count) };
  }

  async updateTransactionIf(
    id: string,
    from: readonly TransactionRow['status'][],
    patch: TransactionPatch,
  ): Promise<boolean> {
    if (from.length === 0) return false;
    const result = await this.db
      .updateTable('transactions')
      .set(pick(patch, TRANSACTION_PATCH_KEYS))
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return changed(result);
  }

  async setSettledAmountIfUnset(
    id: string,
    settledAmount: string,
    updatedAt: string,
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('transactions')
      .set({ settled_amount: settledAmount, updated_at: updatedAt })
      .where('id', '=', id)
      .where('settled_amount', 'is', null)
      .executeTakeFirst();
    return changed(result);
  }

  async upsertPaymentMethod(row: PaymentMethodRow): Promise<PaymentMethodRow> {
    await this.db
      .insertInto('payment_methods')
      .values(row)
      .onConflict((oc) => oc.columns(['merchant_id', 'provider', 'provider_reference']).doNothing())
      .execute();
    const stored = await this.db
      .selectFrom('payment_methods')
      .selectAll()
      .where('merchant_id', '=', row.merchant_id)
      .where('provider', '=', row.provider)
      .where('provider_reference', '=', row.provider_reference)
      .executeTakeFirst();
    if (stored === undefined) {
      throw new Error(`Payment method ${row.provider_reference} vanished while being stored`);
    }
    return stored;
  }

  findPaymentMethod(merchantId: string, id: string): Promise<PaymentMethodRow | undefined> {
    return this.db
      .selectFrom('payment_methods')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async listPaymentMethods(
    merchantId: string,
    customerCode: string,
    page: { take: number; skip: number },
  ): Promise<{ rows: PaymentMethodRow[]; total: number }> {
    const base = this.db
      .selectFrom('payment_methods')
      .where('merchant_id', '=', merchantId)
      .where('merchant_internal_customer_code', '=', customerCode);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.take)
        .offset(page.skip)
        .execute(),
      base.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
    ]);
    return { rows, total: toCount(count) };
  }

  async claimIdempotencyKey(
    row: Omit<IdempotencyKeyRow, 'state' | 'response_status' | 'response_body'>,
  ): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyKeyRow }> {
    const claim = {
      request_hash: row.request_hash,
      state: 'in_flight',
      response_status: null,
      response_body: null,
      created_at: row.created_at,
      expires_at: row.expires_at,
    };
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const result = await this.db
        .insertInto('idempotency_keys')
        .values({ merchant_id: row.merchant_id, key: row.key, ...claim })
        .onConflict((oc) =>
          oc
            .columns(['merchant_id', 'key'])
            .doUpdateSet(claim)
            .where('idempotency_keys.expires_at', '<=', row.created_at),
        )
        .executeTakeFirst();
      if ((result.numInsertedOrUpdatedRows ?? 0n) > 0n) return { claimed: true };
      const existing = await this.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('merchant_id', '=', row.merchant_id)
        .where('key', '=', row.key)
        .executeTakeFirst();
      if (existing !== undefined) return { claimed: false, existing };
    }
    throw new Error(`Idempotency key ${row.key} kept changing while being claimed`);
  }

  async claimLease(lease: LeaseRow): Promise<boolean> {
    const result = await this.db
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
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    await this.db
      .deleteFrom('leases')
      .where('key', '=', key)
      .where('holder', '=', holder)
      .execute();
  }

  async completeIdempotencyKey(
    merchantId: string,
    key: string,
    response: { status: number; body: string },
  ): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', response_status: response.status, response_body: response.body })
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .execute();
  }

  async releaseIdempotencyKey(merchantId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom('idempotency_keys')
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .where('state', '=', 'in_flight')
      .execute();
  }

  async deleteExpiredIdempotencyKeys(now: string): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async insertProviderCallback(row: Omit<ProviderCallbackRow, 'id'>): Promise<void> {
    await this.db.insertInto('provider_callbacks').values(row).execute();
  }

  listProviderCallbacks(limit: number): Promise<ProviderCallbackRow[]> {
    return this.db
      .selectFrom('provider_callbacks')
      .selectAll()
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }
  listTransactionsOfSessions = (ids: readonly string[]) => listTransactionsOfSessions(this.db, ids);
  findPaymentMethodsByIds = (ids: readonly string[]) => findPaymentMethodsByIds(this.db, ids);
}

function isSchemaVanished(error: unknown): boolean {
  for (let cause = error; cause instanceof Error || (cause && typeof cause === 'object'); ) {
    if ((cause as { code?: unknown }).code === '3F000') return true;
    cause = (cause as { cause?: unknown }).cause;
    if (cause === undefined) break;
  }
  return false;
}
