import { type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { OffsetPage, PageRequest, RowWindow, SessionCursor, WindowPage } from './store.ts';

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
  const { rows, total } = await windowPage(query, {
    order: 'desc',
    limit: page.take,
    skip: page.skip,
    backwards: false,
  });
  return { rows, total };
}

/** Rows strictly beyond the cursor when read in `order` (created_at, then id). */
function beyond(cursor: SessionCursor, order: 'asc' | 'desc') {
  const op = sql.raw(order === 'desc' ? '<' : '>');
  return sql<SqlBool>`(${CREATED_AT} ${op} ${cursor.createdAt} or (${CREATED_AT} = ${cursor.createdAt} and ${ID} ${op} ${cursor.id}))`;
}

/**
 * Every list's one reading of a window (see RowWindow): forwards, the `limit` rows after the
 * cursor (or from the start) once `skip` are skipped; backwards, the `limit` rows just before the
 * cursor (or at the end), still in `order`. One extra row is read to tell whether more lie beyond;
 * `total` ignores the cursor and the skip.
 */
export async function windowPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  window: RowWindow,
): Promise<WindowPage<O>> {
  const readOrder = window.backwards ? (window.order === 'asc' ? 'desc' : 'asc') : window.order;
  const from = window.cursor === undefined ? query : query.where(beyond(window.cursor, readOrder));
  const [read, total] = await Promise.all([
    from
      .orderBy(CREATED_AT, readOrder)
      .orderBy(ID, readOrder)
      .limit(window.limit + 1)
      .offset(window.skip)
      .execute(),
    countOf(query),
  ]);
  const hasMore = read.length > window.limit;
  const rows = hasMore ? read.slice(0, window.limit) : read;
  if (window.backwards) rows.reverse();
  return { rows, total, hasMore };
}

/**
 * Every column equal to its value, the undefined ones left out: a list's filters, as a condition.
 * `Row` names the columns.
 */
export function equalAll<Row>(values: { [C in keyof Row]?: Row[C] | undefined }) {
  const test = tests<Record<string, unknown>>();
  return allOf(Object.entries(values).map(([column, value]) => test.eq(column, value)));
}

type Condition = RawBuilder<SqlBool>;

/** The conditions a list's filters become, on the columns of `Row`; an undefined filter is none. */
export function tests<Row>() {
  type Column = keyof Row & string;
  const ref = (column: Column) => sql.ref(column);
  const isIn = <C extends Column>(column: C, values: readonly Row[C][]): Condition =>
    values.length === 0
      ? sql<SqlBool>`1 = 0`
      : sql<SqlBool>`${ref(column)} in (${sql.join(values)})`;
  return {
    eq: <C extends Column>(column: C, value: Row[C] | undefined) =>
      value === undefined ? undefined : sql<SqlBool>`${ref(column)} = ${value}`,
    oneOf: <C extends Column>(column: C, values: readonly Row[C][] | undefined) =>
      values === undefined ? undefined : isIn(column, values),
    atLeast: <C extends Column>(column: C, value: Row[C] | undefined) =>
      value === undefined ? undefined : sql<SqlBool>`${ref(column)} >= ${value}`,
    atMost: <C extends Column>(column: C, value: Row[C] | undefined) =>
      value === undefined ? undefined : sql<SqlBool>`${ref(column)} <= ${value}`,
    isIn,
    isNull: (column: Column): Condition => sql<SqlBool>`${ref(column)} is null`,
    /** A yes/no filter: `test` when true, its negation when false, nothing when undefined. */
    when: (flag: boolean | undefined, test: Condition) =>
      flag === undefined ? undefined : flag ? test : sql<SqlBool>`not (${test})`,
  };
}

/** All the conditions at once (none: every row). */
export function allOf(conditions: ReadonlyArray<Condition | undefined>): Condition {
  const kept = conditions.filter((condition) => condition !== undefined);
  return kept.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(kept, sql` and `)})`;
}

/** A page with each row read through `read` (a table's JSON columns parsed, say). */
export function mapRows<P extends OffsetPage<unknown>, Row>(
  page: P,
  read: (row: P['rows'][number]) => Row,
): Omit<P, 'rows'> & { rows: Row[] } {
  return { ...page, rows: page.rows.map(read) };
}
