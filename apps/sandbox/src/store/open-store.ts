import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { Pool } from 'pg';
import { KyselyStore } from './kysely-store.ts';
import { OwnSchemaPostgresDialect } from './migrations.ts';
import { withNamedStatements } from './pg-statements.ts';
import type { Database } from './schema.ts';
import { CredentialsKeyError, credentialsBoxFor, defaultKeyFile } from './secret-box.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  log?: ((msg: string) => void) | undefined;
  /** PostgreSQL only: the schema to hold every table, created if missing (overrides `?schema=`). */
  schema?: string | undefined;
  /**
   * The 32-byte key (base64 or hex) that encrypts the provider credentials at rest. Default:
   * $ACCRUPAY_CREDENTIALS_KEY, else a random key for `:memory:`, else the key file.
   */
  credentialsKey?: string | undefined;
  /**
   * The key file used without a key, created (mode 0600) on first start. Default:
   * `credentials.key` beside a SQLite file; for PostgreSQL `.accrupay/credentials.key` of the
   * working directory.
   */
  credentialsKeyFile?: string | undefined;
  /** The environment to read ACCRUPAY_CREDENTIALS_KEY from. Default process.env. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Told when a status change wrote a webhook event and committed. */
  onEvent?: (() => void) | undefined;
}

const SQLITE_BUSY_TIMEOUT_MS = 5000;
const SQLITE_STATEMENT_CACHE_SIZE = 500;
const PG_CONNECT_TIMEOUT_MS = 10_000;
const PG_URL_FORM = 'postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]';
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

/**
 * The database as Kysely's SQLite driver sees it, preparing each SQL text once: the `max` most
 * recently used statements are kept, so a query the store runs again skips SQLite's parser and
 * planner. Kysely still decides `reader` (rows, including `RETURNING`) or `run` per statement.
 */
export function withStatementCache(
  sqlite: BetterSqlite3.Database,
  max = SQLITE_STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (statements.size >= max) {
          const oldest = statements.keys().next();
          if (!oldest.done) statements.delete(oldest.value);
        }
      }
      statements.set(sql, statement);
      return statement;
    },
  };
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
  if (!memory && isDirectory(url)) {
    throw new Error(
      `Cannot open the database ${url}: it is a directory. Give --db (or DATABASE_URL) a file path, such as ${join(url, 'sandbox.db')}.`,
    );
  }
  if (!memory) {
    try {
      mkdirSync(dirname(resolve(url)), { recursive: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `Cannot open the database ${url}: cannot create its directory ${dirname(resolve(url))} (${reason}). Choose a path whose parents are directories you may write to, with --db (or DATABASE_URL).`,
        { cause: error },
      );
    }
  }
  try {
    sqlite = new BetterSqlite3(memory ? ':memory:' : url);
  } catch (error) {
    throw isReadOnly(error) ? readOnlyError(url, error) : openError(url, error);
  }
  let box: ReturnType<typeof credentialsBoxFor>;
  try {
    if (!memory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    if (!memory) sqlite.pragma('synchronous = NORMAL');
    // A read-only file (or directory) opens and reads fine and fails every write: find out now.
    if (!memory)
      sqlite.exec('begin immediate; create table "__accrupay_write_check" (x); rollback');
    box = credentialsBoxFor({
      key: options.credentialsKey,
      env: options.env,
      memory,
      keyFile: options.credentialsKeyFile ?? defaultKeyFile({ sqliteFile: url }),
    });
  } catch (error) {
    try {
      if (sqlite.inTransaction) sqlite.exec('rollback');
    } catch {
      // Closing discards the transaction anyway.
    }
    sqlite.close();
    if (isReadOnly(error)) throw readOnlyError(url, error);
    throw error instanceof CredentialsKeyError ? error : openError(url, error);
  }
  const db = new Kysely<Database>({
    dialect: new StoreSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  options.log?.(`store: SQLite ${memory ? 'in memory' : resolve(url)}`);
  return new KyselyStore(db, 'sqlite', {
    log: options.log,
    onEvent: options.onEvent,
    credentials: box,
    label: memory ? 'the in-memory database' : resolve(url),
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isReadOnly(error: unknown): boolean {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  return /^SQLITE_(READONLY|CANTOPEN|PERM)/.test(code) || code === 'EACCES' || code === 'EROFS';
}

function readOnlyError(url: string, cause: unknown): Error {
  const file = resolve(url);
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `The database file ${file} is not writable (${reason}). The sandbox writes to it and creates ` +
      `its -wal and -shm files beside it: make the file and its directory ${dirname(file)} ` +
      'writable, or choose another file with --db (or DATABASE_URL).',
    { cause },
  );
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
      // An unreachable host fails the start instead of hanging it.
      connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
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
    await checkPostgresWritable(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (code === '25006' || code === '42501') {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `The PostgreSQL database ${redactUrl(url)} does not accept writes (${reason}): connect to ` +
          'a primary, not a read replica, as a user who may create tables in its schema.',
        { cause: error },
      );
    }
    throw postgresOpenError(url, error);
  }
  let box: ReturnType<typeof credentialsBoxFor>;
  try {
    // Instances sharing one database must share the key: set ACCRUPAY_CREDENTIALS_KEY on each.
    box = credentialsBoxFor({
      key: options.credentialsKey,
      env: options.env,
      memory: false,
      keyFile: options.credentialsKeyFile ?? defaultKeyFile({}),
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: new OwnSchemaPostgresDialect({ pool: withNamedStatements(pool) }, currentSchema),
  });
  options.log?.(`store: PostgreSQL ${redactUrl(connectionString)} (schema ${currentSchema})`);
  return new KyselyStore(db, 'postgres', {
    log: options.log,
    onEvent: options.onEvent,
    schema: currentSchema,
    credentials: box,
    label: `${redactUrl(connectionString)} (schema ${currentSchema})`,
  });
}

/** Fails as PostgreSQL would on the first write of a read-only server or user; writes nothing. */
async function checkPostgresWritable(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('create table "__accrupay_write_check" (x integer)');
  } finally {
    await client.query('rollback').catch(() => undefined);
    client.release();
  }
}

function postgresOpenError(url: string, cause: unknown): Error {
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === 'ERR_INVALID_URL') {
    return new Error(
      `The PostgreSQL URL ${redactUrl(url)} is not a valid URL: write it as ${PG_URL_FORM}, with the password's special characters percent-encoded (--db or DATABASE_URL).`,
      { cause },
    );
  }
  const error = openError(url, cause);
  error.message += `. Check the URL (--db or DATABASE_URL, as ${PG_URL_FORM}) and that PostgreSQL runs there and accepts this user.`;
  return error;
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
