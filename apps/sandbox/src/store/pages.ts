import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { CursorPage, OffsetPage, PageRequest, SessionCursor } from './store.ts';

const CREATED_AT = sql.ref<string>('created_at');
const ID = sql.ref<string>('id');

/** Newest first: created_at desc, then id desc, the order of every page and cursor. */
export function newestFirst<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) {
  return query.orderBy(CREATED_AT, 'desc').orderBy(ID, 'desc');
}

/** The newest row the query finds. */
export function newest<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>) {
  return newestFirst(query).limit(1).executeTakeFirst();
}

/** How many rows the query's filters keep. */
async function countOf<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
): Promise<number> {
  const row = await query
    .clearSelect()
    .select(sql`count(*)`.as('count'))
    .$castTo<{ count: string | number | bigint }>()
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** One page of `take` rows after `skip`, newest first, and how many there are in all. */
export async function offsetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: PageRequest,
): Promise<OffsetPage<O>> {
  const [rows, total] = await Promise.all([
    newestFirst(query).limit(page.take).offset(page.skip).execute(),
    countOf(query),
  ]);
  return { rows, total };
}

/**
 * The `first` rows strictly after the cursor (or from the newest), newest first; `total` ignores
 * the cursor.
 */
export async function cursorPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: { first: number; after?: SessionCursor | undefined },
): Promise<CursorPage<O>> {
  const after = page.after;
  const from =
    after === undefined
      ? query
      : query.where(
          sql<SqlBool>`(${CREATED_AT} < ${after.createdAt} or (${CREATED_AT} = ${after.createdAt} and ${ID} < ${after.id}))`,
        );
  const [rows, total] = await Promise.all([
    newestFirst(from)
      .limit(page.first + 1)
      .execute(),
    countOf(query),
  ]);
  const hasNextPage = rows.length > page.first;
  return { rows: hasNextPage ? rows.slice(0, page.first) : rows, total, hasNextPage };
}

/**
 * Every column equal to its value, the undefined ones left out: a list's filters, as a condition.
 * `Row` names the columns.
 */
export function equalAll<Row>(values: { [C in keyof Row]?: Row[C] | undefined }) {
  const conditions = Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => sql<SqlBool>`${sql.ref(column)} = ${value}`);
  return sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
}

/** A page with each row read through `read` (a table's JSON columns parsed, say). */
export function mapRows<P extends OffsetPage<unknown>, Row>(
  page: P,
  read: (row: P['rows'][number]) => Row,
): Omit<P, 'rows'> & { rows: Row[] } {
  return { ...page, rows: page.rows.map(read) };
}
