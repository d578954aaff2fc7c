import {
  type ClientSessionWire,
  type ClientTransactionSessionType,
  customerCodeOf,
  SESSION_TYPE_ACTION,
  type StartAddPaymentMethodSession,
  type StartPaymentSession,
} from '@accrupay/contracts';
import type { StartedSession, StartSessionRequest } from '../../providers/types.ts';
import type {
  MerchantRow,
  MerchantTransactionProviderRow,
  PaymentMethodRow,
  SessionRow,
} from '../../store/store.ts';
import { type DomainContext, nowIso } from '../context.ts';
import { RouterError } from '../errors.ts';
import { canonicalJson, sha256Hex } from '../ids.ts';
import { storedMethodFor, toProviderPaymentMethod } from '../payment-methods.ts';
import { adapterFor, credentialsOf, resolveProvider } from '../provider-accounts.ts';
import { providerFailure } from '../provider-failure.ts';
import { refuseOutsideProviderLimits } from '../provider-limits.ts';
import { transactionPatchWhile } from '../transitions.ts';
import { sessionWire } from '../views.ts';
import {
  expireStaleStart,
  failStart,
  insertNewSession,
  RETRY,
  referenceReused,
  sessionHoldingCode,
  untilCodeSettles,
} from './codes.ts';
import { mustFindSession } from './queries.ts';

export type StartBody = StartPaymentSession | StartAddPaymentMethodSession;

/**
 * The start's data as the request hash sees it: the customer code in document 002's place
 * (`customer.merchantInternalCustomerCode`) wherever it was sent, so that the same purchase sent
 * in either shape (REST, or the published GraphQL API's top-level field) is the same request.
 */
function sameRequest(data: StartBody['data']): StartBody['data'] {
  const customerCode = customerCodeOf(data);
  const { merchantInternalCustomerCode: _code, customer: _customer, ...rest } = data;
  return customerCode === undefined
    ? rest
    : { ...rest, customer: { merchantInternalCustomerCode: customerCode } };
}

/** Starts a CLIENT session; the same code with the same data returns the same session. */
export async function startSession(
  ctx: DomainContext,
  merchant: MerchantRow,
  type: ClientTransactionSessionType,
  body: StartBody,
): Promise<ClientSessionWire> {
  const mtp = await resolveProvider(ctx, merchant, body);
  const data = body.data;
  const code = data.merchantInternalTransactionCode;
  const customerCode = customerCodeOf(data) ?? null;
  const amount = 'amount' in data ? data.amount : null;
  refuseOutsideProviderLimits(adapterFor(ctx, mtp.provider), { amount, currency: data.currency });
  const storePaymentMethod =
    type === 'add-payment-method' ? true : 'storePaymentMethod' in data && data.storePaymentMethod;
  let stored: PaymentMethodRow | undefined;
  if ('customerPaymentMethodId' in data && data.customerPaymentMethodId !== undefined) {
    stored = await storedMethodFor(ctx, merchant, data.customerPaymentMethodId, customerCode, mtp);
  }
  const requestHash = sha256Hex(canonicalJson({ type, mtp: mtp.id, data: sameRequest(data) }));

  return untilCodeSettles(code, 'starts', async () => {
    const holding = await sessionHoldingCode(ctx, merchant.id, code, {
      request_hash: requestHash,
      kind: 'CLIENT',
    });
    if (holding.live) {
      const existing = holding.live;
      if (existing.token === null) {
        if (await expireStaleStart(ctx, existing)) return RETRY;
        throw new RouterError(
          'IDEMPOTENCY_KEY_IN_USE',
          `A start with merchantInternalTransactionCode ${code} is still waiting for the provider; retry in a moment.`,
        );
      }
      return sessionWire(ctx, existing);
    }
    const session = await insertNewSession(ctx, holding.previous, {
      merchant_id: merchant.id,
      merchant_transaction_provider_id: mtp.id,
      provider: mtp.provider,
      type,
      kind: 'CLIENT',
      action: SESSION_TYPE_ACTION[type],
      amount: amount === null ? null : amount.toString(),
      currency: data.currency,
      merchant_internal_transaction_code: code,
      merchant_internal_customer_code: customerCode,
      store_payment_method: storePaymentMethod ? 1 : 0,
      customer_payment_method_id: stored?.id ?? null,
      request_hash: requestHash,
      payment_method_id: null,
      billing: data.billing ?? null,
    });
    if (session === RETRY) return RETRY;
    return askProviderToStart(ctx, session, mtp, {
      type,
      amount,
      currency: data.currency,
      merchantInternalTransactionCode: code,
      merchantInternalCustomerCode: customerCode,
      storePaymentMethod,
      billing: data.billing,
      storedPaymentMethod: stored ? toProviderPaymentMethod(stored) : null,
    });
  });
}

/** Sends a new session to its provider and records the provider's token and reference. */
async function askProviderToStart(
  ctx: DomainContext,
  session: SessionRow,
  mtp: MerchantTransactionProviderRow,
  request: Omit<StartSessionRequest, 'sessionId'>,
): Promise<ClientSessionWire> {
  let started: StartedSession;
  try {
    started = await adapterFor(ctx, mtp.provider).startSession(await credentialsOf(ctx, mtp), {
      sessionId: session.id,
      ...request,
    });
  } catch (error) {
    await failStart(
      ctx,
      session,
      'provider_unavailable',
      `The provider could not start the session: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw providerFailure(error, 'start the session');
  }
  const startedAt = nowIso(ctx);
  // The session's reference and its transaction's, committed together.
  const recorded = await ctx.store.setSessionProviderData(
    session.id,
    {
      token: started.token,
      token_expires_at: started.expiresAt ? started.expiresAt.toISOString() : null,
      provider_code: started.providerCode,
      payload: started.payload,
      updated_at: startedAt,
    },
    session.transaction_id
      ? transactionPatchWhile(session.transaction_id, 'PENDING', {
          provider_code: started.providerCode,
          updated_at: startedAt,
        })
      : undefined,
  );
  if (recorded === 'reference-in-use') {
    throw await referenceReused(ctx, session, started.providerCode);
  }
  return sessionWire(
    ctx,
    recorded ?? (await mustFindSession(ctx, session.merchant_id, { id: session.id })),
  );
}
