import type { KyselyPlugin } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { KyselyStore } from '../store/kysely-store.ts';
import type { SessionRow, Store } from '../store/store.ts';
import * as fixtures from '../store/test-support.ts';
import { systemClock } from './clock.ts';
import { SandboxService } from './service.ts';
import { sessionToWire, transactionToWire } from './views.ts';

const PAGE = 100;
/** A list page: its rows and its count, then one read per kind of related row; never one per row. */
const MOST_QUERIES_PER_PAGE = 5;

/** A store over the same database that counts the SQL queries it sends. */
function countingStore(store: Store): { store: Store; queries(): number } {
  let queries = 0;
  const counter: KyselyPlugin = {
    transformQuery(args) {
      queries += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  const base = fixtures.asKysely(store);
  return {
    store: new KyselyStore(base.db.withPlugin(counter), base.dialect),
    queries: () => queries,
  };
}

/** 100 sessions of merchant A: every third an authorization with a settle, every other with a card. */
async function seed(store: Store): Promise<SessionRow[]> {
  await store.insertMerchant(fixtures.merchant('mer_a'));
  await store.insertMerchantTransactionProvider(fixtures.mtp('mtp_a', 'mer_a'));
  await store.upsertPaymentMethod(fixtures.paymentMethod('pm_a', 'mer_a', 'mtp_a'));
  const sessions: SessionRow[] = [];
  for (let i = 0; i < PAGE; i++) {
    const authorization = i % 3 === 0;
    const row = fixtures.session(`s${i}`, 'mer_a', 'mtp_a', {
      type: authorization ? 'authorization' : 'payment',
      action: authorization ? 'AUTHORIZATION' : 'PAYMENT',
      status: 'COMPLETED',
      payment_method_id: i % 2 === 0 ? 'pm_a' : null,
      transaction_id: `t${i}`,
      created_at: fixtures.at(i),
      updated_at: fixtures.at(i),
    });
    await store.insertSession(
      row,
      fixtures.transaction(`t${i}`, 'mer_a', 'mtp_a', {
        session_id: row.id,
        action: row.action,
        status: 'SUCCEEDED',
        payment_method_id: row.payment_method_id,
        created_at: fixtures.at(i),
      }),
    );
    if (authorization) {
      await store.insertTransaction(
        fixtures.transaction(`t${i}_settle`, 'mer_a', 'mtp_a', {
          session_id: row.id,
          parent_transaction_id: `t${i}`,
          action: 'SETTLE',
          status: 'SUCCEEDED',
          payment_method_id: row.payment_method_id,
          created_at: fixtures.at(i + 1),
        }),
      );
    }
    sessions.push(row);
  }
  return sessions;
}

/** The wire view of a session as read one row at a time, to compare the batched page with. */
async function oneByOne(store: Store, row: SessionRow) {
  const method = async (id: string | null) =>
    id === null ? undefined : store.findPaymentMethod(row.merchant_id, id);
  const transactions = await store.listSessionTransactions(row.id);
  const wires = await Promise.all(
    transactions.map(async (tx) => transactionToWire(tx, await method(tx.payment_method_id))),
  );
  return sessionToWire(row, wires, await method(row.payment_method_id));
}

function service(store: Store): SandboxService {
  return new SandboxService({
    store,
    clock: systemClock,
    adapters: [],
    callbackBaseUrl: () => 'http://127.0.0.1:0',
    logger: pino({ level: 'silent' }),
  });
}

const TARGETS = await fixtures.targets();
afterAll(async () => {
  await Promise.all(TARGETS.filter((target) => !target.skip).map((target) => target.cleanup()));
});

for (const target of TARGETS) {
  describe.skipIf(target.skip)(
    `wire views on ${target.name}: a page is a handful of queries`,
    () => {
      async function open() {
        const base = await target.open();
        await base.migrate();
        await base.truncateAll();
        const sessions = await seed(base);
        const counting = countingStore(base);
        return {
          base,
          sessions,
          counting,
          router: service(counting.store),
          a: fixtures.merchant('mer_a'),
        };
      }

      it(`lists ${PAGE} sessions, their transactions and cards, in at most ${MOST_QUERIES_PER_PAGE} queries`, async () => {
        const { base, sessions, counting, router, a } = await open();
        try {
          const before = counting.queries();
          const page = await router.listSessions(a, {}, { take: PAGE, skip: 0 });
          expect(counting.queries() - before).toBeLessThanOrEqual(MOST_QUERIES_PER_PAGE);
          expect(page.total).toBe(PAGE);
          const newestFirst = [...sessions].reverse();
          expect(page.data).toEqual(
            await Promise.all(newestFirst.map((row) => oneByOne(base, row))),
          );
          expect(page.data.filter((wire) => wire.transactions.length === 2)).toHaveLength(34);
        } finally {
          await base.close();
        }
      });

      it(`a cursor page of ${PAGE} and a transaction page of ${PAGE} are a handful of queries too`, async () => {
        const { base, sessions, counting, router, a } = await open();
        try {
          let before = counting.queries();
          const connection = await router.listSessionConnection(a, {}, { first: PAGE });
          expect(counting.queries() - before).toBeLessThanOrEqual(MOST_QUERIES_PER_PAGE);
          expect(connection.edges.map((edge) => edge.node.id)).toEqual(
            [...sessions].reverse().map((row) => row.id),
          );
          before = counting.queries();
          const transactions = await router.listTransactions(a, {}, { take: PAGE, skip: 0 });
          expect(counting.queries() - before).toBeLessThanOrEqual(MOST_QUERIES_PER_PAGE);
          expect(transactions.data).toHaveLength(PAGE);
          expect(
            transactions.data.filter((wire) => wire.paymentMethod?.id === 'pm_a').length,
          ).toBeGreaterThan(0);
        } finally {
          await base.close();
        }
      });
    },
  );
}
