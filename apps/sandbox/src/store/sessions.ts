import { TRANSACTION_PROVIDER } from '@accrupay/contracts';
import { type Kysely, type SqlBool, sql } from 'kysely';
import {
  orConflict,
  reusedSelect,
  type StoreContext,
  updateIf,
  updateOneIf,
  withinTransaction,
} from './context.ts';
import { parseRow, parseRowIfAny, type StoredRow, serialiseRow } from './json-columns.ts';
import { allOf, equalAll, mapRows, newestFirst, offsetPage, tests, windowPage } from './pages.ts';
import type { Database } from './schema.ts';
import type { SessionFilters, SessionLookup, SessionQuery, Store } from './store.ts';
import { UNIQUE_INDEXES } from './tables.ts';

type StoredSession = StoredRow<'client_sessions'>;

/** A stored session, its payload parsed. */
const read = (row: StoredSession) => parseRow('client_sessions', row);

type Db = Kysely<Database>;
const sessionsOf = (db: Db, merchantId: string) =>
  db.selectFrom('client_sessions').selectAll().where('merchant_id', '=', merchantId);
const ofAccountIn = (db: Db, mtpId: string) =>
  db
    .selectFrom('client_sessions')
    .selectAll()
    .where('merchant_transaction_provider_id', '=', mtpId);

const PROVIDERS = Object.values(TRANSACTION_PROVIDER);
/**
 * The sessions whose token or provider reference is `value`: through the unique index of that
 * reference per provider (client_sessions_provider_token_key, client_sessions_provider_code_key),
 * one probe per provider, whoever the lookup is for (migration 0009 dropped the others).
 */
function byReference(column: 'token' | 'provider_code', value: string) {
  return sql<SqlBool>`(${sql.ref('provider')} in (${sql.join(PROVIDERS)}) and ${sql.ref(column)} = ${value})`;
}
const byReferenceIf = (column: 'token' | 'provider_code', value: string | undefined) =>
  value === undefined ? undefined : byReference(column, value);

/** The lookups of the hot paths (start, verify, callbacks), compiled once. */
const BY = {
  id: reusedSelect((db: Db, merchantId: string, id: string) =>
    sessionsOf(db, merchantId).where('id', '=', id),
  ),
  token: reusedSelect((db: Db, merchantId: string, token: string) =>
    sessionsOf(db, merchantId).where(byReference('token', token)),
  ),
  providerCode: reusedSelect((db: Db, merchantId: string, code: string) =>
    sessionsOf(db, merchantId).where(byReference('provider_code', code)),
  ),
  newestOfCode: reusedSelect((db: Db, merchantId: string, code: string) =>
    newestFirst(
      sessionsOf(db, merchantId).where('merchant_internal_transaction_code', '=', code),
    ).limit(1),
  ),
  newestOfAccountProviderCode: reusedSelect((db: Db, mtpId: string, code: string) =>
    newestFirst(ofAccountIn(db, mtpId).where(byReference('provider_code', code))).limit(1),
  ),
  newestOfAccountToken: reusedSelect((db: Db, mtpId: string, token: string) =>
    newestFirst(ofAccountIn(db, mtpId).where(byReference('token', token))).limit(1),
  ),
};
const first = async <Row>(rows: Promise<Row[]>) => (await rows)[0];

