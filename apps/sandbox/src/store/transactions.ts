import { changed, orConflict, type StoreContext, updateIf } from './context.ts';
import { equalAll, offsetPage } from './pages.ts';
import type { Store, TransactionRow } from './store.ts';
import { UNIQUE_INDEXES } from './tables.ts';

/** The transactions: one per session, and at most one SETTLE or VOID child per authorization. */
export function transactionQueries(ctx: StoreContext) {
  const { db } = ctx;
  const transactions = () => db.selectFrom('transactions').selectAll();
  /** One query for the transactions of many sessions (each one's own and its settle or void). */
  const listTransactionsOfSessions = async (sessionIds: readonly string[]) =>
    sessionIds.length === 0
      ? []
      : transactions()
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
  return {
    insertTransaction: (row) =>
      orConflict(
        ctx,
        [UNIQUE_INDEXES.sessionTransaction, UNIQUE_INDEXES.childTransaction],
        'conflict' as const,
        async () => {
          await db.insertInto('transactions').values(row).execute();
          return 'inserted' as const;
        },
      ),
    findTransaction: (merchantId, id) =>
      transactions().where('merchant_id', '=', merchantId).where('id', '=', id).executeTakeFirst(),
    findSessionTransaction: (sessionId) =>
      transactions()
        .where('session_id', '=', sessionId)
        .where('parent_transaction_id', 'is', null)
        .executeTakeFirst(),
    findChildTransaction: (parentTransactionId) =>
      transactions().where('parent_transaction_id', '=', parentTransactionId).executeTakeFirst(),
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
    updateTransactionIf: (id, from, patch) => updateIf(ctx, 'transactions', id, from, patch),
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
