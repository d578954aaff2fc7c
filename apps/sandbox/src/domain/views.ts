import type {
  ClientSessionWire,
  Currency,
  MerchantTransactionWire,
  PaymentMethodBrand,
  PaymentMethodWire,
  PublicClientSessionWire,
} from '@accrupay/contracts';
import { SESSION_TYPE_ACTION } from '@accrupay/contracts';
import type {
  EventObjectRows,
  MerchantRow,
  OffsetPage,
  PageRequest,
  PaymentMethodRow,
  SessionRow,
  Store,
  TransactionRow,
} from '../store/store.ts';
import type { DomainContext } from './context.ts';
import { RouterError } from './errors.ts';

/** Rows as the merchant and the browser see them (row -> wire), and the batched reads behind them. */

type Wire<T> = T;

/** Which provider account a row belongs to, as every wire view names it. */
function providerAccount(
  row: Pick<PaymentMethodRow, 'provider' | 'merchant_transaction_provider_id'>,
) {
  return {
    transactionProvider: row.provider,
    merchantTransactionProviderId: row.merchant_transaction_provider_id,
  };
}

function paymentMethodOrNull(row: PaymentMethodRow | undefined): PaymentMethodWire | null {
  return row ? paymentMethodToWire(row) : null;
}

export function paymentMethodToWire(row: PaymentMethodRow): Wire<PaymentMethodWire> {
  return {
    id: row.id,
    ...providerAccount(row),
    merchantInternalCustomerCode: row.merchant_internal_customer_code,
    brand: row.brand as PaymentMethodBrand,
    last4: row.last4,
    expiryMonth: row.expiry_month,
    expiryYear: row.expiry_year,
    billingCountry: row.billing_country as PaymentMethodWire['billingCountry'],
    createdAt: row.created_at,
  };
}

