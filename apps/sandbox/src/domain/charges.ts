import type { ChargePaymentMethod, Currency, MerchantTransactionWire } from '@accrupay/contracts';
import type { ChargeStoredRequest, ProviderAdapter } from '../providers/types.ts';
import type { MerchantRow, SessionRow, TransactionRow } from '../store/store.ts';
import { type DomainContext, nowIso } from './context.ts';
import { RouterError } from './errors.ts';
import { canonicalJson, sha256Hex } from './ids.ts';
import { withLease } from './leases.ts';
import { isFinal } from './outcome.ts';
import { storedMethodFor, toProviderPaymentMethod } from './payment-methods.ts';
import { adapterFor, credentialsOf, providerRecordOf } from './provider-accounts.ts';
import { providerFailure } from './provider-failure.ts';
import { refuseOutsideProviderLimits } from './provider-limits.ts';
import {
  insertNewSession,
  RETRY,
  referenceReused,
  sessionHoldingCode,
  sessionTransaction,
  untilCodeSettles,
} from './sessions/codes.ts';
import { applyProviderStatus, storesPaymentMethod } from './sessions/verify.ts';
import { transactionWire } from './views.ts';

/**
 * A stored payment method charged from the merchant's server: a SERVER-kind session with its
 * transaction, prepared at the provider, recorded, then confirmed; a retry asks the provider
 * whether it charged before it charges.
 */
export async function chargePaymentMethod(
  ctx: DomainContext,
  merchant: MerchantRow,
  body: ChargePaymentMethod,
): Promise<MerchantTransactionWire> {
  const data = body.data;
  const method = await storedMethodFor(
    ctx,
    merchant,
    data.customerPaymentMethodId,
    data.merchantInternalCustomerCode,
    undefined,
  );
  if (
    body.merchantTransactionProviderId !== undefined &&
    body.merchantTransactionProviderId !== method.merchant_transaction_provider_id
  ) {
    throw new RouterError(
      'VALIDATION_ERROR',
      `merchantTransactionProviderId ${body.merchantTransactionProviderId} is not where payment method ${method.id} is stored (${method.merchant_transaction_provider_id}); omit it or pass that one.`,
      {
        issues: [
          { path: 'merchantTransactionProviderId', message: 'does not hold this payment method' },
        ],
      },
    );
  }
  const mtp = await providerRecordOf(ctx, method, method.id);
  const adapter = adapterFor(ctx, mtp.provider);
  refuseOutsideProviderLimits(adapter, {
    amount: data.amount,
    currency: data.currency as Currency,
  });
  const code = data.merchantInternalTransactionCode;
  const requestHash = sha256Hex(canonicalJson({ type: 'charge', mtp: mtp.id, data }));

  return untilCodeSettles(code, 'charges', async () => {
    const holding = await sessionHoldingCode(ctx, merchant.id, code, {
      request_hash: requestHash,
      kind: 'SERVER',
    });
    const session =
      holding.live ??
      (await insertNewSession(ctx, holding.previous, {
        merchant_id: merchant.id,
        merchant_transaction_provider_id: mtp.id,
        provider: mtp.provider,
        type: 'payment',
        kind: 'SERVER',
        action: 'PAYMENT_METHOD_CHARGE',
        amount: data.amount.toString(),
        currency: data.currency,
        merchant_internal_transaction_code: code,
        merchant_internal_customer_code: data.merchantInternalCustomerCode,
        store_payment_method: 0,
        customer_payment_method_id: method.id,
        request_hash: requestHash,
        payment_method_id: method.id,
        billing: data.billing ?? null,
      }));
    if (session === RETRY) return RETRY;
    const transaction = await sessionTransaction(ctx, session);
    if (isFinal(session, transaction)) return transactionWire(ctx, transaction);
    const credentials = await credentialsOf(ctx, mtp);
    const request: ChargeStoredRequest = {
      idempotencyKey: session.id,
      sessionId: session.id,
      amount: data.amount,
      currency: data.currency as Currency,
      merchantInternalTransactionCode: code,
      paymentMethod: toProviderPaymentMethod(method),
    };
    return withLease(ctx, session.id, async () => {
      try {
        const charged = await chargeOnce(ctx, {
          adapter,
          credentials,
          request,
          session,
          transaction,
        });
        if (charged === RETRY) return RETRY;
      } catch (error) {
        // Nothing is lost: the session keeps the code and the provider reference, and a retry
        // with the same data asks the provider before it charges.
        throw providerFailure(error, 'charge the stored payment method', {
          moneyMayHaveMoved: true,
        });
      }
      return transactionWire(ctx, await sessionTransaction(ctx, session));
    });
  });
}

/**
 * One charge attempt under the session's lease: asks the provider first when an earlier attempt
 * prepared it; RETRY when another request prepared it first (then its preparation is charged).
 */
async function chargeOnce(
  ctx: DomainContext,
  attempt: {
    adapter: ProviderAdapter;
    credentials: Record<string, unknown>;
    request: ChargeStoredRequest;
    session: SessionRow;
    transaction: TransactionRow;
  },
): Promise<'recorded' | typeof RETRY> {
  const { adapter, credentials, request, session, transaction } = attempt;
  let prepared =
    session.token !== null && session.provider_code !== null
      ? { token: session.token, providerCode: session.provider_code }
      : undefined;
  if (prepared) {
    // An earlier attempt got this far: ask the provider whether it charged before charging.
    const known = await adapter.retrieve(credentials, {
      type: 'payment',
      ...prepared,
      readsPaymentMethod: storesPaymentMethod(session),
    });
    if (known.state !== 'awaiting_customer') {
      await applyProviderStatus(ctx, session, transaction, known);
      return 'recorded';
    }
  } else {
    prepared = await adapter.prepareCharge(credentials, request);
    const saved = await ctx.store.setSessionProviderData(session.id, {
      token: prepared.token,
      token_expires_at: null,
      provider_code: prepared.providerCode,
      payload: {},
      updated_at: nowIso(ctx),
    });
    if (saved === 'reference-in-use') {
      throw await referenceReused(
        ctx,
        { id: session.id, transaction_id: transaction.id },
        prepared.providerCode,
      );
    }
    // Another attempt recorded its own first (the token was no longer null): follow that one.
    if (saved === undefined) return RETRY;
  }
  const status = await adapter.confirmCharge(credentials, { ...request, ...prepared });
  await applyProviderStatus(ctx, session, transaction, status);
  return 'recorded';
}
