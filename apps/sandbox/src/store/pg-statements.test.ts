// The PostgreSQL pool with named prepared statements (pg-statements.ts), on a real server: the hot
// statements are prepared once per connection, and a table that gains a column under a running
// instance (another instance migrated) does not break its prepared `select *`.
import { createRequire } from 'node:module';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withNamedStatements } from './pg-statements.ts';
import { dropSchemas, POSTGRES_URL, randomSchema, skipPostgres } from './test-support.ts';

const skip = await skipPostgres();

describe.skipIf(skip)('named prepared statements (PostgreSQL)', () => {
  const schema = randomSchema();
  let pool: Pool;
  /** The server's own view of the statements prepared on the pool's one connection. */
  const preparedNames = async () =>
    (
      await pool.query<{ name: string }>(
        "select name from pg_prepared_statements where name like 'accrupay_%' order by name",
      )
    ).rows.map((row) => row.name);

  beforeAll(async () => {
    const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
    // One connection: every query of a test runs on it, as a busy instance's connection would.
    pool = new pg.Pool({
      connectionString: POSTGRES_URL,
      max: 1,
      options: `-c search_path=${schema}`,
    });
    await pool.query(`create schema "${schema}"`);
    await pool.query('create table items (id integer primary key, name text not null)');
    await pool.query("insert into items values (1, 'one'), (2, 'two')");
  });
  afterAll(async () => {
    await pool?.end();
    await dropSchemas([schema]);
  });

  test('a statement is prepared once per connection and run with each call`s values', async () => {
    const named = withNamedStatements(pool);
    const client = await named.connect();
    try {
      const sql = 'select * from items where id = $1';
      expect((await client.query<{ name: string }>(sql, [1])).rows).toEqual([
        { id: 1, name: 'one' },
      ]);
      expect((await client.query<{ name: string }>(sql, [2])).rows).toEqual([
        { id: 2, name: 'two' },
      ]);
    } finally {
      client.release();
    }
    const names = await preparedNames();
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^accrupay_0_[0-9a-f]{24}$/);
    // DDL and transaction control are sent as they are, never prepared.
    const again = await named.connect();
    try {
      await again.query('begin', []);
      await again.query('create table scratch (x integer)', []);
      await again.query('rollback', []);
    } finally {
      again.release();
    }
    expect(await preparedNames()).toEqual(names);
  });

  test('after another instance adds a column, a prepared select * answers with it (and inside a transaction fails once)', async () => {
    const named = withNamedStatements(pool);
    const sql = 'select * from items where id = $1';
    const run = async (inTransaction: boolean) => {
      const client = await named.connect();
      try {
        if (inTransaction) await client.query('begin', []);
        const { rows } = await client.query<Record<string, unknown>>(sql, [1]);
        if (inTransaction) await client.query('commit', []);
        return rows;
      } catch (error) {
        if (inTransaction) await client.query('rollback', []);
        throw error;
      } finally {
        client.release();
      }
    };
    expect(await run(false)).toEqual([{ id: 1, name: 'one' }]);
    // Another instance's migration, on another connection.
    const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
    const other = new pg.Client({ connectionString: POSTGRES_URL });
    await other.connect();
    try {
      await other.query(`alter table "${schema}".items add column note text`);
      expect(await run(false)).toEqual([{ id: 1, name: 'one', note: null }]);
      await other.query(`alter table "${schema}".items add column rank integer`);
      // In a transaction the error has aborted it: the caller sees it once, the next call works.
      await expect(run(true)).rejects.toThrow(/cached plan must not change result type/);
      expect(await run(true)).toEqual([{ id: 1, name: 'one', note: null, rank: null }]);
    } finally {
      await other.end();
    }
  });
});
