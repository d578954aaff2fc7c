import BetterSqlite3 from 'better-sqlite3';
import { type Generated, Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withStatementCache } from './open-store.ts';

interface Db {
  item: { id: Generated<number>; name: string };
}

const opened: BetterSqlite3.Database[] = [];
function sqlite(): BetterSqlite3.Database {
  const database = new BetterSqlite3(':memory:');
  database.exec('create table item (id integer primary key, name text not null)');
  opened.push(database);
  return database;
}

afterEach(() => {
  for (const database of opened.splice(0)) if (database.open) database.close();
  vi.restoreAllMocks();
});

describe('withStatementCache', () => {
  it('prepares each SQL text once and hands back the same statement', () => {
    const database = sqlite();
    const prepare = vi.spyOn(database, 'prepare');
    const cached = withStatementCache(database);
    const first = cached.prepare('select * from item');
    const second = cached.prepare('select * from item');
    expect(second).toBe(first);
    expect(prepare).toHaveBeenCalledTimes(1);
    cached.prepare('select id from item');
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('keeps the most recently used statements and prepares an evicted one again', () => {
    const database = sqlite();
    const prepare = vi.spyOn(database, 'prepare');
    const cached = withStatementCache(database, 2);
    const a = cached.prepare('select 1');
    cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(a); // a is now the most recent: 2 goes first
    cached.prepare('select 3');
    expect(prepare).toHaveBeenCalledTimes(3);
    expect(cached.prepare('select 1')).toBe(a);
    expect(prepare).toHaveBeenCalledTimes(3);
    cached.prepare('select 2');
    expect(prepare).toHaveBeenCalledTimes(4);
  });

  it('does not keep a statement that failed to prepare', () => {
    const database = sqlite();
    const prepare = vi.spyOn(database, 'prepare');
    const cached = withStatementCache(database);
    expect(() => cached.prepare('select * from missing')).toThrow(/no such table/);
    database.exec('create table missing (x)');
    expect(cached.prepare('select * from missing').all([])).toEqual([]);
    expect(prepare).toHaveBeenCalledTimes(2);
  });

  it('closes the database', () => {
    const database = sqlite();
    withStatementCache(database).close();
    expect(database.open).toBe(false);
  });

  describe('under Kysely', () => {
    function kysely() {
      const database = sqlite();
      return {
        database,
        db: new Kysely<Db>({
          dialect: new SqliteDialect({ database: withStatementCache(database) }),
        }),
      };
    }

    it('returns the rows of RETURNING and the counts of a plain write, every time', async () => {
      const { db } = kysely();
      for (const name of ['a', 'b']) {
        const inserted = await db
          .insertInto('item')
          .values({ name })
          .returning(['id', 'name'])
          .executeTakeFirstOrThrow();
        expect(inserted.name).toBe(name);
      }
      for (let i = 0; i < 2; i++) {
        const [result] = await db.updateTable('item').set({ name: 'c' }).execute();
        expect(result?.numUpdatedRows).toBe(2n);
      }
      const [insert] = await db.insertInto('item').values({ name: 'd' }).execute();
      expect(insert?.insertId).toBe(3n);
      const rows = await db.selectFrom('item').select(['id', 'name']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 1, name: 'c' },
        { id: 2, name: 'c' },
        { id: 3, name: 'd' },
      ]);
    });

    it('binds each call its own parameters', async () => {
      const { db } = kysely();
      await db
        .insertInto('item')
        .values([{ name: 'x' }, { name: 'y' }])
        .execute();
      const byName = (name: string) =>
        db.selectFrom('item').select('id').where('name', '=', name).executeTakeFirst();
      expect(await byName('x')).toEqual({ id: 1 });
      expect(await byName('y')).toEqual({ id: 2 });
      expect(await byName('z')).toBeUndefined();
    });

    it('sees a column added after the statement was cached', async () => {
      const { db, database } = kysely();
      await db.insertInto('item').values({ name: 'x' }).execute();
      const all = () => sql<Record<string, unknown>>`select * from item`.execute(db);
      expect((await all()).rows).toEqual([{ id: 1, name: 'x' }]);
      database.exec("alter table item add column note text not null default 'n'");
      expect((await all()).rows).toEqual([{ id: 1, name: 'x', note: 'n' }]);
    });

    it('rolls back a failed transaction and runs its statements again afterwards', async () => {
      const { db } = kysely();
      const insert = (name: string | null) =>
        db
          .insertInto('item')
          .values({ name: name as string })
          .execute();
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('item').values({ name: 'kept?' }).execute();
          await trx
            .insertInto('item')
            .values({ name: null as unknown as string })
            .execute();
        }),
      ).rejects.toThrow(/NOT NULL/);
      await insert('after');
      const rows = await db.selectFrom('item').select('name').execute();
      expect(rows).toEqual([{ name: 'after' }]);
    });
  });
});
