import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { Pool } from 'pg';
import { KyselyStore } from './kysely-store.ts';
import type { Database } from './schema.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  log?: ((msg: string) => void) | undefined;
  /** PostgreSQL only: the schema to hold every table, created if missing (overrides `?schema=`). */
  schema?: string | undefined;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Whether the URL names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z]+:\/\/[^:/@]*):[^@]*@/i, '$1:***@');
  }
}

/** Opens (without migrating) the store at `url`: `:memory:`, a SQLite file path, or a PostgreSQL URL. */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  return isPostgresUrl(url) ? openPostgres(url, options) : openSqlite(url, options);
}

function openError(url: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`Cannot open the database ${redactUrl(url)}: ${reason}`, { cause });
}

/** Transactions take the write lock up front, so that two processes migrating one file serialize. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class StoreSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

async function openSqlite(url: string, options: OpenStoreOptions): Promise<Store> {
  const memory = url === ':memory:' || url === '';
  let sqlite: BetterSqlite3.Database;
  try {
    if (!memory) mkdirSync(dirname(resolve(url)), { recursive: true });
    sqlite = new BetterSqlite3(memory ? ':memory:' : url);
  } catch (error) {
    throw openError(url, error);
  }
  try {
    if (!memory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    if (!memory) sqlite.pragma('synchronous = NORMAL');
  } catch (error) {
    sqlite.close();
    throw openError(url, error);
  }
  const db = new Kysely<Database>({ dialect: new StoreSqliteDialect({ database: sqlite }) });
  options.log?.(`store: SQLite ${memory ? 'in memory' : resolve(url)}`);
  return new KyselyStore(db, 'sqlite', { log: options.log });
}

function splitSchema(url: string, explicit: string | undefined) {
  let connectionString = url;
  let schema = explicit;
  try {
    const parsed = new URL(url);
    const fromUrl = parsed.searchParams.get('schema');
    if (fromUrl !== null) {
      parsed.searchParams.delete('schema');
      connectionString = parsed.toString();
      schema ??= fromUrl;
    }
  } catch {
    // pg parses what the URL API cannot; such URLs carry no schema parameter we could strip.
  }
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `Invalid PostgreSQL schema name ${JSON.stringify(schema)} for ${redactUrl(url)}: use lowercase letters, digits and underscores`,
    );
  }
  return { connectionString, schema };
}

async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  const { connectionString, schema } = splitSchema(url, options.schema);
  let pool: Pool;
  try {
    // Loaded on demand, so that SQLite users never load the PostgreSQL driver.
    const { default: pg } = await import('pg');
    pool = new pg.Pool({
      connectionString,
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    });
  } catch (error) {
    throw openError(url, error);
  }
  pool.on('error', (error) =>
    options.log?.(`store: idle PostgreSQL client error: ${error.message}`),
  );
  let currentSchema: string;
  try {
    if (schema !== undefined) await createSchema(pool, schema);
    const result = await pool.query<{ schema: string | null }>('select current_schema() as schema');
    const found = result.rows[0]?.schema;
    if (!found) throw new Error('no schema on the search_path exists');
    currentSchema = found;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw openError(url, error);
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  options.log?.(`store: PostgreSQL ${redactUrl(connectionString)} (schema ${currentSchema})`);
  return new KyselyStore(db, 'postgres', { log: options.log, schema: currentSchema });
}

async function createSchema(pool: Pool, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (error) {
    // Two concurrent `create schema if not exists` can still collide on the catalog's unique index.
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
