import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import {
  type CardOutcome,
  cardBrand,
  cardOutcome,
  luhnValid,
  normalizeCardNumber,
} from './cards.ts';
import type { MerchantAccount } from './config.ts';
import type { SimCore } from './core.ts';
import type { CardInput, HostedProvider, HostedResult, HostedSession } from './hosted-types.ts';
import {
  bodyErrorHandler,
  bodyParsers,
  formBool,
  formInt,
  metadataSchema,
  zodMessage,
} from './http.ts';
import { randomAlphanumeric } from './ids.ts';
import type { LedgerSubject } from './ledger.ts';
import { integerInput, PROVIDER_LIMITS } from './limits.ts';
import { answerCall, type IdempotencyRecord, requestDigest } from './pipeline.ts';
import type { SimProvider } from './provider.ts';
import type { SessionKeys } from './scenarios.ts';
import type { Table } from './store.ts';

type PIStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

interface StripeErrorBody {
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

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody & Record<string, unknown>,
  ) {
    super(body.message);
  }
}

interface PaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  created: number;
  customer: string | null;
  billing_details: { name: string | null; email: string | null };
  card: {
    brand: string;
    last4: string;
    exp_month: number;
    exp_year: number;
    fingerprint: string;
    funding: 'credit';
    country: 'US';
  };
  livemode: false;
  metadata: Record<string, string>;
  accountId: string;
  number: string;
}

interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  accountId: string;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: PIStatus;
  capture_method: 'automatic' | 'manual';
  client_secret: string;
  created: number;
  createdMs: number;
  customer: string | null;
  payment_method: string | null;
  description: string | null;
  metadata: Record<string, string>;
  setup_future_usage: 'off_session' | 'on_session' | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  last_payment_error: (StripeErrorBody & { payment_method?: unknown }) | null;
  next_action: unknown;
  latest_charge: string | null;
  return_url: string | null;
  authorizedAtMs: number | null;
}

interface SetupIntent {
  id: string;
  object: 'setup_intent';
  accountId: string;
  status: PIStatus;
  client_secret: string;
  created: number;
  customer: string | null;
  payment_method: string | null;
  usage: 'off_session' | 'on_session';
  description: string | null;
  metadata: Record<string, string>;
  last_setup_error: StripeErrorBody | null;
  next_action: unknown;
  cancellation_reason: string | null;
}

interface Customer {
  id: string;
  object: 'customer';
  accountId: string;
  created: number;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
}

const DECLINES: Record<
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

const currency = z
  .string()
  .regex(/^[a-zA-Z]{3}$/, 'must be a three-letter ISO currency code')
  .transform((v) => v.toLowerCase());

const cardData = z
  .object({
    number: z.string().min(1),
    exp_month: formInt.pipe(z.number().int().min(1).max(12)),
    exp_year: formInt.pipe(z.number().int().min(2000).max(2100)),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  })
  .strict();

