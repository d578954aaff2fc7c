import type { Currency, MerchantTransactionWire } from '@accrupay/contracts';
import type { ProviderStatus } from '../providers/types.ts';
import type { MerchantRow, TransactionRow } from '../store/store.ts';
import { type DomainContext, nowIso } from './context.ts';
import { notFound, RouterError } from './errors.ts';
import { newId } from './ids.ts';
import { withLease } from './leases.ts';
import { PROVIDER_STATE_OUTCOME } from './outcome.ts';
import { adapterFor, credentialsOf } from './provider-accounts.ts';
import { providerFailure } from './provider-failure.ts';
import { moveTransaction } from './transitions.ts';
import { transactionWire } from './views.ts';

/**
 * Settle (capture) and void of an authorization, every rule in one place: only a SUCCEEDED
 * AUTHORIZATION; settle never above the authorized amount; one SETTLE or VOID per authorization
 * (a unique index in the store: a second is refused, not sent); one request at a time talks to
 * the provider (a lease); a retry after a lost answer asks the provider before it sends again;
 * the settled amount is recorded once.
 */

type AuthorizationAction = 'SETTLE' | 'VOID';

const PAST: Record<AuthorizationAction, string> = { SETTLE: 'settled', VOID: 'voided' };

export async function settleAuthorization(
  ctx: DomainContext,
  merchant: MerchantRow,
  transactionId: string,
  amount: bigint | undefined,
): Promise<MerchantTransactionWire> {
  return actOnAuthorization(ctx, merchant, transactionId, 'SETTLE', amount);
}

export async function voidAuthorization(
  ctx: DomainContext,
  merchant: MerchantRow,
  transactionId: string,
): Promise<MerchantTransactionWire> {
  return actOnAuthorization(ctx, merchant, transactionId, 'VOID', undefined);
}

async function actOnAuthorization(
  ctx: DomainContext,
  merchant: MerchantRow,
  transactionId: string,
  action: AuthorizationAction,
  requested: bigint | undefined,
): Promise<MerchantTransactionWire> {
  const authorization = await ctx.store.findTransaction(merchant.id, transactionId);
  if (!authorization) throw notFound(`Transaction ${transactionId}`);
  if (authorization.action !== 'AUTHORIZATION') {
    throw new RouterError(
      'INVALID_STATE_TRANSITION',
      `Transaction ${transactionId} is a ${authorization.action}; only a successful AUTHORIZATION can be ${PAST[action]}.`,
    );
  }
  if (authorization.status !== 'SUCCEEDED') {
    throw new RouterError(
      'INVALID_STATE_TRANSITION',
      `Authorization ${transactionId} is ${authorization.status}, not SUCCEEDED: verify it first; only a successful authorization can be ${PAST[action]}.`,
    );
  }
  const authorized = BigInt(authorization.amount ?? '0');
  const amount = requested ?? authorized;
  if (action === 'SETTLE' && amount > authorized) {
    throw new RouterError(
      'AMOUNT_EXCEEDS_AUTHORIZED',
      `Cannot settle ${amount}: authorization ${transactionId} holds ${authorized} ${authorization.currency}.`,
      { details: { authorized: authorized.toString(), requested: amount.toString() } },
    );
  }
  const { operation, resumed } = await claimOperation(ctx, authorization, action, amount);
  return withLease(ctx, authorization.id, () =>
    sendOperation(ctx, merchant, authorization, operation, action, amount, resumed),
  );
}

/**
 * The authorization's one SETTLE or VOID: inserted now, or (resumed) the same operation an
 * earlier request inserted and got no answer for; anything else is refused.
 */
async function claimOperation(
  ctx: DomainContext,
  authorization: TransactionRow,
  action: AuthorizationAction,
  amount: bigint,
): Promise<{ operation: TransactionRow; resumed: boolean }> {
  const now = nowIso(ctx);
  const child: TransactionRow = {
    ...authorization,
    id: newId('txn'),
    parent_transaction_id: authorization.id,
    action,
    status: 'PENDING',
    amount: amount.toString(),
    settled_amount: null,
    refunded_amount: null,
    refunded_at: null,
    error_code: null,
    error_message: null,
    created_at: now,
    updated_at: now,
  };
  if ((await ctx.store.insertTransaction(child)) === 'inserted') {
    return { operation: child, resumed: false };
  }
  const existing = await ctx.store.findChildTransaction(authorization.id);
  if (!existing) throw new RouterError('INTERNAL_ERROR', `child of ${authorization.id} is missing`);
  const resumable =
    existing.action === action && existing.status === 'PENDING' && existing.amount === child.amount;
  if (!resumable) {
    const verb = action === 'SETTLE' ? 'settle' : 'void';
    throw new RouterError(
      'INVALID_STATE_TRANSITION',
      existing.action === 'VOID'
        ? `Authorization ${authorization.id} was voided (${existing.id}); it cannot be ${verb === 'settle' ? 'settled' : 'voided again'}.`
        : `Authorization ${authorization.id} was already settled for ${existing.amount} (${existing.id}); it cannot be ${verb === 'settle' ? 'settled again' : 'voided'}.`,
      {
        details: { transactionId: existing.id, action: existing.action, status: existing.status },
      },
    );
  }
  return { operation: existing, resumed: true };
}

