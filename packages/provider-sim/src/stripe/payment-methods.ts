import { createHash } from 'node:crypto';
import type { Router } from 'express';
import type { z } from 'zod';
import { cardBrand, cardOutcome, luhnValid, normalizeCardNumber } from '../cards.ts';
import { requireCustomer } from './customers.ts';
import { DECLINES, declineBody, invalidRequest, StripeApiError } from './errors.ts';
import type { Handle } from './routes.ts';
import {
  attachSchema,
  type cardData,
  type confirmSchema,
  createPMSchema,
  type paymentMethodData,
} from './schemas.ts';
import type { Auth, PaymentMethod, StripeState } from './state.ts';
import { pmJson } from './webhooks.ts';

/** Stripe's shared test PaymentMethod tokens, resolved to their card numbers. */
export const STRIPE_TEST_PAYMENT_METHODS: Record<string, string> = {
  pm_card_visa: '4242424242424242',
  pm_card_mastercard: '5555555555554444',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedLostCard: '4000000000009987',
  pm_card_chargeDeclinedStolenCard: '4000000000009979',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_chargeDeclinedProcessingError: '4000000000000119',
  pm_card_threeDSecure2Required: '4000000000003220',
  pm_card_chargeCustomerFail: '4000000000000341',
};

export function createPaymentMethod(
  s: StripeState,
  accountId: string,
  card: z.infer<typeof cardData>,
  billing?: { name?: string | undefined; email?: string | undefined },
): PaymentMethod {
  const number = normalizeCardNumber(card.number);
  if (!luhnValid(number)) {
    throw new StripeApiError(402, {
      type: 'card_error',
      code: 'incorrect_number',
      message: 'Your card number is incorrect.',
      param: 'number',
    });
  }
  const now = new Date(s.core.clock.now());
  const expired =
    card.exp_year < now.getUTCFullYear() ||
    (card.exp_year === now.getUTCFullYear() && card.exp_month < now.getUTCMonth() + 1);
  if (expired) {
    throw new StripeApiError(402, {
      type: 'card_error',
      code: 'invalid_expiry_year',
      message: "Your card's expiration year is invalid.",
      param: 'exp_year',
    });
  }
  const pm: PaymentMethod = {
    id: s.rid('pm'),
    object: 'payment_method',
    type: 'card',
    created: s.unix(),
    customer: null,
    billing_details: { name: billing?.name ?? null, email: billing?.email ?? null },
    card: {
      brand: cardBrand(number),
      last4: number.slice(-4),
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      fingerprint: createHash('sha256').update(number).digest('hex').slice(0, 16),
      funding: 'credit',
      country: 'US',
    },
    livemode: false,
    metadata: {},
    accountId,
    number,
  };
  s.paymentMethods.set(pm.id, pm);
  return pm;
}

export function resolvePaymentMethod(
  s: StripeState,
  accountId: string,
  ref: string | undefined,
  data: z.infer<typeof paymentMethodData> | undefined,
): PaymentMethod | undefined {
  if (data) return createPaymentMethod(s, accountId, data.card, data.billing_details);
  if (!ref) return undefined;
  const testNumber = STRIPE_TEST_PAYMENT_METHODS[ref];
  if (testNumber) {
    return createPaymentMethod(s, accountId, {
      number: testNumber,
      exp_month: 12,
      exp_year: new Date(s.core.clock.now()).getUTCFullYear() + 3,
      cvc: '123',
    });
  }
  const pm = s.paymentMethods.get(ref);
  if (!pm || pm.accountId !== accountId) {
    throw invalidRequest(
      400,
      'resource_missing',
      `No such PaymentMethod: '${ref}'`,
      'payment_method',
    );
  }
  return pm;
}

/** The card a confirm uses: the one it names or carries, else the intent's own; Stripe's 400 if none. */
export function confirmingPaymentMethod(
  s: StripeState,
  auth: Auth,
  input: z.infer<typeof confirmSchema>,
  intent: { payment_method: string | null },
): PaymentMethod {
  const pm =
    resolvePaymentMethod(s, auth.account.id, input.payment_method, input.payment_method_data) ??
    (intent.payment_method ? s.paymentMethods.get(intent.payment_method) : undefined);
  if (!pm) {
    throw invalidRequest(
      400,
      'parameter_missing',
      'You must provide a payment_method or payment_method_data to confirm.',
      'payment_method',
    );
  }
  return pm;
}

/** POST /v1/payment_methods, GET one, attach and detach. */
export function paymentMethodRoutes(r: Router, s: StripeState, handle: Handle): void {
  r.post(
    '/v1/payment_methods',
    handle((req, auth) => {
      const input = createPMSchema.parse(req.body ?? {});
      return {
        body: pmJson(createPaymentMethod(s, auth.account.id, input.card, input.billing_details)),
      };
    }),
  );
  const getPM = (auth: Auth, id: string) => {
    const pm = s.paymentMethods.get(id);
    if (!pm || pm.accountId !== auth.account.id) {
      throw invalidRequest(
        404,
        'resource_missing',
        `No such PaymentMethod: '${id}'`,
        'payment_method',
      );
    }
    return pm;
  };
  r.get(
    '/v1/payment_methods/:id',
    handle((req, auth) => ({ body: pmJson(getPM(auth, String(req.params.id))) }), {
      secretOnly: true,
    }),
  );
  r.post(
    '/v1/payment_methods/:id/attach',
    handle(
      (req, auth) => {
        const input = attachSchema.parse(req.body ?? {});
        const pm = getPM(auth, String(req.params.id));
        requireCustomer(s, auth.account.id, input.customer);
        const outcome = cardOutcome('stripe', pm.number);
        if (outcome !== 'success' && outcome !== 'attach_ok_charge_declines') {
          const d = outcome === 'challenge_3ds' ? undefined : DECLINES[outcome];
          if (d) {
            throw new StripeApiError(402, { ...declineBody(d) });
          }
        }
        pm.customer = input.customer;
        return { body: pmJson(pm) };
      },
      { secretOnly: true },
    ),
  );
  r.post(
    '/v1/payment_methods/:id/detach',
    handle(
      (req, auth) => {
        const pm = getPM(auth, String(req.params.id));
        pm.customer = null;
        return { body: pmJson(pm) };
      },
      { secretOnly: true },
    ),
  );
}
