import {
  type ClientSessionWire,
  DEFAULT_PAGE_SIZE,
  type FieldIssue,
  MAX_PAGE_SIZE,
  MAX_SKIP,
  type MerchantTransactionWire,
  type PaymentMethodWire,
  type TransactionAction,
  type TransactionProvider,
} from '@accrupay/contracts';
import type {
  MerchantRow,
  PaymentMethodQuery,
  ProviderAccountListRow,
  ProviderAccountQuery,
  RowWindow,
  SessionCursor,
  SessionQuery,
  TransactionQuery,
  WindowPage,
} from '../store/store.ts';
import type { DomainContext } from './context.ts';
import { notFound, RouterError } from './errors.ts';
import { paymentMethodToWire, sessionWires, transactionWire, transactionWires } from './views.ts';

/**
 * The merchant API's lists (GraphQL): offset pages (`take`, `skip`) and Relay connections in both
 * directions (`first`/`after`, `last`/`before`), sorted by createdAt either way, each node the
 * same wire view the REST routes return. The one place where a page request is checked and turned
 * into the store's RowWindow, and a window into a connection.
 */

export type SortOrder = 'ASC' | 'DESC';

/** A page as the caller asked for it: offset or cursor arguments, not both; undefined = not given. */
export interface ListRequest {
  take?: number | undefined;
  skip?: number | undefined;
  first?: number | undefined;
  after?: string | undefined;
  last?: number | undefined;
  before?: string | undefined;
  sorting?: ReadonlyArray<{ field: string; order: SortOrder }> | undefined;
}

export interface Connection<Node> {
  edges: Array<{ node: Node; cursor: string }>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number;
}

/** A merchant's provider record as the merchant API shows it (never its credentials). */
export interface ProviderAccountWire {
  id: string;
  merchantId: string;
  transactionProvider: TransactionProvider;
  createdAt: string;
}

/** How one transaction is named: exactly one of the three identifiers. */
export type TransactionLookup =
  | { id: string }
  | { merchantInternalTransactionCode: string }
  | { providerCode: string };

/** The one field lists sort by. */
const SORT_FIELD = 'createdAt';

function refuse(path: string, message: string): never {
  const issues: FieldIssue[] = [{ path, message }];
  throw new RouterError('VALIDATION_ERROR', `${path}: ${message}`, { issues });
}

function checkSize(name: string, value: number | undefined, min: number, max: number) {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    refuse(name, `must be a whole number from ${min} to ${max}`);
  }
}

/** Cursors are opaque to merchants: base64url of created_at and id. */
export function encodeCursor(cursor: SessionCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`).toString('base64url');
}

/** A cursor this API returned, or a validation error naming the argument that carried it. */
export function decodeCursor(cursor: string, argument = 'after'): SessionCursor {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [createdAt, id, ...rest] = text.split('|');
  if (!createdAt || !id || rest.length > 0 || Number.isNaN(Date.parse(createdAt))) {
    throw new RouterError('VALIDATION_ERROR', `${argument} is not a cursor this API returned`, {
      issues: [
        {
          path: argument,
          message: `must be a ${argument === 'before' ? 'startCursor' : 'endCursor'} (or an edge's cursor) from a previous page`,
        },
      ],
    });
  }
  return { createdAt, id };
}

type Paging =
  | { kind: 'offset'; skip: number }
  | { kind: 'forwards'; after: SessionCursor | undefined }
  | { kind: 'backwards'; before: SessionCursor | undefined };

