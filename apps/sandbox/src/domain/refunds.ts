import { type Currency, type MerchantTransactionWire, REFUND_REVERSAL } from '@accrupay/contracts';
import type { ProviderStatus } from '../providers/types.ts';
import type { MerchantRow, TransactionRow } from '../store/store.ts';
import { UNRESOLVED_REFUND_STATUSES } from '../store/tables.ts';
import { type DomainContext, nowIso } from './context.ts';
import { notFound, RouterError } from './errors.ts';
import { newId } from './ids.ts';
import { withLease } from './leases.ts';
import { PROVIDER_STATE_OUTCOME } from './outcome.ts';
import { adapterFor, credentialsOf } from './provider-accounts.ts';
import { providerFailure } from './provider-failure.ts';
import { moveRefund } from './transitions.ts';
import { transactionWire } from './views.ts';

/**
 * Refunds, every rule in one place. A refund is a transaction of its own (action REFUND, its
 * parent the payment it gives money back on); only a SUCCEEDED PAYMENT, PAYMENT_METHOD_CHARGE or
 * settled AUTHORIZATION can be refunded; the refunds never add up to more than was captured; one
 * refund of a payment talks to the provider at a time (a unique index on its unresolved refunds,
 * and the payment's lease), so two instances never both refund the last of it; a retry of a
 * refund whose answer was lost asks the provider before it sends again; the payment's refunded
 * total moves in the same database transaction as the refund's status.
 */

const REFUNDABLE_ACTIONS = ['PAYMENT', 'PAYMENT_METHOD_CHARGE', 'AUTHORIZATION'] as const;

/** What the payment captured, what its refunds gave back, and so what remains. */
function refundable(payment: TransactionRow): { captured: bigint; remaining: bigint } {
  const captured = BigInt(
    (payment.action === 'AUTHORIZATION' ? payment.settled_amount : payment.amount) ?? '0',
  );
  return { captured, remaining: captured - BigInt(payment.refunded_amount ?? '0') };
}

/** Refuses what can never be refunded, with what to do instead. */
function mustBeRefundable(payment: TransactionRow): void {
  const id = payment.id;
  if (!(REFUNDABLE_ACTIONS as readonly string[]).includes(payment.action)) {
    const instead =
      payment.action === 'SETTLE' || payment.action === 'VOID'
        ? ` Refund the authorization it belongs to (${payment.parent_transaction_id}).`
        : '';
    throw new RouterError(
      'INVALID_STATE_TRANSITION',
      `Transaction ${id} is a ${payment.action}; only a SUCCEEDED payment, stored-method charge or settled authorization can be refunded.${instead}`,
    );
  }
  if (payment.status !== 'SUCCEEDED') {
    throw new RouterError(
      'INVALID_STATE_TRANSITION',
      `Transaction ${id} is ${payment.status}, not SUCCEEDED: verify it first; only money that was captured can be refunded.`,
    );
  }
  if (payment.action === 'AUTHORIZATION' && payment.settled_amount === null) {
    throw new RouterError(
      'INVALID_STATE_TRANSITION',
      `Authorization ${id} was never settled, so nothing was captured to refund: void it to release the hold (POST /v1/transactions/${id}/void).`,
    );
  }
}

function exceeds(payment: TransactionRow, amount: bigint): RouterError {
  const { captured, remaining } = refundable(payment);
  if (remaining <= 0n) {
    return new RouterError(
      'CONFLICT',
      `Transaction ${payment.id} is already fully refunded (${captured} ${payment.currency}).`,
      { details: { captured: captured.toString(), refunded: payment.refunded_amount } },
    );
  }
  return new RouterError(
    'AMOUNT_EXCEEDS_REFUNDABLE',
    `Cannot refund ${amount}: transaction ${payment.id} captured ${captured} ${payment.currency} and ${remaining} remains to refund.`,
    {
      details: {
        captured: captured.toString(),
        refunded: payment.refunded_amount ?? '0',
        remaining: remaining.toString(),
        requested: amount.toString(),
      },
    },
  );
}

