import type { ClientTransactionSessionType } from '@accrupay/contracts';
import { provisionSimAccount } from '../sim-accounts.ts';
import { createTransport } from '../transport.ts';
import { fromTyped, type TypedAdapter } from '../typed-adapter.ts';
import {
  type ProviderAdapter,
  type ProviderLimits,
  type ProviderStatus,
  ProviderUnavailableError,
} from '../types.ts';
import { type Answer, expectOk, type FormValue, type Refusal, stripeApi } from './api.ts';
import {
  newStripeCredentials,
  type StripeCredentials,
  stripeCredentialsSchema,
  stripeSimSection,
} from './credentials.ts';
import {
  customerSchema,
  type Intent,
  intentSchema,
  paymentMethodSchema,
  type Refund,
  refundListSchema,
  refundSchema,
} from './schemas.ts';
import { refusalStatus, startedSession, toCard, toStatus } from './transformers.ts';
import { verifyStripeWebhook } from './webhook.ts';

const DAY_MS = 86_400_000;

/** Stripe's documented limit: at most 99,999,999 minor units (\$999,999.99) in one payment. */
export const STRIPE_LIMITS: ProviderLimits = {
  maxAmountMinor: 99_999_999n,
  refusesCurrency: () => undefined,
};

/**
 * The Stripe adapter: speaks Stripe's HTTP API at `${baseUrl}/stripe/v1` and maps PaymentIntents
 * and SetupIntents to the router's {@link ProviderStatus}. Throws {@link ProviderUnavailableError}
 * when Stripe does not answer usefully (connection error, timeout, 5xx, an unparseable answer).
 */
