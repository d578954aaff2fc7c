import { REFUND_REVERSAL } from '@accrupay/contracts';
import { type Kysely, type SqlBool, sql, type Transaction } from 'kysely';
import {
  changed,
  orConflict,
  reusedSelect,
  type StoreContext,
  updateIf,
  updateOneIf,
  withinTransaction,
} from './context.ts';
import { allOf, equalAll, offsetPage, tests, windowPage } from './pages.ts';
import type { Database } from './schema.ts';
import type { SessionRow, Store, TransactionQuery, TransactionRow } from './store.ts';
import { SETTLE_OR_VOID, UNIQUE_INDEXES } from './tables.ts';

/** The transactions of one session (its own and its children), compiled once: the hot case. */
const ofOneSession = reusedSelect((db: Kysely<Database>, sessionId: string, parentOf: string) =>
  db
    .selectFrom('transactions')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('session_id', '=', sessionId),
        eb(
          'parent_transaction_id',
          'in',
          eb
            .selectFrom('transactions as parent')
            .select('parent.id')
            .where('parent.session_id', '=', parentOf)
            .where('parent.parent_transaction_id', 'is', null),
        ),
      ]),
    )
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc'),
);
const ofMerchantById = reusedSelect((db: Kysely<Database>, merchantId: string, id: string) =>
  db
    .selectFrom('transactions')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id),
);
const ownOfSession = reusedSelect((db: Kysely<Database>, sessionId: string) =>
  db
    .selectFrom('transactions')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('parent_transaction_id', 'is', null),
);

/**
 * One query for the transactions of many sessions (each one's own and its children: settle, void,
 * refunds), oldest first; `db` may be a database transaction (the outbox's snapshot reads in it).
 */
