import type { Request, Router } from 'express';
import type { z } from 'zod';
import { refundOutcome } from '../cards.ts';
import type { SessionKeys } from '../scenarios.ts';
import {
  alreadyRefunded,
  checkAmount,
  invalidRequest,
  notRefundable,
  refundTooLarge,
} from './errors.ts';
import { expireIfDue } from './payment-intents.ts';
import type { Handle } from './routes.ts';
import { createRefundSchema, listRefundsSchema } from './schemas.ts';
import {
  type Auth,
  type PaymentIntent,
  piKeys,
  type Refund,
  refundKeys,
  refundSubject,
  type StripeState,
} from './state.ts';
import { chargeJson, refundEvent, refundJson } from './webhooks.ts';

type CreateRefund = z.infer<typeof createRefundSchema>;

/** Stripe's failure_reason of a refund paid back to a card that can no longer receive it (test card 4000000000005126). */
const ASYNC_FAILURE_REASON = 'expired_or_canceled_card';

/** The 404 of an object this key may not see or that does not exist. */
function noSuch(object: string, id: string, param: string) {
  return invalidRequest(404, 'resource_missing', `No such ${object}: '${id}'`, param);
}

/** The caller's PaymentIntent a refund names, by `payment_intent` or by its `charge` (both: they must agree). */
function refundedIntent(s: StripeState, auth: Auth, input: CreateRefund): PaymentIntent {
  const accountId = auth.account.id;
  let pi: PaymentIntent | undefined;
  if (input.payment_intent !== undefined) {
    pi = s.intents.peek(input.payment_intent);
    if (!pi || pi.accountId !== accountId) {
      throw noSuch('payment_intent', input.payment_intent, 'payment_intent');
    }
  }
  if (input.charge !== undefined) {
    const byCharge = s.intentOfCharge(input.charge);
    if (!byCharge || byCharge.accountId !== accountId) {
      throw noSuch('charge', input.charge, 'charge');
    }
    if (pi && pi.id !== byCharge.id) {
      throw invalidRequest(
        400,
        'parameter_invalid',
        `The charge ${input.charge} does not belong to the PaymentIntent ${pi.id}.`,
        'charge',
      );
    }
    pi = byCharge;
  }
  if (!pi) {
    throw invalidRequest(
      400,
      'parameter_missing',
      'One of the following params should be provided for this request: payment_intent or charge.',
      'payment_intent',
    );
  }
  expireIfDue(s, pi);
  return pi;
}

/** The card number a PaymentIntent was paid with (decides what its refunds do). */
function paidWith(s: StripeState, pi: PaymentIntent): string {
  return (pi.payment_method && s.paymentMethods.peek(pi.payment_method)?.number) || '';
}

/**
 * POST /v1/refunds: refunds a succeeded PaymentIntent's charge, never more than it captured in
 * all. The refund succeeds at once, unless the card the intent was paid with says otherwise
 * (cards.ts `refund`): pending until `ttl.stripe.refundMs`, or succeeded then failed at that time.
 */
export function createRefund(s: StripeState, auth: Auth, input: CreateRefund): Refund {
  const pi = refundedIntent(s, auth, input);
  if (pi.status !== 'succeeded' || !pi.latest_charge) throw notRefundable(pi.id, pi.status);
  const charge = pi.latest_charge;
  const refundedBefore = s.amountRefunded(charge);
  const remaining = pi.amount_received - refundedBefore;
  if (remaining <= 0) throw alreadyRefunded(charge);
  const amount = input.amount ?? remaining;
  if (amount > remaining) throw refundTooLarge(amount, remaining, refundedBefore, pi.currency);
  const later = refundOutcome('stripe', paidWith(s, pi));
  const refund: Refund = {
    id: s.rid('re'),
    object: 'refund',
    accountId: pi.accountId,
    amount,
    currency: pi.currency,
    payment_intent: pi.id,
    charge,
    status: later === 'pending' ? 'pending' : 'succeeded',
    failure_reason: null,
    reason: input.reason ?? null,
    metadata: input.metadata ?? {},
    created: s.unix(),
    changesAtMs: later ? s.core.clock.now() + s.core.options.ttl.stripe.refundMs : null,
    pendingChange: later === 'pending' ? 'succeeded' : later === 'fails' ? 'failed' : null,
  };
  s.refunds.set(refund.id, refund);
  refundEvent(s, pi, refund, 'refund.created');
  if (refund.status === 'succeeded') moneyReturned(s, pi, refund);
  if (refund.changesAtMs !== null) armRefundChange(s, refund.id, refund.changesAtMs);
  return refund;
}

/** A refund that succeeded: the money went back to the customer (one ledger entry) and the charge says so. */
function moneyReturned(s: StripeState, pi: PaymentIntent, refund: Refund): void {
  s.core.ledger.record(refundSubject(pi, refund.id), {
    kind: 'refund',
    amount: refund.amount,
    detail: refund.charge,
  });
  refundEvent(s, pi, refund, 'charge.refunded');
}

