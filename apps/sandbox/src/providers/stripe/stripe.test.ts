import { createHmac } from 'node:crypto';
import http from 'node:http';
import { type ClientTransactionSessionType, providerCallbackPath } from '@accrupay/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AdapterEnv,
  chargeStored,
  describeAdapterConformance,
  expectRefusal,
  ORIGIN,
  type Received,
  startAdapterEnv,
  storedCharge,
} from '../conformance.ts';
import type { ProviderPaymentMethod, StartSessionRequest } from '../types.ts';
import { createStripeAdapter } from './index.ts';

const START = Date.parse('2030-01-15T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// biome-ignore lint/suspicious/noExplicitAny: the tests read provider answers loosely and assert on them
type Loose = any;

const CALLBACK_PATH = providerCallbackPath('STRIPE', 'mtp_1');

describeAdapterConformance('Stripe', {
  create: createStripeAdapter,
  simProvider: 'stripe',
  callbackPath: CALLBACK_PATH,
  credentialShape: {
    accountId: expect.stringMatching(/^acct_\w{16,}$/),
    secretKey: expect.stringMatching(/^sk_test_\w{24,}$/),
    publishableKey: expect.stringMatching(/^pk_test_\w{24,}$/),
    webhookSecret: expect.stringMatching(/^whsec_\w{24,}$/),
  },
  secretFields: ['secretKey', 'webhookSecret'],
  simAccount: (credentials) => ({
    secretKey: credentials.secretKey,
    publishableKey: credentials.publishableKey,
    webhookSecret: credentials.webhookSecret,
    webhookUrl: expect.stringContaining(CALLBACK_PATH),
  }),
  baseConfig: (credentials, url) => ({
    provider: 'STRIPE',
    publishableKey: credentials.publishableKey,
    hostedFieldsUrl: `${url}/hosted/card`,
  }),
  startRequest: () => request('payment'),
});

/** What a $10 test session's intent echoes back: its amount, currency and our references. */
const SUBJECT = {
  amount: 1000n,
  currency: 'USD',
  sessionId: expect.stringMatching(/^ses_test_/),
  merchantInternalTransactionCode: expect.stringMatching(/^order-/),
};

type Hook = Received;
let env: AdapterEnv & { hooks: Received[] };
let seq = 0;

beforeEach(async () => {
  const started = await startAdapterEnv(createStripeAdapter, { callbackPath: CALLBACK_PATH });
  env = { ...started, hooks: started.received };
});

afterEach(async () => {
  await env.close();
});

function request(
  type: ClientTransactionSessionType,
  overrides: Partial<StartSessionRequest> = {},
): StartSessionRequest {
  seq += 1;
  return {
    sessionId: `ses_test_${seq}`,
    type,
    amount: type === 'add-payment-method' ? null : 1000n,
    currency: 'USD',
    merchantInternalTransactionCode: `order-${seq}`,
    merchantInternalCustomerCode: 'cust-1',
    storePaymentMethod: false,
    billing: null,
    storedPaymentMethod: null,
    ...overrides,
  };
}

async function start(type: ClientTransactionSessionType, overrides?: Partial<StartSessionRequest>) {
  const started = await env.adapter.startSession(env.credentials, request(type, overrides));
  // As for a session that stores its card: the answer carries it (one test below does without).
  const ref = {
    type,
    providerCode: started.providerCode,
    token: started.token,
    readsPaymentMethod: true,
  };
  return { started, ref };
}

const retrieve = (ref: Parameters<AdapterEnv['adapter']['retrieve']>[1]) =>
  env.adapter.retrieve(env.credentials, ref);

/** Types a card into a started session's page, then asks the provider what happened. */
async function payThenRetrieve(token: string, ref: Parameters<typeof retrieve>[0], number: string) {
  await pay(token, number);
  return retrieve(ref);
}

/** Starts a session and types a card into its hosted page. */
async function paid(type: ClientTransactionSessionType, number: string) {
  const session = await start(type);
  await pay(session.started.token, number);
  return session;
}

// Types a card into the hosted page, as the page's script posts it.
async function pay(token: string, number: string): Promise<{ status: number; body: Loose }> {
  const res = await fetch(`${env.url}/hosted/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      provider: 'stripe',
      token,
      origin: ORIGIN,
      number,
      expMonth: 12,
      expYear: 2033,
      cvc: '123',
    }),
  });
  return { status: res.status, body: await res.json() };
}

async function challenge(token: string, decision: 'approve' | 'deny') {
  const res = await fetch(`${env.url}/hosted/challenge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'stripe', token, origin: ORIGIN, decision }),
  });
  expect(res.status).toBe(200);
}

