import { afterEach, describe, expect, it } from 'vitest';
import { reusedSelect } from './context.ts';
import type { KyselyStore } from './kysely-store.ts';
import { openStore } from './open-store.ts';
import type { Store } from './store.ts';
import { asKysely, closeAll, merchant, mtp, session } from './test-support.ts';

const opened: Store[] = [];
afterEach(() => closeAll(opened));

async function seeded(): Promise<KyselyStore> {
  const store = await openStore(':memory:');
  opened.push(store);
  await store.migrate();
  await store.insertMerchant(merchant('m1'));
  await store.insertMerchantTransactionProvider(mtp('mtp1', 'm1'));
  for (const id of ['s1', 's2']) await store.insertSession(session(id, 'm1', 'mtp1'));
  return asKysely(store);
}

describe('reusedSelect', () => {
  const byId = reusedSelect((db, merchantId: string, id: string) =>
    db
      .selectFrom('client_sessions')
      .select(['id', 'status'])
      .where('merchant_id', '=', merchantId)
      .where('id', '=', id)
      .limit(1),
  );

  it('runs the query compiled once with each call’s values, also in a transaction', async () => {
    const store = await seeded();
    expect(await byId(store.db, 'm1', 's1')).toEqual([{ id: 's1', status: 'PENDING' }]);
    expect(await byId(store.db, 'm1', 's2')).toEqual([{ id: 's2', status: 'PENDING' }]);
    expect(await byId(store.db, 'other', 's2')).toEqual([]);
    const inTransaction = await store.db.transaction().execute((trx) => byId(trx, 'm1', 's2'));
    expect(inTransaction).toEqual([{ id: 's2', status: 'PENDING' }]);
  });

  it('serves a second store of the same dialect with its own rows', async () => {
    const [one, two] = [await seeded(), await seeded()];
    await two.db.updateTable('client_sessions').set({ status: 'COMPLETED' }).execute();
    expect(await byId(one.db, 'm1', 's1')).toEqual([{ id: 's1', status: 'PENDING' }]);
    expect(await byId(two.db, 'm1', 's1')).toEqual([{ id: 's1', status: 'COMPLETED' }]);
  });

  it('refuses a query that binds a value twice, or not at all', async () => {
    const store = await seeded();
    const twice = reusedSelect((db, id: string) =>
      db.selectFrom('client_sessions').select('id').where('id', '=', id).where('token', '=', id),
    );
    await expect(twice(store.db, 's1')).rejects.toThrow(/bound twice/);
    const never = reusedSelect((db, _id: string) => db.selectFrom('client_sessions').select('id'));
    await expect(never(store.db, 's1')).rejects.toThrow(/each value must be one parameter/);
  });
});
