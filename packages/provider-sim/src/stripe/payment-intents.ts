import type { Router } from 'express';
import type { z } from 'zod';
import { cardOutcome } from '../cards.ts';
import {
  assertConfirmable,
  checkAmount,
  declineOf,
  intentFailed,
  invalidRequest,
  noSuchIntent,
  type StripeErrorBody,
  unexpectedState,
} from './errors.ts';
import { intentRoutes } from './intent-routes.ts';
import { confirmingPaymentMethod, resolvePaymentMethod } from './payment-methods.ts';
import type { Handle } from './routes.ts';
import { cancelSchema, captureSchema, confirmSchema, createPISchema } from './schemas.ts';
import {
  ACTIVE_EXPIRABLE,
  type Auth,
  openIntent,
  type PaymentIntent,
  type PaymentMethod,
  type PIStatus,
  piKeys,
  piSubject,
  type StripeState,
} from './state.ts';
import { piEvent, piJson, pmJson } from './webhooks.ts';

/** Checks the intent's TTLs at `at` on the clock (by id, so that it also works after a restart). */
export function armExpiry(s: StripeState, id: string, at: number): void {
  s.core.scheduler.schedule(at, () => {
    const pi = s.intents.get(id);
    if (pi) expireIfDue(s, pi);
  });
}

export function expireIfDue(s: StripeState, pi: PaymentIntent): void {
  const now = s.core.clock.now();
  const ttl = s.core.options.ttl.stripe;
  if (ACTIVE_EXPIRABLE.includes(pi.status) && now >= pi.createdMs + ttl.paymentIntentMs) {
    s.intents.set(pi.id, pi);
    pi.status = 'canceled';
    pi.cancellation_reason = 'abandoned';
    pi.canceled_at = Math.floor((pi.createdMs + ttl.paymentIntentMs) / 1000);
    pi.next_action = null;
    piEvent(s, pi, 'payment_intent.canceled');
  } else if (
    pi.status === 'requires_capture' &&
    pi.authorizedAtMs !== null &&
    now >= pi.authorizedAtMs + ttl.authorizationMs
  ) {
    const released = pi.amount_capturable;
    s.intents.set(pi.id, pi);
    pi.status = 'canceled';
    pi.cancellation_reason = 'automatic';
    pi.canceled_at = Math.floor((pi.authorizedAtMs + ttl.authorizationMs) / 1000);
    pi.amount_capturable = 0;
    s.core.ledger.record(piSubject(pi), {
      kind: 'void',
      amount: released,
      detail: 'authorization expired',
    });
    piEvent(s, pi, 'payment_intent.canceled');
  }
}

/** The intent, marked for saving unless `readOnly` (a retrieve; an expiry it triggers saves itself). */
export function getPI(
  s: StripeState,
  auth: Auth,
  id: string,
  clientSecret?: string,
  readOnly = false,
): PaymentIntent {
  const pi = readOnly ? s.intents.peek(id) : s.intents.get(id);
  if (!pi || pi.accountId !== auth.account.id) {
    throw noSuchIntent('payment_intent', id);
  }
  if (auth.mode === 'publishable' && clientSecret !== pi.client_secret) {
    throw invalidRequest(
      404,
      'resource_missing',
      `No such payment_intent: '${id}'; a publishable key needs the matching client_secret`,
      'client_secret',
    );
  }
  expireIfDue(s, pi);
  return pi;
}

export function createPaymentIntent(
  s: StripeState,
  auth: Auth,
  input: z.infer<typeof createPISchema>,
): PaymentIntent {
  const pi = openIntent<PaymentIntent>(s, auth, input, {
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_received: 0,
    currency: input.currency,
    capture_method: input.capture_method === 'manual' ? 'manual' : 'automatic',
    createdMs: s.core.clock.now(),
    setup_future_usage: input.setup_future_usage ?? null,
    canceled_at: null,
    last_payment_error: null,
    latest_charge: null,
    return_url: input.return_url ?? null,
    authorizedAtMs: null,
  });
  const { id, accountId } = pi;
  armExpiry(s, id, pi.createdMs + s.core.options.ttl.stripe.paymentIntentMs);
  const pm = resolvePaymentMethod(s, accountId, input.payment_method, input.payment_method_data);
  if (pm) {
    pi.payment_method = pm.id;
    if (!input.confirm) pi.status = 'requires_confirmation';
  }
  piEvent(s, pi, 'payment_intent.created');
  if (input.confirm) {
    if (!pm) {
      throw invalidRequest(
        400,
        'parameter_missing',
        'confirm=true needs a payment_method or payment_method_data.',
        'payment_method',
      );
    }
    confirmPI(s, pi, pm, input.off_session === true);
  }
  return pi;
}

export function confirmPI(
  s: StripeState,
  pi: PaymentIntent,
  pm: PaymentMethod,
  offSession: boolean,
): void {
  assertConfirmable('payment_intent', pi);
  if (offSession) {
    if (!pi.customer || pm.customer !== pi.customer) {
      throw invalidRequest(
        400,
        'payment_method_not_available',
        'An off_session charge needs a PaymentMethod attached to the PaymentIntent customer.',
        'payment_method',
      );
    }
  }
  pi.payment_method = pm.id;
  pi.last_payment_error = null;
  // A card of a simulated issuer (an Accrue Pay virtual card) is decided by its issuer alone.
  const issued = s.core.cardIssuers.charge({
    number: pm.number,
    amount: pi.amount,
    currency: pi.currency,
    acquirer: 'stripe',
    reference: pi.id,
  });
  if (issued && !issued.approved) {
    failPI(s, pi, pm, {
      type: 'card_error',
      code: 'card_declined',
      decline_code: issued.declineCode,
      message: issued.message,
    });
  }
  const outcome = issued ? 'success' : cardOutcome('stripe', pm.number);
  if (outcome === 'challenge_3ds') {
    if (offSession) {
      failPI(s, pi, pm, {
        type: 'card_error',
        code: 'authentication_required',
        decline_code: 'authentication_required',
        message: 'Your card was declined. This transaction requires authentication.',
      });
    }
    pi.status = 'requires_action';
    pi.next_action = {
      type: 'redirect_to_url',
      redirect_to_url: {
        url: `${s.baseUrl}/hosted/3ds?provider=stripe&token=${encodeURIComponent(pi.client_secret)}`,
        return_url: pi.return_url,
      },
    };
    piEvent(s, pi, 'payment_intent.requires_action');
    return;
  }
  if (outcome !== 'success') {
    failPI(s, pi, pm, declineOf(outcome));
  }
  authorizePI(s, pi, pm);
}

