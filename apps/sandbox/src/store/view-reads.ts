import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { PaymentMethodRow, TransactionRow } from './store.ts';

/**
 * The batched reads behind the wire views (see Store): one query for a whole page, whatever its
 * size, instead of one per row. KyselyStore delegates to these.
 */

export function listTransactionsOfSessions(
  db: Kysely<Database>,
  sessionIds: readonly string[],
): Promise<TransactionRow[]> {
  if (sessionIds.length === 0) return Promise.resolve([]);
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

export function findPaymentMethodsByIds(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<PaymentMethodRow[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('payment_methods').selectAll().where('id', 'in', ids).execute();
}