/** Changes the refund's status at `at` on the clock (by id, so that it also works after a restart). */
export function armRefundChange(s: StripeState, id: string, at: number): void {
  s.core.scheduler.schedule(at, () => {
    const refund = s.refunds.get(id);
    if (refund) changeIfDue(s, refund);
  });
}

/**
 * A pending refund succeeds (the money goes back then), a succeeded one of the asynchronously
 * failing card fails (the money comes back to the merchant: a `refund_failed` entry); each sends
 * `refund.updated` and `charge.refund.updated` with the previous values.
 */
function changeIfDue(s: StripeState, refund: Refund): void {
  const change = refund.pendingChange;
  if (!change || refund.changesAtMs === null || s.core.clock.now() < refund.changesAtMs) return;
  const pi = s.intents.peek(refund.payment_intent);
  if (!pi) return;
  const previous = {
    status: refund.status,
    ...(change === 'failed' ? { failure_reason: null } : {}),
  };
  refund.status = change;
  refund.pendingChange = null;
  refund.changesAtMs = null;
  if (change === 'failed') {
    refund.failure_reason = ASYNC_FAILURE_REASON;
    s.core.ledger.record(refundSubject(pi, refund.id), {
      kind: 'refund_failed',
      amount: refund.amount,
      detail: ASYNC_FAILURE_REASON,
    });
  }
  refundEvent(s, pi, refund, 'refund.updated', previous);
  refundEvent(s, pi, refund, 'charge.refund.updated', previous);
  if (change === 'succeeded') moneyReturned(s, pi, refund);
  else refundEvent(s, pi, refund, 'refund.failed');
}

/** The caller's refund (404 otherwise). */
function getRefund(s: StripeState, auth: Auth, id: string): Refund {
  const refund = s.refunds.peek(id);
  if (!refund || refund.accountId !== auth.account.id) throw noSuch('refund', id, 'id');
  return refund;
}

/** The keys a refund call targets: those of the PaymentIntent it names (by `payment_intent` or `charge`). */
function createRefundKeys(s: StripeState, req: Request, auth: Auth): SessionKeys | undefined {
  const body = (req.body ?? {}) as { payment_intent?: unknown; charge?: unknown };
  const pi =
    typeof body.payment_intent === 'string'
      ? s.intents.peek(body.payment_intent)
      : typeof body.charge === 'string'
        ? s.intentOfCharge(body.charge)
        : undefined;
  return pi && pi.accountId === auth.account.id ? piKeys(pi) : undefined;
}

/** The keys of a retrieved refund: its PaymentIntent's and its own id. */
function refundReadKeys(s: StripeState, req: Request, auth: Auth): SessionKeys | undefined {
  const refund = s.refunds.peek(String(req.params.id));
  const pi = refund ? s.intents.peek(refund.payment_intent) : undefined;
  return refund && pi && pi.accountId === auth.account.id ? refundKeys(pi, refund.id) : undefined;
}

/** POST /v1/refunds, GET one, GET the list (by payment_intent or charge), and GET /v1/charges/:id. */
export function refundRoutes(r: Router, s: StripeState, handle: Handle): void {
  r.post(
    '/v1/refunds',
    handle(
      (req, auth) => {
        checkAmount((req.body as Record<string, unknown> | undefined)?.amount, 'amount');
        return {
          body: refundJson(createRefund(s, auth, createRefundSchema.parse(req.body ?? {}))),
        };
      },
      { secretOnly: true, keysFirst: (req, auth) => createRefundKeys(s, req, auth) },
    ),
  );
  r.get(
    '/v1/refunds/:id',
    handle((req, auth) => ({ body: refundJson(getRefund(s, auth, String(req.params.id))) }), {
      secretOnly: true,
      keysFirst: (req, auth) => refundReadKeys(s, req, auth),
    }),
  );
  r.get(
    '/v1/refunds',
    handle(
      (req, auth) => {
        const q = listRefundsSchema.parse(req.query);
        const all = [...s.refunds.values()]
          .filter(
            (x) =>
              x.accountId === auth.account.id &&
              (q.payment_intent === undefined || x.payment_intent === q.payment_intent) &&
              (q.charge === undefined || x.charge === q.charge),
          )
          .reverse();
        const limit = q.limit ?? 10;
        return {
          body: {
            object: 'list',
            data: all.slice(0, limit).map(refundJson),
            has_more: all.length > limit,
            url: '/v1/refunds',
          },
        };
      },
      { secretOnly: true },
    ),
  );
  r.get(
    '/v1/charges/:id',
    handle(
      (req, auth) => {
        const id = String(req.params.id);
        const pi = s.intentOfCharge(id);
        if (!pi || pi.accountId !== auth.account.id) throw noSuch('charge', id, 'id');
        return { body: chargeJson(s, pi) };
      },
      { secretOnly: true },
    ),
  );
}
