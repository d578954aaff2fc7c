import { isLiveSessionStatus, type SessionRow, type TransactionRow } from '../../store/store.ts';
import { createdAfter, type DomainContext, nowIso } from '../context.ts';
import { RouterError } from '../errors.ts';
import { newId, newSessionId } from '../ids.ts';
import { moveSession, moveTransaction } from '../transitions.ts';

/**
 * A merchant's code (merchantInternalTransactionCode) and the sessions that hold it: the same code
 * with the same request is the same session; a code held by a live session with other data is a
 * conflict; a start the provider never answered frees its code after a while (ERROR).
 */

/** What a new session is made of; the rest (id, PENDING, no provider data yet) is the same for all. */
export type NewSession = Pick<
  SessionRow,
  | 'merchant_id'
  | 'merchant_transaction_provider_id'
  | 'provider'
  | 'type'
  | 'kind'
  | 'action'
  | 'amount'
  | 'currency'
  | 'merchant_internal_transaction_code'
  | 'merchant_internal_customer_code'
  | 'store_payment_method'
  | 'customer_payment_method_id'
  | 'request_hash'
  | 'payment_method_id'
  | 'billing'
>;

/** Marks a lost race for a code: the caller's loop reads the code's session again. */
export const RETRY = Symbol('retry');

/**
 * Runs one attempt at a time until it returns something else than RETRY (another request took
 * the code between the read and the insert); after five, 409.
 */
export async function untilCodeSettles<T>(
  code: string,
  what: string,
  attempt: () => Promise<T | typeof RETRY>,
): Promise<T> {
  for (let tries = 0; tries < 5; tries++) {
    const result = await attempt();
    if (result !== RETRY) return result;
  }
  throw new RouterError(
    'IDEMPOTENCY_KEY_IN_USE',
    `Concurrent ${what} with merchantInternalTransactionCode ${code}; retry in a moment.`,
  );
}

/**
 * The code's newest session: `live` when it still holds the code (then it must be this very
 * request's, else a conflict), `previous` when a new session may take the code.
 */
export async function sessionHoldingCode(
  ctx: DomainContext,
  merchantId: string,
  code: string,
  request: Pick<SessionRow, 'request_hash' | 'kind'>,
): Promise<{ live: SessionRow } | { live?: undefined; previous: SessionRow | undefined }> {
  const existing = await ctx.store.findSession(merchantId, {
    merchantInternalTransactionCode: code,
  });
  if (!existing || !isLiveSessionStatus(existing.status)) {
    return { previous: existing };
  }
  if (existing.request_hash !== request.request_hash || existing.kind !== request.kind) {
    throw codeConflict(existing);
  }
  return { live: existing };
}

/** Inserts a new PENDING session with its PENDING transaction; RETRY if another took the code. */
export async function insertNewSession(
  ctx: DomainContext,
  previous: SessionRow | undefined,
  fields: NewSession,
): Promise<SessionRow | typeof RETRY> {
  const now = createdAfter(ctx, previous);
  const transactionId = newId('txn');
  const row: SessionRow = {
    ...fields,
    id: newSessionId(),
    status: 'PENDING',
    token: null,
    token_expires_at: null,
    provider_code: null,
    payload: {},
    transaction_id: transactionId,
    created_at: now,
    updated_at: now,
  };
  const inserted = await ctx.store.insertSession(row, sessionTransactionRow(row, transactionId));
  return inserted === 'conflict' ? RETRY : row;
}

