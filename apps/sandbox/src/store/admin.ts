import type { StoreContext } from './context.ts';
import { parseRow, serialiseRow } from './json-columns.ts';
import { equalAll, mapRows, offsetPage } from './pages.ts';
import type { AdminFilters, Store } from './store.ts';
import { TABLES_CHILDREN_FIRST } from './tables.ts';

/**
 * The sandbox control API's reads across merchants (the dashboard, the CLI): never reachable from
 * the merchant API, whose every query is scoped to one merchant.
 */
export function adminQueries(ctx: StoreContext) {
  const { db } = ctx;
  /** The lists' filters, on the columns sessions and transactions share. */
  const filtered = (filters: AdminFilters<string>) =>
    equalAll<Record<string, string>>({
      merchant_id: filters.merchantId,
      status: filters.status,
      provider: filters.provider,
      merchant_internal_transaction_code: filters.code,
    });
  return {
    adminSessions: async (filters, page) =>
      mapRows(
        await offsetPage(
          db.selectFrom('client_sessions').selectAll().where(filtered(filters)),
          page,
        ),
        (row) => parseRow('client_sessions', row),
      ),
    adminTransactions: (filters, page) =>
      offsetPage(db.selectFrom('transactions').selectAll().where(filtered(filters)), page),
    findSessionById: async (id) => {
      const row = await db
        .selectFrom('client_sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && parseRow('client_sessions', row);
    },
    /** Every transaction (of a merchant) that has a provider reference: what reconciliation reads. */
    transactionsAtProviders: (merchantId) => {
      let query = db.selectFrom('transactions').selectAll().where('provider_code', 'is not', null);
      if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
      return query.orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    },
    listEventsOfObjects: async (objectIds) =>
      objectIds.length === 0
        ? []
        : db
            .selectFrom('events')
            .select([
              'id',
              'type',
              'object_type',
              'object_id',
              'previous_status',
              'cause',
              'created_at',
            ])
            .where('object_id', 'in', objectIds)
            .orderBy('seq', 'asc')
            .execute(),
    listDeliveriesOfEvents: async (eventIds) =>
      eventIds.length === 0
        ? []
        : (
            await db
              .selectFrom('webhook_deliveries')
              .selectAll()
              .where('event_id', 'in', eventIds)
              .orderBy('created_at', 'asc')
              .execute()
          ).map((row) => parseRow('webhook_deliveries', row)),
    listProviderCallbacksByCodes: async (codes) =>
      codes.length === 0
        ? []
        : db
            .selectFrom('provider_callbacks')
            .selectAll()
            .where('provider_code', 'in', codes)
            .orderBy('received_at', 'asc')
            .orderBy('id', 'asc')
            .execute(),
    /** Unfinished (or just EXPIRED) sessions whose token expires in (from, to]: what a clock advance runs out. */
    sessionsExpiringBetween: async (from, to) => {
      // Compared as instants: providers write expiries with or without milliseconds.
      const [after, until] = [Date.parse(from), Date.parse(to)];
      const rows = await db
        .selectFrom('client_sessions')
        .selectAll()
        .where('status', 'in', ['PENDING', 'ACTIVE', 'UNKNOWN', 'EXPIRED'])
        .where('token_expires_at', 'is not', null)
        .execute();
      return rows
        .filter((row) => {
          const at = Date.parse(row.token_expires_at ?? '');
          return at > after && at <= until;
        })
        .sort((a, b) => Date.parse(a.token_expires_at ?? '') - Date.parse(b.token_expires_at ?? ''))
        .map((row) => parseRow('client_sessions', row));
    },
    async setAllowedOrigins(merchantId, origins) {
      const result = await db
        .updateTable('merchants')
        .set(serialiseRow('merchants', { allowed_origins: [...origins] }))
        .where('id', '=', merchantId)
        .executeTakeFirst();
      return (result.numUpdatedRows ?? 0n) > 0n;
    },
    /** Deletes what merchants did (sessions, transactions, events...), keeping merchants, their provider records and endpoints. */
    async truncateActivity() {
      // Merchants and what they were issued stay: secrets, provider accounts, endpoints, card API pairs.
      const keep = new Set([
        'merchants',
        'merchant_transaction_providers',
        'webhook_endpoints',
        'merchant_client_credentials',
        'accrue_accounts',
      ]);
      for (const table of TABLES_CHILDREN_FIRST) {
        if (!keep.has(table)) await db.deleteFrom(table).execute();
      }
    },
  } satisfies Partial<Store>;
}