const paymentMethodData = z
  .object({
    type: z.literal('card'),
    card: cardData,
    billing_details: z
      .object({ name: z.string().optional(), email: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

const common = {
  expand: z.array(z.string()).optional(),
  client_secret: z.string().optional(),
};

const createPISchema = z
  .object({
    amount: formInt.pipe(z.number().int().min(1).max(99_999_999)),
    currency,
    capture_method: z.enum(['automatic', 'manual', 'automatic_async']).optional(),
    confirm: formBool.optional(),
    customer: z.string().optional(),
    payment_method: z.string().optional(),
    payment_method_data: paymentMethodData.optional(),
    payment_method_types: z.array(z.string()).optional(),
    off_session: formBool.optional(),
    setup_future_usage: z.enum(['off_session', 'on_session']).optional(),
    description: z.string().max(1000).optional(),
    metadata: metadataSchema,
    return_url: z.string().url().optional(),
    receipt_email: z.string().optional(),
    statement_descriptor: z.string().optional(),
    ...common,
  })
  .strict();

const confirmSchema = z
  .object({
    payment_method: z.string().optional(),
    payment_method_data: paymentMethodData.optional(),
    off_session: formBool.optional(),
    return_url: z.string().url().optional(),
    setup_future_usage: z.enum(['off_session', 'on_session']).optional(),
    use_stripe_sdk: formBool.optional(),
    ...common,
  })
  .strict();

const captureSchema = z
  .object({
    amount_to_capture: formInt.pipe(z.number().int().min(1)).optional(),
    metadata: metadataSchema,
    ...common,
  })
  .strict();

const cancelSchema = z
  .object({
    cancellation_reason: z
      .enum(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'])
      .optional(),
    ...common,
  })
  .strict();

const createSISchema = z
  .object({
    customer: z.string().optional(),
    payment_method: z.string().optional(),
    payment_method_data: paymentMethodData.optional(),
    payment_method_types: z.array(z.string()).optional(),
    confirm: formBool.optional(),
    usage: z.enum(['off_session', 'on_session']).optional(),
    description: z.string().max(1000).optional(),
    metadata: metadataSchema,
    return_url: z.string().url().optional(),
    ...common,
  })
  .strict();

const createCustomerSchema = z
  .object({
    email: z.string().email().optional(),
    name: z.string().max(256).optional(),
    description: z.string().optional(),
    metadata: metadataSchema,
    ...common,
  })
  .strict();

const createPMSchema = z
  .object({
    type: z.literal('card'),
    card: cardData,
    billing_details: z
      .object({ name: z.string().optional(), email: z.string().optional() })
      .strict()
      .optional(),
    metadata: metadataSchema,
    ...common,
  })
  .strict();

const attachSchema = z.object({ customer: z.string().min(1), ...common }).strict();

type Auth = { account: MerchantAccount; mode: 'secret' | 'publishable' };

const ACTIVE_EXPIRABLE: PIStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

/** The Stripe-like provider: state, HTTP routes and the hosted-page hooks. */
export class StripeProvider implements HostedProvider, SimProvider {
  readonly name = 'stripe';
  readonly apiPath = '/stripe/v1';
  readonly hosted: HostedProvider = this;
  private readonly intents: Table<PaymentIntent>;
  private readonly setupIntents: Table<SetupIntent>;
  private readonly paymentMethods: Table<PaymentMethod>;
  private readonly customers: Table<Customer>;
  private readonly idempotency: Table<IdempotencyRecord>;
  /** Derived from the intents (rebuilt at load). */
  private bySecret = new Map<string, { kind: 'pi' | 'si'; id: string }>();

  constructor(private readonly core: SimCore) {
    this.intents = core.store.table('stripe.payment_intents');
    this.setupIntents = core.store.table('stripe.setup_intents');
    this.paymentMethods = core.store.table('stripe.payment_methods');
    this.customers = core.store.table('stripe.customers');
    this.idempotency = core.store.table('stripe.idempotency');
    core.onLoad(() => {
      const ttl = core.options.ttl.stripe;
      for (const pi of this.intents.values()) {
        this.bySecret.set(pi.client_secret, { kind: 'pi', id: pi.id });
        if (ACTIVE_EXPIRABLE.includes(pi.status))
          this.armExpiry(pi.id, pi.createdMs + ttl.paymentIntentMs);
        if (pi.status === 'requires_capture' && pi.authorizedAtMs !== null) {
          this.armExpiry(pi.id, pi.authorizedAtMs + ttl.authorizationMs);
        }
      }
      for (const si of this.setupIntents.values()) {
        this.bySecret.set(si.client_secret, { kind: 'si', id: si.id });
      }
    });
  }

  /** Checks the intent's TTLs at `at` on the clock (by id, so that it also works after a restart). */
  private armExpiry(id: string, at: number): void {
    this.core.scheduler.schedule(at, () => {
      const pi = this.intents.get(id);
      if (pi) this.expireIfDue(pi);
    });
  }

  private unix(): number {
    return Math.floor(this.core.clock.now() / 1000);
  }

  private rid(prefix: string): string {
    return `${prefix}_${randomAlphanumeric(24)}`;
  }

  private baseUrl = '';

  reset(): void {
    this.bySecret.clear();
  }

  setBaseUrl(url: string): void {
    this.baseUrl = url;
  }

  // ---------- keys, serialization, webhooks ----------

  piKeys(pi: PaymentIntent): SessionKeys {
    return {
      provider: 'stripe',
      tokens: [pi.client_secret],
      providerRefs: [pi.id, ...(pi.latest_charge ? [pi.latest_charge] : [])],
      merchantRef: merchantRef(pi.metadata),
    };
  }

  siKeys(si: SetupIntent): SessionKeys {
    return {
      provider: 'stripe',
      tokens: [si.client_secret],
      providerRefs: [si.id],
      merchantRef: merchantRef(si.metadata),
    };
  }

  /** What each ledger entry about the intent repeats. */
  private piSubject(pi: PaymentIntent): LedgerSubject {
    return {
      provider: 'stripe',
      accountId: pi.accountId,
      currency: pi.currency,
      providerRef: pi.id,
      merchantRef: merchantRef(pi.metadata),
      token: pi.client_secret,
    };
  }

  /** A SetupIntent's ledger entries are in USD, of amount 0. */
  private siSubject(si: SetupIntent): LedgerSubject {
    return {
      provider: 'stripe',
      accountId: si.accountId,
      currency: 'usd',
      providerRef: si.id,
      merchantRef: merchantRef(si.metadata),
      token: si.client_secret,
    };
  }

  private piJson(pi: PaymentIntent, reportStatus = true): Record<string, unknown> {
    const { accountId: _a, createdMs: _c, return_url: _r, authorizedAtMs: _z, ...rest } = pi;
    const status =
      (reportStatus ? this.core.unmappableStatus('stripe', this.piKeys(pi)) : undefined) ??
      pi.status;
    return { ...rest, status, livemode: false, confirmation_method: 'automatic' };
  }

  private siJson(si: SetupIntent, reportStatus = true): Record<string, unknown> {
    const { accountId: _a, ...rest } = si;
    const status =
      (reportStatus ? this.core.unmappableStatus('stripe', this.siKeys(si)) : undefined) ??
      si.status;
    return { ...rest, status, livemode: false };
  }

  private pmJson(pm: PaymentMethod): Record<string, unknown> {
    const { accountId: _a, number: _n, ...rest } = pm;
    return rest;
  }

  private customerJson(c: Customer): Record<string, unknown> {
    const { accountId: _a, ...rest } = c;
    return { ...rest, livemode: false };
  }

  private webhook(
    accountId: string,
    type: string,
    object: Record<string, unknown>,
    keys: SessionKeys,
    forgedObject: () => { type: string; object: Record<string, unknown> },
  ): void {
    const account = this.core.accounts.peek(accountId);
    const stripe = account?.stripe;
    const created = this.unix();
    const event = (t: string, o: Record<string, unknown>) => ({
      id: this.rid('evt'),
      object: 'event',
      api_version: '2024-06-20',
      created,
      data: { object: o },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: t,
    });
    const body = JSON.stringify(event(type, object));
    const secret = stripe?.webhookSecret ?? 'whsec_missing';
    this.core.emitCallback({
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

  private piEvent(pi: PaymentIntent, type: string): void {
    this.webhook(pi.accountId, type, this.piJson(pi), this.piKeys(pi), () => ({
      type: 'payment_intent.succeeded',
      object: {
        ...this.piJson(pi, false),
        status: 'succeeded',
        amount_received: pi.amount,
        amount_capturable: 0,
        last_payment_error: null,
      },
    }));
  }

  private siEvent(si: SetupIntent, type: string): void {
    this.webhook(si.accountId, type, this.siJson(si), this.siKeys(si), () => ({
      type: 'setup_intent.succeeded',
      object: { ...this.siJson(si, false), status: 'succeeded', last_setup_error: null },
    }));
  }

  // ---------- expiry ----------

  private expireIfDue(pi: PaymentIntent): void {
    const now = this.core.clock.now();
    const ttl = this.core.options.ttl.stripe;
    if (ACTIVE_EXPIRABLE.includes(pi.status) && now >= pi.createdMs + ttl.paymentIntentMs) {
      this.intents.set(pi.id, pi);
      pi.status = 'canceled';
      pi.cancellation_reason = 'abandoned';
      pi.canceled_at = Math.floor((pi.createdMs + ttl.paymentIntentMs) / 1000);
      pi.next_action = null;
      this.piEvent(pi, 'payment_intent.canceled');
    } else if (
      pi.status === 'requires_capture' &&
      pi.authorizedAtMs !== null &&
      now >= pi.authorizedAtMs + ttl.authorizationMs
    ) {
      const released = pi.amount_capturable;
      this.intents.set(pi.id, pi);
      pi.status = 'canceled';
      pi.cancellation_reason = 'automatic';
      pi.canceled_at = Math.floor((pi.authorizedAtMs + ttl.authorizationMs) / 1000);
      pi.amount_capturable = 0;
      this.core.ledger.record(this.piSubject(pi), {
        kind: 'void',
        amount: released,
        detail: 'authorization expired',
      });
      this.piEvent(pi, 'payment_intent.canceled');
    }
  }

  // ---------- operations ----------

  /** The intent, marked for saving unless `readOnly` (a retrieve; an expiry it triggers saves itself). */
  private getPI(auth: Auth, id: string, clientSecret?: string, readOnly = false): PaymentIntent {
    const pi = readOnly ? this.intents.peek(id) : this.intents.get(id);
    if (!pi || pi.accountId !== auth.account.id) {
      throw new StripeApiError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such payment_intent: '${id}'`,
        param: 'intent',
      });
    }
    if (auth.mode === 'publishable' && clientSecret !== pi.client_secret) {
      throw new StripeApiError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such payment_intent: '${id}'; a publishable key needs the matching client_secret`,
        param: 'client_secret',
      });
    }
    this.expireIfDue(pi);
    return pi;
  }

  private getSI(auth: Auth, id: string, clientSecret?: string): SetupIntent {
    const si = this.setupIntents.get(id);
    if (
      !si ||
      si.accountId !== auth.account.id ||
      (auth.mode === 'publishable' && clientSecret !== si.client_secret)
    ) {
      throw new StripeApiError(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such setup_intent: '${id}'`,
        param: 'intent',
      });
    }
    return si;
  }

  private createPaymentMethod(
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
    const now = new Date(this.core.clock.now());
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
      id: this.rid('pm'),
      object: 'payment_method',
      type: 'card',
      created: this.unix(),
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
    this.paymentMethods.set(pm.id, pm);
    return pm;
  }

  private resolvePaymentMethod(
    accountId: string,
    ref: string | undefined,
    data: z.infer<typeof paymentMethodData> | undefined,
  ): PaymentMethod | undefined {
    if (data) return this.createPaymentMethod(accountId, data.card, data.billing_details);
    if (!ref) return undefined;
    const testNumber = STRIPE_TEST_PAYMENT_METHODS[ref];
    if (testNumber) {
      return this.createPaymentMethod(accountId, {
        number: testNumber,
        exp_month: 12,
        exp_year: new Date(this.core.clock.now()).getUTCFullYear() + 3,
        cvc: '123',
      });
    }
    const pm = this.paymentMethods.get(ref);
    if (!pm || pm.accountId !== accountId) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such PaymentMethod: '${ref}'`,
        param: 'payment_method',
      });
    }
    return pm;
  }

  /** The card a confirm uses: the one it names or carries, else the intent's own; Stripe's 400 if none. */
  private confirmingPaymentMethod(
    auth: Auth,
    input: z.infer<typeof confirmSchema>,
    intent: { payment_method: string | null },
  ): PaymentMethod {
    const pm =
      this.resolvePaymentMethod(auth.account.id, input.payment_method, input.payment_method_data) ??
      (intent.payment_method ? this.paymentMethods.get(intent.payment_method) : undefined);
    if (!pm) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        message: 'You must provide a payment_method or payment_method_data to confirm.',
        param: 'payment_method',
      });
    }
    return pm;
  }

  private requireCustomer(accountId: string, id: string, param = 'customer'): Customer {
    const c = this.customers.get(id);
    if (!c || c.accountId !== accountId) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such customer: '${id}'`,
        param,
      });
    }
    return c;
  }

  createPaymentIntent(auth: Auth, input: z.infer<typeof createPISchema>): PaymentIntent {
    const accountId = auth.account.id;
    if (input.customer) this.requireCustomer(accountId, input.customer);
    const id = this.rid('pi');
    const pi: PaymentIntent = {
      id,
      object: 'payment_intent',
      accountId,
      amount: input.amount,
      amount_capturable: 0,
      amount_received: 0,
      currency: input.currency,
      status: 'requires_payment_method',
      capture_method: input.capture_method === 'manual' ? 'manual' : 'automatic',
      client_secret: `${id}_secret_${randomAlphanumeric(25)}`,
      created: this.unix(),
      createdMs: this.core.clock.now(),
      customer: input.customer ?? null,
      payment_method: null,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      setup_future_usage: input.setup_future_usage ?? null,
      canceled_at: null,
      cancellation_reason: null,
      last_payment_error: null,
      next_action: null,
      latest_charge: null,
      return_url: input.return_url ?? null,
      authorizedAtMs: null,
    };
    this.intents.set(id, pi);
    this.bySecret.set(pi.client_secret, { kind: 'pi', id });
    this.armExpiry(id, pi.createdMs + this.core.options.ttl.stripe.paymentIntentMs);
    const pm = this.resolvePaymentMethod(
      accountId,
      input.payment_method,
      input.payment_method_data,
    );
    if (pm) {
      pi.payment_method = pm.id;
      if (!input.confirm) pi.status = 'requires_confirmation';
    }
    this.piEvent(pi, 'payment_intent.created');
    if (input.confirm) {
      if (!pm) {
        throw new StripeApiError(400, {
          type: 'invalid_request_error',
          code: 'parameter_missing',
          message: 'confirm=true needs a payment_method or payment_method_data.',
          param: 'payment_method',
        });
      }
      this.confirmPI(pi, pm, input.off_session === true);
    }
    return pi;
  }

  private confirmPI(pi: PaymentIntent, pm: PaymentMethod, offSession: boolean): void {
    if (!['requires_payment_method', 'requires_confirmation'].includes(pi.status)) {
      throw unexpectedState('payment_intent', pi.id, pi.status, 'confirmed', [
        'requires_payment_method',
        'requires_confirmation',
      ]);
    }
    if (offSession) {
      if (!pi.customer || pm.customer !== pi.customer) {
        throw new StripeApiError(400, {
          type: 'invalid_request_error',
          code: 'payment_method_not_available',
          message:
            'An off_session charge needs a PaymentMethod attached to the PaymentIntent customer.',
          param: 'payment_method',
        });
      }
    }
    pi.payment_method = pm.id;
    pi.last_payment_error = null;
    const outcome = cardOutcome('stripe', pm.number);
    if (outcome === 'challenge_3ds') {
      if (offSession) {
        this.failPI(pi, pm, {
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
          url: `${this.baseUrl}/hosted/3ds?provider=stripe&token=${encodeURIComponent(pi.client_secret)}`,
          return_url: pi.return_url,
        },
      };
      this.piEvent(pi, 'payment_intent.requires_action');
      return;
    }
    if (outcome !== 'success') {
      const d = DECLINES[outcome];
      this.failPI(pi, pm, {
        type: 'card_error',
        code: d.code,
        decline_code: d.decline_code ?? d.code,
        message: d.message,
      });
    }
    this.authorizePI(pi, pm);
  }

  private authorizePI(pi: PaymentIntent, pm: PaymentMethod): void {
    pi.next_action = null;
    const subject = this.piSubject(pi);
    if (pi.setup_future_usage && pi.customer) pm.customer = pi.customer;
    if (pi.capture_method === 'manual') {
      pi.status = 'requires_capture';
      pi.amount_capturable = pi.amount;
      pi.authorizedAtMs = this.core.clock.now();
      this.core.ledger.record(subject, { kind: 'authorization', amount: pi.amount });
      this.armExpiry(pi.id, pi.authorizedAtMs + this.core.options.ttl.stripe.authorizationMs);
      this.piEvent(pi, 'payment_intent.amount_capturable_updated');
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      pi.latest_charge = this.rid('ch');
      this.core.ledger.record(subject, {
        kind: 'charge',
        amount: pi.amount,
        detail: pi.latest_charge,
      });
      this.piEvent(pi, 'payment_intent.succeeded');
    }
  }

  private failPI(pi: PaymentIntent, pm: PaymentMethod, error: StripeErrorBody): never {
    pi.status = 'requires_payment_method';
    pi.next_action = null;
    pi.last_payment_error = { ...error, payment_method: this.pmJson(pm) };
    this.core.ledger.record(this.piSubject(pi), {
      kind: error.code === 'processing_error' ? 'error' : 'decline',
      amount: pi.amount,
      detail: error.decline_code ?? error.code,
    });
    this.piEvent(pi, 'payment_intent.payment_failed');
    throw new StripeApiError(error.type === 'card_error' ? 402 : 400, {
      ...error,
      payment_intent: this.piJson(pi),
    });
  }

  capture(pi: PaymentIntent, amount: number | undefined): void {
    if (pi.status !== 'requires_capture') {
      throw unexpectedState('payment_intent', pi.id, pi.status, 'captured', ['requires_capture']);
    }
    const toCapture = amount ?? pi.amount_capturable;
    if (toCapture > pi.amount_capturable) {
      throw new StripeApiError(400, {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        message: `amount_to_capture (${toCapture}) is greater than amount_capturable (${pi.amount_capturable}).`,
        param: 'amount_to_capture',
      });
    }
    pi.status = 'succeeded';
    pi.amount_received = toCapture;
    pi.amount_capturable = 0;
    pi.latest_charge = this.rid('ch');
    this.core.ledger.record(this.piSubject(pi), {
      kind: 'capture',
      amount: toCapture,
      detail: pi.latest_charge,
    });
    this.piEvent(pi, 'payment_intent.succeeded');
  }

  cancel(pi: PaymentIntent, reason: string | undefined): void {
    const cancelable: PIStatus[] = [...ACTIVE_EXPIRABLE, 'requires_capture', 'processing'];
    if (!cancelable.includes(pi.status)) {
      throw unexpectedState('payment_intent', pi.id, pi.status, 'canceled', cancelable);
    }
    if (pi.status === 'requires_capture') {
      this.core.ledger.record(this.piSubject(pi), { kind: 'void', amount: pi.amount_capturable });
    }
    pi.status = 'canceled';
    pi.amount_capturable = 0;
    pi.next_action = null;
    pi.cancellation_reason = reason ?? null;
    pi.canceled_at = this.unix();
    this.piEvent(pi, 'payment_intent.canceled');
  }

  createSetupIntent(auth: Auth, input: z.infer<typeof createSISchema>): SetupIntent {
    const accountId = auth.account.id;
    if (input.customer) this.requireCustomer(accountId, input.customer);
    const id = this.rid('seti');
    const si: SetupIntent = {
      id,
      object: 'setup_intent',
      accountId,
      status: 'requires_payment_method',
      client_secret: `${id}_secret_${randomAlphanumeric(25)}`,
      created: this.unix(),
      customer: input.customer ?? null,
      payment_method: null,
      usage: input.usage ?? 'off_session',
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      last_setup_error: null,
      next_action: null,
      cancellation_reason: null,
    };
    this.setupIntents.set(id, si);
    this.bySecret.set(si.client_secret, { kind: 'si', id });
    this.siEvent(si, 'setup_intent.created');
    const pm = this.resolvePaymentMethod(
      accountId,
      input.payment_method,
      input.payment_method_data,
    );
    if (pm) {
      si.payment_method = pm.id;
      si.status = 'requires_confirmation';
      if (input.confirm) this.confirmSI(si, pm);
    }
    return si;
  }

  private confirmSI(si: SetupIntent, pm: PaymentMethod): void {
    if (!['requires_payment_method', 'requires_confirmation'].includes(si.status)) {
      throw unexpectedState('setup_intent', si.id, si.status, 'confirmed', [
        'requires_payment_method',
        'requires_confirmation',
      ]);
    }
    si.payment_method = pm.id;
    si.last_setup_error = null;
    const outcome = cardOutcome('stripe', pm.number);
    if (outcome === 'challenge_3ds') {
      si.status = 'requires_action';
      si.next_action = {
        type: 'redirect_to_url',
        redirect_to_url: {
          url: `${this.baseUrl}/hosted/3ds?provider=stripe&token=${encodeURIComponent(si.client_secret)}`,
          return_url: null,
        },
      };
      this.siEvent(si, 'setup_intent.requires_action');
      return;
    }
    if (outcome === 'success' || outcome === 'attach_ok_charge_declines') {
      this.succeedSI(si, pm);
      return;
    }
    const d = DECLINES[outcome];
    this.failSI(si, {
      type: 'card_error',
      code: d.code,
      decline_code: d.decline_code ?? d.code,
      message: d.message,
    });
  }

  private succeedSI(si: SetupIntent, pm: PaymentMethod): void {
    si.status = 'succeeded';
    si.next_action = null;
    if (si.customer) pm.customer = si.customer;
    this.core.ledger.record(this.siSubject(si), { kind: 'verification', amount: 0, detail: pm.id });
    this.siEvent(si, 'setup_intent.succeeded');
  }

  private failSI(si: SetupIntent, error: StripeErrorBody): never {
    si.status = 'requires_payment_method';
    si.next_action = null;
    si.last_setup_error = error;
    this.core.ledger.record(this.siSubject(si), {
      kind: 'decline',
      amount: 0,
      detail: error.decline_code ?? error.code,
    });
    this.siEvent(si, 'setup_intent.setup_failed');
    throw new StripeApiError(error.type === 'card_error' ? 402 : 400, {
      ...error,
      setup_intent: this.siJson(si),
    });
  }

  // ---------- hosted page hooks ----------

  session(token: string): HostedSession | undefined {
    const ref = this.bySecret.get(token);
    if (!ref) return undefined;
    if (ref.kind === 'pi') {
      const pi = this.intents.get(ref.id);
      if (!pi) return undefined;
      this.expireIfDue(pi);
      return {
        provider: 'stripe',
        token,
        accountId: pi.accountId,
        kind: 'payment',
        amount: pi.amount,
        currency: pi.currency,
        open: ['requires_payment_method', 'requires_confirmation'].includes(pi.status),
        awaitingChallenge: pi.status === 'requires_action',
        expired: pi.status === 'canceled' && pi.cancellation_reason === 'abandoned',
        keys: this.piKeys(pi),
      };
    }
    const si = this.setupIntents.get(ref.id);
    if (!si) return undefined;
    return {
      provider: 'stripe',
      token,
      accountId: si.accountId,
      kind: 'setup',
      amount: undefined,
      currency: undefined,
      open: ['requires_payment_method', 'requires_confirmation'].includes(si.status),
      awaitingChallenge: si.status === 'requires_action',
      expired: false,
      keys: this.siKeys(si),
    };
  }

  private hostedResult(token: string, error?: StripeApiError): HostedResult {
    const ref = this.bySecret.get(token);
    const obj =
      ref?.kind === 'pi' ? this.intents.get(ref.id) : this.setupIntents.get(ref?.id ?? '');
    if (!obj) throw new Error('unknown session');
    const status = obj.status;
    const reported =
      this.core.unmappableStatus(
        'stripe',
        obj.object === 'payment_intent' ? this.piKeys(obj) : this.siKeys(obj),
      ) ?? status;
    const err = error
      ? { code: String(error.body.decline_code ?? error.body.code), message: error.body.message }
      : undefined;
    let result: HostedResult['status'];
    if (status === 'succeeded' || status === 'requires_capture') result = 'approved';
    else if (status === 'requires_action') result = 'requires_action';
    else if (status === 'canceled') result = 'expired';
    else if (err?.code === 'processing_error') result = 'error';
    else result = 'declined';
    return { status: result, providerStatus: reported, providerRef: obj.id, error: err };
  }

  submitCard(token: string, card: CardInput): HostedResult {
    const ref = this.bySecret.get(token);
    if (!ref) throw new Error('unknown session');
    try {
      const accountId =
        (ref.kind === 'pi' ? this.intents.get(ref.id) : this.setupIntents.get(ref.id))?.accountId ??
        '';
      const pm = this.createPaymentMethod(
        accountId,
        { number: card.number, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvc },
        { name: card.name },
      );
      if (ref.kind === 'pi') {
        const pi = this.intents.get(ref.id);
        if (pi) this.confirmPI(pi, pm, false);
      } else {
        const si = this.setupIntents.get(ref.id);
        if (si) this.confirmSI(si, pm);
      }
      return this.hostedResult(token);
    } catch (err) {
      if (err instanceof StripeApiError) {
        if (err.body.code === 'incorrect_number' || err.body.code === 'invalid_expiry_year') {
          return {
            status: 'declined',
            providerStatus: 'requires_payment_method',
            providerRef: ref.id,
            error: { code: String(err.body.code), message: err.body.message },
          };
        }
        if (err.body.code === 'payment_intent_unexpected_state') {
          return {
            ...this.hostedResult(token),
            error: { code: String(err.body.code), message: err.body.message },
          };
        }
        return this.hostedResult(token, err);
      }
      throw err;
    }
  }

  decideChallenge(token: string, approve: boolean): HostedResult {
    const ref = this.bySecret.get(token);
    if (!ref) throw new Error('unknown session');
    const obj = ref.kind === 'pi' ? this.intents.get(ref.id) : this.setupIntents.get(ref.id);
    if (obj?.status !== 'requires_action') return this.hostedResult(token);
    const pm = this.paymentMethods.get(obj.payment_method ?? '');
    if (!pm) return this.hostedResult(token);
    const failure: StripeErrorBody = {
      type: 'invalid_request_error',
      code: 'payment_intent_authentication_failure',
      message:
        'The provided PaymentMethod has failed authentication. Provide a new PaymentMethod to attempt this payment again.',
    };
    try {
      if (obj.object === 'payment_intent') {
        if (approve) this.authorizePI(obj, pm);
        else this.failPI(obj, pm, failure);
      } else if (approve) this.succeedSI(obj, pm);
      else this.failSI(obj, { ...failure, code: 'setup_intent_authentication_failure' });
      return this.hostedResult(token);
    } catch (err) {
      if (err instanceof StripeApiError) return this.hostedResult(token, err);
      throw err;
    }
  }

  // ---------- HTTP ----------

  router(): Router {
    const r = express.Router();
    const limit = this.core.options.bodyLimitBytes;
    r.use(...bodyParsers(limit));
    r.use(
      bodyErrorHandler((status, message) => ({
        status,
        body: {
          error: {
            type: status >= 500 ? 'api_error' : 'invalid_request_error',
            code: status === 413 ? 'request_too_large' : 'parameter_invalid',
            message,
          },
        },
      })),
    );
    r.use((req, res, next) => {
      const auth = this.authenticate(req);
      if (!auth) {
        res.status(401).json({
          error: {
            type: 'invalid_request_error',
            message:
              'Invalid API Key provided. Use Authorization: Bearer sk_test_... (or pk_test_... with a client_secret).',
          },
        });
        return;
      }
      res.locals.auth = auth;
      next();
    });

    const handle =
      (
        fn: (req: Request, auth: Auth) => { status?: number; body: unknown; keys?: SessionKeys },
        opts: {
          secretOnly?: boolean;
          keysFirst?: (req: Request, auth: Auth) => SessionKeys | undefined;
        } = {},
      ) =>
      (req: Request, res: Response) => {
        const auth = res.locals.auth as Auth;
        if (opts.secretOnly && auth.mode !== 'secret') {
          res.status(403).json({
            error: {
              type: 'invalid_request_error',
              message: 'This API call cannot be made with a publishable API key.',
            },
          });
          return;
        }
        const idemKey = req.method === 'POST' ? req.get('idempotency-key') : undefined;
        answerCall(this.core, res, {
          provider: 'stripe',
          keys: opts.keysFirst && (() => opts.keysFirst?.(req, auth)),
          sendFault: (r, status) => {
            r.status(status).json({
              error: {
                type: 'api_error',
                message: 'An unknown error occurred (simulated provider fault).',
              },
            });
          },
          idempotency: {
            table: this.idempotency,
            key: idemKey ? `${auth.account.id}:${idemKey}` : undefined,
            hash: requestDigest(req),
            conflict: {
              status: 400,
              body: {
                error: {
                  type: 'idempotency_error',
                  message:
                    'Keys for idempotent requests can only be used with the same parameters they were first used with.',
                },
              },
            },
            replayedHeader: 'Idempotent-Replayed',
          },
          run: () => {
            try {
              const out = fn(req, auth);
              return { status: out.status ?? 200, body: out.body };
            } catch (err) {
              if (err instanceof z.ZodError) {
                const { param, message } = zodMessage(err);
                return {
                  status: 400,
                  body: {
                    error: {
                      type: 'invalid_request_error',
                      code: 'parameter_invalid',
                      message: `Invalid ${message}`,
                      param,
                    },
                  },
                };
              }
              if (err instanceof StripeApiError)
                return { status: err.status, body: { error: err.body } };
              throw err;
            }
          },
        });
      };

    const piKeysOf = (req: Request, auth: Auth) => {
      const pi = this.intents.peek(String(req.params.id));
      return pi && pi.accountId === auth.account.id ? this.piKeys(pi) : undefined;
    };
    const siKeysOf = (req: Request, auth: Auth) => {
      const si = this.setupIntents.peek(String(req.params.id));
      return si && si.accountId === auth.account.id ? this.siKeys(si) : undefined;
    };
    const createKeys = (req: Request): SessionKeys => ({
      provider: 'stripe',
      tokens: [],
      providerRefs: [],
      merchantRef: merchantRef((req.body as { metadata?: Record<string, string> })?.metadata ?? {}),
    });

    r.post(
      '/v1/customers',
      handle(
        (req, auth) => {
          const input = createCustomerSchema.parse(req.body ?? {});
          const c: Customer = {
            id: this.rid('cus'),
            object: 'customer',
            accountId: auth.account.id,
            created: this.unix(),
            email: input.email ?? null,
            name: input.name ?? null,
            metadata: input.metadata ?? {},
          };
          this.customers.set(c.id, c);
          return { body: this.customerJson(c) };
        },
        { secretOnly: true },
      ),
    );
    r.get(
      '/v1/customers/:id',
      handle(
        (req, auth) => ({
          body: this.customerJson(
            this.requireCustomer(auth.account.id, String(req.params.id), 'id'),
          ),
        }),
        { secretOnly: true },
      ),
    );
    r.get(
      '/v1/customers/:id/payment_methods',
      handle(
        (req, auth) => {
          const c = this.requireCustomer(auth.account.id, String(req.params.id), 'id');
          const data = [...this.paymentMethods.values()]
            .filter((pm) => pm.customer === c.id)
            .map((pm) => this.pmJson(pm));
          return {
            body: {
              object: 'list',
              data,
              has_more: false,
              url: `/v1/customers/${c.id}/payment_methods`,
            },
          };
        },
        { secretOnly: true },
      ),
    );
    r.post(
      '/v1/payment_methods',
      handle((req, auth) => {
        const input = createPMSchema.parse(req.body ?? {});
        return {
          body: this.pmJson(
            this.createPaymentMethod(auth.account.id, input.card, input.billing_details),
          ),
        };
      }),
    );
    const getPM = (auth: Auth, id: string) => {
      const pm = this.paymentMethods.get(id);
      if (!pm || pm.accountId !== auth.account.id) {
        throw new StripeApiError(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          message: `No such PaymentMethod: '${id}'`,
          param: 'payment_method',
        });
      }
      return pm;
    };
    r.get(
      '/v1/payment_methods/:id',
      handle((req, auth) => ({ body: this.pmJson(getPM(auth, String(req.params.id))) }), {
        secretOnly: true,
      }),
    );
    r.post(
      '/v1/payment_methods/:id/attach',
      handle(
        (req, auth) => {
          const input = attachSchema.parse(req.body ?? {});
          const pm = getPM(auth, String(req.params.id));
          this.requireCustomer(auth.account.id, input.customer);
          const outcome = cardOutcome('stripe', pm.number);
          if (outcome !== 'success' && outcome !== 'attach_ok_charge_declines') {
            const d = outcome === 'challenge_3ds' ? undefined : DECLINES[outcome];
            if (d) {
              throw new StripeApiError(402, {
                type: 'card_error',
                code: d.code,
                decline_code: d.decline_code ?? d.code,
                message: d.message,
              });
            }
          }
          pm.customer = input.customer;
          return { body: this.pmJson(pm) };
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
          return { body: this.pmJson(pm) };
        },
        { secretOnly: true },
      ),
    );

    r.post(
      '/v1/payment_intents',
      handle(
        (req, auth) => {
          checkAmount((req.body as Record<string, unknown> | undefined)?.amount, 'amount');
          const input = createPISchema.parse(req.body ?? {});
          return { body: this.piJson(this.createPaymentIntent(auth, input)) };
        },
        { secretOnly: true, keysFirst: createKeys },
      ),
    );
    r.get(
      '/v1/payment_intents/:id',
      handle(
        (req, auth) => ({
          body: this.piJson(
            this.getPI(auth, String(req.params.id), req.query.client_secret?.toString(), true),
          ),
        }),
        { keysFirst: piKeysOf },
      ),
    );
    r.post(
      '/v1/payment_intents/:id/confirm',
      handle(
        (req, auth) => {
          const input = confirmSchema.parse(req.body ?? {});
          const pi = this.getPI(auth, String(req.params.id), input.client_secret);
          if (input.setup_future_usage) pi.setup_future_usage = input.setup_future_usage;
          if (input.return_url) pi.return_url = input.return_url;
          this.confirmPI(
            pi,
            this.confirmingPaymentMethod(auth, input, pi),
            input.off_session === true,
          );
          return { body: this.piJson(pi) };
        },
        { keysFirst: piKeysOf },
      ),
    );
    r.post(
      '/v1/payment_intents/:id/capture',
      handle(
        (req, auth) => {
          checkAmount(
            (req.body as Record<string, unknown> | undefined)?.amount_to_capture,
            'amount_to_capture',
          );
          const input = captureSchema.parse(req.body ?? {});
          const pi = this.getPI(auth, String(req.params.id));
          this.capture(pi, input.amount_to_capture);
          return { body: this.piJson(pi) };
        },
        { secretOnly: true, keysFirst: piKeysOf },
      ),
    );
    r.post(
      '/v1/payment_intents/:id/cancel',
      handle(
        (req, auth) => {
          const input = cancelSchema.parse(req.body ?? {});
          const pi = this.getPI(auth, String(req.params.id));
          this.cancel(pi, input.cancellation_reason);
          return { body: this.piJson(pi) };
        },
        { secretOnly: true, keysFirst: piKeysOf },
      ),
    );

    r.post(
      '/v1/setup_intents',
      handle(
        (req, auth) => {
          const input = createSISchema.parse(req.body ?? {});
          return { body: this.siJson(this.createSetupIntent(auth, input)) };
        },
        { secretOnly: true, keysFirst: createKeys },
      ),
    );
    r.get(
      '/v1/setup_intents/:id',
      handle(
        (req, auth) => ({
          body: this.siJson(
            this.getSI(auth, String(req.params.id), req.query.client_secret?.toString()),
          ),
        }),
        { keysFirst: siKeysOf },
      ),
    );
    r.post(
      '/v1/setup_intents/:id/confirm',
      handle(
        (req, auth) => {
          const input = confirmSchema.parse(req.body ?? {});
          const si = this.getSI(auth, String(req.params.id), input.client_secret);
          this.confirmSI(si, this.confirmingPaymentMethod(auth, input, si));
          return { body: this.siJson(si) };
        },
        { keysFirst: siKeysOf },
      ),
    );
    r.post(
      '/v1/setup_intents/:id/cancel',
      handle(
        (req, auth) => {
          const input = cancelSchema.parse(req.body ?? {});
          const si = this.getSI(auth, String(req.params.id));
          if (si.status === 'succeeded' || si.status === 'canceled') {
            throw unexpectedState('setup_intent', si.id, si.status, 'canceled', [
              'requires_payment_method',
              'requires_confirmation',
              'requires_action',
            ]);
          }
          si.status = 'canceled';
          si.cancellation_reason = input.cancellation_reason ?? null;
          si.next_action = null;
          this.siEvent(si, 'setup_intent.canceled');
          return { body: this.siJson(si) };
        },
        { secretOnly: true, keysFirst: siKeysOf },
      ),
    );

    r.use((_req, res) => {
      res.status(404).json({
        error: { type: 'invalid_request_error', message: 'Unrecognized request URL.' },
      });
    });
    return r;
  }

  private authenticate(req: Request): Auth | undefined {
    const header = req.get('authorization') ?? '';
    let key: string | undefined;
    if (header.startsWith('Bearer ')) key = header.slice(7).trim();
    else if (header.startsWith('Basic ')) {
      key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
    }
    if (!key) return undefined;
    const secret = this.core.findAccount((a) => a.stripe?.secretKey === key);
    if (secret) return { account: secret, mode: 'secret' };
    const pub = this.core.findAccount((a) => a.stripe?.publishableKey === key);
    if (pub) return { account: pub, mode: 'publishable' };
    return undefined;
  }
}

/** Refuses an amount outside Stripe's limits with Stripe's own error, whatever its size (compared exactly, never parsed to a float). */
function checkAmount(raw: unknown, param: string): void {
  const value = integerInput(raw);
  if (value === undefined) return;
  const { minAmount, maxAmount } = PROVIDER_LIMITS.stripe;
  if (value < BigInt(minAmount)) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'parameter_invalid_integer',
      message: `Invalid positive integer: ${param} must be at least ${minAmount}`,
      param,
    });
  }
  if (value > BigInt(maxAmount)) {
    throw new StripeApiError(400, {
      type: 'invalid_request_error',
      code: 'amount_too_large',
      message: `Amount must be no more than ${maxAmount} (the amount in the currency's smallest unit: 999,999.99 in a two-decimal currency).`,
      param,
    });
  }
}

function merchantRef(metadata: Record<string, string>): string | undefined {
  return metadata.merchant_reference ?? metadata.order_id;
}

function unexpectedState(
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