async function sendOperation(
  ctx: DomainContext,
  merchant: MerchantRow,
  authorization: TransactionRow,
  operation: TransactionRow,
  action: AuthorizationAction,
  amount: bigint,
  /** An earlier request sent this operation and got no answer: ask the provider before sending it again. */
  resumed: boolean,
): Promise<MerchantTransactionWire> {
  const current = await ctx.store.findTransaction(merchant.id, operation.id);
  if (current?.status !== 'PENDING') {
    // Another request finished it while this one waited for the lease.
    throw new RouterError(
      'INVALID_STATE_TRANSITION',
      `Authorization ${authorization.id} was already ${PAST[action]} (${operation.id}).`,
      { details: { transactionId: operation.id, action, status: current?.status } },
    );
  }
  const { adapter, credentials, request } = await operationCall(ctx, authorization, operation);
  let status: ProviderStatus;
  let settled = amount;
  try {
    const known = resumed ? await adapter.findOperation(credentials, { action, ...request }) : null;
    if (known) {
      status = known;
      settled = known.amount ?? amount;
    } else {
      status =
        action === 'SETTLE'
          ? await adapter.capture(credentials, request)
          : await adapter.void(credentials, request);
    }
  } catch (error) {
    throw providerFailure(error, `${action === 'SETTLE' ? 'settle' : 'void'} the authorization`, {
      moneyMayHaveMoved: true,
    });
  }
  return recordOperation(ctx, merchant, authorization, operation, action, status, settled);
}

/** What the provider said of a settle or void, recorded; the operation as it stands. */
async function recordOperation(
  ctx: DomainContext,
  merchant: MerchantRow,
  authorization: TransactionRow,
  operation: TransactionRow,
  action: AuthorizationAction,
  status: ProviderStatus,
  settled: bigint,
): Promise<MerchantTransactionWire> {
  const target = PROVIDER_STATE_OUTCOME[status.state].transaction;
  const done = nowIso(ctx);
  if (target !== 'PENDING') {
    await moveTransaction(ctx, operation.id, target, {
      // The provider's own reference of the settle or void (Nuvei's Settle transaction, which a
      // refund names); Stripe's is the PaymentIntent's.
      provider_code: status.providerCode ?? operation.provider_code,
      error_code: target === 'SUCCEEDED' ? null : (status.errorCode ?? null),
      error_message: target === 'SUCCEEDED' ? null : (status.errorMessage ?? null),
      updated_at: done,
    });
  }
  if (action === 'SETTLE' && target === 'SUCCEEDED') {
    await ctx.store.setSettledAmountIfUnset(authorization.id, settled.toString(), done);
  }
  const result = await ctx.store.findTransaction(merchant.id, operation.id);
  if (!result) throw new RouterError('INTERNAL_ERROR', `transaction ${operation.id} vanished`);
  return transactionWire(ctx, result);
}

/** The adapter, credentials and request a settle or void of `authorization` is sent or looked up with. */
async function operationCall(
  ctx: DomainContext,
  authorization: TransactionRow,
  operation: TransactionRow,
) {
  const mtp = await ctx.store.findMerchantTransactionProviderById(
    authorization.merchant_transaction_provider_id,
  );
  if (!mtp || authorization.provider_code === null) {
    throw new RouterError(
      'INTERNAL_ERROR',
      `authorization ${authorization.id} has no provider reference`,
    );
  }
  return {
    adapter: adapterFor(ctx, mtp.provider),
    credentials: await credentialsOf(ctx, mtp),
    request: {
      providerCode: authorization.provider_code,
      amount: BigInt(operation.amount ?? '0'),
      currency: authorization.currency as Currency,
      idempotencyKey: operation.id,
    },
  };
}

/**
 * Sync of a settle or void: a PENDING one (its answer was lost) is looked up at the provider,
 * never sent again, and what the provider did is recorded; any other stays as it is.
 */
export async function syncOperation(
  ctx: DomainContext,
  merchant: MerchantRow,
  operation: TransactionRow,
): Promise<MerchantTransactionWire> {
  const action = operation.action;
  const authorization =
    operation.parent_transaction_id === null
      ? undefined
      : await ctx.store.findTransaction(merchant.id, operation.parent_transaction_id);
  if (
    (action !== 'SETTLE' && action !== 'VOID') ||
    operation.status !== 'PENDING' ||
    !authorization
  ) {
    return transactionWire(ctx, operation);
  }
  const { adapter, credentials, request } = await operationCall(ctx, authorization, operation);
  let known: Awaited<ReturnType<typeof adapter.findOperation>>;
  try {
    known = await adapter.findOperation(credentials, { action, ...request });
  } catch (error) {
    throw providerFailure(error, `report the ${action === 'SETTLE' ? 'settle' : 'void'}`);
  }
  if (!known) return transactionWire(ctx, operation);
  const settled = known.amount ?? request.amount;
  return recordOperation(ctx, merchant, authorization, operation, action, known, settled);
}
