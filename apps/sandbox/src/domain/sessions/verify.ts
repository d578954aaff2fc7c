import {
  type ClientTransactionSessionType,
  canTransitionSession,
  canTransitionTransaction,
  type MerchantTransactionWire,
} from '@accrupay/contracts';
import type { ProviderStatus } from '../../providers/types.ts';
import type {
  GuardedUpdate,
  MerchantRow,
  SessionLookup,
  SessionRow,
  TransactionRow,
} from '../../store/store.ts';
import { type DomainContext, nowIso } from '../context.ts';
import { subjectMismatch } from '../cross-check.ts';
import { RouterError } from '../errors.ts';
import { newId } from '../ids.ts';
import { isFinal, isTerminalSession, isTerminalTransaction, outcomeOf } from '../outcome.ts';
import { adapterFor, credentialsOf, providerRecordOfSession } from '../provider-accounts.ts';
import { providerFailure } from '../provider-failure.ts';
import {
  moveTogether,
  sessionMove,
  transactionMove,
  transactionPatchWhile,
} from '../transitions.ts';
import { transactionWire } from '../views.ts';
import { expireStaleStart, sessionTransaction } from './codes.ts';
import { mustFindSession } from './queries.ts';

/**
 * Verify: the provider's truth about a session, recorded by compare-and-set. This is where a
 * session becomes COMPLETED, DECLINED, CANCELED, EXPIRED, ERROR or UNKNOWN from what the provider
 * reports (the table is PROVIDER_STATE_OUTCOME in outcome.ts; the allowed moves are the
 * contract's state machine, applied in transitions.ts).
 */

const SESSION_TYPE_METHOD = {
  payment: 'clientSessions.payments.verify',
  'add-payment-method': 'clientSessions.paymentMethod.add.verify',
  authorization: 'clientSessions.authorizations.verify',
} as const satisfies Record<ClientTransactionSessionType, string>;

/**
 * Asks the provider for the truth about a session, records it by compare-and-set, and
 * returns the session's transaction. Repeated and concurrent calls return the same transaction.
 */
export async function verifySession(
  ctx: DomainContext,
  merchant: MerchantRow,
  type: ClientTransactionSessionType,
  lookup: SessionLookup,
): Promise<MerchantTransactionWire> {
  const session = await mustFindSession(ctx, merchant.id, lookup);
  if (session.type !== type || session.kind !== 'CLIENT') {
    throw new RouterError(
      'CONFLICT',
      `Session ${session.id} is ${session.kind === 'SERVER' ? 'a server-side charge' : `a ${session.type} session`}; verify it with ${session.kind === 'SERVER' ? 'transactions.getOne' : SESSION_TYPE_METHOD[session.type]}.`,
      { details: { sessionId: session.id, type: session.type, kind: session.kind } },
    );
  }
  return transactionWire(ctx, await refreshSession(ctx, session));
}

/** The provider's truth applied to a session; returns its transaction as it now stands. */
export async function refreshSession(
  ctx: DomainContext,
  session: SessionRow,
): Promise<TransactionRow> {
  const transaction = await sessionTransaction(ctx, session);
  if (session.token === null || session.provider_code === null) {
    if (await expireStaleStart(ctx, session)) return sessionTransaction(ctx, session);
    return transaction;
  }
  const mtp = await providerRecordOfSession(ctx, session);
  const adapter = adapterFor(ctx, mtp.provider);
  const credentials = await credentialsOf(ctx, mtp);
  const reference = {
    type: session.type,
    providerCode: session.provider_code,
    token: session.token,
    readsPaymentMethod: storesPaymentMethod(session),
  };
  let status: ProviderStatus;
  try {
    status = await adapter.retrieve(credentials, reference);
    if (
      (status.state === 'declined' || status.state === 'failed') &&
      !status.sessionOpen &&
      !isTerminalSession(session.status)
    ) {
      const closed = await adapter.close(credentials, reference);
      if (closed.state === 'succeeded' || closed.state === 'processing') status = closed;
    }
  } catch (error) {
    if (isFinal(session, transaction)) return transaction;
    throw providerFailure(error, 'report the session');
  }
  return (
    (await applyProviderStatus(ctx, session, transaction, status)) ??
    sessionTransaction(ctx, session)
  );
}

/**
 * Records what the provider reported for a session and its transaction: the stored payment
 * method, the transaction's status and error, and the session's status, each only along the
 * state machine; an ended transaction keeps its recorded outcome. Returns the transaction as this
 * wrote it, or undefined when it did not write it (nothing new, or another request moved it).
 */
