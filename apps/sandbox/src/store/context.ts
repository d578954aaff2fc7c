import type { Compilable, CompiledQuery, Kysely, Selectable } from 'kysely';
import { forUpdate, inTransaction, writeStatusEvent } from './events.ts';
import { parseRow } from './json-columns.ts';
import type { Database } from './schema.ts';
import type { SecretBox } from './secret-box.ts';
import type {
  GuardedUpdate,
  SessionPatch,
  SessionRow,
  TransactionPatch,
  TransactionRow,
} from './store.ts';
import type { StoreDialect, UniqueIndex } from './tables.ts';

/** What every table's queries share: the database, its dialect, and the credentials' key. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  readonly log: ((msg: string) => void) | undefined;
  /** Encrypts the provider credentials at rest. */
  readonly box: SecretBox;
  /** The database, as messages name it (a path, or a URL without its password). */
  readonly label: string;
  /** Told when an event was written and committed: a hint to deliver soon. */
  readonly onEvent?: (() => void) | undefined;
  /**
   * Rows that never change once written (provider records), opened once per process by id;
   * emptied when the tables are truncated.
   */
  readonly immutableRows: Map<string, unknown>;
}

/** Stands for the call's `i`-th value while a {@link reusedSelect} is compiled. */
const slot = (i: number) => `@@accrupay-slot-${i}@@`;
const SLOT = /^@@accrupay-slot-(\d+)@@$/;

interface Reused<Row> {
  compiled: CompiledQuery<Row>;
  /** Per parameter of the compiled query: the index of the call's value, or a constant. */
  sources: ({ arg: number } | { value: unknown })[];
}

/**
 * A SELECT of fixed shape, built and compiled by Kysely once per dialect, then run with each
 * call's values: the same SQL text and the same parameters as building it anew, without the
 * building (a tree of frozen nodes) and the compiling (a visit of that tree) of every call.
 * `build` gets stand-ins for the values, each of which must become one bound parameter. `db` may
 * be the database or one of its transactions; with plugins it is built anew each time.
 */
export function reusedSelect<Args extends readonly unknown[], Row>(
  build: (
    db: Kysely<Database>,
    ...args: { [K in keyof Args]: string }
  ) => Compilable<Row> & { execute(): Promise<Row[]> },
): (db: Kysely<Database>, ...args: Args) => Promise<Row[]> {
  // By the dialect's adapter class: SQLite and PostgreSQL stores may share a process.
  const byDialect = new Map<unknown, Reused<Row>>();
  const compile = (db: Kysely<Database>, count: number): Reused<Row> => {
    const stand = Array.from({ length: count }, (_, i) => slot(i)) as {
      [K in keyof Args]: string;
    };
    const compiled = build(db, ...stand).compile();
    const seen = new Set<number>();
    const sources = compiled.parameters.map((value) => {
      const match = typeof value === 'string' ? SLOT.exec(value) : null;
      if (!match) return { value };
      const arg = Number(match[1]);
      if (seen.has(arg))
        throw new Error(`reusedSelect: value ${arg} bound twice in ${compiled.sql}`);
      seen.add(arg);
      return { arg };
    });
    if (seen.size !== count)
      throw new Error(`reusedSelect: each value must be one parameter of ${compiled.sql}`);
    return { compiled, sources };
  };
  return async (db, ...args) => {
    const executor = db.getExecutor();
    if (executor.plugins.length > 0) return build(db, ...(args as never)).execute();
    const dialect = executor.adapter.constructor;
    let reused = byDialect.get(dialect);
    if (reused === undefined) {
      reused = compile(db, args.length);
      byDialect.set(dialect, reused);
    }
    const parameters = reused.sources.map((source) =>
      'arg' in source ? args[source.arg] : source.value,
    );
    const result = await db.executeQuery<Row>({ ...reused.compiled, parameters });
    return result.rows;
  };
}

/** Whether an UPDATE changed a row: the outcome of a compare-and-set. */
export function changed(result: { numUpdatedRows: bigint } | undefined): boolean {
  return (result?.numUpdatedRows ?? 0n) > 0n;
}

/** Whether an INSERT ... ON CONFLICT DO UPDATE wrote a row. */
export function written(result: { numInsertedOrUpdatedRows?: bigint | undefined }): boolean {
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** The defined fields of `source` among `keys`: what a patch may set. */
export function pick<T extends object, K extends keyof T>(
  source: T,
  keys: readonly K[],
): Partial<T> {
  const out: Partial<T> = {};
  for (const key of keys) {
    if (source[key] !== undefined) out[key] = source[key];
  }
  return out;
}

/** Whether `error` is a violation of one of these unique indexes, in either dialect. */
export function isUniqueViolation(
  dialect: StoreDialect,
  error: unknown,
  indexes: readonly UniqueIndex[],
): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  if (dialect === 'postgres') {
    return code === '23505' && indexes.some((index) => index.name === constraint);
  }
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE') return false;
  // SQLite names the columns, not the index: "UNIQUE constraint failed: table.a, table.b".
  const failed = String((error as { message?: unknown }).message).replace(/^.*?failed: /, '');
  return indexes.some(
    (index) => failed === index.columns.map((column) => `${index.table}.${column}`).join(', '),
  );
}

