import type { SessionKeys } from '../scenarios.ts';
import {
  type Customer,
  type PaymentIntent,
  type PaymentMethod,
  piKeys,
  type Refund,
  refundKeys,
  type SetupIntent,
  type StripeState,
  siKeys,
} from './state.ts';

export function piJson(
  s: StripeState,
  pi: PaymentIntent,
  reportStatus = true,
): Record<string, unknown> {
  const { accountId: _a, createdMs: _c, return_url: _r, authorizedAtMs: _z, ...rest } = pi;
  const status =
    (reportStatus ? s.core.unmappableStatus('stripe', piKeys(pi)) : undefined) ?? pi.status;
  return { ...rest, status, livemode: false, confirmation_method: 'automatic' };
}

export function siJson(
  s: StripeState,
  si: SetupIntent,
  reportStatus = true,
): Record<string, unknown> {
  const { accountId: _a, ...rest } = si;
  const status =
    (reportStatus ? s.core.unmappableStatus('stripe', siKeys(si)) : undefined) ?? si.status;
  return { ...rest, status, livemode: false };
}

export function pmJson(pm: PaymentMethod): Record<string, unknown> {
  const { accountId: _a, number: _n, ...rest } = pm;
  return rest;
}

export function customerJson(c: Customer): Record<string, unknown> {
  const { accountId: _a, ...rest } = c;
  return { ...rest, livemode: false };
}

/** A refund's wire JSON: `failure_reason` only once it failed, as Stripe. */
export function refundJson(r: Refund): Record<string, unknown> {
  const { accountId: _a, changesAtMs: _c, pendingChange: _p, failure_reason, ...rest } = r;
  return {
    ...rest,
    balance_transaction: null,
    receipt_number: null,
    ...(r.status === 'failed' ? { failure_reason } : {}),
  };
}

/** The wire JSON of a PaymentIntent's latest charge (a succeeded intent has one): what it captured and what its refunds gave back. */
export function chargeJson(s: StripeState, pi: PaymentIntent): Record<string, unknown> {
  const id = pi.latest_charge ?? '';
  const pm = pi.payment_method ? s.paymentMethods.peek(pi.payment_method) : undefined;
  const amountRefunded = s.amountRefunded(id);
  return {
    id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: pi.amount_received,
    amount_refunded: amountRefunded,
    captured: true,
    created: pi.created,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    failure_code: null,
    failure_message: null,
    livemode: false,
    metadata: pi.metadata,
    paid: true,
    payment_intent: pi.id,
    payment_method: pi.payment_method,
    payment_method_details: pm
      ? {
          type: 'card',
          card: {
            brand: pm.card.brand,
            last4: pm.card.last4,
            exp_month: pm.card.exp_month,
            exp_year: pm.card.exp_year,
          },
        }
      : null,
    refunded: pi.amount_received > 0 && amountRefunded >= pi.amount_received,
    status: 'succeeded',
  };
}

export function webhook(
  s: StripeState,
  accountId: string,
  type: string,
  object: Record<string, unknown>,
  keys: SessionKeys,
  forgedObject: () => { type: string; object: Record<string, unknown> },
  previousAttributes?: Record<string, unknown>,
): void {
  const account = s.core.accounts.peek(accountId);
  const stripe = account?.stripe;
  // Like a Stripe webhook endpoint, the account's takes only its enabled events.
  const enabled = stripe?.enabledEvents;
  if (enabled && !enabled.includes('*') && !enabled.includes(type)) return;
  const created = s.unix();
  const event = (t: string, o: Record<string, unknown>) => ({
    id: s.rid('evt'),
    object: 'event',
    api_version: '2024-06-20',
    created,
    data: { object: o, ...(previousAttributes ? { previous_attributes: previousAttributes } : {}) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: t,
  });
  const body = JSON.stringify(event(type, object));
  const secret = stripe?.webhookSecret ?? 'whsec_missing';
  s.core.emitCallback({
    provider: 'stripe',
    accountId,
    url: stripe?.webhookUrl,
    eventType: type,
    keys,
    contentType: 'application/json; charset=utf-8',
    body,
    signing: { scheme: 'stripe', secret },
    forge: (mode) => {
      if (mode === 'bad_signature') return { body, signing: { scheme: 'stripe-zero' } };
      const f = forgedObject();
      return {
        body: JSON.stringify(event(f.type, f.object)),
        signing: { scheme: 'stripe', secret: 'whsec_forger_wrong_secret' },
      };
    },
  });
}

export function piEvent(s: StripeState, pi: PaymentIntent, type: string): void {
  webhook(s, pi.accountId, type, piJson(s, pi), piKeys(pi), () => ({
    type: 'payment_intent.succeeded',
    object: {
      ...piJson(s, pi, false),
      status: 'succeeded',
      amount_received: pi.amount,
      amount_capturable: 0,
      last_payment_error: null,
    },
  }));
}

export function siEvent(s: StripeState, si: SetupIntent, type: string): void {
  webhook(s, si.accountId, type, siJson(s, si), siKeys(si), () => ({
    type: 'setup_intent.succeeded',
    object: { ...siJson(s, si, false), status: 'succeeded', last_setup_error: null },
  }));
}

/**
 * A refund's event (`refund.*`, `charge.refund.updated` carry the refund, `charge.refunded` the
 * charge); an `*.updated` event names the fields it changed, with their previous values. The
 * forged one claims the refund succeeded.
 */
export function refundEvent(
  s: StripeState,
  pi: PaymentIntent,
  r: Refund,
  type: string,
  previousAttributes?: Record<string, unknown>,
): void {
  const object = type === 'charge.refunded' ? chargeJson(s, pi) : refundJson(r);
  webhook(
    s,
    pi.accountId,
    type,
    object,
    refundKeys(pi, r.id),
    () => ({
      type: 'refund.updated',
      object: { ...refundJson(r), status: 'succeeded' },
    }),
    previousAttributes,
  );
}