/** A session's own transaction as it starts: PENDING, with the session's amount and codes. */
export function sessionTransactionRow(session: SessionRow, transactionId: string): TransactionRow {
  return {
    id: transactionId,
    merchant_id: session.merchant_id,
    session_id: session.id,
    parent_transaction_id: null,
    merchant_transaction_provider_id: session.merchant_transaction_provider_id,
    provider: session.provider,
    action: session.action,
    status: 'PENDING',
    amount: session.amount,
    currency: session.currency,
    settled_amount: null,
    refunded_amount: null,
    refunded_at: null,
    merchant_internal_transaction_code: session.merchant_internal_transaction_code,
    merchant_internal_customer_code: session.merchant_internal_customer_code,
    provider_code: session.provider_code,
    // A charge of a stored method names that method from the start; a card payment once paid.
    payment_method_id: session.payment_method_id ?? session.customer_payment_method_id,
    error_code: null,
    error_message: null,
    created_at: session.created_at,
    updated_at: session.created_at,
  };
}

function codeConflict(existing: SessionRow): RouterError {
  const code = existing.merchant_internal_transaction_code;
  if (existing.status === 'COMPLETED') {
    return new RouterError(
      'CONFLICT',
      `merchantInternalTransactionCode ${code} already has a completed session (${existing.id}); a paid purchase never takes a new session. Use a new code for a new purchase.`,
      { details: { sessionId: existing.id, status: existing.status } },
    );
  }
  const until = existing.token_expires_at
    ? ` The provider keeps it payable until ${existing.token_expires_at}, so a new session for this code is refused until then (after a declined card the customer can try another in the same form).`
    : '';
  return new RouterError(
    'CONFLICT',
    `merchantInternalTransactionCode ${code} already has an open session (${existing.id}) with different data.${until} Send the same data to get that session back, or a new code for a different purchase; a new session with this code may start once it has ended (expired, canceled, declined or errored).`,
    {
      details: {
        sessionId: existing.id,
        status: existing.status,
        ...(existing.token_expires_at ? { payableUntil: existing.token_expires_at } : {}),
      },
    },
  );
}

/** A start the provider never answered (the router stopped mid-way) frees its code after a while. */
export async function expireStaleStart(ctx: DomainContext, session: SessionRow): Promise<boolean> {
  if (ctx.clock.now() - Date.parse(session.created_at) < ctx.staleStartMs) return false;
  return failStart(
    ctx,
    session,
    'start_interrupted',
    'The provider never answered the start of this session.',
  );
}

/** A start that failed at the provider: the session and its transaction end in ERROR. */
export async function failStart(
  ctx: DomainContext,
  session: Pick<SessionRow, 'id' | 'transaction_id'>,
  errorCode: string,
  errorMessage: string,
): Promise<boolean> {
  const now = nowIso(ctx);
  if (session.transaction_id) {
    await moveTransaction(ctx, session.transaction_id, 'ERROR', {
      error_code: errorCode,
      error_message: errorMessage,
      updated_at: now,
    });
  }
  return moveSession(ctx, session.id, 'ERROR', { updated_at: now });
}

/**
 * The provider answered with a token or reference another session already holds: the new
 * session ends in ERROR rather than share it, so that no lookup by it reaches the wrong order.
 */
export async function referenceReused(
  ctx: DomainContext,
  session: Pick<SessionRow, 'id' | 'transaction_id'>,
  providerCode: string,
): Promise<RouterError> {
  const message = `The provider answered with a reference (${providerCode}) or token that another session already holds; this session was not started and nothing was charged.`;
  await failStart(ctx, session, 'provider_reference_reused', message);
  ctx.logger.error({ sessionId: session.id, providerCode }, message);
  return new RouterError(
    'PROVIDER_ERROR',
    `${message} Start again: the provider is asked for a new one.`,
  );
}

/** The session's own transaction; created now for a session stored without one. */
export async function sessionTransaction(
  ctx: DomainContext,
  session: SessionRow,
): Promise<TransactionRow> {
  const existing = await ctx.store.findSessionTransaction(session.id);
  if (existing) return existing;
  await ctx.store.insertTransaction(
    sessionTransactionRow(session, session.transaction_id ?? newId('txn')),
  );
  const created = await ctx.store.findSessionTransaction(session.id);
  if (!created)
    throw new RouterError('INTERNAL_ERROR', `transaction of session ${session.id} is missing`);
  return created;
}
