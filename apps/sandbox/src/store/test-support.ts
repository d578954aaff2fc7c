import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KyselyStore } from './kysely-store.ts';
import { openStore, redactUrl } from './open-store.ts';
import type {
  MerchantRow,
  MerchantTransactionProviderRow,
  PaymentMethodRow,
  SessionRow,
  Store,
  TransactionRow,
} from './store.ts';

export const POSTGRES_URL =
  process.env.ACCRUPAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether to skip the PostgreSQL tests: only when PostgreSQL is unreachable outside CI (in CI the
 * tests run and fail).
 */
export async function skipPostgres(): Promise<boolean> {
  let pg: typeof import('pg');
  try {
    // Synchronous, so that a driver that fails to load is a caught error, not an unhandled rejection.
    pg = createRequire(import.meta.url)('pg');
  } catch (error) {
    return skipBecause(
      `the pg driver does not load in this test runner (${describe(error)}). Vitest passes ` +
        "ssr.resolve.conditions to Node as --conditions; with 'import' among them pg's own " +
        "require('pg-pool') gets pg-pool's ESM build",
    );
  }
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return false;
  } catch (error) {
    return skipBecause(
      `cannot reach ${redactUrl(POSTGRES_URL)} (${describe(error)}). Start PostgreSQL there or ` +
        'set ACCRUPAY_TEST_POSTGRES_URL',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function skipBecause(reason: string): boolean {
  if (process.env.CI) return false;
  console.warn(`Skipping the PostgreSQL store tests (with CI set they fail instead): ${reason}.`);
  return true;
}

/** A schema name no other test run uses. */
export function randomSchema(): string {
  return `store_test_${randomBytes(6).toString('hex')}`;
}

export function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

export async function dropSchema(schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/**
 * Drops test schemas one after another, on one connection: dropping each takes a lock per table
 * and index, and dropping dozens at once ran PostgreSQL out of shared memory for its lock table.
 */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** One dialect under test: how to open stores that share one database. */
export interface Target {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  /** Opens a store on the shared test database; a second call on PostgreSQL is a second instance. */
  open(): Promise<Store>;
  /** Opens `count` instances on a brand-new, unmigrated database (SQLite: one instance, repeated). */
  openFresh(count: number): Promise<{ stores: Store[]; cleanup(): Promise<void> }>;
  cleanup(): Promise<void>;
}

export async function targets(): Promise<Target[]> {
  const schema = randomSchema();
  const skip = await skipPostgres();
  return [
    {
      name: 'sqlite',
      skip: false,
      open: () => openStore(':memory:'),
      async openFresh(count) {
        const store = await openStore(':memory:');
        return { stores: Array.from({ length: count }, () => store), cleanup: () => store.close() };
      },
      cleanup: async () => undefined,
    },
    {
      name: 'postgres',
      skip,
      open: () => openStore(withSchema(POSTGRES_URL, schema)),
      async openFresh(count) {
        const fresh = randomSchema();
        const stores: Store[] = [];
        for (let i = 0; i < count; i++)
          stores.push(await openStore(POSTGRES_URL, { schema: fresh }));
        return {
          stores,
          async cleanup() {
            await Promise.all(stores.map((store) => store.close()));
            await dropSchema(fresh);
          },
        };
      },
      cleanup: () => dropSchema(schema),
    },
  ];
}

/** Closes every store of the list, and empties it. */
export async function closeAll(stores: Store[]): Promise<void> {
  await Promise.all(stores.splice(0).map((store) => store.close()));
}

type Hook = (fn: () => unknown) => unknown;

/**
 * Registers (with the test runner's own hooks) a new scratch directory before each test and,
 * after it, closes the stores of `opened` and removes the directory.
 */
export function scratchPerTest(
  hooks: { beforeEach: Hook; afterEach: Hook },
  opened: Store[],
  prefix: string,
): { readonly dir: string } {
  let dir = '';
  hooks.beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  hooks.afterEach(async () => {
    await closeAll(opened);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
  };
}

export function asKysely(store: Store): KyselyStore {
  if (!(store instanceof KyselyStore)) throw new Error('not a KyselyStore');
  return store;
}

/** An ISO timestamp `seconds` after a fixed origin, in the format the store sorts by. */
export function at(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString();
}

export function merchant(id: string, overrides: Partial<MerchantRow> = {}): MerchantRow {
  return {
    id,
    name: `Merchant ${id}`,
    public_id: `pk_test_${id}`,
    secret_hash: `hash_${id}`,
    secret_last4: id.slice(-4).padStart(4, '0'),
    allowed_origins: ['http://localhost:3000'],
    created_at: at(0),
    ...overrides,
  };
}

/** The columns every row of a merchant's provider account starts with. */
interface Owned {
  id: string;
  merchant_id: string;
  merchant_transaction_provider_id: string;
}

/** A factory of rows of one provider account of one merchant: the defaults, then the overrides. */
function ownedRow<Row extends Owned>(defaults: (id: string) => Omit<Row, keyof Owned>) {
  return (id: string, merchantId: string, mtpId: string, overrides: Partial<Row> = {}): Row =>
    ({
      id,
      merchant_id: merchantId,
      merchant_transaction_provider_id: mtpId,
      ...defaults(id),
      ...overrides,
    }) as Row;
}

export function mtp(
  id: string,
  merchantId: string,
  overrides: Partial<MerchantTransactionProviderRow> = {},
): MerchantTransactionProviderRow {
  return {
    id,
    merchant_id: merchantId,
    provider: 'STRIPE',
    credentials: { secretKey: 'sk_test' },
    created_at: at(0),
    ...overrides,
  };
}

export const session = ownedRow<SessionRow>((id) => ({
  provider: 'STRIPE',
  type: 'payment',
  kind: 'CLIENT',
  action: 'PAYMENT',
  status: 'PENDING',
  amount: '1000',
  currency: 'USD',
  merchant_internal_transaction_code: `code_${id}`,
  merchant_internal_customer_code: null,
  store_payment_method: 0,
  customer_payment_method_id: null,
  request_hash: `rh_${id}`,
  token: null,
  token_expires_at: null,
  provider_code: null,
  payload: {},
  billing: null,
  payment_method_id: null,
  transaction_id: null,
  created_at: at(1),
  updated_at: at(1),
}));

export const transaction = ownedRow<TransactionRow>(() => ({
  session_id: null,
  parent_transaction_id: null,
  provider: 'STRIPE',
  action: 'PAYMENT',
  status: 'PENDING',
  amount: '1000',
  currency: 'USD',
  settled_amount: null,
  refunded_amount: null,
  refunded_at: null,
  merchant_internal_transaction_code: null,
  merchant_internal_customer_code: null,
  provider_code: null,
  payment_method_id: null,
  error_code: null,
  error_message: null,
  created_at: at(2),
  updated_at: at(2),
}));

export const paymentMethod = ownedRow<PaymentMethodRow>((id) => ({
  provider: 'STRIPE',
  merchant_internal_customer_code: 'cust_1',
  provider_reference: `pm_${id}`,
  provider_customer_reference: 'cus_1',
  brand: 'visa',
  last4: '4242',
  expiry_month: 12,
  expiry_year: 2030,
  billing_country: 'US',
  created_at: at(0),
}));