export async function refundTransaction(
  ctx: DomainContext,
  merchant: MerchantRow,
  transactionId: string,
  requested: bigint | undefined,
): Promise<MerchantTransactionWire> {
  const payment = await ctx.store.findTransaction(merchant.id, transactionId);
  if (!payment) throw notFound(`Transaction ${transactionId}`);
  mustBeRefundable(payment);
  const { remaining } = refundable(payment);
  const amount = requested ?? remaining;
  if (amount <= 0n || amount > remaining) throw exceeds(payment, amount);
  const { refund, resumed } = await claimRefund(ctx, payment, amount);
  return withLease(ctx, payment.id, () => sendRefund(ctx, merchant, payment.id, refund, resumed));
}

/**
 * The payment's one unresolved refund: inserted now, or (resumed) the refund of the same amount
 * another request inserted, which may have reached the provider without an answer, or never have
 * been counted or sent; a refund of another amount while one is unresolved is refused until that
 * one has its answer.
 */
async function claimRefund(
  ctx: DomainContext,
  payment: TransactionRow,
  amount: bigint,
): Promise<{ refund: TransactionRow; resumed: boolean }> {
  const now = nowIso(ctx);
  const refund: TransactionRow = {
    ...payment,
    id: newId('txn'),
    parent_transaction_id: payment.id,
    action: 'REFUND',
    status: 'PENDING',
    amount: amount.toString(),
    settled_amount: null,
    refunded_amount: null,
    refunded_at: null,
    provider_code: null,
    error_code: null,
    error_message: null,
    created_at: now,
    updated_at: now,
  };
  if ((await ctx.store.insertTransaction(refund)) === 'inserted') {
    return { refund, resumed: false };
  }
  const { rows } = await ctx.store.transactionWindow(
    payment.merchant_id,
    { parentTransactionId: payment.id, actions: ['REFUND'], statuses: UNRESOLVED_REFUND_STATUSES },
    { order: 'desc', limit: 1, skip: 0, backwards: false },
  );
  const unresolved = rows[0];
  if (unresolved?.amount === refund.amount) return { refund: unresolved, resumed: true };
  throw new RouterError(
    'CONFLICT',
    unresolved
      ? `A refund of ${unresolved.amount} on transaction ${payment.id} (${unresolved.id}) has no answer from the provider yet; retry once it has one.`
      : `Another refund of transaction ${payment.id} was just recorded; retry.`,
    unresolved ? { details: { refundId: unresolved.id, status: unresolved.status } } : {},
  );
}

async function sendRefund(
  ctx: DomainContext,
  merchant: MerchantRow,
  paymentId: string,
  refund: TransactionRow,
  /** Another request recorded this refund (and may have sent it): ask the provider before sending it. */
  resumed: boolean,
): Promise<MerchantTransactionWire> {
  const [current, payment] = await Promise.all([
    ctx.store.findTransaction(merchant.id, refund.id),
    ctx.store.findTransaction(merchant.id, paymentId),
  ]);
  if (!current || !payment) throw new RouterError('INTERNAL_ERROR', `refund ${refund.id} vanished`);
  if (!(UNRESOLVED_REFUND_STATUSES as readonly string[]).includes(current.status)) {
    // Another request had its answer while this one waited for the lease: that is this refund.
    if (current.status === 'SUCCEEDED') return transactionWire(ctx, current);
    throw new RouterError(
      'CONFLICT',
      `The refund ${refund.id} of transaction ${paymentId} already has its answer: ${current.status}.`,
      { details: { refundId: refund.id, status: current.status } },
    );
  }
  const amount = BigInt(refund.amount ?? '0');
  const { adapter, credentials, request } = await refundCall(ctx, payment, current);
  const failure = (error: unknown) =>
    providerFailure(error, 'refund the payment', { moneyMayHaveMoved: true });
  // A refund found unresolved may have reached the provider: its answer, if it has one.
  let known: ProviderStatus | null = null;
  if (resumed) {
    try {
      known = await adapter.findRefund(credentials, request);
    } catch (error) {
      throw failure(error);
    }
  }
  // About to send it: counted again under the lease, so that a refund that succeeded since the
  // first check counts too. A found one is counted too: whoever recorded it may never have
  // (it lost the lease to this request, or its process died before it asked for the lease).
  if (known === null && amount > refundable(payment).remaining) {
    await moveRefund(ctx, refund.id, 'CANCELED', {
      error_code: 'exceeds_refundable',
      error_message: 'Another refund of the payment succeeded first; this one was not sent.',
      updated_at: nowIso(ctx),
    });
    throw exceeds(payment, amount);
  }
  let status = known;
  if (status === null) {
    try {
      status = await adapter.refund(credentials, request);
    } catch (error) {
      throw failure(error);
    }
  }
  return recordRefund(ctx, merchant, current, status);
}

