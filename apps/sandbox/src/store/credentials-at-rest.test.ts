import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OpenStoreOptions, openStore } from './open-store.ts';
import { CREDENTIALS_KEY_ENV, SecretBox } from './secret-box.ts';
import type { Store } from './store.ts';
import {
  asKysely,
  dropSchemas,
  merchant,
  mtp,
  POSTGRES_URL,
  randomSchema,
  scratchPerTest,
  skipPostgres,
} from './test-support.ts';

const SKIP_POSTGRES = await skipPostgres();
const SECRET = `whsec_${randomBytes(8).toString('hex')}`;
const API_KEY = `sk_test_${randomBytes(8).toString('hex')}`;
const CREDENTIALS = { secretKey: API_KEY, webhookSecret: SECRET };
const keyA = () => randomBytes(32).toString('base64');

const opened: Store[] = [];
const schemas: string[] = [];
const scratch = scratchPerTest({ beforeEach, afterEach }, opened, 'accrupay-credentials-');

afterAll(async () => {
  await dropSchemas(schemas.splice(0));
});

async function raw(store: Store, id: string): Promise<string | undefined> {
  const row = await asKysely(store)
    .db.selectFrom('merchant_transaction_providers')
    .select('credentials')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.credentials;
}

/** A store on `db`, migrated, with merchant mer_a and its provider account mtp_a (CREDENTIALS). */
async function seeded(
  db: ReturnType<Dialect['fresh']>,
  options?: OpenStoreOptions,
): Promise<Store> {
  const store = await db.open(options);
  await store.migrate();
  await store.insertMerchant(merchant('mer_a'));
  await store.insertMerchantTransactionProvider(
    mtp('mtp_a', 'mer_a', { credentials: CREDENTIALS }),
  );
  return store;
}

interface Dialect {
  name: string;
  skip: boolean;
  /** A new database; `open` opens a store on it, as often as asked (a restart each time). */
  fresh(): { open(options?: OpenStoreOptions): Promise<Store> };
}

const DIALECTS: Dialect[] = [
  {
    name: 'sqlite',
    skip: false,
    fresh() {
      const file = join(scratch.dir, `${randomBytes(4).toString('hex')}.db`);
      return {
        async open(options) {
          const store = await openStore(file, { env: {}, ...options });
          opened.push(store);
          return store;
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: SKIP_POSTGRES,
    fresh() {
      const schema = randomSchema();
      schemas.push(schema);
      const keyFile = join(scratch.dir, `${schema}.key`);
      return {
        async open(options) {
          const store = await openStore(POSTGRES_URL, {
            schema,
            env: {},
            credentialsKeyFile: keyFile,
            ...options,
          });
          opened.push(store);
          return store;
        },
      };
    },
  },
];

describe.each(DIALECTS)('provider credentials at rest on $name', (dialect) => {
  it.skipIf(dialect.skip)(
    'stores no secret in the column and gives the domain plain credentials',
    async () => {
      const store = await seeded(dialect.fresh(), { credentialsKey: keyA() });
      const stored = (await raw(store, 'mtp_a')) ?? '';
      expect(stored).toMatch(/^enc:v1:[\w-]+:[\w-]+:[\w-]+$/);
      expect(stored).not.toContain(SECRET);
      expect(stored).not.toContain(API_KEY);
      expect(stored).not.toContain('secretKey');
      expect((await store.findMerchantTransactionProviderById('mtp_a'))?.credentials).toEqual(
        CREDENTIALS,
      );
      expect(
        (await store.findMerchantTransactionProviderByProvider('mer_a', 'STRIPE'))?.credentials,
      ).toEqual(CREDENTIALS);
      expect((await store.listMerchantTransactionProviders('mer_a'))[0]?.credentials).toEqual(
        CREDENTIALS,
      );
    },
  );

  it.skipIf(dialect.skip)('re-encrypts a row written in plain text before, at start', async () => {
    const db = dialect.fresh();
    const key = keyA();
    const before = await db.open({ credentialsKey: key });
    await before.migrate();
    await before.insertMerchant(merchant('mer_a'));
    // As the sandbox wrote it before encryption at rest.
    await asKysely(before)
      .db.insertInto('merchant_transaction_providers')
      .values({ ...mtp('mtp_old', 'mer_a'), credentials: JSON.stringify(CREDENTIALS) })
      .execute();
    expect((await before.findMerchantTransactionProviderById('mtp_old'))?.credentials).toEqual(
      CREDENTIALS,
    );
    await before.close();

    const after = await db.open({ credentialsKey: key });
    await after.migrate();
    const stored = (await raw(after, 'mtp_old')) ?? '';
    expect(SecretBox.isSealed(stored)).toBe(true);
    expect(stored).not.toContain(SECRET);
    expect((await after.findMerchantTransactionProviderById('mtp_old'))?.credentials).toEqual(
      CREDENTIALS,
    );
  });

  it.skipIf(dialect.skip)(
    'refuses to start with another key, naming ACCRUPAY_CREDENTIALS_KEY',
    async () => {
      const db = dialect.fresh();
      const first = await seeded(db, { credentialsKey: keyA() });
      await first.close();

      const wrong = await db.open({ env: { [CREDENTIALS_KEY_ENV]: keyA() } });
      const error = await wrong.migrate().then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error?.message).toContain('Cannot decrypt the provider credentials of mtp_a');
      expect(error?.message).toContain(`the key in ${CREDENTIALS_KEY_ENV}`);
      expect(error?.message).not.toContain(SECRET);
      // A read after a start that was not checked fails with the same message, never garbage.
      await expect(wrong.findMerchantTransactionProviderById('mtp_a')).rejects.toThrow(
        'encrypted with another key',
      );
    },
  );

  it.skipIf(dialect.skip)(
    'without a key, creates a key file (0600) on first start and reads it on the next',
    async () => {
      const db = dialect.fresh();
      const first = await seeded(db);
      await first.close();

      const second = await db.open();
      await second.migrate();
      expect((await second.findMerchantTransactionProviderById('mtp_a'))?.credentials).toEqual(
        CREDENTIALS,
      );
      expect(await raw(second, 'mtp_a')).not.toContain(SECRET);
    },
  );
});

describe('the key file of a SQLite database', () => {
  it('is credentials.key beside the database, mode 0600, and a damaged one is named', async () => {
    const file = join(scratch.dir, 'data', 'sandbox.db');
    const store = await openStore(file, { env: {} });
    opened.push(store);
    await store.migrate();
    const keyFile = join(scratch.dir, 'data', 'credentials.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64')).toHaveLength(32);
    await store.close();

    writeFileSync(keyFile, 'not a key\n');
    await expect(openStore(file, { env: {} })).rejects.toThrow(
      `The key file ${keyFile} must hold a 32-byte key`,
    );
  });

  it('is not used when ACCRUPAY_CREDENTIALS_KEY is set, and a bad value is named', async () => {
    const file = join(scratch.dir, 'sandbox.db');
    const store = await openStore(file, {
      env: { [CREDENTIALS_KEY_ENV]: randomBytes(32).toString('hex') },
    });
    opened.push(store);
    await store.migrate();
    expect(() => statSync(join(scratch.dir, 'credentials.key'))).toThrow();
    await expect(openStore(file, { env: { [CREDENTIALS_KEY_ENV]: 'c2hvcnQ=' } })).rejects.toThrow(
      `${CREDENTIALS_KEY_ENV} must hold a 32-byte key as base64 or 64 hex digits; it decodes to 5 bytes`,
    );
  });
});
