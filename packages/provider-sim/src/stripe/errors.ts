import type { CardOutcome } from '../cards.ts';
import { integerInput, PROVIDER_LIMITS } from '../limits.ts';

export interface StripeErrorBody {
  type:
    | 'card_error'
    | 'invalid_request_error'
    | 'api_error'
    | 'authentication_error'
    | 'idempotency_error';
  code?: string | undefined;
  decline_code?: string | undefined;
  message: string;
  param?: string | undefined;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody & Record<string, unknown>,
  ) {
    super(body.message);
  }
}

/** Stripe's invalid_request_error: its code, message and the parameter at fault. */
export function invalidRequest(
  status: number,
  code: string,
  message: string,
  param: string,
): StripeApiError {
  return new StripeApiError(status, { type: 'invalid_request_error', code, message, param });
}

/** The card_error body of a decline from the DECLINES table. */
export function declineBody(d: {
  code: string;
  decline_code?: string;
  message: string;
}): StripeErrorBody {
  return {
    type: 'card_error',
    code: d.code,
    decline_code: d.decline_code ?? d.code,
    message: d.message,
  };
}

export const DECLINES: Record<
  Exclude<CardOutcome, 'success' | 'challenge_3ds'>,
  { code: string; decline_code?: string; message: string }
> = {
  generic_decline: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  attach_ok_charge_declines: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  insufficient_funds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  lost_card: {
    code: 'card_declined',
    decline_code: 'lost_card',
    message: 'Your card was declined.',
  },
  stolen_card: {
    code: 'card_declined',
    decline_code: 'stolen_card',
    message: 'Your card was declined.',
  },
  expired_card: { code: 'expired_card', message: 'Your card has expired.' },
  incorrect_cvc: { code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  processing_error: {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

/** Refuses an amount outside Stripe's limits with Stripe's own error, whatever its size (compared exactly, never parsed to a float). */
export function checkAmount(raw: unknown, param: string): void {
  const value = integerInput(raw);
  if (value === undefined) return;
  const { minAmount, maxAmount } = PROVIDER_LIMITS.stripe;
  if (value < BigInt(minAmount)) {
    throw invalidRequest(
      400,
      'parameter_invalid_integer',
      `Invalid positive integer: ${param} must be at least ${minAmount}`,
      param,
    );
  }
  if (value > BigInt(maxAmount)) {
    throw invalidRequest(
      400,
      'amount_too_large',
      `Amount must be no more than ${maxAmount} (the amount in the currency's smallest unit: 999,999.99 in a two-decimal currency).`,
      param,
    );
  }
}

export function unexpectedState(
  object: string,
  id: string,
  status: string,
  verb: string,
  allowed: readonly string[],
): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code:
      object === 'setup_intent'
        ? 'setup_intent_unexpected_state'
        : 'payment_intent_unexpected_state',
    message: `This ${object === 'setup_intent' ? 'SetupIntent' : 'PaymentIntent'} (${id}) could not be ${verb} because it has a status of ${status}. Only one with one of the following statuses may be ${verb}: ${allowed.join(', ')}.`,
  });
}

/** The card error a declining test card answers with (its row of DECLINES). */
export function declineOf(outcome: keyof typeof DECLINES): StripeErrorBody {
  return declineBody(DECLINES[outcome]);
}

/** A failed confirm's answer: 402 for a card error, 400 otherwise, with the intent's JSON. */
export function intentFailed(
  error: StripeErrorBody,
  intent: { payment_intent: unknown } | { setup_intent: unknown },
): StripeApiError {
  return new StripeApiError(error.type === 'card_error' ? 402 : 400, { ...error, ...intent });
}

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation'] as const;

/** An intent is confirmed only while it waits for a payment method or for its confirmation. */
export function assertConfirmable(
  object: 'payment_intent' | 'setup_intent',
  intent: { id: string; status: string },
): void {
  if (!(CONFIRMABLE as readonly string[]).includes(intent.status)) {
    throw unexpectedState(object, intent.id, intent.status, 'confirmed', CONFIRMABLE);
  }
}

/** The 404 of an intent this key may not see or that does not exist. */
export function noSuchIntent(
  object: 'payment_intent' | 'setup_intent',
  id: string,
): StripeApiError {
  return invalidRequest(404, 'resource_missing', `No such ${object}: '${id}'`, 'intent');
}

/** An amount as Stripe's refund errors show it: `$10.00` in USD, `10.00 EUR` otherwise. */
function shownAmount(minor: number, currency: string): string {
  const major = (minor / 100).toFixed(2);
  return currency === 'usd' ? `$${major}` : `${major} ${currency.toUpperCase()}`;
}

/** A refund asking more than the charge has left: Stripe names the charge amount, or what is unrefunded once something was refunded. */
export function refundTooLarge(
  amount: number,
  remaining: number,
  refundedBefore: number,
  currency: string,
): StripeApiError {
  const what = refundedBefore > 0 ? 'unrefunded amount on charge' : 'charge amount';
  return invalidRequest(
    400,
    'amount_too_large',
    `Refund amount (${shownAmount(amount, currency)}) is greater than ${what} (${shownAmount(remaining, currency)})`,
    'amount',
  );
}

/** A refund of a charge with nothing left to refund. */
export function alreadyRefunded(chargeId: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'charge_already_refunded',
    message: `Charge ${chargeId} has already been refunded.`,
  });
}

/** A refund of a PaymentIntent that has no captured charge: an uncaptured one is canceled instead. */
export function notRefundable(id: string, status: string): StripeApiError {
  const hint =
    status === 'requires_capture'
      ? ` Its funds are not captured: cancel the PaymentIntent instead (POST /v1/payment_intents/${id}/cancel) to release them.`
      : '';
  return new StripeApiError(400, {
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message: `This PaymentIntent (${id}) does not have a successful charge to refund: its status is ${status}.${hint}`,
    param: 'payment_intent',
  });
}
