import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Pool, PoolClient } from 'pg';

/** The statements PostgreSQL can prepare; everything else (DDL, begin, commit) runs as sent. */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * A prepared statement the server no longer runs as it was: a `select *` whose table gained a
 * column since (another instance migrated), or a name the server does not know (a connection
 * pooler in front of PostgreSQL moved the session).
 */
function isStalePrepared(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === '0A000' && String(message).includes('cached plan must not change result type')) ||
    code === '26000'
  );
}

/**
 * The pool as Kysely's PostgreSQL driver sees it, each SQL text a named prepared statement on each
 * connection: PostgreSQL parses and plans it once per connection instead of on every call (the
 * hot queries are the same few texts with other values). node-postgres keeps the names per
 * connection and prepares a name the first time a connection runs it.
 *
 * A prepared statement's columns are fixed: after another instance adds a column to a table, a
 * prepared `select *` fails ("cached plan must not change result type"); a pooler may lose a
 * name. Then every name is renewed (so each connection prepares the statement anew) and the
 * statement runs again, unless it was in a transaction, which that error has ended: then the
 * error is the caller's, as any other.
 */
export function withNamedStatements(pool: Pool): PostgresPool {
  let generation = 0;
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (name === undefined) {
      const digest = createHash('sha256').update(sql).digest('hex').slice(0, 24);
      name = `accrupay_${generation}_${digest}`;
      names.set(sql, name);
    }
    return name;
  };
  const renew = () => {
    generation += 1;
    names.clear();
  };

  function wrap(client: PoolClient): PostgresPoolClient {
    let inTransaction = false;
    const prepared = <R>(sql: string, values: unknown[]) =>
      client.query({ name: nameOf(sql), text: sql, values }) as unknown as Promise<
        PostgresQueryResult<R>
      >;
    async function query<R>(
      sql: string,
      parameters: ReadonlyArray<unknown>,
    ): Promise<PostgresQueryResult<R>> {
      if (/^\s*(begin|start transaction)\b/i.test(sql)) inTransaction = true;
      else if (/^\s*(commit|rollback)\s*$/i.test(sql)) inTransaction = false;
      const values = [...parameters];
      if (!PREPARABLE.test(sql)) {
        return client.query(sql, values) as unknown as Promise<PostgresQueryResult<R>>;
      }
      try {
        return await prepared<R>(sql, values);
      } catch (error) {
        if (!isStalePrepared(error)) throw error;
        renew();
        if (inTransaction) throw error;
        return prepared<R>(sql, values);
      }
    }
    return {
      query: ((sql: unknown, parameters?: ReadonlyArray<unknown>) =>
        typeof sql === 'string'
          ? query(sql, parameters ?? [])
          : client.query(sql as never)) as PostgresPoolClient['query'],
      release: () => client.release(),
    };
  }

  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
