import {
  type ClientTransactionSessionType,
  PAYMENT_METHOD_BRAND,
  type PaymentMethodBrand,
} from '@accrupay/contracts';
import type {
  ProviderCard,
  ProviderState,
  ProviderStatus,
  ProviderSubject,
  StartedSession,
} from '../types.ts';
import type { Intent, StripeError, StripePaymentMethod } from './schemas.ts';

const BRANDS: Record<string, PaymentMethodBrand> = {
  visa: PAYMENT_METHOD_BRAND.VISA,
  mastercard: PAYMENT_METHOD_BRAND.MASTERCARD,
  amex: PAYMENT_METHOD_BRAND.AMEX,
  discover: PAYMENT_METHOD_BRAND.DISCOVER,
  diners: PAYMENT_METHOD_BRAND.DINERS,
  jcb: PAYMENT_METHOD_BRAND.JCB,
  unionpay: PAYMENT_METHOD_BRAND.UNIONPAY,
};

const AUTHENTICATION_FAILURES = new Set([
  'payment_intent_authentication_failure',
  'setup_intent_authentication_failure',
  'authentication_required',
]);

export function errorState(error: Partial<StripeError>): ProviderState {
  if (error.code && AUTHENTICATION_FAILURES.has(error.code)) return 'failed';
  if (error.decline_code && AUTHENTICATION_FAILURES.has(error.decline_code)) return 'failed';
  if (error.code === 'processing_error') return 'error';
  return 'declined';
}

function subjectOf(intent: Intent): ProviderSubject {
  return {
    amount:
      intent.object === 'setup_intent'
        ? null
        : typeof intent.amount === 'number'
          ? BigInt(intent.amount)
          : undefined,
    currency: intent.currency ? intent.currency.toUpperCase() : undefined,
    sessionId: intent.metadata?.accrupay_session_id,
    merchantInternalTransactionCode: intent.metadata?.merchant_reference,
  };
}

// The one status mapper: a PaymentIntent or SetupIntent in the router's words.
export function toStatus(intent: Intent, type: ClientTransactionSessionType): ProviderStatus {
  const base = { rawStatus: intent.status, providerCode: intent.id, subject: subjectOf(intent) };
  const lastError = intent.last_payment_error ?? intent.last_setup_error ?? null;
  const failure = (): ProviderStatus => ({
    ...base,
    state: errorState(lastError ?? {}),
    errorCode: lastError?.decline_code ?? lastError?.code,
    errorMessage: lastError?.message,
  });
  switch (intent.status) {
    case 'requires_payment_method':
      return lastError ? failure() : { ...base, state: 'awaiting_customer' };
    case 'requires_confirmation':
      return { ...base, state: 'awaiting_customer' };
    case 'requires_action':
    case 'processing':
      return { ...base, state: 'processing' };
    case 'requires_capture':
      return { ...base, state: type === 'authorization' ? 'succeeded' : 'unknown' };
    case 'succeeded':
      return { ...base, state: 'succeeded' };
    case 'canceled': {
      const reason = intent.cancellation_reason;
      if (intent.object === 'payment_intent') {
        if (reason === 'abandoned') return { ...base, state: 'expired' };
        if (reason === 'automatic' && type === 'authorization')
          return { ...base, state: 'expired' };
      }
      // Closed by the router after a decline: the decline is what happened to the payment.
      return lastError ? failure() : { ...base, state: 'canceled' };
    }
    default:
      return { ...base, state: 'unknown' };
  }
}

/** A refused server-side call (a confirm off-session) in the router's words. */
export function refusalStatus(error: StripeError, providerCode: string): ProviderStatus {
  return {
    state: error.type === 'card_error' ? errorState(error) : 'error',
    rawStatus: error.type,
    providerCode,
    errorCode: error.decline_code ?? error.code,
    errorMessage: error.message,
  };
}

/** A Stripe PaymentMethod as the router keeps it: a card, never its number. */
export function toCard(pm: StripePaymentMethod): ProviderCard {
  return {
    kind: 'card',
    reference: pm.id,
    customerReference: pm.customer ?? null,
    brand: BRANDS[pm.card.brand] ?? PAYMENT_METHOD_BRAND.UNKNOWN,
    last4: pm.card.last4,
    expiryMonth: pm.card.exp_month,
    expiryYear: pm.card.exp_year,
    billingCountry: pm.billing_details?.address?.country ?? null,
  };
}

/** A created intent as the session the browser completes (client secret, card fields). */
export function startedSession(
  baseUrl: string,
  c: { publishableKey: string },
  intent: Intent,
  expiresAt: Date | null,
): StartedSession {
  const token = encodeURIComponent(intent.client_secret);
  return {
    token: intent.client_secret,
    providerCode: intent.id,
    expiresAt,
    payload: {
      provider: 'STRIPE',
      clientSecret: intent.client_secret,
      publishableKey: c.publishableKey,
      intentId: intent.id,
      intentType: intent.object,
      hostedFieldsUrl: `${baseUrl}/hosted/card?provider=stripe&token=${token}`,
    },
  };
}