export async function transactionsOfSessions(
  db: Kysely<Database>,
  sessionIds: readonly string[],
): Promise<TransactionRow[]> {
  if (sessionIds.length === 0) return [];
  const [only] = sessionIds;
  if (sessionIds.length === 1 && only !== undefined) return ofOneSession(db, only, only);
  return db
    .selectFrom('transactions')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('session_id', 'in', sessionIds),
        eb(
          'parent_transaction_id',
          'in',
          eb
            .selectFrom('transactions as parent')
            .select('parent.id')
            .where('parent.session_id', 'in', sessionIds)
            .where('parent.parent_transaction_id', 'is', null),
        ),
      ]),
    )
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/** The transactions: one per session, and at most one SETTLE or VOID child per authorization. */
export function transactionQueries(ctx: StoreContext) {
  const { db } = ctx;
  const transactions = () => db.selectFrom('transactions').selectAll();
  const listTransactionsOfSessions = (sessionIds: readonly string[]) =>
    transactionsOfSessions(db, sessionIds);
  const test = tests<TransactionRow>();
  /** The merchant API's filters (see TransactionQuery for what each one means). */
  const queried = (merchantId: string, query: TransactionQuery) =>
    transactions().where(
      allOf([
        test.eq('merchant_id', merchantId),
        test.eq('id', query.id),
        test.oneOf('status', query.statuses),
        test.oneOf('action', query.actions),
        test.eq('currency', query.currency),
        test.eq('provider', query.transactionProvider),
        test.eq('merchant_transaction_provider_id', query.merchantTransactionProviderId),
        test.eq('provider_code', query.providerCode),
        test.eq('merchant_internal_customer_code', query.merchantInternalCustomerCode),
        test.eq('merchant_internal_transaction_code', query.merchantInternalTransactionCode),
        test.eq('session_id', query.sessionId),
        query.parentTransactionId === null
          ? test.isNull('parent_transaction_id')
          : test.eq('parent_transaction_id', query.parentTransactionId),
        test.eq('payment_method_id', query.paymentMethodId),
        test.when(query.succeeded, test.isIn('status', ['SUCCEEDED'])),
        test.when(query.failed, test.isIn('status', ['FAILED', 'DECLINED', 'ERROR'])),
        test.when(query.canceled, test.isIn('status', ['CANCELED'])),
        test.when(query.started, sql<SqlBool>`not (${test.isIn('status', ['PENDING'])})`),
        test.when(query.hasProviderError, sql<SqlBool>`not (${test.isNull('error_code')})`),
        test.atLeast('created_at', query.createdFrom),
        test.atMost('created_at', query.createdTo),
      ]),
    );
  /**
   * Adds (sign 1) or takes back (sign -1) a refund's amount to its parent's refunded total, inside
   * the database transaction that moved the refund's status.
   */
  const addToRefunded = async (
    trx: Transaction<Database>,
    refundId: string,
    sign: 1n | -1n,
    also: { refunded_at?: string },
  ) => {
    const refund = await trx
      .selectFrom('transactions')
      .select(['parent_transaction_id', 'amount'])
      .where('id', '=', refundId)
      .executeTakeFirstOrThrow();
    const parentId = refund.parent_transaction_id;
    if (parentId === null) throw new Error(`refund ${refundId} has no parent transaction`);
    const parent = await trx
      .selectFrom('transactions')
      .select('refunded_amount')
      .where('id', '=', parentId)
      .executeTakeFirstOrThrow();
    const total = BigInt(parent.refunded_amount ?? '0') + sign * BigInt(refund.amount ?? '0');
    await trx
      .updateTable('transactions')
      .set({ refunded_amount: total > 0n ? total.toString() : null, ...also })
      .where('id', '=', parentId)
      .execute();
  };
  /** A status write in a database transaction of its own; the event it wrote is told once committed. */
  const told = async (work: (trx: Transaction<Database>) => Promise<boolean>) => {
    const moved = await db.transaction().execute(work);
    if (moved) ctx.onEvent?.();
    return moved;
  };
  return {
    insertTransaction: (row) =>
      orConflict(
        ctx,
        [
          UNIQUE_INDEXES.sessionTransaction,
          UNIQUE_INDEXES.childTransaction,
          UNIQUE_INDEXES.pendingRefund,
        ],
        'conflict' as const,
        async () => {
          await db.insertInto('transactions').values(row).execute();
          return 'inserted' as const;
        },
      ),
    findTransaction: async (merchantId, id) => (await ofMerchantById(db, merchantId, id))[0],
    findSessionTransaction: async (sessionId) => (await ownOfSession(db, sessionId))[0],
    findChildTransaction: (parentTransactionId) =>
      transactions()
        .where('parent_transaction_id', '=', parentTransactionId)
        .where('action', 'in', SETTLE_OR_VOID)
        .executeTakeFirst(),
    listSessionTransactions: (sessionId) => listTransactionsOfSessions([sessionId]),
    listTransactionsOfSessions,
    listTransactions: (merchantId, filters, page) =>
      offsetPage(
        transactions().where(
          equalAll<TransactionRow>({
            merchant_id: merchantId,
            status: filters.status,
            action: filters.action,
            session_id: filters.sessionId,
            merchant_internal_transaction_code: filters.merchantInternalTransactionCode,
          }),
        ),
        page,
      ),
    transactionWindow: (merchantId, query, window) =>
      windowPage(queried(merchantId, query), window),
    updateTransactionIf: (id, from, patch) => updateIf(ctx, 'transactions', id, from, patch),
    updateAllIf: async (updates) => {
      const [only] = updates;
      if (updates.length <= 1) return only === undefined ? [] : [await updateOneIf(ctx, only)];
      return withinTransaction(ctx, async (inner) => {
        const written: (SessionRow | TransactionRow | undefined)[] = [];
        for (const update of updates) written.push(await updateOneIf(inner, update));
        return written;
      });
    },
    finishRefund: (id, from, patch) =>
      told(async (trx) => {
        const moved = await updateIf(
          { ...ctx, db: trx, onEvent: undefined },
          'transactions',
          id,
          from,
          patch,
        );
        if (moved && patch.status === 'SUCCEEDED') {
          await addToRefunded(trx, id, 1n, { refunded_at: patch.updated_at });
        }
        return moved;
      }),
    reverseRefund: (id, patch) =>
      told(async (trx) => {
        const moved = await updateIf(
          { ...ctx, db: trx, onEvent: undefined },
          'transactions',
          id,
          [REFUND_REVERSAL.from],
          {
            ...patch,
            status: REFUND_REVERSAL.to,
          },
        );
        if (moved) await addToRefunded(trx, id, -1n, {});
        return moved;
      }),
    async setSettledAmountIfUnset(id, settledAmount, updatedAt) {
      const result = await db
        .updateTable('transactions')
        .set({ settled_amount: settledAmount, updated_at: updatedAt })
        .where('id', '=', id)
        .where('settled_amount', 'is', null)
        .executeTakeFirst();
      return changed(result);
    },
  } satisfies Partial<Store>;
}