export function authorizePI(s: StripeState, pi: PaymentIntent, pm: PaymentMethod): void {
  pi.next_action = null;
  const subject = piSubject(pi);
  if (pi.setup_future_usage && pi.customer) pm.customer = pi.customer;
  if (pi.capture_method === 'manual') {
    pi.status = 'requires_capture';
    pi.amount_capturable = pi.amount;
    pi.authorizedAtMs = s.core.clock.now();
    s.core.ledger.record(subject, { kind: 'authorization', amount: pi.amount });
    armExpiry(s, pi.id, pi.authorizedAtMs + s.core.options.ttl.stripe.authorizationMs);
    piEvent(s, pi, 'payment_intent.amount_capturable_updated');
  } else {
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    pi.latest_charge = s.rid('ch');
    s.core.ledger.record(subject, {
      kind: 'charge',
      amount: pi.amount,
      detail: pi.latest_charge,
    });
    piEvent(s, pi, 'payment_intent.succeeded');
  }
}

export function failPI(
  s: StripeState,
  pi: PaymentIntent,
  pm: PaymentMethod,
  error: StripeErrorBody,
): never {
  pi.status = 'requires_payment_method';
  pi.next_action = null;
  pi.last_payment_error = { ...error, payment_method: pmJson(pm) };
  s.core.ledger.record(piSubject(pi), {
    kind: error.code === 'processing_error' ? 'error' : 'decline',
    amount: pi.amount,
    detail: error.decline_code ?? error.code,
  });
  piEvent(s, pi, 'payment_intent.payment_failed');
  throw intentFailed(error, { payment_intent: piJson(s, pi) });
}

export function capturePI(s: StripeState, pi: PaymentIntent, amount: number | undefined): void {
  if (pi.status !== 'requires_capture') {
    throw unexpectedState('payment_intent', pi.id, pi.status, 'captured', ['requires_capture']);
  }
  const toCapture = amount ?? pi.amount_capturable;
  if (toCapture > pi.amount_capturable) {
    throw invalidRequest(
      400,
      'amount_too_large',
      `amount_to_capture (${toCapture}) is greater than amount_capturable (${pi.amount_capturable}).`,
      'amount_to_capture',
    );
  }
  pi.status = 'succeeded';
  pi.amount_received = toCapture;
  pi.amount_capturable = 0;
  pi.latest_charge = s.rid('ch');
  s.core.ledger.record(piSubject(pi), {
    kind: 'capture',
    amount: toCapture,
    detail: pi.latest_charge,
  });
  piEvent(s, pi, 'payment_intent.succeeded');
}

export function cancelPI(s: StripeState, pi: PaymentIntent, reason: string | undefined): void {
  const cancelable: PIStatus[] = [...ACTIVE_EXPIRABLE, 'requires_capture', 'processing'];
  if (!cancelable.includes(pi.status)) {
    throw unexpectedState('payment_intent', pi.id, pi.status, 'canceled', cancelable);
  }
  if (pi.status === 'requires_capture') {
    s.core.ledger.record(piSubject(pi), { kind: 'void', amount: pi.amount_capturable });
  }
  pi.status = 'canceled';
  pi.amount_capturable = 0;
  pi.next_action = null;
  pi.cancellation_reason = reason ?? null;
  pi.canceled_at = s.unix();
  piEvent(s, pi, 'payment_intent.canceled');
}

/** POST /v1/payment_intents, GET one, confirm, capture and cancel. */
export function paymentIntentRoutes(r: Router, s: StripeState, handle: Handle): void {
  const routes = intentRoutes(r, handle, {
    path: '/v1/payment_intents',
    peek: (id) => s.intents.peek(id),
    keys: piKeys,
    get: (auth, id, clientSecret, readOnly) => getPI(s, auth, id, clientSecret, readOnly),
    json: (pi) => piJson(s, pi),
  });
  routes.create((body, auth) => {
    checkAmount((body as Record<string, unknown> | undefined)?.amount, 'amount');
    return createPaymentIntent(s, auth, createPISchema.parse(body ?? {}));
  });
  routes.retrieve();
  routes.action('confirm', confirmSchema, (pi, input, auth) => {
    if (input.setup_future_usage) pi.setup_future_usage = input.setup_future_usage;
    if (input.return_url) pi.return_url = input.return_url;
    confirmPI(s, pi, confirmingPaymentMethod(s, auth, input, pi), input.off_session === true);
  });
  routes.action(
    'capture',
    captureSchema,
    (pi, input) => capturePI(s, pi, input.amount_to_capture),
    {
      secretOnly: true,
      check: (body) => checkAmount(body?.amount_to_capture, 'amount_to_capture'),
    },
  );
  routes.action('cancel', cancelSchema, (pi, input) => cancelPI(s, pi, input.cancellation_reason), {
    secretOnly: true,
  });
}
