import { changed, orConflict, type StoreContext, updateIf } from './context.ts';
import { cursorPage, equalAll, newest, offsetPage } from './pages.ts';
import type { SessionFilters, SessionRow, Store } from './store.ts';
import { UNIQUE_INDEXES } from './tables.ts';

/** The client sessions: one live session per merchant code, one session per provider reference. */
export function sessionQueries(ctx: StoreContext) {
  const { db } = ctx;
  const sessions = () => db.selectFrom('client_sessions').selectAll();
  const ofAccount = (merchantTransactionProviderId: string) =>
    sessions().where('merchant_transaction_provider_id', '=', merchantTransactionProviderId);
  const matching = (merchantId: string, filters: SessionFilters) =>
    sessions().where(
      equalAll<SessionRow>({
        merchant_id: merchantId,
        status: filters.status,
        type: filters.type as SessionRow['type'] | undefined,
        merchant_internal_transaction_code: filters.merchantInternalTransactionCode,
      }),
    );
  return {
    insertSession: (row, transaction) =>
      orConflict(ctx, [UNIQUE_INDEXES.liveSessionCode], 'conflict' as const, async () => {
        if (transaction === undefined) {
          await db.insertInto('client_sessions').values(row).execute();
        } else {
          await db.transaction().execute(async (trx) => {
            await trx.insertInto('client_sessions').values(row).execute();
            await trx.insertInto('transactions').values(transaction).execute();
          });
        }
        return 'inserted' as const;
      }),
    findSession(merchantId, lookup) {
      const query = sessions().where('merchant_id', '=', merchantId);
      if ('id' in lookup) return query.where('id', '=', lookup.id).executeTakeFirst();
      if ('token' in lookup) return query.where('token', '=', lookup.token).executeTakeFirst();
      if ('providerCode' in lookup) {
        return query.where('provider_code', '=', lookup.providerCode).executeTakeFirst();
      }
      return newest(
        query.where(
          'merchant_internal_transaction_code',
          '=',
          lookup.merchantInternalTransactionCode,
        ),
      );
    },
    findSessionByProviderCode: (mtpId, providerCode) =>
      newest(ofAccount(mtpId).where('provider_code', '=', providerCode)),
    findSessionByToken: (mtpId, token) => newest(ofAccount(mtpId).where('token', '=', token)),
    listSessions: (merchantId, filters, page) => offsetPage(matching(merchantId, filters), page),
    listSessionsAfter: (merchantId, filters, page) =>
      cursorPage(matching(merchantId, filters), page),
    async setSessionProviderData(id, data) {
      const result = await orConflict(
        ctx,
        [UNIQUE_INDEXES.sessionToken, UNIQUE_INDEXES.sessionProviderCode],
        'reference-in-use' as const,
        () =>
          db
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
            .executeTakeFirst(),
      );
      return result === 'reference-in-use' ? result : changed(result);
    },
    updateSessionIf: (id, from, patch) => updateIf(ctx, 'client_sessions', id, from, patch),
  } satisfies Partial<Store>;
}