/** The client sessions: one live session per merchant code, one session per provider reference. */
export function sessionQueries(ctx: StoreContext) {
  const { db } = ctx;
  const sessions = () => db.selectFrom('client_sessions').selectAll();
  const matching = (merchantId: string, filters: SessionFilters) =>
    sessions().where(
      equalAll<StoredSession>({
        merchant_id: merchantId,
        status: filters.status,
        type: filters.type as StoredSession['type'] | undefined,
        merchant_internal_transaction_code: filters.merchantInternalTransactionCode,
      }),
    );
  const test = tests<StoredSession>();
  /** The merchant API's filters (see SessionQuery for what each one means). */
  const queried = (merchantId: string, query: SessionQuery) =>
    matching(merchantId, query).where(
      allOf([
        test.eq('id', query.id),
        test.oneOf('id', query.ids),
        byReferenceIf('token', query.token),
        byReferenceIf('provider_code', query.providerCode),
        test.eq('action', query.action),
        test.eq('amount', query.amount),
        test.eq('currency', query.currency),
        test.eq('merchant_internal_customer_code', query.merchantInternalCustomerCode),
        test.eq('merchant_transaction_provider_id', query.merchantTransactionProviderId),
        test.eq('payment_method_id', query.paymentMethodId),
        test.when(query.started, sql<SqlBool>`not (${test.isIn('status', ['PENDING'])})`),
        test.when(query.completed, test.isIn('status', ['COMPLETED'])),
        test.when(query.canceled, test.isIn('status', ['CANCELED'])),
        test.when(query.hasProviderError, test.isIn('status', ['ERROR'])),
      ]),
    );
  const lookUp = (merchantId: string, lookup: SessionLookup) => {
    if ('id' in lookup) return first(BY.id(db, merchantId, lookup.id));
    if ('token' in lookup) return first(BY.token(db, merchantId, lookup.token));
    if ('providerCode' in lookup)
      return first(BY.providerCode(db, merchantId, lookup.providerCode));
    return first(BY.newestOfCode(db, merchantId, lookup.merchantInternalTransactionCode));
  };
  return {
    insertSession: (row, transaction) =>
      orConflict(ctx, [UNIQUE_INDEXES.liveSessionCode], 'conflict' as const, async () => {
        const stored = serialiseRow('client_sessions', row);
        if (transaction === undefined) {
          await db.insertInto('client_sessions').values(stored).execute();
        } else {
          await db.transaction().execute(async (trx) => {
            await trx.insertInto('client_sessions').values(stored).execute();
            await trx.insertInto('transactions').values(transaction).execute();
          });
        }
        return 'inserted' as const;
      }),
    findSession: async (merchantId, lookup) =>
      parseRowIfAny('client_sessions', await lookUp(merchantId, lookup)),
    findSessionByProviderCode: async (mtpId, providerCode) =>
      parseRowIfAny(
        'client_sessions',
        await first(BY.newestOfAccountProviderCode(db, mtpId, providerCode)),
      ),
    findSessionByToken: async (mtpId, token) =>
      parseRowIfAny('client_sessions', await first(BY.newestOfAccountToken(db, mtpId, token))),
    listSessions: async (merchantId, filters, page) =>
      mapRows(await offsetPage(matching(merchantId, filters), page), read),
    sessionWindow: async (merchantId, query, window) =>
      mapRows(await windowPage(queried(merchantId, query), window), read),
    async setSessionProviderData(id, data, also) {
      const set = async (on: Db) =>
        parseRowIfAny(
          'client_sessions',
          await on
            .updateTable('client_sessions')
            .set(
              serialiseRow('client_sessions', {
                token: data.token,
                token_expires_at: data.token_expires_at,
                provider_code: data.provider_code,
                payload: data.payload,
                updated_at: data.updated_at,
              }),
            )
            .where('id', '=', id)
            .where('token', 'is', null)
            .returningAll()
            .executeTakeFirst(),
        );
      return orConflict(
        ctx,
        [UNIQUE_INDEXES.sessionToken, UNIQUE_INDEXES.sessionProviderCode],
        'reference-in-use' as const,
        () =>
          also === undefined
            ? set(db)
            : withinTransaction(ctx, async (inner) => {
                const recorded = await set(inner.db);
                if (recorded !== undefined) await updateOneIf(inner, also);
                return recorded;
              }),
      );
    },
    updateSessionIf: (id, from, patch) => updateIf(ctx, 'client_sessions', id, from, patch),
  } satisfies Partial<Store>;
}