/** The request checked: one kind of pagination, sizes in range, a sort the store can do. */
export function windowOf(page: ListRequest): { window: RowWindow; paging: Paging } {
  const given = (names: ReadonlyArray<keyof ListRequest>) =>
    names.filter((name) => page[name] !== undefined);
  const offset = given(['take', 'skip']);
  const forwards = given(['first', 'after']);
  const backwards = given(['last', 'before']);
  if (offset.length > 0 && forwards.length + backwards.length > 0) {
    const cursor = [...forwards, ...backwards];
    refuse(
      cursor[0] as string,
      `${offset.join(' and ')} (offset pagination) and ${cursor.join(' and ')} (cursor pagination) cannot be mixed: send take and skip, or first and after, or last and before`,
    );
  }
  if (forwards.length > 0 && backwards.length > 0) {
    refuse(
      backwards[0] as string,
      `${forwards.join(' and ')} page forwards and ${backwards.join(' and ')} backwards: send first and after, or last and before`,
    );
  }
  checkSize('take', page.take, 1, MAX_PAGE_SIZE);
  checkSize('first', page.first, 1, MAX_PAGE_SIZE);
  checkSize('last', page.last, 1, MAX_PAGE_SIZE);
  checkSize('skip', page.skip, 0, MAX_SKIP);
  const order = orderOf(page.sorting);
  if (offset.length > 0 || (forwards.length === 0 && backwards.length === 0)) {
    const skip = page.skip ?? 0;
    return {
      window: { order, limit: page.take ?? DEFAULT_PAGE_SIZE, skip, backwards: false },
      paging: { kind: 'offset', skip },
    };
  }
  if (forwards.length > 0) {
    const after = page.after === undefined ? undefined : decodeCursor(page.after, 'after');
    return {
      window: {
        order,
        limit: page.first ?? DEFAULT_PAGE_SIZE,
        skip: 0,
        cursor: after,
        backwards: false,
      },
      paging: { kind: 'forwards', after },
    };
  }
  const before = page.before === undefined ? undefined : decodeCursor(page.before, 'before');
  return {
    window: {
      order,
      limit: page.last ?? DEFAULT_PAGE_SIZE,
      skip: 0,
      cursor: before,
      backwards: true,
    },
    paging: { kind: 'backwards', before },
  };
}

function orderOf(sorting: ListRequest['sorting']): 'asc' | 'desc' {
  if (sorting === undefined || sorting.length === 0) return 'desc';
  if (sorting.length > 1) refuse('sorting', `sort by one field, ${SORT_FIELD}`);
  const [sort] = sorting as [{ field: string; order: SortOrder }];
  if (sort.field !== SORT_FIELD) {
    refuse('sorting.0.field', `the sandbox sorts by ${SORT_FIELD} only; got ${sort.field}`);
  }
  return sort.order === 'ASC' ? 'asc' : 'desc';
}

/** A window of rows as a connection: each row's node and cursor, and where the page stands. */
export async function connectionOf<Row extends { id: string; created_at: string }, Node>(
  page: WindowPage<Row>,
  paging: Paging,
  toNodes: (rows: Row[]) => Node[] | Promise<Node[]>,
): Promise<Connection<Node>> {
  const nodes = await toNodes(page.rows);
  const edges = page.rows.map((row, index) => ({
    node: nodes[index] as Node,
    cursor: encodeCursor({ createdAt: row.created_at, id: row.id }),
  }));
  const more = page.hasMore;
  const [hasPreviousPage, hasNextPage] =
    paging.kind === 'offset'
      ? [paging.skip > 0, more]
      : paging.kind === 'forwards'
        ? [paging.after !== undefined, more]
        : [more, paging.before !== undefined];
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: page.total,
  };
}

// --- the use cases ---------------------------------------------------------------------------

/** A list's one reading: the request checked into a window, the store's rows, the connection. */
async function listed<Row extends { id: string; created_at: string }, Node>(
  page: ListRequest,
  read: (window: RowWindow) => Promise<WindowPage<Row>>,
  toNodes: (rows: Row[]) => Node[] | Promise<Node[]>,
): Promise<Connection<Node>> {
  const { window, paging } = windowOf(page);
  return connectionOf(await read(window), paging, toNodes);
}