/** What the provider said of a refund, recorded along the state machine; the refund as it stands. */
async function recordRefund(
  ctx: DomainContext,
  merchant: MerchantRow,
  refund: TransactionRow,
  status: ProviderStatus,
): Promise<MerchantTransactionWire> {
  const target = PROVIDER_STATE_OUTCOME[status.state].transaction;
  if (refund.status === REFUND_REVERSAL.from && target === REFUND_REVERSAL.to) {
    // The provider failed a refund it had reported succeeded: the money came back.
    await ctx.store.reverseRefund(refund.id, {
      error_code: status.errorCode ?? 'refund_failed',
      error_message: status.errorMessage ?? 'The provider failed the refund after it succeeded.',
      updated_at: nowIso(ctx),
    });
  } else if (target !== refund.status) {
    await moveRefund(ctx, refund.id, target, {
      provider_code: status.providerCode ?? refund.provider_code,
      error_code: target === 'SUCCEEDED' ? null : (status.errorCode ?? null),
      error_message: target === 'SUCCEEDED' ? null : (status.errorMessage ?? null),
      updated_at: nowIso(ctx),
    });
  }
  const result = await ctx.store.findTransaction(merchant.id, refund.id);
  if (!result) throw new RouterError('INTERNAL_ERROR', `refund ${refund.id} vanished`);
  return transactionWire(ctx, result);
}

/**
 * Sync of a refund: an unresolved one is looked up at the provider (never sent again) and its
 * answer recorded; one the provider has no record of stays as it is.
 */
export async function syncRefund(
  ctx: DomainContext,
  merchant: MerchantRow,
  refund: TransactionRow,
): Promise<MerchantTransactionWire> {
  const payment =
    refund.parent_transaction_id === null
      ? undefined
      : await ctx.store.findTransaction(merchant.id, refund.parent_transaction_id);
  // Unresolved refunds, and succeeded ones (a provider may still fail them: REFUND_REVERSAL).
  const askable = [...UNRESOLVED_REFUND_STATUSES, REFUND_REVERSAL.from] as readonly string[];
  if (!payment || !askable.includes(refund.status)) return transactionWire(ctx, refund);
  const { adapter, credentials, request } = await refundCall(ctx, payment, refund);
  let status: ProviderStatus | null;
  try {
    status = await adapter.findRefund(credentials, request);
  } catch (error) {
    throw providerFailure(error, 'report the refund');
  }
  return status ? recordRefund(ctx, merchant, refund, status) : transactionWire(ctx, refund);
}

/** The adapter, credentials and request a refund of `payment` is sent or looked up with. */
async function refundCall(ctx: DomainContext, payment: TransactionRow, refund: TransactionRow) {
  const mtp = await ctx.store.findMerchantTransactionProviderById(
    payment.merchant_transaction_provider_id,
  );
  // What was captured: the payment itself, or an authorization's SETTLE (Nuvei refunds the Settle).
  const captured =
    payment.action === 'AUTHORIZATION' ? await ctx.store.findChildTransaction(payment.id) : payment;
  const providerCode = captured?.provider_code ?? null;
  if (!mtp || providerCode === null) {
    throw new RouterError('INTERNAL_ERROR', `transaction ${payment.id} has no provider reference`);
  }
  return {
    adapter: adapterFor(ctx, mtp.provider),
    credentials: await credentialsOf(ctx, mtp),
    request: {
      providerCode,
      amount: BigInt(refund.amount ?? '0'),
      currency: payment.currency as Currency,
      idempotencyKey: refund.id,
    },
  };
}