export async function applyProviderStatus(
  ctx: DomainContext,
  session: SessionRow,
  transaction: TransactionRow,
  reported: ProviderStatus,
): Promise<TransactionRow | undefined> {
  const status = crossChecked(ctx, session, transaction, reported);
  const outcome = outcomeOf(session, status);
  const now = nowIso(ctx);
  const paymentMethodId =
    (await storeReportedMethod(ctx, session, status, now)) ?? transaction.payment_method_id;
  const errorCode = outcome.transaction === 'SUCCEEDED' ? null : (status.errorCode ?? null);
  const errorMessage =
    outcome.transaction === 'UNKNOWN'
      ? `The provider reported status "${status.rawStatus}", which AccruPay cannot map.`
      : outcome.transaction === 'SUCCEEDED'
        ? null
        : (status.errorMessage ?? null);
  // The transaction's write, then the session's, committed together; each first tried in the
  // status read above (no read under the lock unless the row has moved since).
  let transactionWrite: (GuardedUpdate & { table: 'transactions' }) | undefined;
  if (outcome.transaction !== transaction.status) {
    if (canTransitionTransaction(transaction.status, outcome.transaction)) {
      transactionWrite = transactionMove(
        transaction.id,
        outcome.transaction,
        {
          provider_code: status.providerCode ?? transaction.provider_code,
          payment_method_id: paymentMethodId,
          error_code: errorCode,
          error_message: errorMessage,
          updated_at: now,
        },
        transaction.status,
      );
    } else if (isTerminalTransaction(transaction.status)) {
      ctx.logger.warn(
        { transactionId: transaction.id, recorded: transaction.status, provider: status.rawStatus },
        'provider reports a different outcome for a transaction that has ended; the recorded outcome stands',
      );
    }
  } else if (!isTerminalTransaction(transaction.status) && errorCode !== transaction.error_code) {
    // Still open, but the provider has news (e.g. the last card was declined and may be retried).
    transactionWrite = transactionPatchWhile(transaction.id, transaction.status, {
      error_code: errorCode,
      error_message: errorMessage,
      updated_at: now,
    });
  }
  const sessionWrite =
    outcome.session &&
    outcome.session !== session.status &&
    canTransitionSession(session.status, outcome.session)
      ? sessionMove(
          session.id,
          outcome.session,
          { payment_method_id: paymentMethodId, updated_at: now },
          session.status,
        )
      : undefined;
  const [written] = await moveTogether(ctx, [transactionWrite, sessionWrite]);
  return written;
}

/** Whether the router keeps the payment method a session used (as the merchant asked). */
export function storesPaymentMethod(
  session: Pick<SessionRow, 'type' | 'store_payment_method'>,
): boolean {
  return session.type === 'add-payment-method' || session.store_payment_method === 1;
}

/** The card the provider stored, when this session stores one; its id, or undefined. */
async function storeReportedMethod(
  ctx: DomainContext,
  session: SessionRow,
  status: ProviderStatus,
  now: string,
): Promise<string | undefined> {
  if (
    status.state !== 'succeeded' ||
    status.paymentMethod?.kind !== 'card' ||
    !storesPaymentMethod(session)
  ) {
    return undefined;
  }
  const method = await ctx.store.upsertPaymentMethod({
    id: newId('pm'),
    merchant_id: session.merchant_id,
    merchant_transaction_provider_id: session.merchant_transaction_provider_id,
    provider: session.provider,
    merchant_internal_customer_code: session.merchant_internal_customer_code,
    provider_reference: status.paymentMethod.reference,
    provider_customer_reference: status.paymentMethod.customerReference,
    brand: status.paymentMethod.brand,
    last4: status.paymentMethod.last4,
    expiry_month: status.paymentMethod.expiryMonth,
    expiry_year: status.paymentMethod.expiryYear,
    billing_country: status.paymentMethod.billingCountry,
    created_at: now,
  });
  return method.id;
}

/**
 * The provider's answer, unless the object it describes is not this session's (another
 * amount, currency or back-reference): then an error that says what did not match, so the
 * transaction ends in ERROR and never SUCCEEDED.
 */
function crossChecked(
  ctx: DomainContext,
  session: SessionRow,
  transaction: TransactionRow,
  status: ProviderStatus,
): ProviderStatus {
  const mismatch = subjectMismatch(session, status.subject);
  if (mismatch === undefined) return status;
  const message = `The provider's ${status.providerCode ?? 'object'} does not match this session: ${mismatch}. Its status (${status.rawStatus}) was not recorded; do not fulfil, reconcile with the provider.`;
  ctx.logger.error(
    {
      sessionId: session.id,
      transactionId: transaction.id,
      providerCode: status.providerCode,
      mismatch,
    },
    'provider object does not match the session',
  );
  return {
    state: 'error',
    rawStatus: `${status.rawStatus} (mismatch)`,
    providerCode: transaction.provider_code,
    errorCode: 'provider_mismatch',
    errorMessage: message,
  };
}
