// Every statement the router runs for the common flows finds its rows through an index: SQLite's
// plan for it (EXPLAIN QUERY PLAN, as its planner chooses without statistics) scans no table.
// A scan costs a time that grows with the table: a lookup by order code that scanned a merchant's
// sessions took 0.5 ms per call after 800 flows, and ran on every start.
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GOOD_CARDS } from '../test-cards.ts';
import { paymentStart, startTestSandbox, type TestSandbox } from '../test-support.ts';

type Prepare = (this: BetterSqlite3.Database, sql: string) => BetterSqlite3.Statement;
const prototype = BetterSqlite3.prototype as unknown as { prepare: Prepare };
const prepare = prototype.prepare;
/** Each SQL text prepared, with the database it was prepared on. */
const prepared = new Map<string, BetterSqlite3.Database>();

/** Whole-table reads that are what the statement means, each at start-up only. */
const WHOLE_TABLE_READS: readonly RegExp[] = [
  // The router's start-up reads its merchants.
  /^select \* from "merchants" order by "created_at" asc, "id" asc$/,
  // A merchant's active webhook endpoints: a handful per merchant, read for each event.
  /^select "id", "enabled_events" from "webhook_endpoints" where "merchant_id" = \? and "status" = \?$/,
  // Migrations: Kysely's bookkeeping and SQLite's catalogue.
  /from "kysely_migration/,
  /from "sqlite_master"/,
  // 0002 (unique provider references) reads every session's references once.
  /^select "id", "provider", "token", "provider_code", "status", "transaction_id" from "client_sessions" where "(token|provider_code)" is not null/,
  // sealCredentials: every provider record's credentials, to seal them and check the key.
  /^select "id", "credentials" from "merchant_transaction_providers"$/,
  // The simulator loads its state.
  /^SELECT key, value FROM sim_meta$/,
  /^SELECT kind, id, data FROM sim_entities ORDER BY ord$/,
];

/**
 * The columns a single-table statement compares for equality, other than the merchant and the
 * keyset columns of a page (`created_at`, `id`).
 */
function equalityColumns(sql: string): string[] {
  if (/ join |\(select /i.test(sql)) return [];
  const where = sql.split(/ where /i)[1] ?? '';
  return [...where.matchAll(/"(\w+)" = \?/g)]
    .map((match) => match[1] ?? '')
    .filter((column) => !['merchant_id', 'created_at', 'id'].includes(column));
}

/**
 * The statements SQLite plans as a table scan, or as a search among all of one merchant's rows
 * when the statement names more than the merchant (such as an order code), with the plan's words.
 */
function scans(): { sql: string; plan: string }[] {
  const found: { sql: string; plan: string }[] = [];
  for (const [sql, db] of prepared) {
    if (!/^\s*(select|update|delete|insert)/i.test(sql)) continue;
    if (WHOLE_TABLE_READS.some((allowed) => allowed.test(sql))) continue;
    const statement = prepare.call(db, `explain query plan ${sql}`);
    const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => null);
    const plan = (statement.all(...params) as { detail: string }[]).map((row) => row.detail);
    // "SCAN t" reads every row; "SCAN t USING COVERING INDEX" still reads every index entry.
    const merchantOnly = (step: string) =>
      /^SEARCH \S+ USING (COVERING )?INDEX \S+ \(merchant_id=\?\)$/.test(step) &&
      equalityColumns(sql).length > 0;
    if (plan.some((step) => /^SCAN (?!CONSTANT)/.test(step) || merchantOnly(step)))
      found.push({ sql, plan: plan.join(' | ') });
  }
  return found;
}

describe('the query plans of the common flows (SQLite)', () => {
  let t: TestSandbox;
  type Json = Record<string, unknown>;

  beforeAll(async () => {
    prototype.prepare = function (this: BetterSqlite3.Database, sql: string) {
      prepared.set(sql, this);
      return prepare.call(this, sql);
    };
    t = await startTestSandbox();
  });
  afterAll(async () => {
    prototype.prepare = prepare;
    await t?.close();
  });

  test('scan no table: payments, authorizations, refunds, lookups and listings, on STRIPE and NUVEI', async () => {
    const ok = async (method: string, path: string, body?: unknown) => {
      const answer = await t.api<Json>(method, path, { body });
      expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(200);
      return answer.body;
    };
    for (const provider of ['STRIPE', 'NUVEI'] as const) {
      const code = `plans-${provider}`;
      const session = (await ok(
        'POST',
        '/v1/client-sessions/payments',
        paymentStart(t.merchant, provider, { code, storePaymentMethod: true }),
      )) as { id: string; token: string };
      expect((await t.pay(provider, session.token, GOOD_CARDS[provider])).status).toBe(200);
      const paid = (await ok('POST', '/v1/client-sessions/payments/verify', {
        id: session.id,
      })) as { id: string; status: string };
      expect(paid.status).toBe('SUCCEEDED');
      await ok('POST', '/v1/client-sessions/payments/verify', {
        merchantInternalTransactionCode: code,
      });
      await ok('GET', `/v1/client-sessions/lookup?merchantInternalTransactionCode=${code}`);
      await ok('GET', `/v1/client-sessions/lookup?token=${encodeURIComponent(session.token)}`);
      await ok('GET', `/v1/transactions/${paid.id}`);
      await ok('GET', `/v1/transactions?merchantInternalTransactionCode=${code}`);
      await ok('GET', '/v1/client-sessions?take=5');
      await ok('GET', `/v1/client-sessions?merchantInternalTransactionCode=${code}`);
      await ok('GET', '/v1/client-sessions/cursor?first=5');
      await ok('GET', '/v1/payment-methods?merchantInternalCustomerCode=customer-4421');
      await ok('POST', `/v1/transactions/${paid.id}/refund`, { amount: '100' });
      await ok('POST', `/v1/transactions/${paid.id}/sync`, {});
      const authorization = (await ok('POST', '/v1/client-sessions/authorizations', {
        ...paymentStart(t.merchant, provider, { code: `${code}-auth` }),
      })) as { id: string; token: string };
      expect((await t.pay(provider, authorization.token, GOOD_CARDS[provider])).status).toBe(200);
      const authorized = (await ok('POST', '/v1/client-sessions/authorizations/verify', {
        id: authorization.id,
      })) as { id: string };
      await ok('POST', `/v1/transactions/${authorized.id}/settle`, {});
    }
    await ok('GET', '/v1/events');
    expect(prepared.size).toBeGreaterThan(20);
    expect(scans()).toEqual([]);
  });
});
