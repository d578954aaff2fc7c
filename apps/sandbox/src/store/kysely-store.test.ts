import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMigrator } from './migrations.ts';
import type {
  RowWindow,
  SessionCursor,
  SessionQuery,
  SessionRow,
  Store,
  TransactionQuery,
  TransactionRow,
} from './store.ts';
import {
  asKysely,
  at,
  merchant,
  mtp,
  paymentMethod,
  session,
  targets,
  transaction,
} from './test-support.ts';

const TARGETS = await targets();

const A = 'mer_a';
const B = 'mer_b';
const MTP_A = 'mtp_a';
const MTP_B = 'mtp_b';

const LIVE = ['PENDING', 'ACTIVE', 'COMPLETED', 'UNKNOWN'] as const;
const FINISHED_RETRYABLE = ['EXPIRED', 'CANCELED', 'DECLINED', 'ERROR'] as const;

/** The PostgreSQL schema a store works in (its migrator's bookkeeping goes there); none on SQLite. */
async function schemaOf(store: Store): Promise<string | undefined> {
  if (store.dialect !== 'postgres') return undefined;
  const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(
    asKysely(store).db,
  );
  return rows[0]?.name;
}

function count<T>(values: T[], value: T): number {
  return values.filter((it) => it === value).length;
}

describe.each(TARGETS)('$name store', (target) => {
  describe.skipIf(target.skip)(`on ${target.name}`, () => {
    let store: Store;
    /** A second instance on the same database (PostgreSQL); the same instance on SQLite. */
    let other: Store;

    beforeAll(async () => {
      store = await target.open();
      await store.migrate();
      other = target.name === 'postgres' ? await target.open() : store;
      await other.migrate();
    });

    afterAll(async () => {
      await store?.close();
      await other?.close();
      await target.cleanup();
    });

    beforeEach(async () => {
      await store.truncateAll();
      await store.insertMerchant(merchant(A, { created_at: at(5) }));
      await store.insertMerchant(merchant(B, { created_at: at(3) }));
      await store.insertMerchantTransactionProvider(mtp(MTP_A, A));
      await store.insertMerchantTransactionProvider(mtp(MTP_B, B));
    });

    describe('migrations', () => {
      it('running them again is a no-op that keeps the data', async () => {
        await store.migrate();
        await store.migrate();
        const { rows } = await sql<{
          name: string;
        }>`select name from kysely_migration order by name`.execute(asKysely(store).db);
        expect(rows.map((row) => row.name)).toEqual([
          '0001_initial',
          '0002_unique_provider_references',
          '0003_leases',
          '0004_session_billing',
          '0005_refunds',
          '0006_webhooks',
          '0007_payment_intents',
          '0008_lookup_indexes',
          '0009_lean_session_indexes',
        ]);
        expect(await store.findMerchantById(A)).toBeDefined();
      });

      it('two instances migrating one fresh database at once both succeed', async () => {
        const fresh = await target.openFresh(2);
        try {
          const [first, second] = fresh.stores;
          if (!first || !second) throw new Error('expected two stores');
          await Promise.all([first.migrate(), second.migrate()]);
          const { rows } = await sql<{
            name: string;
          }>`select name from kysely_migration`.execute(asKysely(first).db);
          expect(rows.map((row) => row.name)).toEqual([
            '0001_initial',
            '0002_unique_provider_references',
            '0003_leases',
            '0004_session_billing',
            '0005_refunds',
            '0006_webhooks',
            '0007_payment_intents',
            '0008_lookup_indexes',
            '0009_lean_session_indexes',
          ]);
          await second.insertMerchant(merchant('mer_fresh'));
          expect(await first.listMerchants()).toHaveLength(1);
        } finally {
          await fresh.cleanup();
        }
      });

      it('0009 drops the four redundant session indexes, and down gives them back', async () => {
        const fresh = await target.openFresh(1);
        try {
          const [store] = fresh.stores;
          if (!store) throw new Error('expected a store');
          const db = asKysely(store).db;
          const schema = await schemaOf(store);
          const sessionIndexes = async () =>
            (store.dialect === 'postgres'
              ? await sql<{
                  name: string;
                }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'client_sessions'`.execute(
                  db,
                )
              : await sql<{
                  name: string;
                }>`select name from sqlite_master where type = 'index' and tbl_name = 'client_sessions'`.execute(
                  db,
                )
            ).rows
              .map((row) => row.name)
              .filter((name) => !name.startsWith('sqlite_'))
              .sort();
          const migrator = createMigrator(db as never, store.dialect, schema);
          expect((await migrator.migrateToLatest()).error).toBeUndefined();
          const lean = await sessionIndexes();
          expect(lean).toEqual([
            'client_sessions_live_code_key',
            'client_sessions_merchant_code_created_idx',
            'client_sessions_merchant_created_idx',
            ...(store.dialect === 'postgres' ? ['client_sessions_pkey'] : []),
            'client_sessions_provider_code_key',
            'client_sessions_provider_token_key',
          ]);
          expect((await migrator.migrateTo('0008_lookup_indexes')).error).toBeUndefined();
          expect(await sessionIndexes()).toEqual(
            [
              ...lean,
              'client_sessions_merchant_provider_code_idx',
              'client_sessions_merchant_token_idx',
              'client_sessions_mtp_provider_code_idx',
              'client_sessions_mtp_token_idx',
            ].sort(),
          );
          expect((await migrator.migrateToLatest()).error).toBeUndefined();
          expect(await sessionIndexes()).toEqual(lean);
        } finally {
          await fresh.cleanup();
        }
      });

      it('upgrading a database whose sessions share a provider reference keeps the newest its own', async () => {
        const fresh = await target.openFresh(1);
        try {
          const [old] = fresh.stores;
          if (!old) throw new Error('expected a store');
          const db = asKysely(old).db;
          const schema = await schemaOf(old);
          const outcome = await createMigrator(db as never, old.dialect, schema).migrateTo(
            '0001_initial',
          );
          expect(outcome.error).toBeUndefined();
          await old.insertMerchant(merchant(A));
          await old.insertMerchantTransactionProvider(mtp(MTP_A, A));
          /**
           * A session `name` (and its transaction) holding the reused token and provider code,
           * written as 0001's columns (no billing yet), as an old sandbox wrote it.
           */
          const reusing = async (
            name: string,
            status: SessionRow['status'],
            created: number,
            txStatus: TransactionRow['status'] = 'PENDING',
          ) => {
            const { billing: _billing, ...row } = session(`s_${name}`, A, MTP_A, {
              token: 'tok_reused',
              provider_code: 'pi_reused',
              status,
              transaction_id: `t_${name}`,
              created_at: at(created),
            });
            await db
              .insertInto('client_sessions')
              .values({ ...row, payload: JSON.stringify(row.payload) })
              .execute();
            const {
              refunded_amount: _refunded,
              refunded_at: _refundedAt,
              ...tx
            } = transaction(`t_${name}`, A, MTP_A, { session_id: `s_${name}`, status: txStatus });
            await db.insertInto('transactions').values(tx).execute();
          };
          await reusing('old', 'ACTIVE', 1);
          await reusing('new', 'COMPLETED', 5, 'SUCCEEDED');
          await old.migrate();
          expect(await old.findSession(A, { token: 'tok_reused' })).toMatchObject({ id: 's_new' });
          expect(await old.findSession(A, { providerCode: 'pi_reused' })).toMatchObject({
            id: 's_new',
          });
          expect(await old.findSession(A, { id: 's_old' })).toMatchObject({
            status: 'ERROR',
            token: null,
            provider_code: null,
          });
          expect(await old.findTransaction(A, 't_old')).toMatchObject({
            status: 'ERROR',
            error_code: 'provider_reference_reused',
          });
          expect(await old.findTransaction(A, 't_new')).toMatchObject({
            status: 'SUCCEEDED',
            error_code: null,
          });
          // 0004 added the billing column: the old sessions read with none.
          expect(await old.findSession(A, { id: 's_new' })).toMatchObject({ billing: null });
        } finally {
          await fresh.cleanup();
        }
      });

      it('enforces foreign keys', async () => {
        await expect(store.insertSession(session('s1', 'mer_missing', MTP_A))).rejects.toThrow();
        await expect(
          store.insertMerchantTransactionProvider(mtp('mtp_x', 'mer_missing')),
        ).rejects.toThrow();
      });
    });

    describe('truncateAll', () => {
      it('empties every table despite the foreign keys between them', async () => {
        await store.insertSession(session('s1', A, MTP_A));
        await store.insertTransaction(transaction('t1', A, MTP_A, { session_id: 's1' }));
        await store.insertTransaction(
          transaction('t2', A, MTP_A, { session_id: 's1', parent_transaction_id: 't1' }),
        );
        await store.upsertPaymentMethod(paymentMethod('pm1', A, MTP_A));
        await store.claimIdempotencyKey({
          merchant_id: A,
          key: 'k',
          request_hash: 'h',
          created_at: at(0),
          expires_at: at(100),
        });
        await store.insertProviderCallback({
          provider: 'STRIPE',
          merchant_transaction_provider_id: MTP_A,
          received_at: at(0),
          verified: 1,
          event_type: null,
          provider_code: null,
          outcome: 'verified',
        });
        await store.truncateAll();
        expect(await store.listMerchants()).toEqual([]);
        expect(await store.listProviderCallbacks(10)).toEqual([]);
        const { rows } = await sql<{ n: number | string }>`
          select (select count(*) from transactions) + (select count(*) from client_sessions)
            + (select count(*) from payment_methods) + (select count(*) from idempotency_keys)
            + (select count(*) from merchant_transaction_providers) as n
        `.execute(asKysely(store).db);
        expect(Number(rows[0]?.n)).toBe(0);
      });
    });

    describe('merchants', () => {
      it('finds a merchant by id, secret hash and public id', async () => {
        const expected = merchant(A, { created_at: at(5) });
        expect(await store.findMerchantById(A)).toEqual(expected);
        expect(await store.findMerchantBySecretHash(`hash_${A}`)).toEqual(expected);
        expect(await store.findMerchantByPublicId(`pk_test_${A}`)).toEqual(expected);
        expect(await store.findMerchantById('nope')).toBeUndefined();
        expect(await store.findMerchantBySecretHash('nope')).toBeUndefined();
        expect(await store.findMerchantByPublicId('nope')).toBeUndefined();
      });

      it('lists merchants oldest first', async () => {
        await store.insertMerchant(merchant('mer_c', { created_at: at(3) }));
        expect((await store.listMerchants()).map((row) => row.id)).toEqual([B, 'mer_c', A]);
      });

      it('refuses a second merchant with the same public id or secret hash', async () => {
        await expect(
          store.insertMerchant(merchant('mer_c', { public_id: `pk_test_${A}` })),
        ).rejects.toThrow();
        await expect(
          store.insertMerchant(merchant('mer_d', { secret_hash: `hash_${A}` })),
        ).rejects.toThrow();
        expect(await store.listMerchants()).toHaveLength(2);
      });
    });

    describe('merchant transaction providers', () => {
      it('finds by id, by provider (the oldest) and lists the merchant’s own, oldest first', async () => {
        await store.insertMerchantTransactionProvider(
          mtp('mtp_a_late', A, { created_at: at(9), credentials: { late: true } }),
        );
        await store.insertMerchantTransactionProvider(
          mtp('mtp_a_nuvei', A, { provider: 'NUVEI', created_at: at(4) }),
        );
        expect(await store.findMerchantTransactionProviderById(MTP_A)).toEqual(mtp(MTP_A, A));
        expect(await store.findMerchantTransactionProviderById('nope')).toBeUndefined();
        expect((await store.findMerchantTransactionProviderByProvider(A, 'STRIPE'))?.id).toBe(
          MTP_A,
        );
        expect((await store.findMerchantTransactionProviderByProvider(A, 'NUVEI'))?.id).toBe(
          'mtp_a_nuvei',
        );
        expect(await store.findMerchantTransactionProviderByProvider(B, 'NUVEI')).toBeUndefined();
        expect((await store.listMerchantTransactionProviders(A)).map((row) => row.id)).toEqual([
          MTP_A,
          'mtp_a_nuvei',
          'mtp_a_late',
        ]);
        expect((await store.listMerchantTransactionProviders(B)).map((row) => row.id)).toEqual([
          MTP_B,
        ]);
      });
    });

    describe('merchant transaction providers, listed', () => {
      it('lists the merchant’s own without credentials, filtered, in either order', async () => {
        await store.insertMerchantTransactionProvider(
          mtp('mtp_a2', A, { provider: 'NUVEI', created_at: at(4) }),
        );
        const window = { order: 'asc', limit: 10, skip: 0, backwards: false } as const;
        const all = await store.providerAccountWindow(A, {}, window);
        expect(all.rows).toEqual([
          { id: MTP_A, merchant_id: A, provider: 'STRIPE', created_at: at(0) },
          { id: 'mtp_a2', merchant_id: A, provider: 'NUVEI', created_at: at(4) },
        ]);
        const newest = await store.providerAccountWindow(
          A,
          {},
          { ...window, order: 'desc', limit: 1 },
        );
        expect(newest.rows.map((row) => row.id)).toEqual(['mtp_a2']);
        expect(newest.hasMore).toBe(true);
        const nuvei = await store.providerAccountWindow(
          A,
          { transactionProvider: 'NUVEI' },
          window,
        );
        expect(nuvei.rows.map((row) => row.id)).toEqual(['mtp_a2']);
        expect((await store.providerAccountWindow(A, { id: MTP_B }, window)).total).toBe(0);
      });
    });

    describe('sessions', () => {
      it('finds a session by id, token, provider code and merchant code', async () => {
        const row = session('s1', A, MTP_A, { token: 'tok_1', provider_code: 'pi_1' });
        expect(await store.insertSession(row)).toBe('inserted');
        expect(await store.findSession(A, { id: 's1' })).toEqual(row);
        expect(await store.findSession(A, { token: 'tok_1' })).toEqual(row);
        expect(await store.findSession(A, { providerCode: 'pi_1' })).toEqual(row);
        expect(await store.findSession(A, { merchantInternalTransactionCode: 'code_s1' })).toEqual(
          row,
        );
        expect(await store.findSession(A, { id: 'nope' })).toBeUndefined();
        expect(await store.findSessionByProviderCode(MTP_A, 'pi_1')).toEqual(row);
        expect(await store.findSessionByToken(MTP_A, 'tok_1')).toEqual(row);
      });

      it('keeps integer and null columns as such', async () => {
        await store.insertSession(
          session('s1', A, MTP_A, { store_payment_method: 1, amount: null, type: 'authorization' }),
        );
        const found = await store.findSession(A, { id: 's1' });
        expect(found?.store_payment_method).toBe(1);
        expect(found?.amount).toBeNull();
      });

      it('keeps the billing contact as JSON, and none as SQL null', async () => {
        const billing = {
          billingFirstName: 'Zoë',
          billingLastName: 'O\'Brien "Jr"',
          billingEmail: 'zoe@example.com',
          billingAddressCountry: 'US' as const,
          billingAddressState: 'US-NY',
        };
        await store.insertSession(session('s1', A, MTP_A, { billing }));
        await store.insertSession(
          session('s2', A, MTP_A, { merchant_internal_transaction_code: 'other' }),
        );
        expect((await store.findSession(A, { id: 's1' }))?.billing).toEqual(billing);
        expect((await store.findSession(A, { id: 's2' }))?.billing).toBeNull();
        const { rows } = await sql<{ id: string; billing: string | null }>`
          select id, billing from client_sessions order by id`.execute(asKysely(store).db);
        expect(rows.map((row) => [row.id, row.billing === null])).toEqual([
          ['s1', false],
          ['s2', true],
        ]);
      });

      it('finds the newest session of a merchant code', async () => {
        await store.insertSession(
          session('s1', A, MTP_A, {
            merchant_internal_transaction_code: 'c',
            status: 'EXPIRED',
            created_at: at(1),
          }),
        );
        await store.insertSession(
          session('s3', A, MTP_A, {
            merchant_internal_transaction_code: 'c',
            status: 'CANCELED',
            created_at: at(3),
          }),
        );
        await store.insertSession(
          session('s2', A, MTP_A, { merchant_internal_transaction_code: 'c', created_at: at(2) }),
        );
        expect((await store.findSession(A, { merchantInternalTransactionCode: 'c' }))?.id).toBe(
          's3',
        );
      });

      it('does not let one merchant find another merchant’s session', async () => {
        await store.insertSession(
          session('s1', A, MTP_A, { token: 'tok_1', provider_code: 'pi_1' }),
        );
        expect(await store.findSession(B, { id: 's1' })).toBeUndefined();
        expect(await store.findSession(B, { token: 'tok_1' })).toBeUndefined();
        expect(await store.findSession(B, { providerCode: 'pi_1' })).toBeUndefined();
        expect(
          await store.findSession(B, { merchantInternalTransactionCode: 'code_s1' }),
        ).toBeUndefined();
        expect(await store.findSessionByProviderCode(MTP_B, 'pi_1')).toBeUndefined();
        expect(await store.findSessionByToken(MTP_B, 'tok_1')).toBeUndefined();
      });

      it.each(LIVE)('refuses a second session with the code of a %s one', async (status) => {
        await store.insertSession(
          session('s1', A, MTP_A, { merchant_internal_transaction_code: 'c', status }),
        );
        expect(
          await store.insertSession(
            session('s2', A, MTP_A, { merchant_internal_transaction_code: 'c' }),
          ),
        ).toBe('conflict');
        expect(await store.findSession(A, { id: 's2' })).toBeUndefined();
      });

      it.each(FINISHED_RETRYABLE)(
        'accepts a new session once the first became %s, and only one',
        async (status) => {
          await store.insertSession(
            session('s1', A, MTP_A, { merchant_internal_transaction_code: 'c' }),
          );
          expect(
            await store.updateSessionIf('s1', ['PENDING'], { status, updated_at: at(5) }),
          ).toBe(true);
          expect(
            await store.insertSession(
              session('s2', A, MTP_A, { merchant_internal_transaction_code: 'c' }),
            ),
          ).toBe('inserted');
          expect(
            await store.insertSession(
              session('s3', A, MTP_A, { merchant_internal_transaction_code: 'c' }),
            ),
          ).toBe('conflict');
        },
      );

      it('never accepts a new session once one with the code COMPLETED', async () => {
        await store.insertSession(
          session('s1', A, MTP_A, { merchant_internal_transaction_code: 'c' }),
        );
        await store.updateSessionIf('s1', ['PENDING'], { status: 'ACTIVE', updated_at: at(2) });
        await store.updateSessionIf('s1', ['ACTIVE'], { status: 'COMPLETED', updated_at: at(3) });
        for (const id of ['s2', 's3']) {
          expect(
            await store.insertSession(
              session(id, A, MTP_A, { merchant_internal_transaction_code: 'c' }),
            ),
          ).toBe('conflict');
        }
      });

      it('lets two merchants use the same code', async () => {
        await store.insertSession(
          session('s1', A, MTP_A, { merchant_internal_transaction_code: 'c' }),
        );
        expect(
          await store.insertSession(
            session('s2', B, MTP_B, { merchant_internal_transaction_code: 'c' }),
          ),
        ).toBe('inserted');
      });

      it('throws, rather than reporting a conflict, on a duplicate id', async () => {
        await store.insertSession(session('s1', A, MTP_A));
        await expect(
          store.insertSession(session('s1', A, MTP_A, { merchant_internal_transaction_code: 'x' })),
        ).rejects.toThrow();
      });

      it('never lets two sessions share a provider token or reference, even across merchants', async () => {
        const data = (token: string, providerCode: string) => ({
          token,
          token_expires_at: at(900),
          provider_code: providerCode,
          payload: {},
          updated_at: at(2),
        });
        await store.insertSession(session('s1', A, MTP_A));
        await other.insertSession(session('s2', B, MTP_B));
        await other.insertSession(session('s3', B, MTP_B));
        expect(await store.setSessionProviderData('s1', data('tok_1', 'pi_1'))).toMatchObject({
          id: 's1',
          token: 'tok_1',
        });
        expect(await other.setSessionProviderData('s2', data('tok_1', 'pi_2'))).toBe(
          'reference-in-use',
        );
        expect(await other.setSessionProviderData('s3', data('tok_3', 'pi_1'))).toBe(
          'reference-in-use',
        );
        expect(await store.findSession(B, { id: 's2' })).toMatchObject({ token: null });
        expect(await store.findSession(B, { id: 's3' })).toMatchObject({ provider_code: null });
        // Another provider may use the same words.
        await store.insertSession(session('s4', A, MTP_A, { provider: 'NUVEI' }));
        expect(await store.setSessionProviderData('s4', data('tok_1', 'pi_1'))).toMatchObject({
          id: 's4',
        });
      });

      it('inserts a session and its transaction together, or neither', async () => {
        await store.insertTransaction(transaction('t_taken', A, MTP_A));
        await expect(
          store.insertSession(
            session('s1', A, MTP_A, { transaction_id: 't_taken' }),
            transaction('t_taken', A, MTP_A, { session_id: 's1' }),
          ),
        ).rejects.toThrow();
        expect(await store.findSession(A, { id: 's1' })).toBeUndefined();
        expect(
          await store.insertSession(
            session('s2', A, MTP_A, { transaction_id: 't2' }),
            transaction('t2', A, MTP_A, { session_id: 's2' }),
          ),
        ).toBe('inserted');
        expect(await other.findSessionTransaction('s2')).toMatchObject({ id: 't2' });
      });

      it('records the provider data only while the token is null', async () => {
        await store.insertSession(session('s1', A, MTP_A));
        const first = {
          token: 'tok_1',
          token_expires_at: at(900),
          provider_code: 'pi_1',
          payload: { clientSecret: 'x' },
          updated_at: at(2),
        };
        // The session as recorded: what a read of it gives, JSON columns parsed.
        const recorded = await store.setSessionProviderData('s1', first);
        expect(recorded).toEqual({ ...session('s1', A, MTP_A), ...first });
        expect(
          await store.setSessionProviderData('s1', { ...first, token: 'tok_2', updated_at: at(3) }),
        ).toBeUndefined();
        expect(await store.setSessionProviderData('nope', first)).toBeUndefined();
        expect(await store.findSession(A, { id: 's1' })).toEqual(recorded);
      });

      it('updates a session only from the given statuses', async () => {
        await store.insertSession(session('s1', A, MTP_A));
        expect(
          await store.updateSessionIf('s1', ['ACTIVE', 'UNKNOWN'], {
            status: 'COMPLETED',
            updated_at: at(9),
          }),
        ).toBe(false);
        expect(await store.updateSessionIf('s1', [], { status: 'ERROR', updated_at: at(9) })).toBe(
          false,
        );
        expect(await store.findSession(A, { id: 's1' })).toEqual(session('s1', A, MTP_A));
        expect(
          await store.updateSessionIf('s1', ['PENDING', 'ACTIVE'], {
            status: 'COMPLETED',
            transaction_id: 't1',
            payment_method_id: 'pm_1',
            updated_at: at(9),
          }),
        ).toBe(true);
        expect(await store.findSession(A, { id: 's1' })).toEqual(
          session('s1', A, MTP_A, {
            status: 'COMPLETED',
            transaction_id: 't1',
            payment_method_id: 'pm_1',
            updated_at: at(9),
          }),
        );
        expect(
          await store.updateSessionIf('nope', ['PENDING'], { status: 'ERROR', updated_at: at(9) }),
        ).toBe(false);
      });

      describe('several compare-and-sets committed together', () => {
        const started = (token: string, providerCode: string) => ({
          token,
          token_expires_at: at(900),
          provider_code: providerCode,
          payload: {},
          updated_at: at(2),
        });
        const eventsOf = async (objectId: string) =>
          (
            await asKysely(store)
              .db.selectFrom('events')
              .select('type')
              .where('object_id', '=', objectId)
              .execute()
          ).map((row) => row.type);
        const paid = { status: 'SUCCEEDED', updated_at: at(9) } as const;
        beforeEach(async () => {
          await store.insertSession(session('s1', A, MTP_A));
          expect(await store.setSessionProviderData('s1', started('tok_1', 'pi_1'))).toMatchObject({
            token: 'tok_1',
          });
          await store.insertSession(
            session('s2', A, MTP_A, { transaction_id: 't2' }),
            transaction('t2', A, MTP_A, { session_id: 's2' }),
          );
        });

        it('applies each one only from its own statuses, and tells which moved', async () => {
          expect(
            await other.updateAllIf([
              { table: 'transactions', id: 't2', from: ['STARTED'], patch: paid },
              {
                table: 'client_sessions',
                id: 's2',
                from: ['PENDING'],
                patch: { status: 'COMPLETED', updated_at: at(9) },
              },
            ]),
          ).toEqual([undefined, await store.findSession(A, { id: 's2' })]);
          expect(await store.findSessionTransaction('s2')).toMatchObject({ status: 'PENDING' });
          expect(await store.findSession(A, { id: 's2' })).toMatchObject({ status: 'COMPLETED' });
          expect(await eventsOf('s2')).toHaveLength(1);
          expect(await eventsOf('t2')).toEqual([]);
          expect(await store.updateAllIf([])).toEqual([]);
        });

        it('tries the status the caller read first, and still moves only from its own statuses', async () => {
          const previousOf = async (objectId: string) =>
            (
              await asKysely(store)
                .db.selectFrom('events')
                .select('previous_status')
                .where('object_id', '=', objectId)
                .execute()
            ).map((row) => row.previous_status);
          // Read STARTED, but PENDING by now (another request wrote it meanwhile): still one of
          // its statuses, so it moves, and its event says from what it really moved.
          const [moved] = await store.updateAllIf([
            {
              table: 'transactions',
              id: 't2',
              from: ['PENDING', 'STARTED'],
              patch: paid,
              observed: 'STARTED',
            },
          ]);
          expect(moved).toEqual(await other.findSessionTransaction('s2'));
          expect(moved).toMatchObject({ status: 'SUCCEEDED', updated_at: at(9) });
          expect(await previousOf('t2')).toEqual(['PENDING']);
          // Read in a status it may not move from: not written, whatever the caller read.
          expect(
            await store.updateAllIf([
              {
                table: 'client_sessions',
                id: 's2',
                from: ['ACTIVE'],
                patch: { status: 'COMPLETED', updated_at: at(9) },
                observed: 'PENDING',
              },
            ]),
          ).toEqual([undefined]);
          expect(await other.findSession(A, { id: 's2' })).toMatchObject({ status: 'PENDING' });
          // Read right: written in one statement, the event from the status read.
          const [session] = await store.updateAllIf([
            {
              table: 'client_sessions',
              id: 's2',
              from: ['PENDING', 'ACTIVE'],
              patch: { status: 'COMPLETED', updated_at: at(9) },
              observed: 'PENDING',
            },
          ]);
          expect(session).toEqual(await other.findSession(A, { id: 's2' }));
          expect(await previousOf('s2')).toEqual(['PENDING']);
          expect(await eventsOf('s2')).toEqual(['client_session.completed']);
        });

        it('keeps none of them when one fails: no outcome without its session, no event', async () => {
          // The session's write breaks a unique index (pi_1 is s1's): the transaction's is undone.
          await expect(
            store.updateAllIf([
              { table: 'transactions', id: 't2', from: ['PENDING'], patch: paid },
              {
                table: 'client_sessions',
                id: 's2',
                from: ['PENDING'],
                patch: { status: 'COMPLETED', provider_code: 'pi_1', updated_at: at(9) },
              },
            ]),
          ).rejects.toThrow();
          expect(await other.findSessionTransaction('s2')).toMatchObject({ status: 'PENDING' });
          expect(await other.findSession(A, { id: 's2' })).toMatchObject({ status: 'PENDING' });
          expect(await eventsOf('t2')).toEqual([]);
          expect(await eventsOf('s2')).toEqual([]);
        });

        it.skipIf(target.name !== 'postgres').each([
          ['read first, under the lock', undefined],
          ['written in the status the caller read', 'PENDING'],
        ] as const)(
          'never deadlocks with the insert of a child that names the rows (a void while a callback records the outcome): %s',
          async (_how, observed) => {
            // Seen in a full run: a void's insert checks its foreign keys (FOR KEY SHARE on the
            // session, then on its transaction) while a callback's outcome locks the transaction,
            // then the session. With FOR UPDATE, each waited for the other: "deadlock detected".
            const waitsOnLock = async () => {
              const { rows } = await sql<{
                n: number;
              }>`select count(*)::int as n from pg_stat_activity
                where wait_event_type = 'Lock' and query like any (array['select * from "client_sessions" where "id" = $1 for%', 'update "client_sessions"%'])`.execute(
                asKysely(store).db,
              );
              return (rows[0]?.n ?? 0) > 0;
            };
            await asKysely(other)
              .db.transaction()
              .execute(async (trx) => {
                await sql`select 1 from client_sessions where id = 's2' for key share`.execute(trx);
                const outcome = store.updateAllIf([
                  { table: 'transactions', id: 't2', from: ['PENDING'], patch: paid, observed },
                  {
                    table: 'client_sessions',
                    id: 's2',
                    from: ['PENDING'],
                    patch: { status: 'COMPLETED', updated_at: at(9) },
                    observed,
                  },
                ]);
                let done = false;
                const settle = () => {
                  done = true;
                };
                void outcome.then(settle, settle);
                // Until the outcome has committed, or waits on the session behind this transaction.
                for (let i = 0; i < 400 && !done && !(await waitsOnLock()); i++) {
                  await new Promise((resolve) => setTimeout(resolve, 5));
                }
                await sql`select 1 from transactions where id = 't2' for key share`.execute(trx);
                expect(await outcome).toMatchObject([
                  { status: 'SUCCEEDED' },
                  { status: 'COMPLETED' },
                ]);
              });
            expect(await other.findSession(A, { id: 's2' })).toMatchObject({ status: 'COMPLETED' });
          },
        );

        it("records a session's provider data and its transaction's reference together, or neither", async () => {
          const reference = {
            table: 'transactions',
            id: 't2',
            from: ['PENDING'],
            patch: { provider_code: 'pi_2', updated_at: at(2) },
          } as const;
          // The session's own write breaks the unique reference: neither is kept.
          expect(
            await store.setSessionProviderData('s2', started('tok_2', 'pi_1'), reference),
          ).toBe('reference-in-use');
          expect(await other.findSessionTransaction('s2')).toMatchObject({ provider_code: null });
          // The other write breaks it (s1 already holds pi_1): the session's is undone too.
          expect(
            await store.setSessionProviderData('s2', started('tok_2', 'pi_2'), {
              table: 'client_sessions',
              id: 's2',
              from: ['PENDING'],
              patch: { provider_code: 'pi_1', updated_at: at(2) },
            }),
          ).toBe('reference-in-use');
          expect(await other.findSession(A, { id: 's2' })).toMatchObject({ token: null });
          // Both fine: both kept.
          expect(
            await store.setSessionProviderData('s2', started('tok_2', 'pi_2'), reference),
          ).toEqual(await other.findSession(A, { id: 's2' }));
          expect(await other.findSession(A, { id: 's2' })).toMatchObject({ token: 'tok_2' });
          expect(await other.findSessionTransaction('s2')).toMatchObject({ provider_code: 'pi_2' });
          // The session's data is set once: the other write is not tried again.
          expect(
            await store.setSessionProviderData('s2', started('tok_3', 'pi_3'), {
              ...reference,
              patch: { provider_code: 'pi_3', updated_at: at(3) },
            }),
          ).toBeUndefined();
          expect(await other.findSessionTransaction('s2')).toMatchObject({ provider_code: 'pi_2' });
        });
      });

      describe('listing', () => {
        // s0..s5 newest first by (created_at, id): ties on created_at break on id.
        const rows: SessionRow[] = [
          session('s_a', A, MTP_A, { created_at: at(10), status: 'COMPLETED' }),
          session('s_c', A, MTP_A, {
            created_at: at(20),
            type: 'authorization',
            action: 'AUTHORIZATION',
          }),
          session('s_b', A, MTP_A, { created_at: at(20), status: 'EXPIRED' }),
          session('s_e', A, MTP_A, { created_at: at(20), status: 'COMPLETED' }),
          session('s_d', A, MTP_A, {
            created_at: at(30),
            merchant_internal_transaction_code: 'shared',
          }),
          session('s_f', A, MTP_A, { created_at: at(5), status: 'EXPIRED' }),
          session('s_other', B, MTP_B, { created_at: at(25) }),
        ];
        const newestFirst = ['s_d', 's_e', 's_c', 's_b', 's_a', 's_f'];

        beforeEach(async () => {
          for (const row of rows) expect(await store.insertSession(row)).toBe('inserted');
        });

        it('pages by offset, newest first, with the total', async () => {
          const all = await store.listSessions(A, {}, { take: 100, skip: 0 });
          expect(all.rows.map((row) => row.id)).toEqual(newestFirst);
          expect(all.total).toBe(6);
          expect(typeof all.total).toBe('number');
          const page = await store.listSessions(A, {}, { take: 2, skip: 2 });
          expect(page.rows.map((row) => row.id)).toEqual(['s_c', 's_b']);
          expect(page.total).toBe(6);
          const past = await store.listSessions(A, {}, { take: 2, skip: 10 });
          expect(past).toEqual({ rows: [], total: 6 });
        });

        it('filters by status, type and merchant code', async () => {
          const byStatus = await store.listSessions(
            A,
            { status: 'EXPIRED' },
            { take: 10, skip: 0 },
          );
          expect(byStatus.rows.map((row) => row.id)).toEqual(['s_b', 's_f']);
          expect(byStatus.total).toBe(2);
          const byType = await store.listSessions(
            A,
            { type: 'authorization' },
            { take: 10, skip: 0 },
          );
          expect(byType.rows.map((row) => row.id)).toEqual(['s_c']);
          const byCode = await store.listSessions(
            A,
            { merchantInternalTransactionCode: 'shared', status: 'PENDING' },
            { take: 10, skip: 0 },
          );
          expect(byCode.rows.map((row) => row.id)).toEqual(['s_d']);
          const none = await store.listSessions(
            A,
            { merchantInternalTransactionCode: 'shared', status: 'EXPIRED' },
            { take: 10, skip: 0 },
          );
          expect(none).toEqual({ rows: [], total: 0 });
        });

        const forwards = (limit: number, cursor?: SessionCursor, skip = 0): RowWindow => ({
          order: 'desc',
          limit,
          skip,
          cursor,
          backwards: false,
        });
        const ids = (page: { rows: Array<{ id: string }> }) => page.rows.map((row) => row.id);

        it('lists only the merchant’s own sessions', async () => {
          const listed = await store.listSessions(B, {}, { take: 10, skip: 0 });
          expect(listed.rows.map((row) => row.id)).toEqual(['s_other']);
          expect(listed.total).toBe(1);
          const window = await store.sessionWindow(B, {}, forwards(10));
          expect(ids(window)).toEqual(['s_other']);
        });

        it('pages by cursor through ties on created_at without gaps or repeats', async () => {
          const seen: string[] = [];
          let after: SessionCursor | undefined;
          const more: boolean[] = [];
          for (let i = 0; i < 10; i++) {
            const page = await store.sessionWindow(A, {}, forwards(2, after));
            expect(page.total).toBe(6);
            seen.push(...ids(page));
            more.push(page.hasMore);
            const last = page.rows.at(-1);
            if (!page.hasMore || last === undefined) break;
            after = { createdAt: last.created_at, id: last.id };
          }
          expect(seen).toEqual(newestFirst);
          expect(more).toEqual([true, true, false]);
        });

        it('pages backwards to the start through the same ties, each page still newest first', async () => {
          const pages: string[][] = [];
          let before: SessionCursor | undefined;
          for (let i = 0; i < 10; i++) {
            const page = await store.sessionWindow(
              A,
              {},
              {
                order: 'desc',
                limit: 4,
                skip: 0,
                cursor: before,
                backwards: true,
              },
            );
            pages.unshift(ids(page));
            const first = page.rows[0];
            if (!page.hasMore || first === undefined) break;
            before = { createdAt: first.created_at, id: first.id };
          }
          expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2)]);
        });

        it('reads oldest first in ascending order, forwards and backwards', async () => {
          const oldestFirst = [...newestFirst].reverse();
          const asc = await store.sessionWindow(A, {}, { ...forwards(3), order: 'asc' });
          expect(ids(asc)).toEqual(oldestFirst.slice(0, 3));
          expect(asc.hasMore).toBe(true);
          const end = await store.sessionWindow(
            A,
            {},
            {
              ...forwards(2),
              order: 'asc',
              backwards: true,
            },
          );
          expect(ids(end)).toEqual(oldestFirst.slice(4));
          expect(end.hasMore).toBe(true);
          const skipped = await store.sessionWindow(A, {}, forwards(2, undefined, 5));
          expect(ids(skipped)).toEqual(['s_f']);
          expect(skipped.hasMore).toBe(false);
        });

        it('starts a cursor page strictly after the cursor, with filters', async () => {
          const page = await store.sessionWindow(
            A,
            {},
            forwards(10, { createdAt: at(20), id: 's_e' }),
          );
          expect(ids(page)).toEqual(['s_c', 's_b', 's_a', 's_f']);
          expect(page.hasMore).toBe(false);
          const filtered = await store.sessionWindow(
            A,
            { status: 'COMPLETED' },
            forwards(1, { createdAt: at(30), id: 's_d' }),
          );
          expect(ids(filtered)).toEqual(['s_e']);
          expect(filtered.hasMore).toBe(true);
          expect(filtered.total).toBe(2);
          const end = await store.sessionWindow(
            A,
            {},
            forwards(3, { createdAt: at(5), id: 's_f' }),
          );
          expect(end).toEqual({ rows: [], total: 6, hasMore: false });
        });

        it('filters by the merchant API’s yes/no questions, and by each column', async () => {
          const list = async (query: SessionQuery) =>
            ids(await store.sessionWindow(A, query, forwards(10)));
          expect(await list({ started: false })).toEqual(['s_d', 's_c']);
          expect(await list({ started: true })).toEqual(['s_e', 's_b', 's_a', 's_f']);
          expect(await list({ completed: true })).toEqual(['s_e', 's_a']);
          expect(await list({ completed: false, started: true })).toEqual(['s_b', 's_f']);
          expect(await list({ canceled: true })).toEqual([]);
          expect(await list({ hasProviderError: false })).toEqual(newestFirst);
          expect(await list({ id: 's_b' })).toEqual(['s_b']);
          expect(await list({ id: 's_other' })).toEqual([]);
          expect(await list({ action: 'AUTHORIZATION' })).toEqual(['s_c']);
          expect(await list({ merchantTransactionProviderId: MTP_B })).toEqual([]);
          expect(await list({ amount: '999999' })).toEqual([]);
        });
      });
    });

    describe('transactions', () => {
      beforeEach(async () => {
        await store.insertSession(session('s1', A, MTP_A, { type: 'authorization' }));
        await store.insertSession(session('s2', A, MTP_A));
      });

      const auth = (overrides: Partial<TransactionRow> = {}) =>
        transaction('t_auth', A, MTP_A, {
          session_id: 's1',
          action: 'AUTHORIZATION',
          status: 'SUCCEEDED',
          merchant_internal_transaction_code: 'code_s1',
          created_at: at(10),
          ...overrides,
        });
      const child = (
        id: string,
        action: 'SETTLE' | 'VOID',
        overrides: Partial<TransactionRow> = {},
      ) =>
        transaction(id, A, MTP_A, {
          session_id: 's1',
          parent_transaction_id: 't_auth',
          action,
          created_at: at(20),
          ...overrides,
        });

      it('finds a transaction, the session’s own, and its child', async () => {
        expect(await store.insertTransaction(auth())).toBe('inserted');
        expect(await store.insertTransaction(child('t_settle', 'SETTLE'))).toBe('inserted');
        expect(await store.findTransaction(A, 't_auth')).toEqual(auth());
        expect(await store.findTransaction(A, 'nope')).toBeUndefined();
        expect(await store.findSessionTransaction('s1')).toEqual(auth());
        expect(await store.findSessionTransaction('s2')).toBeUndefined();
        expect(await store.findChildTransaction('t_auth')).toEqual(child('t_settle', 'SETTLE'));
        expect(await store.findChildTransaction('t_settle')).toBeUndefined();
      });

      it('lists a session’s transactions oldest first, its child even without a session id', async () => {
        await store.insertTransaction(auth());
        await store.insertTransaction(child('t_void', 'VOID', { session_id: null }));
        await store.insertTransaction(transaction('t_s2', A, MTP_A, { session_id: 's2' }));
        expect((await store.listSessionTransactions('s1')).map((row) => row.id)).toEqual([
          't_auth',
          't_void',
        ]);
        expect((await store.listSessionTransactions('s2')).map((row) => row.id)).toEqual(['t_s2']);
        expect(await store.listSessionTransactions('nope')).toEqual([]);
      });

      it('does not let one merchant find another merchant’s transaction', async () => {
        await store.insertTransaction(auth());
        expect(await store.findTransaction(B, 't_auth')).toBeUndefined();
        expect((await store.listTransactions(B, {}, { take: 10, skip: 0 })).total).toBe(0);
      });

      it('keeps one transaction per session', async () => {
        expect(await store.insertTransaction(auth())).toBe('inserted');
        expect(await store.insertTransaction(auth({ id: 't_again' }))).toBe('conflict');
        expect(await store.findTransaction(A, 't_again')).toBeUndefined();
        expect(
          await store.insertTransaction(transaction('t_s2', A, MTP_A, { session_id: 's2' })),
        ).toBe('inserted');
      });

      it('allows any number of transactions without a session', async () => {
        for (const id of ['t_x', 't_y']) {
          expect(await store.insertTransaction(transaction(id, A, MTP_A))).toBe('inserted');
        }
      });

      it('keeps one settle or void per authorization', async () => {
        await store.insertTransaction(auth());
        expect(await store.insertTransaction(child('t_settle', 'SETTLE'))).toBe('inserted');
        expect(await store.insertTransaction(child('t_void', 'VOID'))).toBe('conflict');
        expect(await store.insertTransaction(child('t_settle2', 'SETTLE'))).toBe('conflict');
        expect(await store.findChildTransaction('t_auth')).toMatchObject({ id: 't_settle' });
      });

      it('throws, rather than reporting a conflict, on a duplicate id', async () => {
        await store.insertTransaction(transaction('t_x', A, MTP_A));
        await expect(store.insertTransaction(transaction('t_x', A, MTP_A))).rejects.toThrow();
      });

      it('lists newest first with filters, paging and the total', async () => {
        await store.insertTransaction(auth());
        await store.insertTransaction(child('t_settle', 'SETTLE', { status: 'SUCCEEDED' }));
        await store.insertTransaction(
          transaction('t_s2', A, MTP_A, {
            session_id: 's2',
            created_at: at(20),
            merchant_internal_transaction_code: 'code_s2',
          }),
        );
        await store.insertTransaction(transaction('t_b', B, MTP_B, { created_at: at(30) }));
        const all = await store.listTransactions(A, {}, { take: 10, skip: 0 });
        expect(all.rows.map((row) => row.id)).toEqual(['t_settle', 't_s2', 't_auth']);
        expect(all.total).toBe(3);
        const page = await store.listTransactions(A, {}, { take: 1, skip: 1 });
        expect(page.rows.map((row) => row.id)).toEqual(['t_s2']);
        expect(page.total).toBe(3);
        const list = async (filters: Parameters<Store['listTransactions']>[1]) =>
          (await store.listTransactions(A, filters, { take: 10, skip: 0 })).rows.map(
            (row) => row.id,
          );
        expect(await list({ status: 'SUCCEEDED' })).toEqual(['t_settle', 't_auth']);
        expect(await list({ action: 'SETTLE' })).toEqual(['t_settle']);
        expect(await list({ merchantInternalTransactionCode: 'code_s2' })).toEqual(['t_s2']);
        expect(await list({ sessionId: 's1' })).toEqual(['t_settle', 't_auth']);
        expect(await list({ sessionId: 's1', action: 'AUTHORIZATION' })).toEqual(['t_auth']);
      });

      it('lists a window with the merchant API’s filters', async () => {
        await store.insertTransaction(
          auth({ provider_code: 'pi_1', merchant_internal_customer_code: 'cus' }),
        );
        await store.insertTransaction(
          child('t_settle', 'SETTLE', { status: 'SUCCEEDED', amount: '500' }),
        );
        await store.insertTransaction(
          transaction('t_s2', A, MTP_A, {
            session_id: 's2',
            status: 'DECLINED',
            error_code: 'card_declined',
            created_at: at(30),
          }),
        );
        await store.insertTransaction(transaction('t_b', B, MTP_B, { created_at: at(30) }));
        const list = async (query: TransactionQuery) =>
          (
            await store.transactionWindow(A, query, {
              order: 'desc',
              limit: 10,
              skip: 0,
              backwards: false,
            })
          ).rows.map((row) => row.id);
        expect(await list({})).toEqual(['t_s2', 't_settle', 't_auth']);
        expect(await list({ statuses: ['SUCCEEDED', 'DECLINED'] })).toEqual([
          't_s2',
          't_settle',
          't_auth',
        ]);
        expect(await list({ statuses: [] })).toEqual([]);
        expect(await list({ actions: ['SETTLE', 'VOID'] })).toEqual(['t_settle']);
        expect(await list({ failed: true })).toEqual(['t_s2']);
        expect(await list({ failed: false })).toEqual(['t_settle', 't_auth']);
        expect(await list({ succeeded: true, parentTransactionId: null })).toEqual(['t_auth']);
        expect(await list({ parentTransactionId: 't_auth' })).toEqual(['t_settle']);
        expect(await list({ hasProviderError: true })).toEqual(['t_s2']);
        expect(await list({ hasProviderError: false })).toEqual(['t_settle', 't_auth']);
        expect(await list({ providerCode: 'pi_1' })).toEqual(['t_auth']);
        expect(await list({ merchantInternalCustomerCode: 'cus' })).toEqual(['t_auth']);
        expect(await list({ createdFrom: at(20), createdTo: at(20) })).toEqual(['t_settle']);
        expect(await list({ transactionProvider: 'NUVEI' })).toEqual([]);
        expect(await list({ id: 't_b' })).toEqual([]);
      });

      it('updates a transaction only from the given statuses', async () => {
        await store.insertTransaction(auth({ status: 'PENDING' }));
        expect(
          await store.updateTransactionIf('t_auth', ['FAILED'], {
            status: 'SUCCEEDED',
            updated_at: at(50),
          }),
        ).toBe(false);
        expect(await store.updateTransactionIf('t_auth', [], { updated_at: at(50) })).toBe(false);
        expect(await store.findTransaction(A, 't_auth')).toEqual(auth({ status: 'PENDING' }));
        const patch = {
          status: 'FAILED' as const,
          provider_code: 'pi_9',
          payment_method_id: 'pm_9',
          error_code: 'card_declined',
          error_message: 'Declined',
          amount: '900',
          settled_amount: '0',
          updated_at: at(50),
        };
        expect(await store.updateTransactionIf('t_auth', ['PENDING'], patch)).toBe(true);
        expect(await store.findTransaction(A, 't_auth')).toEqual(auth(patch));
        expect(
          await store.updateTransactionIf('t_auth', ['PENDING'], {
            status: 'SUCCEEDED',
            updated_at: at(60),
          }),
        ).toBe(false);
      });

      it('sets the settled amount only once', async () => {
        await store.insertTransaction(auth());
        expect(await store.setSettledAmountIfUnset('t_auth', '600', at(40))).toBe(true);
        expect(await store.setSettledAmountIfUnset('t_auth', '700', at(41))).toBe(false);
        expect(await store.findTransaction(A, 't_auth')).toMatchObject({
          settled_amount: '600',
          updated_at: at(40),
        });
      });
    });

    describe('payment methods', () => {
      it('inserts, then returns the stored row for the same reference', async () => {
        const first = paymentMethod('pm1', A, MTP_A);
        expect(await store.upsertPaymentMethod(first)).toEqual(first);
        const again = await store.upsertPaymentMethod(
          paymentMethod('pm2', A, MTP_A, { provider_reference: 'pm_pm1', last4: '0000' }),
        );
        expect(again).toEqual(first);
        expect(await store.findPaymentMethod(A, 'pm2')).toBeUndefined();
      });

      it('keeps references apart per merchant and provider', async () => {
        const ref = { provider_reference: 'pm_shared' };
        expect((await store.upsertPaymentMethod(paymentMethod('pm1', A, MTP_A, ref))).id).toBe(
          'pm1',
        );
        expect((await store.upsertPaymentMethod(paymentMethod('pm2', B, MTP_B, ref))).id).toBe(
          'pm2',
        );
        expect(
          (
            await store.upsertPaymentMethod(
              paymentMethod('pm3', A, MTP_A, { ...ref, provider: 'NUVEI' }),
            )
          ).id,
        ).toBe('pm3');
      });

      it('finds only the merchant’s own, and lists by customer newest first', async () => {
        await store.upsertPaymentMethod(paymentMethod('pm1', A, MTP_A, { created_at: at(1) }));
        await store.upsertPaymentMethod(paymentMethod('pm3', A, MTP_A, { created_at: at(3) }));
        await store.upsertPaymentMethod(paymentMethod('pm2', A, MTP_A, { created_at: at(3) }));
        await store.upsertPaymentMethod(
          paymentMethod('pm4', A, MTP_A, { merchant_internal_customer_code: 'cust_2' }),
        );
        await store.upsertPaymentMethod(paymentMethod('pm5', B, MTP_B));
        expect(await store.findPaymentMethod(A, 'pm1')).toEqual(
          paymentMethod('pm1', A, MTP_A, { created_at: at(1) }),
        );
        expect(await store.findPaymentMethod(B, 'pm1')).toBeUndefined();
        const all = await store.listPaymentMethods(A, 'cust_1', { take: 10, skip: 0 });
        expect(all.rows.map((row) => row.id)).toEqual(['pm3', 'pm2', 'pm1']);
        expect(all.total).toBe(3);
        const page = await store.listPaymentMethods(A, 'cust_1', { take: 1, skip: 1 });
        expect(page).toEqual({
          rows: [paymentMethod('pm2', A, MTP_A, { created_at: at(3) })],
          total: 3,
        });
        expect((await store.listPaymentMethods(B, 'cust_2', { take: 10, skip: 0 })).total).toBe(0);
        const window = { order: 'desc', limit: 10, skip: 0, backwards: false } as const;
        const listed = async (query: Parameters<Store['paymentMethodWindow']>[1]) =>
          (await store.paymentMethodWindow(A, query, window)).rows.map((row) => row.id);
        expect(await listed({})).toEqual(['pm3', 'pm2', 'pm1', 'pm4']);
        expect(await listed({ merchantInternalCustomerCode: 'cust_2' })).toEqual(['pm4']);
        expect(await listed({ id: 'pm5' })).toEqual([]);
        expect(await listed({ transactionProvider: 'NUVEI' })).toEqual([]);
      });
    });

    describe('leases', () => {
      const lease = (holder: string, at_: number, ttl = 60) => ({
        key: 'txn_auth_1',
        holder,
        created_at: at(at_),
        expires_at: at(at_ + ttl),
      });

      it('one holder at a time, across instances; a lapsed lease can be taken', async () => {
        expect(await store.claimLease(lease('h1', 10))).toBe(true);
        expect(await other.claimLease(lease('h2', 20))).toBe(false);
        expect(await other.claimLease(lease('h2', 70))).toBe(true);
        expect(await store.claimLease(lease('h3', 80))).toBe(false);
      });

      it('only its holder gives it back', async () => {
        expect(await store.claimLease(lease('h1', 10))).toBe(true);
        await other.releaseLease('txn_auth_1', 'h2');
        expect(await other.claimLease(lease('h2', 20))).toBe(false);
        await store.releaseLease('txn_auth_1', 'h1');
        expect(await other.claimLease(lease('h2', 21))).toBe(true);
      });

      it('is not an idempotency key: a merchant key of the same name neither takes nor frees it', async () => {
        const claimed = await store.claimIdempotencyKey({
          merchant_id: A,
          key: 'txn_auth_1',
          request_hash: 'h',
          created_at: at(1),
          expires_at: at(1000),
        });
        expect(claimed.claimed).toBe(true);
        expect(await store.claimLease(lease('h1', 10))).toBe(true);
        await store.releaseIdempotencyKey(A, 'txn_auth_1');
        expect(await other.claimLease(lease('h2', 20))).toBe(false);
      });

      it('a merchant key shaped like a lease (lease:<id>) neither takes, frees nor replays it', async () => {
        const merchantKey = {
          merchant_id: A,
          key: 'lease:txn_auth_1',
          request_hash: 'h',
          created_at: at(11),
          expires_at: at(1000),
        };
        expect(await store.claimLease(lease('h1', 10))).toBe(true);
        // The held lease is no merchant key: the merchant's key is free, nothing replays.
        expect(await other.claimIdempotencyKey(merchantKey)).toEqual({ claimed: true });
        // Completing or forgetting the merchant's key leaves the lease with its holder.
        await other.completeIdempotencyKey(A, merchantKey.key, { status: 200, body: '{}' });
        expect(await other.claimLease(lease('h2', 20))).toBe(false);
        await other.releaseIdempotencyKey(A, merchantKey.key);
        expect(await other.claimLease(lease('h2', 21))).toBe(false);
        // And the lease's release leaves the merchant's response as it was.
        await store.releaseLease('txn_auth_1', 'h1');
        expect(await other.claimIdempotencyKey(merchantKey)).toEqual({
          claimed: false,
          existing: {
            ...merchantKey,
            state: 'done',
            response_status: 200,
            response_body: '{}',
          },
        });
        expect(await store.claimLease(lease('h3', 22))).toBe(true);
      });
    });

    describe('idempotency keys', () => {
      const claim = (
        overrides: { request_hash?: string; created_at?: string; merchant_id?: string } = {},
      ) => ({
        merchant_id: A,
        key: 'key_1',
        request_hash: 'hash_1',
        created_at: at(0),
        expires_at: at(100),
        ...overrides,
        ...(overrides.created_at === undefined
          ? {}
          : { expires_at: new Date(Date.parse(overrides.created_at) + 100_000).toISOString() }),
      });

      it('claims a free key, then returns the in-flight and then the completed row', async () => {
        expect(await store.claimIdempotencyKey(claim())).toEqual({ claimed: true });
        expect(await store.claimIdempotencyKey(claim({ request_hash: 'other' }))).toEqual({
          claimed: false,
          existing: {
            ...claim(),
            state: 'in_flight',
            response_status: null,
            response_body: null,
          },
        });
        await store.completeIdempotencyKey(A, 'key_1', { status: 201, body: '{"ok":true}' });
        expect(await store.claimIdempotencyKey(claim())).toEqual({
          claimed: false,
          existing: {
            ...claim(),
            state: 'done',
            response_status: 201,
            response_body: '{"ok":true}',
          },
        });
      });

      it('keeps keys apart per merchant', async () => {
        expect(await store.claimIdempotencyKey(claim())).toEqual({ claimed: true });
        expect(await store.claimIdempotencyKey(claim({ merchant_id: B }))).toEqual({
          claimed: true,
        });
      });

      it('claims an expired key again, from its expiry on', async () => {
        await store.claimIdempotencyKey(claim());
        await store.completeIdempotencyKey(A, 'key_1', { status: 200, body: '{}' });
        const early = await store.claimIdempotencyKey(claim({ created_at: at(99) }));
        expect(early.claimed).toBe(false);
        expect(
          await store.claimIdempotencyKey(claim({ created_at: at(100), request_hash: 'h2' })),
        ).toEqual({
          claimed: true,
        });
        const after = await store.claimIdempotencyKey(claim({ created_at: at(101) }));
        expect(after).toEqual({
          claimed: false,
          existing: {
            ...claim({ created_at: at(100), request_hash: 'h2' }),
            state: 'in_flight',
            response_status: null,
            response_body: null,
          },
        });
      });

      it('releases an in-flight claim but not a completed one', async () => {
        await store.claimIdempotencyKey(claim());
        await store.releaseIdempotencyKey(A, 'key_1');
        expect(await store.claimIdempotencyKey(claim())).toEqual({ claimed: true });
        await store.completeIdempotencyKey(A, 'key_1', { status: 200, body: '{}' });
        await store.releaseIdempotencyKey(A, 'key_1');
        expect((await store.claimIdempotencyKey(claim())).claimed).toBe(false);
      });

      it('deletes the expired keys and counts them', async () => {
        await store.claimIdempotencyKey(claim());
        await store.claimIdempotencyKey({ ...claim(), key: 'key_2', expires_at: at(50) });
        await store.claimIdempotencyKey({ ...claim(), key: 'key_3', expires_at: at(60) });
        expect(await store.deleteExpiredIdempotencyKeys(at(10))).toBe(0);
        expect(await store.deleteExpiredIdempotencyKeys(at(60))).toBe(2);
        expect(await store.claimIdempotencyKey({ ...claim(), key: 'key_2' })).toEqual({
          claimed: true,
        });
        expect((await store.claimIdempotencyKey(claim())).claimed).toBe(false);
      });
    });

    describe('provider callbacks', () => {
      it('lists the newest first, up to the limit, with generated numeric ids', async () => {
        for (const [i, outcome] of ['refused', 'verified', 'ignored'].entries()) {
          await store.insertProviderCallback({
            provider: 'NUVEI',
            merchant_transaction_provider_id: i === 0 ? 'mtp_unknown' : MTP_A,
            received_at: at(i),
            verified: i === 0 ? 0 : 1,
            event_type: i === 0 ? null : 'payment.updated',
            provider_code: `pc_${i}`,
            outcome,
          });
        }
        const listed = await store.listProviderCallbacks(2);
        expect(listed.map((row) => row.outcome)).toEqual(['ignored', 'verified']);
        const [newest, older] = listed;
        expect(typeof newest?.id).toBe('number');
        expect(newest?.id).toBeGreaterThan(older?.id ?? Number.POSITIVE_INFINITY);
        expect(newest).toMatchObject({
          verified: 1,
          event_type: 'payment.updated',
          provider_code: 'pc_2',
        });
        expect((await store.listProviderCallbacks(10))[2]).toMatchObject({
          verified: 0,
          event_type: null,
          merchant_transaction_provider_id: 'mtp_unknown',
        });
      });
    });

    describe(
      target.name === 'postgres' ? 'races between two instances' : 'races in one instance',
      () => {
        const RACERS = 20;
        /** Runs RACERS calls at once, alternating between the two instances. */
        const race = <T>(call: (racer: Store, i: number) => Promise<T>) =>
          Promise.all(
            Array.from({ length: RACERS }, (_, i) => call(i % 2 === 0 ? store : other, i)),
          );
        /** A claim of the key `race`, made at `createdAt` seconds and valid for 100. */
        const raceClaim = (request_hash: string, createdAt: number) => ({
          merchant_id: A,
          key: 'race',
          request_hash,
          created_at: at(createdAt),
          expires_at: at(createdAt + 100),
        });

        it('lets exactly one of 20 compare-and-sets from PENDING win', async () => {
          await store.insertSession(session('s1', A, MTP_A));
          const targets = Array.from({ length: RACERS }, (_, i) =>
            i % 4 < 2 ? 'ACTIVE' : 'CANCELED',
          );
          const results = await race((racer, i) =>
            racer.updateSessionIf('s1', ['PENDING'], {
              status: targets[i] ?? 'ACTIVE',
              updated_at: at(i + 10),
            }),
          );
          expect(count(results, true)).toBe(1);
          const winner = results.indexOf(true);
          expect((await store.findSession(A, { id: 's1' }))?.status).toBe(targets[winner]);
        });

        it('inserts exactly one of 20 sessions with one code', async () => {
          const results = await race((racer, i) =>
            racer.insertSession(
              session(`s${i}`, A, MTP_A, { merchant_internal_transaction_code: 'race' }),
            ),
          );
          expect(count(results, 'inserted')).toBe(1);
          expect(count(results, 'conflict')).toBe(RACERS - 1);
          expect((await store.listSessions(A, {}, { take: 100, skip: 0 })).total).toBe(1);
        });

        it('inserts exactly one of 20 settles and voids of one authorization', async () => {
          await store.insertSession(session('s1', A, MTP_A, { type: 'authorization' }));
          await store.insertTransaction(
            transaction('t_auth', A, MTP_A, { session_id: 's1', action: 'AUTHORIZATION' }),
          );
          const results = await race((racer, i) =>
            racer.insertTransaction(
              transaction(`t_child_${i}`, A, MTP_A, {
                session_id: 's1',
                parent_transaction_id: 't_auth',
                action: i % 2 === 0 ? 'SETTLE' : 'VOID',
              }),
            ),
          );
          expect(count(results, 'inserted')).toBe(1);
          expect(await store.listSessionTransactions('s1')).toHaveLength(2);
        });

        it('inserts exactly one of 20 transactions of one session', async () => {
          await store.insertSession(session('s1', A, MTP_A));
          const results = await race((racer, i) =>
            racer.insertTransaction(transaction(`t_${i}`, A, MTP_A, { session_id: 's1' })),
          );
          expect(count(results, 'inserted')).toBe(1);
        });

        it('lets exactly one of 20 claims of a free key win', async () => {
          const results = await race((racer, i) =>
            racer.claimIdempotencyKey(raceClaim(`h${i}`, 0)),
          );
          expect(results.filter((result) => result.claimed)).toHaveLength(1);
        });

        it('lets exactly one of 20 claims of an expired key win', async () => {
          await store.claimIdempotencyKey(raceClaim('old', 0));
          const results = await race((racer, i) =>
            racer.claimIdempotencyKey(raceClaim(`h${i}`, 200)),
          );
          expect(results.filter((result) => result.claimed)).toHaveLength(1);
          for (const result of results) {
            if (!result.claimed) expect(result.existing.request_hash).not.toBe('old');
          }
        });

        it('stores one payment method for 20 concurrent upserts of one reference', async () => {
          const results = await race((racer, i) =>
            racer.upsertPaymentMethod(
              paymentMethod(`pm${i}`, A, MTP_A, { provider_reference: 'pm_race' }),
            ),
          );
          expect(new Set(results.map((row) => row.id)).size).toBe(1);
        });
      },
    );
  });
});