export function transactionToWire(
  row: TransactionRow,
  paymentMethod: PaymentMethodRow | undefined,
): MerchantTransactionWire {
  return {
    id: row.id,
    status: row.status,
    action: row.action,
    amount: row.amount,
    currency: row.currency as Currency,
    ...providerAccount(row),
    merchantInternalTransactionCode: row.merchant_internal_transaction_code,
    merchantInternalCustomerCode: row.merchant_internal_customer_code,
    paymentMethod: paymentMethodOrNull(paymentMethod),
    providerCode: row.provider_code,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    sessionId: row.session_id,
    parentTransactionId: row.parent_transaction_id,
    settledAmount: row.settled_amount,
    refundedAmount: row.refunded_amount,
    refundedAt: row.refunded_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function sessionToWire(
  row: SessionRow,
  transactions: MerchantTransactionWire[],
  paymentMethod: PaymentMethodRow | undefined,
): ClientSessionWire {
  return {
    // What the browser sees (id, token, status, kind, type, amount, currency, expiresAt), and more.
    ...sessionToPublicWire(row),
    tokenExpiresAt: row.token_expires_at,
    action: row.action ?? SESSION_TYPE_ACTION[row.type],
    merchantInternalTransactionCode: row.merchant_internal_transaction_code,
    merchantInternalCustomerCode: row.merchant_internal_customer_code,
    ...providerAccount(row),
    transactionProviderId: row.merchant_transaction_provider_id,
    providerCode: row.provider_code,
    storePaymentMethod: row.store_payment_method === 1,
    billing: row.billing,
    payload: row.payload,
    paymentMethod: paymentMethodOrNull(paymentMethod),
    transactionId: row.transaction_id,
    transactions,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function sessionToPublicWire(row: SessionRow): PublicClientSessionWire {
  return {
    id: row.id,
    token: row.token ?? '',
    status: row.status,
    kind: row.kind,
    type: row.type,
    amount: row.amount,
    currency: row.currency as Currency,
    transactionProvider: row.provider,
    expiresAt: row.token_expires_at,
  };
}

// --- loading the rows a wire view needs, a page at a time ------------------------------------

/**
 * The wire views of a page of sessions, from two reads whatever the page size: every session's
 * transactions (its own and its settle or void) in one, every payment method they name in one.
 */
export async function sessionWires(
  ctx: DomainContext,
  sessions: readonly SessionRow[],
): Promise<ClientSessionWire[]> {
  if (sessions.length === 0) return [];
  const transactions = await ctx.store.listTransactionsOfSessions(sessions.map((row) => row.id));
  const methods = await paymentMethodsOf(ctx, [...sessions, ...transactions]);
  const bySession = transactionsBySession(transactions);
  return sessions.map((session) =>
    sessionToWire(
      session,
      (bySession.get(session.id) ?? []).map((row) => transactionToWire(row, methods(row))),
      methods(session),
    ),
  );
}

export async function sessionWire(
  ctx: DomainContext,
  session: SessionRow,
): Promise<ClientSessionWire> {
  const [wire] = await sessionWires(ctx, [session]);
  if (!wire) throw new RouterError('INTERNAL_ERROR', `no wire view of session ${session.id}`);
  return wire;
}

/** The wire views of a page of transactions, with one read for their payment methods. */
export async function transactionWires(
  ctx: DomainContext,
  transactions: readonly TransactionRow[],
): Promise<MerchantTransactionWire[]> {
  const methods = await paymentMethodsOf(ctx, transactions);
  return transactions.map((row) => transactionToWire(row, methods(row)));
}

export async function transactionWire(
  ctx: DomainContext,
  transaction: TransactionRow,
): Promise<MerchantTransactionWire> {
  const [wire] = await transactionWires(ctx, [transaction]);
  if (!wire)
    throw new RouterError('INTERNAL_ERROR', `no wire view of transaction ${transaction.id}`);
  return wire;
}

/**
 * A merchant's offset-paged list as wire views: the store's page (rows and total), then the
 * rows' views in batches.
 */
export function merchantList<Filter, Row, Wire>(
  read: (
    store: Store,
    merchantId: string,
    filter: Filter,
    page: PageRequest,
  ) => Promise<OffsetPage<Row>>,
  toWires: (ctx: DomainContext, rows: Row[]) => Wire[] | Promise<Wire[]>,
) {
  return async (
    ctx: DomainContext,
    merchant: MerchantRow,
    filter: Filter,
    page: PageRequest,
  ): Promise<{ data: Wire[]; total: number }> => {
    const { rows, total } = await read(ctx.store, merchant.id, filter, page);
    return { data: await toWires(ctx, rows), total };
  };
}

type NamesPaymentMethod = Pick<SessionRow | TransactionRow, 'merchant_id' | 'payment_method_id'>;

/** The payment method each row names, read at once; a method of another merchant is none. */
async function paymentMethodsOf(
  ctx: DomainContext,
  rows: readonly NamesPaymentMethod[],
): Promise<(row: NamesPaymentMethod) => PaymentMethodRow | undefined> {
  const ids = [...new Set(rows.flatMap((row) => row.payment_method_id ?? []))];
  const found = ids.length === 0 ? [] : await ctx.store.findPaymentMethodsByIds(ids);
  const byId = new Map(found.map((method) => [method.id, method]));
  return (row) => {
    const method = row.payment_method_id ? byId.get(row.payment_method_id) : undefined;
    return method?.merchant_id === row.merchant_id ? method : undefined;
  };
}

/** Groups transactions (oldest first) by session: a settle or void goes with its parent's session. */
function transactionsBySession(transactions: readonly TransactionRow[]) {
  const sessionOfRoot = new Map(
    transactions.flatMap((row) =>
      row.parent_transaction_id === null && row.session_id !== null
        ? [[row.id, row.session_id] as const]
        : [],
    ),
  );
  const bySession = new Map<string, TransactionRow[]>();
  for (const row of transactions) {
    const parentSession =
      row.parent_transaction_id === null ? undefined : sessionOfRoot.get(row.parent_transaction_id);
    for (const sessionId of new Set([row.session_id, parentSession])) {
      if (sessionId === null || sessionId === undefined) continue;
      const rows = bySession.get(sessionId);
      if (rows) rows.push(row);
      else bySession.set(sessionId, [row]);
    }
  }
  return bySession;
}

/** The wire views of events' objects, as their rows stood, with one read for their payment methods. */
export async function snapshotWires(
  ctx: DomainContext,
  snapshots: readonly EventObjectRows[],
): Promise<(ClientSessionWire | MerchantTransactionWire | Record<string, unknown>)[]> {
  const rows = snapshots.flatMap((item) =>
    'resource' in item
      ? []
      : 'session' in item
        ? [item.session, ...item.transactions]
        : [item.transaction],
  );
  const methods = await paymentMethodsOf(ctx, rows);
  return snapshots.map((item) =>
    'resource' in item
      ? item.resource
      : 'session' in item
        ? sessionToWire(
            item.session,
            item.transactions.map((row) => transactionToWire(row, methods(row))),
            methods(item.session),
          )
        : transactionToWire(item.transaction, methods(item.transaction)),
  );
}