// Calls the simulator's Stripe API directly (the test's view, not the adapter's).
async function stripeApi(path: string, key: string, body?: Record<string, string>) {
  const res = await fetch(`${env.url}/stripe/v1${path}`, {
    method: body ? 'POST' : 'GET',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(body ? { body: new URLSearchParams(body).toString() } : {}),
  });
  return { status: res.status, body: (await res.json()) as Loose };
}

const secretKey = () => env.credentials.secretKey as string;
const publishableKey = () => env.credentials.publishableKey as string;

// Stores a card through an add-payment-method session and returns it as the router keeps it.
async function storedCard(number: string): Promise<ProviderPaymentMethod> {
  const { started, ref } = await paid('add-payment-method', number);
  if (number === '4000000000003220') await challenge(started.token, 'approve');
  const status = await retrieve(ref);
  expect(status.state).toBe('succeeded');
  if (!status.paymentMethod) throw new Error('no payment method');
  return status.paymentMethod;
}

describe('sessions', () => {
  it('payment: a PaymentIntent with automatic capture, awaiting_customer then succeeded', async () => {
    const { started, ref } = await start('payment');
    expect(started.providerCode).toMatch(/^pi_/);
    expect(started.expiresAt?.getTime()).toBe(START + DAY);
    expect(started.payload).toEqual({
      provider: 'STRIPE',
      clientSecret: started.token,
      publishableKey: env.credentials.publishableKey,
      intentId: started.providerCode,
      intentType: 'payment_intent',
      hostedFieldsUrl: `${env.url}/hosted/card?provider=stripe&token=${encodeURIComponent(started.token)}`,
    });
    const pi = (await stripeApi(`/payment_intents/${started.providerCode}`, secretKey())).body;
    expect(pi).toMatchObject({
      amount: 1000,
      currency: 'usd',
      capture_method: 'automatic',
      client_secret: started.token,
      customer: null,
      metadata: {
        merchant_reference: expect.stringMatching(/^order-/),
        accrupay_session_id: expect.any(String),
      },
    });
    expect(await retrieve(ref)).toEqual({
      state: 'awaiting_customer',
      rawStatus: 'requires_payment_method',
      providerCode: started.providerCode,
      subject: SUBJECT,
    });
    const status = await payThenRetrieve(started.token, ref, '4242424242424242');
    expect(status).toMatchObject({
      state: 'succeeded',
      rawStatus: 'succeeded',
      providerCode: started.providerCode,
    });
    expect(status.paymentMethod).toEqual({
      kind: 'card',
      reference: expect.stringMatching(/^pm_/),
      customerReference: null,
      brand: 'VISA',
      last4: '4242',
      expiryMonth: 12,
      expiryYear: 2033,
      billingCountry: null,
    });
    expect(env.sim.ledger({ providerRef: started.providerCode }).map((e) => e.kind)).toEqual([
      'charge',
    ]);
  });

  it('a session that keeps no card: its success is one GET of the PaymentIntent, its card is not read', async () => {
    const { started, ref } = await start('payment');
    await pay(started.token, '4242424242424242');
    const realRequest = http.request;
    const urls: string[] = [];
    const spy = vi.spyOn(http, 'request').mockImplementation(((
      ...args: Parameters<typeof http.request>
    ) => {
      urls.push(String(args[0]).replace(/^.*\/stripe\/v1/, ''));
      return realRequest(...args);
    }) as typeof http.request);
    try {
      const status = await retrieve({ ...ref, readsPaymentMethod: false });
      expect(status).toMatchObject({ state: 'succeeded', providerCode: started.providerCode });
      expect(status.paymentMethod).toBeUndefined();
      expect(urls).toEqual([`/payment_intents/${started.providerCode}`]);
      // The same session when its card is kept: the PaymentMethod is read as well.
      urls.length = 0;
      expect((await retrieve(ref)).paymentMethod).toMatchObject({ last4: '4242' });
      expect(urls).toEqual([
        `/payment_intents/${started.providerCode}`,
        expect.stringMatching(/^\/payment_methods\/pm_/),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('the same session id starts the same PaymentIntent (idempotency key)', async () => {
    const req = request('payment');
    const first = await env.adapter.startSession(env.credentials, req);
    const again = await env.adapter.startSession(env.credentials, req);
    expect(again.providerCode).toBe(first.providerCode);
    await expect(
      env.adapter.startSession(env.credentials, { ...req, amount: 2000n }),
    ).rejects.toThrow(/Stripe refused to create the PaymentIntent.*idempotent/);
  });

  it('a refused request is a plain Error with the Stripe message, not ProviderUnavailableError', async () => {
    const tooLarge = request('payment', { amount: 100_000_000_000n });
    await expectRefusal(
      env.adapter.startSession(env.credentials, tooLarge),
      /HTTP 400 amount_too_large.*99999999/,
    );
  });

  it('authorization: manual capture, requires_capture is succeeded', async () => {
    const { started, ref } = await start('authorization');
    const pi = (await stripeApi(`/payment_intents/${started.providerCode}`, secretKey())).body;
    expect(pi.capture_method).toBe('manual');
    expect((await retrieve(ref)).state).toBe('awaiting_customer');
    const status = await payThenRetrieve(started.token, ref, '5555555555554444');
    expect(status).toMatchObject({ state: 'succeeded', rawStatus: 'requires_capture' });
    expect(status.paymentMethod).toMatchObject({ kind: 'card', brand: 'MASTERCARD' });
    expect(env.sim.ledger({ providerRef: started.providerCode }).map((e) => e.kind)).toEqual([
      'authorization',
    ]);
  });

  it('a payment that stops at requires_capture cannot be mapped', async () => {
    // An automatic-capture payment never stops there; if one did, it is not a success.
    const { ref } = await paid('authorization', '4242424242424242');
    const status = await env.adapter.retrieve(env.credentials, { ...ref, type: 'payment' });
    expect(status).toMatchObject({ state: 'unknown', rawStatus: 'requires_capture' });
  });

  it('payment storing the card: a customer with the merchant code, setup_future_usage, card attached', async () => {
    const { started, ref } = await start('payment', {
      storePaymentMethod: true,
      merchantInternalCustomerCode: 'cust-42',
    });
    const pi = (await stripeApi(`/payment_intents/${started.providerCode}`, secretKey())).body;
    expect(pi.setup_future_usage).toBe('off_session');
    expect(pi.customer).toMatch(/^cus_/);
    const customer = (await stripeApi(`/customers/${pi.customer}`, secretKey())).body;
    expect(customer.metadata).toMatchObject({ merchant_customer_code: 'cust-42' });
    const status = await payThenRetrieve(started.token, ref, '4242424242424242');
    expect(status.state).toBe('succeeded');
    expect(status.paymentMethod?.customerReference).toBe(pi.customer);
  });

  it('add-payment-method: a SetupIntent on a customer, never expiring', async () => {
    const { started, ref } = await start('add-payment-method');
    expect(started.providerCode).toMatch(/^seti_/);
    expect(started.expiresAt).toBeNull();
    expect(started.payload).toMatchObject({
      intentType: 'setup_intent',
      intentId: started.providerCode,
    });
    const si = (await stripeApi(`/setup_intents/${started.providerCode}`, secretKey())).body;
    expect(si).toMatchObject({ usage: 'off_session', customer: expect.stringMatching(/^cus_/) });
    expect((await retrieve(ref)).state).toBe('awaiting_customer');
    await env.sim.clock.advance(30 * DAY);
    expect((await retrieve(ref)).state).toBe('awaiting_customer');
    const status = await payThenRetrieve(started.token, ref, '4242424242424242');
    expect(status).toMatchObject({
      state: 'succeeded',
      rawStatus: 'succeeded',
      providerCode: started.providerCode,
    });
    expect(status.paymentMethod).toMatchObject({ customerReference: si.customer, last4: '4242' });
  });

  it('a session with a stored method: the customer confirms it with the publishable key', async () => {
    const method = await storedCard('4242424242424242');
    const { started, ref } = await start('payment', { storedPaymentMethod: method });
    expect(await retrieve(ref)).toMatchObject({
      state: 'awaiting_customer',
      rawStatus: 'requires_confirmation',
    });
    const confirmed = await stripeApi(
      `/payment_intents/${started.providerCode}/confirm`,
      publishableKey(),
      {
        client_secret: started.token,
      },
    );
    expect(confirmed.status).toBe(200);
    const status = await retrieve(ref);
    expect(status.state).toBe('succeeded');
    expect(status.paymentMethod?.reference).toBe(method.reference);
  });
});

describe('card outcomes', () => {
  it.each([
    ['4000000000000002', 'declined', 'generic_decline'],
    ['4000000000009995', 'declined', 'insufficient_funds'],
    ['4000000000009987', 'declined', 'lost_card'],
    ['4000000000009979', 'declined', 'stolen_card'],
    ['4000000000000069', 'declined', 'expired_card'],
    ['4000000000000127', 'declined', 'incorrect_cvc'],
    ['4000000000000119', 'error', 'processing_error'],
  ])('%s -> %s (%s)', async (number, state, errorCode) => {
    const { started, ref } = await paid('payment', number);
    const status = await retrieve(ref);
    expect(status).toEqual({
      state,
      rawStatus: 'requires_payment_method',
      providerCode: started.providerCode,
      errorCode,
      errorMessage: expect.stringMatching(/card|processing/i),
      subject: SUBJECT,
    });
  });

  it('a declined SetupIntent is declined too', async () => {
    const { ref } = await paid('add-payment-method', '4000000000009995');
    expect(await retrieve(ref)).toMatchObject({
      state: 'declined',
      errorCode: 'insufficient_funds',
    });
  });

  it('3-D Secure: processing during the challenge, approve -> succeeded', async () => {
    const { started, ref } = await paid('payment', '4000000000003220');
    expect(await retrieve(ref)).toMatchObject({
      state: 'processing',
      rawStatus: 'requires_action',
    });
    await challenge(started.token, 'approve');
    expect((await retrieve(ref)).state).toBe('succeeded');
  });

  it('3-D Secure: deny -> failed', async () => {
    const { started, ref } = await paid('authorization', '4000000000003220');
    await challenge(started.token, 'deny');
    expect(await retrieve(ref)).toMatchObject({
      state: 'failed',
      rawStatus: 'requires_payment_method',
      errorCode: 'payment_intent_authentication_failure',
    });
  });

  it('3-D Secure on a SetupIntent: deny -> failed', async () => {
    const { started, ref } = await paid('add-payment-method', '4000000000003220');
    expect((await retrieve(ref)).state).toBe('processing');
    await challenge(started.token, 'deny');
    expect(await retrieve(ref)).toMatchObject({
      state: 'failed',
      errorCode: 'setup_intent_authentication_failure',
    });
  });

  it('unmappable status -> unknown with the raw status', async () => {
    const { started, ref } = await paid('payment', '4242424242424242');
    env.sim.addScenario({
      kind: 'unmappable_status',
      target: { providerRef: started.providerCode },
    });
    expect(await retrieve(ref)).toEqual({
      state: 'unknown',
      rawStatus: 'requires_review',
      providerCode: started.providerCode,
      subject: SUBJECT,
    });
  });
});

describe('expiry and close', () => {
  it('a PaymentIntent expires 24 h after creation', async () => {
    const { ref } = await start('payment');
    await env.sim.clock.advance(DAY - 1);
    expect((await retrieve(ref)).state).toBe('awaiting_customer');
    await env.sim.clock.advance(1);
    expect(await retrieve(ref)).toMatchObject({
      state: 'expired',
      rawStatus: 'canceled',
    });
  });

  it('an uncaptured authorization released after 7 days is expired', async () => {
    const { ref } = await paid('authorization', '4242424242424242');
    await env.sim.clock.advance(7 * DAY);
    expect((await retrieve(ref)).state).toBe('expired');
  });

  it('close after a decline cancels the intent: a later card can no longer succeed', async () => {
    const { started, ref } = await paid('payment', '4000000000000002');
    expect((await retrieve(ref)).state).toBe('declined');
    const closed = await env.adapter.close(env.credentials, ref);
    // Canceled at Stripe; the decline stays what happened to this payment.
    expect(closed).toMatchObject({
      rawStatus: 'canceled',
      state: 'declined',
      errorCode: 'generic_decline',
    });
    const retry = await pay(started.token, '4242424242424242');
    expect(retry.status).toBe(409);
    const confirm = await stripeApi(
      `/payment_intents/${started.providerCode}/confirm`,
      publishableKey(),
      {
        client_secret: started.token,
        payment_method: 'pm_card_visa',
      },
    );
    expect(confirm.status).toBe(400);
    expect(await retrieve(ref)).toMatchObject({
      rawStatus: 'canceled',
      state: 'declined',
    });
    expect(env.sim.ledger({ providerRef: started.providerCode }).map((e) => e.kind)).toEqual([
      'decline',
    ]);
  });

  it('close of an intent that succeeded meanwhile reports the success', async () => {
    const { ref } = await paid('payment', '4242424242424242');
    const closed = await env.adapter.close(env.credentials, ref);
    expect(closed).toMatchObject({ state: 'succeeded', rawStatus: 'succeeded' });
    expect(closed.paymentMethod?.last4).toBe('4242');
  });

  it('close of an open intent without a decline is canceled; a SetupIntent closes too', async () => {
    const payment = await start('payment');
    expect(await env.adapter.close(env.credentials, payment.ref)).toMatchObject({
      state: 'canceled',
    });
    const setup = await start('add-payment-method');
    await pay(setup.started.token, '4000000000000002');
    expect(await env.adapter.close(env.credentials, setup.ref)).toMatchObject({
      rawStatus: 'canceled',
      state: 'declined',
    });
    expect((await pay(setup.started.token, '4242424242424242')).status).toBe(409);
  });
});

describe('stored method charges', () => {
  /** Stores a card, then charges it $25 off-session as charge n. */
  async function chargeNewCard(number: string, n: number) {
    const method = await storedCard(number);
    return chargeStored(
      env.adapter,
      env.credentials,
      storedCharge(n, 2500n, `charge-${n}`, method),
    );
  }

  it('charges a stored card off-session, once per idempotency key', async () => {
    const method = await storedCard('4242424242424242');
    const charge = storedCharge(1, 2500n, 'charge-1', method);
    const status = await chargeStored(env.adapter, env.credentials, charge);
    expect(status).toMatchObject({
      state: 'succeeded',
      rawStatus: 'succeeded',
      providerCode: expect.stringMatching(/^pi_/),
    });
    const again = await chargeStored(env.adapter, env.credentials, charge);
    expect(again.providerCode).toBe(status.providerCode);
    const charges = env.sim.ledger({ merchantRef: 'charge-1' });
    expect(charges.map((e) => [e.kind, e.amount])).toEqual([['charge', 2500]]);
  });

  it('4000000000000341: attach succeeds, the later charge is declined', async () => {
    const status = await chargeNewCard('4000000000000341', 2);
    expect(status).toEqual({
      state: 'declined',
      rawStatus: 'card_error',
      providerCode: expect.stringMatching(/^pi_/),
      errorCode: 'generic_decline',
      errorMessage: 'Your card was declined.',
    });
    expect(env.sim.ledger({ providerRef: status.providerCode ?? '' }).map((e) => e.kind)).toEqual([
      'decline',
    ]);
  });

  it('a card needing 3-D Secure off-session fails with authentication_required', async () => {
    const status = await chargeNewCard('4000000000003220', 3);
    expect(status).toMatchObject({ state: 'failed', errorCode: 'authentication_required' });
  });
});

describe('capture and void', () => {
  async function authorized() {
    const { started, ref } = await paid('authorization', '4242424242424242');
    expect((await retrieve(ref)).state).toBe('succeeded');
    return started.providerCode;
  }
  const op = (providerCode: string, amount: bigint, key: string) => ({
    providerCode,
    amount,
    currency: 'USD' as const,
    idempotencyKey: key,
  });
  const capture = (pi: string, amount: bigint, key: string) =>
    env.adapter.capture(env.credentials, op(pi, amount, key));
  const voidAuth = (pi: string, amount: bigint, key: string) =>
    env.adapter.void(env.credentials, op(pi, amount, key));
  /** A capture or void Stripe applied, leaving the intent `rawStatus`. */
  const applied = (pi: string, rawStatus: string) => ({
    state: 'succeeded',
    rawStatus,
    providerCode: pi,
  });
  /** The amounts the provider's ledger holds for the intent's captures or voids. */
  const amounts = (pi: string, kind: 'capture' | 'void') =>
    env.sim.ledger({ providerRef: pi, kind }).map((e) => e.amount);

  it('captures the full amount', async () => {
    const pi = await authorized();
    expect(await capture(pi, 1000n, 'cap_1')).toEqual(applied(pi, 'succeeded'));
    expect(amounts(pi, 'capture')).toEqual([1000]);
  });

  it('captures part of the amount; a second capture is refused', async () => {
    const pi = await authorized();
    expect((await capture(pi, 400n, 'cap_1')).state).toBe('succeeded');
    expect(amounts(pi, 'capture')).toEqual([400]);
    const second = await capture(pi, 400n, 'cap_2');
    expect(second).toMatchObject({
      state: 'error',
      rawStatus: 'succeeded',
      errorCode: 'payment_intent_unexpected_state',
      errorMessage: expect.stringContaining('could not be captured'),
    });
    expect(env.sim.ledger({ providerRef: pi, kind: 'capture' })).toHaveLength(1);
  });

  it('refuses a capture above the authorized amount', async () => {
    const pi = await authorized();
    expect(await capture(pi, 1001n, 'cap_1')).toMatchObject({
      state: 'error',
      rawStatus: 'requires_capture',
      errorCode: 'amount_too_large',
    });
    expect(env.sim.ledger({ providerRef: pi, kind: 'capture' })).toHaveLength(0);
  });

  it('a capture of a voided or expired authorization says so', async () => {
    const voided = await authorized();
    await voidAuth(voided, 1000n, 'void_1');
    expect((await capture(voided, 1000n, 'cap_1')).state).toBe('canceled');
    const expired = await authorized();
    await env.sim.clock.advance(7 * DAY);
    expect((await capture(expired, 1000n, 'cap_2')).state).toBe('expired');
  });

  it('voids an authorization; a void after capture is refused', async () => {
    const pi = await authorized();
    expect(await voidAuth(pi, 1000n, 'void_1')).toEqual(applied(pi, 'canceled'));
    expect(amounts(pi, 'void')).toEqual([1000]);
    const captured = await authorized();
    await capture(captured, 1000n, 'cap_1');
    expect(await voidAuth(captured, 1000n, 'void_2')).toMatchObject({
      state: 'error',
      errorCode: 'payment_intent_unexpected_state',
    });
  });
});

describe('verifyCallback', () => {
  async function webhooks() {
    const { started } = await paid('payment', '4242424242424242');
    await env.sim.flush();
    expect(env.hooks.length).toBeGreaterThanOrEqual(1);
    return { providerCode: started.providerCode, hooks: env.hooks };
  }

  it('accepts the real webhooks and hints at the intent, never at its status', async () => {
    const { providerCode, hooks } = await webhooks();
    const results = hooks.map((h) =>
      env.adapter.verifyCallback(env.credentials, h.body, h.headers),
    );
    // The account's endpoint takes the router's events only: no payment_intent.created.
    expect(results).toEqual([
      {
        ok: true,
        hint: { providerCode, token: null, eventType: 'payment_intent.succeeded', news: true },
      },
    ]);
    // An endpoint that takes every event still gets the creation's echo: no news.
    const body = Buffer.from(
      JSON.stringify({
        id: 'evt_created',
        object: 'event',
        type: 'payment_intent.created',
        data: { object: { id: providerCode, object: 'payment_intent' } },
      }),
    );
    const at = Math.floor(env.sim.clock.now().getTime() / 1000);
    const v1 = createHmac('sha256', env.credentials.webhookSecret as string)
      .update(`${at}.`)
      .update(body)
      .digest('hex');
    expect(
      env.adapter.verifyCallback(env.credentials, body, { 'stripe-signature': `t=${at},v1=${v1}` }),
    ).toEqual({
      ok: true,
      hint: { providerCode, token: null, eventType: 'payment_intent.created', news: false },
    });
  });

  it('refuses a tampered body, a wrong secret, a missing or malformed header', async () => {
    const { hooks } = await webhooks();
    const hook = hooks[0] as Hook;
    const tampered = Buffer.from(
      hook.body.toString('utf8').replace('payment_intent.succeeded', 'payment_intent.canceled'),
    );
    expect(env.adapter.verifyCallback(env.credentials, tampered, hook.headers)).toEqual({
      ok: false,
      reason: expect.stringContaining('signature mismatch'),
    });
    const other = { ...env.credentials, webhookSecret: 'whsec_someone_else' };
    expect(env.adapter.verifyCallback(other, hook.body, hook.headers)).toEqual({
      ok: false,
      reason: expect.stringContaining('signature mismatch'),
    });
    const { 'stripe-signature': _dropped, ...noSignature } = hook.headers;
    expect(env.adapter.verifyCallback(env.credentials, hook.body, noSignature)).toEqual({
      ok: false,
      reason: expect.stringContaining('missing'),
    });
    expect(
      env.adapter.verifyCallback(env.credentials, hook.body, {
        'stripe-signature': 'v1=abc,t=now',
      }),
    ).toEqual({ ok: false, reason: expect.stringContaining('malformed') });
  });

  it('refuses a stale timestamp once the clock has moved past the tolerance', async () => {
    const { hooks } = await webhooks();
    const hook = hooks[0] as Hook;
    await env.sim.clock.advance(300_000);
    expect(env.adapter.verifyCallback(env.credentials, hook.body, hook.headers).ok).toBe(true);
    await env.sim.clock.advance(1000);
    expect(env.adapter.verifyCallback(env.credentials, hook.body, hook.headers)).toEqual({
      ok: false,
      reason: expect.stringContaining('tolerance'),
    });
  });

  it.each(['bad_signature', 'wrong_secret_success'] as const)(
    'refuses the forged_callback scenario (%s) and accepts the genuine one',
    async (mode) => {
      const { started } = await start('payment');
      env.sim.addScenario({
        kind: 'forged_callback',
        mode,
        target: { providerRef: started.providerCode },
      });
      await pay(started.token, '4000000000000002');
      await env.sim.flush();
      const forged = env.sim.deliveries().filter((d) => d.forged === mode);
      expect(forged.length).toBeGreaterThan(0);
      const verdicts = env.hooks.map((h) => ({
        body: h.body.toString('utf8'),
        ok: env.adapter.verifyCallback(env.credentials, h.body, h.headers).ok,
      }));
      const refused = verdicts.filter((v) => !v.ok);
      expect(refused.length).toBe(forged.length);
      expect(refused.map((v) => v.body).sort()).toEqual(forged.map((d) => d.body).sort());
      expect(verdicts.some((v) => v.ok && v.body.includes('payment_intent.payment_failed'))).toBe(
        true,
      );
    },
  );
});