export async function sessionConnection(
  ctx: DomainContext,
  merchant: MerchantRow,
  query: SessionQuery,
  page: ListRequest,
): Promise<Connection<ClientSessionWire>> {
  return listed(
    page,
    (window) => ctx.store.sessionWindow(merchant.id, query, window),
    (sessions) => sessionWires(ctx, sessions),
  );
}

export async function transactionConnection(
  ctx: DomainContext,
  merchant: MerchantRow,
  query: TransactionQuery,
  page: ListRequest,
): Promise<Connection<MerchantTransactionWire>> {
  return listed(
    page,
    (window) => ctx.store.transactionWindow(merchant.id, query, window),
    (transactions) => transactionWires(ctx, transactions),
  );
}

/**
 * One transaction by id, or the newest by merchant or provider code: with `actions`, the newest
 * of those actions (the authorization a settle names by its code), else the newest without a
 * parent (the payment, not its settle).
 */
export async function findTransaction(
  ctx: DomainContext,
  merchant: MerchantRow,
  lookup: TransactionLookup,
  options: { actions?: readonly TransactionAction[] } = {},
): Promise<MerchantTransactionWire> {
  const [key, value] = Object.entries(lookup)[0] as [string, string];
  const what = `Transaction with ${key} ${value}`;
  if ('id' in lookup) {
    const row = await ctx.store.findTransaction(merchant.id, lookup.id);
    if (!row) throw notFound(what);
    return transactionWire(ctx, row);
  }
  const query: TransactionQuery =
    options.actions === undefined
      ? { ...lookup, parentTransactionId: null }
      : { ...lookup, actions: options.actions };
  const { rows } = await ctx.store.transactionWindow(merchant.id, query, {
    order: 'desc',
    limit: 1,
    skip: 0,
    backwards: false,
  });
  const row = rows[0];
  if (!row) throw notFound(options.actions ? `${what} (${options.actions.join(' or ')})` : what);
  return transactionWire(ctx, row);
}

export async function paymentMethodConnection(
  ctx: DomainContext,
  merchant: MerchantRow,
  query: PaymentMethodQuery,
  page: ListRequest,
): Promise<Connection<PaymentMethodWire>> {
  return listed(
    page,
    (window) => ctx.store.paymentMethodWindow(merchant.id, query, window),
    (methods) => methods.map(paymentMethodToWire),
  );
}

export async function getPaymentMethod(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
): Promise<PaymentMethodWire> {
  const row = await ctx.store.findPaymentMethod(merchant.id, id);
  if (!row) throw notFound(`Payment method ${id}`);
  return paymentMethodToWire(row);
}

function providerAccountToWire(row: ProviderAccountListRow): ProviderAccountWire {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    transactionProvider: row.provider,
    createdAt: row.created_at,
  };
}

export async function providerAccountConnection(
  ctx: DomainContext,
  merchant: MerchantRow,
  query: ProviderAccountQuery,
  page: ListRequest,
): Promise<Connection<ProviderAccountWire>> {
  return listed(
    page,
    (window) => ctx.store.providerAccountWindow(merchant.id, query, window),
    (accounts) => accounts.map(providerAccountToWire),
  );
}

/** Every provider record of the merchant, oldest first (a merchant has a handful). */
export async function providerAccounts(
  ctx: DomainContext,
  merchant: MerchantRow,
): Promise<ProviderAccountWire[]> {
  const { rows } = await ctx.store.providerAccountWindow(
    merchant.id,
    {},
    { order: 'asc', limit: MAX_PAGE_SIZE, skip: 0, backwards: false },
  );
  return rows.map(providerAccountToWire);
}

export async function getProviderAccount(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
): Promise<ProviderAccountWire> {
  const { rows } = await ctx.store.providerAccountWindow(
    merchant.id,
    { id },
    { order: 'asc', limit: 1, skip: 0, backwards: false },
  );
  const row = rows[0];
  if (!row) throw notFound(`Provider record ${id}`);
  return providerAccountToWire(row);
}