export function createStripeAdapter(options: {
  baseUrl: string;
  clock?: { now(): number };
  timeoutMs?: number;
  webhookToleranceSeconds?: number;
}): ProviderAdapter {
  const baseUrl = options.baseUrl.replace(/\/$/, '');
  const clock = options.clock ?? { now: () => Date.now() };
  const tolerance = options.webhookToleranceSeconds ?? 300;
  const transport = createTransport(options);
  const request = stripeApi(transport, `${baseUrl}/stripe/v1`);
  type C = StripeCredentials;

  const intentPath = (type: ClientTransactionSessionType, id: string) =>
    `/${type === 'add-payment-method' ? 'setup_intents' : 'payment_intents'}/${encodeURIComponent(id)}`;

  /** A POST to a PaymentIntent's action (`confirm`, `capture`, `cancel`). */
  const intentAction = (
    c: C,
    id: string,
    action: 'confirm' | 'capture' | 'cancel',
    params: Record<string, FormValue>,
    idempotencyKey?: string,
  ) =>
    request(c, {
      method: 'POST',
      path: `${intentPath('payment', id)}/${action}`,
      schema: intentSchema,
      params,
      idempotencyKey,
    });

  // Retrieves an intent and, when it succeeded and `withCard`, the card it used.
  async function retrieveStatus(
    c: C,
    type: ClientTransactionSessionType,
    id: string,
    withCard: boolean,
  ): Promise<ProviderStatus> {
    const answer = await request(c, {
      method: 'GET',
      path: intentPath(type, id),
      schema: intentSchema,
    });
    const intent = expectOk(answer, `retrieve ${id}`);
    const status = toStatus(intent, type);
    if (!withCard || status.state !== 'succeeded' || !intent.payment_method) return status;
    const path = `/payment_methods/${encodeURIComponent(intent.payment_method)}`;
    const pm = expectOk(
      await request(c, { method: 'GET', path, schema: paymentMethodSchema }),
      `retrieve payment method ${intent.payment_method}`,
    );
    return { ...status, paymentMethod: toCard(pm) };
  }

  // A refused capture or cancel: a canceled intent says so, anything else is an error.
  async function refused(c: C, id: string, answer: Refusal): Promise<ProviderStatus> {
    const current = await retrieveStatus(c, 'authorization', id, false);
    if (current.rawStatus === 'canceled') return current;
    return {
      state: 'error',
      rawStatus: current.rawStatus,
      providerCode: id,
      errorCode: answer.error.code ?? answer.error.type,
      errorMessage: answer.error.message,
    };
  }

  /** The metadata key a refund carries its router id in, to be found again after a lost answer. */
  const REFUND_ID = 'accrupay_refund_id';

  /** A Refund's status as the router's: pending refunds are still processing. */
  const refundStatus = (refund: Refund): ProviderStatus => {
    const state =
      refund.status === 'succeeded'
        ? 'succeeded'
        : refund.status === 'failed'
          ? 'failed'
          : refund.status === 'canceled'
            ? 'canceled'
            : refund.status === 'pending' || refund.status === 'requires_action'
              ? 'processing'
              : 'unknown';
    return {
      state,
      rawStatus: refund.status,
      providerCode: refund.id,
      ...(refund.failure_reason ? { errorCode: refund.failure_reason } : {}),
      ...(state === 'failed'
        ? { errorMessage: `Stripe could not refund: ${refund.failure_reason ?? 'failed'}` }
        : {}),
    };
  };

  const createIntent = async (
    c: C,
    path: '/setup_intents' | '/payment_intents',
    params: Record<string, FormValue>,
    idempotencyKey: string,
    doing: string,
  ) =>
    expectOk(
      await request(c, { method: 'POST', path, schema: intentSchema, params, idempotencyKey }),
      doing,
    );

  const adapter: TypedAdapter<C> = {
    provider: 'STRIPE',
    label: 'Stripe',
    limits: STRIPE_LIMITS,
    credentials: stripeCredentialsSchema,
    newCredentials: newStripeCredentials,

    provisionAccount: (c, setup) =>
      provisionSimAccount(transport, baseUrl, {
        label: 'Stripe',
        accountId: c.accountId,
        section: stripeSimSection(c, setup),
        setup,
      }),

    async startSession(c, req) {
      const metadata = {
        merchant_reference: req.merchantInternalTransactionCode,
        accrupay_session_id: req.sessionId,
      };
      const stores = req.type === 'add-payment-method' || req.storePaymentMethod;
      let customer = req.storedPaymentMethod?.customerReference ?? undefined;
      if (req.storedPaymentMethod && !customer) {
        throw new Error(
          `Stored payment method ${req.storedPaymentMethod.reference} has no Stripe customer`,
        );
      }
      if (!customer && stores) {
        const billing = req.billing;
        const created = await request(c, {
          method: 'POST',
          path: '/customers',
          schema: customerSchema,
          params: {
            name: billing ? `${billing.billingFirstName} ${billing.billingLastName}` : undefined,
            email: billing?.billingEmail,
            metadata: {
              accrupay_session_id: req.sessionId,
              ...(req.merchantInternalCustomerCode
                ? { merchant_customer_code: req.merchantInternalCustomerCode }
                : {}),
            },
          },
          idempotencyKey: `${req.sessionId}:customer`,
        });
        customer = expectOk(created, 'create the customer').id;
      }
      const startedAt = clock.now();
      if (req.type === 'add-payment-method') {
        const params = { customer, usage: 'off_session', metadata };
        const si = await createIntent(
          c,
          '/setup_intents',
          params,
          req.sessionId,
          'create the SetupIntent',
        );
        return startedSession(baseUrl, c, si, null);
      }
      if (req.amount === null) throw new Error(`A ${req.type} session needs an amount`);
      const params = {
        amount: req.amount,
        currency: req.currency.toLowerCase(),
        capture_method: req.type === 'authorization' ? 'manual' : 'automatic',
        customer,
        payment_method: req.storedPaymentMethod?.reference,
        setup_future_usage: req.storePaymentMethod ? 'off_session' : undefined,
        metadata,
      };
      const pi = await createIntent(
        c,
        '/payment_intents',
        params,
        req.sessionId,
        'create the PaymentIntent',
      );
      return startedSession(baseUrl, c, pi, new Date(startedAt + DAY_MS));
    },

    retrieve: (c, session) =>
      retrieveStatus(c, session.type, session.providerCode, session.readsPaymentMethod),

    async close(c, session) {
      const path = `${intentPath(session.type, session.providerCode)}/cancel`;
      const answer = await request(c, { method: 'POST', path, schema: intentSchema, params: {} });
      if (!answer.ok) {
        return retrieveStatus(c, session.type, session.providerCode, session.readsPaymentMethod);
      }
      return toStatus(answer.value, session.type);
    },

    async prepareCharge(c, req) {
      const params = {
        amount: req.amount,
        currency: req.currency.toLowerCase(),
        customer: req.paymentMethod.customerReference ?? undefined,
        payment_method: req.paymentMethod.reference,
        metadata: {
          merchant_reference: req.merchantInternalTransactionCode,
          accrupay_session_id: req.sessionId,
        },
      };
      const doing = 'prepare the stored payment method charge';
      const intent = await createIntent(c, '/payment_intents', params, req.idempotencyKey, doing);
      return { providerCode: intent.id, token: intent.client_secret };
    },

    async confirmCharge(c, req) {
      const params = { payment_method: req.paymentMethod.reference, off_session: true };
      const key = `${req.idempotencyKey}:confirm`;
      const answer = await intentAction(c, req.providerCode, 'confirm', params, key);
      if (answer.ok) return toStatus(answer.value, 'payment');
      const outcome =
        answer.status === 402 ||
        (answer.status === 400 && answer.error.type === 'invalid_request_error');
      if (!outcome) expectOk(answer, 'charge the stored payment method');
      return refusalStatus(answer.error, answer.intentId ?? req.providerCode);
    },

    async capture(c, req) {
      const params = { amount_to_capture: req.amount };
      const answer = await intentAction(c, req.providerCode, 'capture', params, req.idempotencyKey);
      if (!answer.ok) return refused(c, req.providerCode, answer);
      return { state: 'succeeded', rawStatus: answer.value.status, providerCode: answer.value.id };
    },

    async void(c, req) {
      const answer = await intentAction(c, req.providerCode, 'cancel', {}, req.idempotencyKey);
      if (!answer.ok) return refused(c, req.providerCode, answer);
      const { status, id } = answer.value;
      const voided = status === 'canceled';
      return {
        state: voided ? 'succeeded' : 'error',
        rawStatus: status,
        providerCode: id,
        ...(voided ? {} : { errorMessage: `cancel left the PaymentIntent ${status}` }),
      };
    },

    async findOperation(c, op) {
      const path = intentPath('payment', op.providerCode);
      const answer: Answer<Intent> = await request(c, {
        method: 'GET',
        path,
        schema: intentSchema,
      });
      if (!answer.ok) {
        throw new ProviderUnavailableError(
          `Stripe could not say what happened to ${op.providerCode}: ${answer.error.message ?? answer.error.type}`,
          'error',
        );
      }
      const intent = answer.value;
      const base = { rawStatus: intent.status, providerCode: intent.id };
      if (op.action === 'SETTLE' && intent.status === 'succeeded') {
        const amount = BigInt(intent.amount_received ?? Number(op.amount));
        return { ...base, state: 'succeeded', amount };
      }
      if (op.action === 'VOID' && intent.status === 'canceled')
        return { ...base, state: 'succeeded' };
      return null;
    },

    async refund(c, req) {
      const params = {
        payment_intent: req.providerCode,
        amount: req.amount,
        metadata: { [REFUND_ID]: req.idempotencyKey },
      };
      const answer = await request(c, {
        method: 'POST',
        path: '/refunds',
        schema: refundSchema,
        params,
        idempotencyKey: req.idempotencyKey,
      });
      if (answer.ok) return refundStatus(answer.value);
      // Refused (already refunded, more than charged, not captured): no money moved.
      return {
        state: 'failed',
        rawStatus: `refused ${answer.status}`,
        providerCode: null,
        errorCode: answer.error.code ?? answer.error.type,
        errorMessage: answer.error.message,
      };
    },

    async findRefund(c, req) {
      const path = `/refunds?payment_intent=${encodeURIComponent(req.providerCode)}&limit=100`;
      const answer = await request(c, { method: 'GET', path, schema: refundListSchema });
      if (!answer.ok) {
        throw new ProviderUnavailableError(
          `Stripe could not list the refunds of ${req.providerCode}: ${answer.error.message ?? answer.error.type}`,
          'error',
        );
      }
      const found = answer.value.data.find(
        (refund) => refund.metadata?.[REFUND_ID] === req.idempotencyKey,
      );
      return found ? refundStatus(found) : null;
    },

    verifyCallback: (c, rawBody, headers) =>
      verifyStripeWebhook({
        webhookSecret: c.webhookSecret,
        rawBody,
        headers,
        nowSeconds: clock.now() / 1000,
        toleranceSeconds: tolerance,
      }),

    baseConfig: (c) => ({
      provider: 'STRIPE',
      publishableKey: c.publishableKey,
      hostedFieldsUrl: `${baseUrl}/hosted/card`,
    }),
  };
  return fromTyped(adapter);
}