/** Runs `write`; a violation of one of `indexes` is `conflict` instead of an error. */
export async function orConflict<T, C>(
  ctx: StoreContext,
  indexes: readonly UniqueIndex[],
  conflict: C,
  write: () => Promise<T>,
): Promise<T | C> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(ctx.dialect, error, indexes)) return conflict;
    throw error;
  }
}

/** The columns a compare-and-set may change, by table: nothing else of a patch is written. */
const PATCHABLE = {
  client_sessions: ['status', 'transaction_id', 'payment_method_id', 'provider_code', 'updated_at'],
  transactions: [
    'status',
    'provider_code',
    'payment_method_id',
    'error_code',
    'error_message',
    'amount',
    'settled_amount',
    'updated_at',
  ],
} as const satisfies {
  client_sessions: readonly (keyof SessionPatch)[];
  transactions: readonly (keyof TransactionPatch)[];
};

/** A row of `table` as stored (its JSON columns text): what a compare-and-set reads and returns. */
type StoredOf<T extends keyof typeof PATCHABLE> = Selectable<Database[T]>;

/**
 * Compare-and-set: applies `values` to the row `id` of `table` only if its status is one of
 * `from`; whether it did. A change of status writes its event to the outbox (events.ts) in the
 * same database transaction.
 */
export async function updateIf<T extends keyof typeof PATCHABLE>(
  ctx: StoreContext,
  table: T,
  id: string,
  from: readonly (SessionRow['status'] | TransactionRow['status'])[],
  patch: T extends 'client_sessions' ? SessionPatch : TransactionPatch,
): Promise<boolean> {
  return (await updateRowIf(ctx, table, id, from, patch)) !== undefined;
}

/**
 * {@link updateIf}, returning the row as the write left it (undefined: it did not move). Given the
 * status the caller last read (`observed`, one of `from`), it first writes the row while it is
 * still in that status, in one statement that returns it: the status the event moves from is
 * then known without reading the row first. When the row has moved since, it falls back to
 * reading it (locked on PostgreSQL) and writing it if its status is still one of `from`.
 */
export async function updateRowIf<T extends keyof typeof PATCHABLE>(
  ctx: StoreContext,
  table: T,
  id: string,
  from: readonly (SessionRow['status'] | TransactionRow['status'])[],
  patch: T extends 'client_sessions' ? SessionPatch : TransactionPatch,
  observed?: SessionRow['status'] | TransactionRow['status'],
): Promise<StoredOf<T> | undefined> {
  if (from.length === 0) return undefined;
  const columns: readonly string[] = PATCHABLE[table];
  const values = pick(patch as Record<string, unknown>, columns) as SessionPatch & TransactionPatch;
  const name = table as keyof typeof PATCHABLE;
  const update = (db: Kysely<Database>, statuses: readonly string[]) =>
    db
      .updateTable(name)
      .set(values)
      .where('id', '=', id)
      .where('status', 'in', statuses as never)
      .returningAll()
      .executeTakeFirst() as Promise<StoredOf<T> | undefined>;
  if (values.status === undefined) return update(ctx.db, from);
  let wrote = false;
  const after = await inTransaction(ctx.db, async (trx) => {
    if (observed !== undefined && from.includes(observed)) {
      const written = await update(trx, [observed]);
      if (written !== undefined) {
        wrote = await writeStatusEvent(trx, name, written as never, observed);
        return written;
      }
    }
    const before = (await forUpdate(
      ctx.dialect,
      trx.selectFrom(name).selectAll().where('id', '=', id),
    ).executeTakeFirst()) as Record<string, unknown> | undefined;
    if (before === undefined || !from.includes(before.status as never)) return undefined;
    const written = await update(trx, from);
    if (written === undefined) return undefined;
    wrote = await writeStatusEvent(trx, name, written as never, String(before.status));
    return written;
  });
  // A caller that runs this in its own transaction gives a ctx whose onEvent waits for its commit.
  if (wrote) ctx.onEvent?.();
  return after;
}

/** The updateRowIf a {@link GuardedUpdate} describes; the row as the domain sees it. */
export async function updateOneIf(
  ctx: StoreContext,
  update: GuardedUpdate,
): Promise<SessionRow | TransactionRow | undefined> {
  if (update.table === 'transactions') {
    return updateRowIf(ctx, 'transactions', update.id, update.from, update.patch, update.observed);
  }
  const row = await updateRowIf(
    ctx,
    'client_sessions',
    update.id,
    update.from,
    update.patch,
    update.observed,
  );
  return row && parseRow('client_sessions', row);
}

/**
 * `work` in one database transaction (or in the one `ctx.db` already is), given a context on that
 * transaction whose compare-and-sets tell the webhook worker of an event they wrote only once it
 * has committed.
 */
export async function withinTransaction<T>(
  ctx: StoreContext,
  work: (inner: StoreContext) => Promise<T>,
): Promise<T> {
  let wrote = false;
  const result = await inTransaction(ctx.db, (trx) =>
    work({
      ...ctx,
      db: trx,
      onEvent: () => {
        wrote = true;
      },
    }),
  );
  if (wrote) ctx.onEvent?.();
  return result;
}
