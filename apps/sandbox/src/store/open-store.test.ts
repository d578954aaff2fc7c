import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPostgresUrl, openStore, redactUrl } from './open-store.ts';
import type { Store } from './store.ts';
import { TABLES_CHILDREN_FIRST } from './tables.ts';
import {
  asKysely,
  closeAll,
  dropSchemas,
  merchant,
  POSTGRES_URL,
  randomSchema,
  scratchPerTest,
  skipPostgres,
  withSchema,
} from './test-support.ts';

const SKIP_POSTGRES = await skipPostgres();

const opened: Store[] = [];
async function open(url: string, options?: Parameters<typeof openStore>[1]): Promise<Store> {
  const store = await openStore(url, options);
  opened.push(store);
  return store;
}

afterEach(async () => {
  await closeAll(opened);
});

describe('isPostgresUrl', () => {
  it.each([
    ['postgres://u@h/db', true],
    ['postgresql://u:p@h:5432/db?schema=x', true],
    ['POSTGRES://h/db', true],
    [':memory:', false],
    ['./data/sandbox.db', false],
    ['/var/lib/postgres/sandbox.db', false],
    ['mysql://h/db', false],
  ])('%s -> %s', (url, expected) => {
    expect(isPostgresUrl(url)).toBe(expected);
  });
});

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://user:s3cret@db.example:5432/app?schema=x')).toBe(
      'postgres://user:***@db.example:5432/app?schema=x',
    );
    expect(redactUrl('postgres://user@db.example/app')).toBe('postgres://user@db.example/app');
    expect(redactUrl('./data/sandbox.db')).toBe('./data/sandbox.db');
  });
});

describe('openStore on a SQLite file', () => {
  const scratch = scratchPerTest({ beforeEach, afterEach }, opened, 'accrupay-store-');

  it('creates the parent directories, enables WAL and foreign keys, and keeps data across reopen', async () => {
    const path = join(scratch.dir, 'nested', 'deeper', 'sandbox.db');
    const first = await open(path);
    expect(first.dialect).toBe('sqlite');
    await first.migrate();
    await first.insertMerchant(merchant('mer_a'));
    const db = asKysely(first).db;
    const pragma = async (name: string) =>
      Object.values((await sql.raw(`pragma ${name}`).execute(db)).rows[0] ?? {})[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBeGreaterThan(0);
    await first.close();

    const second = await open(path);
    await second.migrate();
    expect(await second.listMerchants()).toEqual([merchant('mer_a')]);
  });

  it('lets a second instance on the same file see the first one’s writes', async () => {
    const path = join(scratch.dir, 'shared.db');
    const first = await open(path);
    const second = await open(path);
    await first.migrate();
    await second.migrate();
    await first.insertMerchant(merchant('mer_a'));
    expect(await second.findMerchantById('mer_a')).toEqual(merchant('mer_a'));
  });

  it('names the path when the file cannot be opened', async () => {
    const blocker = join(scratch.dir, 'not-a-directory');
    writeFileSync(blocker, '');
    const path = join(blocker, 'sandbox.db');
    await expect(openStore(path)).rejects.toThrow(`Cannot open the database ${path}`);
  });

  it('closes more than once without error', async () => {
    const store = await openStore(':memory:');
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('openStore on PostgreSQL', () => {
  it('refuses a schema name it would have to quote', async () => {
    await expect(openStore('postgres://u@127.0.0.1/db?schema=Bad-Name')).rejects.toThrow(
      /Invalid PostgreSQL schema name "Bad-Name"/,
    );
    await expect(openStore('postgres://u@127.0.0.1/db', { schema: 'x;drop' })).rejects.toThrow(
      /Invalid PostgreSQL schema name/,
    );
  });

  describe.skipIf(SKIP_POSTGRES)('with a server', () => {
    const schemas: string[] = [];
    afterEach(async () => {
      await closeAll(opened);
      await dropSchemas(schemas.splice(0));
    });

    it('names the URL without its password when the database cannot be opened', async () => {
      const url = 'postgres://someone:s3cret@127.0.0.1:1/nowhere';
      const error = await openStore(url).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(
        'Cannot open the database postgres://someone:***@127.0.0.1:1/nowhere',
      );
      expect((error as Error).message).not.toContain('s3cret');
    });

    it('creates the schema named by ?schema= and keeps every table in it', async () => {
      const schema = randomSchema();
      schemas.push(schema);
      const logs: string[] = [];
      const store = await open(withSchema(POSTGRES_URL, schema), { log: (msg) => logs.push(msg) });
      expect(store.dialect).toBe('postgres');
      await store.migrate();
      const { rows } = await sql<{ table_name: string }>`
        select table_name from information_schema.tables where table_schema = ${schema}
        order by table_name
      `.execute(asKysely(store).db);
      expect(rows.map((row) => row.table_name)).toEqual(
        [...TABLES_CHILDREN_FIRST, 'kysely_migration', 'kysely_migration_lock'].sort(),
      );
      expect(logs.join('\n')).toContain(`schema ${schema}`);
      expect(logs.join('\n')).toContain('applied migrations 0001_initial');
    });

    it('prefers options.schema to ?schema=, and migrates each schema on its own', async () => {
      const [chosen, ignored] = [randomSchema(), randomSchema()];
      schemas.push(chosen, ignored);
      const first = await open(withSchema(POSTGRES_URL, ignored), { schema: chosen });
      await first.migrate();
      await first.insertMerchant(merchant('mer_a'));
      const other = await open(withSchema(POSTGRES_URL, ignored));
      await other.migrate();
      expect(await other.listMerchants()).toEqual([]);
      const same = await open(POSTGRES_URL, { schema: chosen });
      expect(await same.listMerchants()).toEqual([merchant('mer_a')]);
    });

    it('opens the same new schema from two instances at once', async () => {
      const schema = randomSchema();
      schemas.push(schema);
      const stores = await Promise.all([
        open(POSTGRES_URL, { schema }),
        open(POSTGRES_URL, { schema }),
      ]);
      await Promise.all(stores.map((store) => store.migrate()));
      expect(await stores[0]?.listMerchants()).toEqual([]);
    });
  });
});
