// Tests on PostgreSQL share one database, each in a schema of its own, and many run at once: a
// migration must never look at (and so never trip over) the schemas other runs create and drop.
import type { Pool } from 'pg';
import { describe, expect, test } from 'vitest';
import { openStore } from './store/open-store.ts';
import type { Store } from './store/store.ts';
import { POSTGRES_URL, randomSchema, skipPostgres } from './store/test-support.ts';

const SKIP_POSTGRES = await skipPostgres();
const ROUNDS = 6;
const STORES_PER_ROUND = 4;
const CHURNERS = 3;
/** Columns of each churned table: the more there are, the longer another schema's scan is exposed. */
const CHURN_COLUMNS = Array.from({ length: 40 }, (_, i) => `c${i} integer`).join(', ');

/**
 * Until `done.value` is set, creates and drops schemas, tables and columns as other test runs do: one
 * statement at a time, so that every intermediate catalog state is visible to other sessions.
 */
async function churn(pool: Pool, done: { value: boolean }, made: string[]): Promise<void> {
  while (!done.value) {
    const schema = randomSchema();
    made.push(schema);
    await pool.query(`create schema "${schema}"`);
    await pool.query(
      `create table "${schema}".client_sessions (id serial primary key, ${CHURN_COLUMNS}, transaction_id text)`,
    );
    await pool.query(`alter table "${schema}".client_sessions drop column transaction_id`);
    await pool.query(`drop table "${schema}".client_sessions`);
    await pool.query(`drop schema "${schema}" cascade`);
  }
}

describe.skipIf(SKIP_POSTGRES)('migrations on PostgreSQL, while other schemas come and go', () => {
  test(`${ROUNDS} rounds of ${STORES_PER_ROUND} concurrent fresh migrations all succeed`, async () => {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: CHURNERS });
    const done = { value: false };
    const schemas: string[] = [];
    const churning = Array.from({ length: CHURNERS }, () => churn(pool, done, schemas));
    const failures: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const stores: Store[] = [];
        const results = await Promise.allSettled(
          Array.from({ length: STORES_PER_ROUND }, async () => {
            const schema = randomSchema();
            schemas.push(schema);
            const store = await openStore(POSTGRES_URL, { schema });
            stores.push(store);
            await store.migrate();
          }),
        );
        await Promise.all(stores.map((store) => store.close()));
        for (const result of results) {
          if (result.status === 'rejected') failures.push(String(result.reason));
        }
      }
    } finally {
      done.value = true;
      await Promise.allSettled(churning);
      const names = schemas.map((schema) => `"${schema}"`).join(', ');
      await pool.query(`drop schema if exists ${names} cascade`);
      await pool.end();
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
