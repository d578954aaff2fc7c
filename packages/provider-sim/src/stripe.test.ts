import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STRIPE_TEST_CARDS } from './cards.ts';
import { ACCOUNT, type Loose, setup, stripe } from './test-helpers.ts';

let t: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => {
  t = await setup();
});
afterEach(async () => {
  await t.close();
});

const card = (number: string) => ({
  'payment_method_data[type]': 'card',
  'payment_method_data[card][number]': number,
  'payment_method_data[card][exp_month]': '12',
  'payment_method_data[card][exp_year]': '2034',
  'payment_method_data[card][cvc]': '123',
});

async function createPI(params: Record<string, string> = {}) {
  const res = await stripe(t.server.url, 'POST', '/payment_intents', {
    amount: '2500',
    currency: 'usd',
    'metadata[order_id]': 'order-1',
    ...params,
  });
  expect(res.status).toBe(200);
  return res.body;
}

/** A PaymentIntent confirmed with a Visa card and manual capture: an authorization of 2500. */
const authorizedPI = () =>
  createPI({ capture_method: 'manual', confirm: 'true', payment_method: 'pm_card_visa' });

/** POST /v1/payment_intents/<id>/<action>. */
const onPI = (pi: Record<string, Loose>, action: string, body?: Record<string, string>) =>
  stripe(t.server.url, 'POST', `/payment_intents/${pi.id}/${action}`, body);

const webhookTypes = () => t.hooks.received.map((r) => JSON.parse(r.body).type as string);

/** Creates a PaymentIntent with a JSON body (not Stripe's form encoding). */
const postJsonIntent = (body: Record<string, unknown>) =>
  fetch(`${t.server.url}/stripe/v1/payment_intents`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ACCOUNT.stripe.secretKey}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });

describe('PaymentIntent lifecycle', () => {
  it('automatic capture: create, confirm with a card, retrieve; one charge; signed webhooks', async () => {
    const pi = await createPI();
    expect(pi.status).toBe('requires_payment_method');
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));
    const confirmed = await onPI(pi, 'confirm', card('4242424242424242'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('succeeded');
    expect(confirmed.body.amount_received).toBe(2500);
    const got = await stripe(t.server.url, 'GET', `/payment_intents/${pi.id}`);
    expect(got.body.status).toBe('succeeded');
    expect(JSON.stringify(got.body)).not.toContain('4242424242424242');
    await t.sim.flush();
    expect(webhookTypes()).toEqual(['payment_intent.created', 'payment_intent.succeeded']);
    for (const r of t.hooks.received) {
      const header = String(r.headers['stripe-signature']);
      const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header) ?? [];
      expect(Number(ts)).toBe(Math.floor(t.sim.clock.now().getTime() / 1000));
      const expected = createHmac('sha256', ACCOUNT.stripe.webhookSecret)
        .update(`${ts}.${r.body}`)
        .digest('hex');
      expect(v1).toBe(expected);
    }
    expect(t.sim.ledger({ merchantRef: 'order-1' }).map((e) => [e.kind, e.amount])).toEqual([
      ['charge', 2500],
    ]);
  });

  it('an account with enabledEvents gets only those webhooks; ["*"] gets every one', async () => {
    const account = t.sim.accounts().find((a) => a.id === ACCOUNT.id);
    if (!account?.stripe) throw new Error('the test account has no Stripe section');
    const only = (enabledEvents: string[]) =>
      t.sim.upsertAccount({ ...account, stripe: { ...account.stripe, enabledEvents } });
    only(['payment_intent.succeeded', 'payment_intent.payment_failed']);
    const paid = await createPI();
    expect((await onPI(paid, 'confirm', card('4242424242424242'))).body.status).toBe('succeeded');
    await t.sim.flush();
    expect(webhookTypes()).toEqual(['payment_intent.succeeded']);
    // The events left out are not sent at all: no delivery is queued for them.
    expect(t.sim.deliveries().map((d) => d.eventType)).toEqual(['payment_intent.succeeded']);
    only(['*']);
    const again = await createPI({ 'metadata[order_id]': 'order-2' });
    expect((await onPI(again, 'confirm', card('4242424242424242'))).status).toBe(200);
    await t.sim.flush();
    expect(webhookTypes()).toEqual([
      'payment_intent.succeeded',
      'payment_intent.created',
      'payment_intent.succeeded',
    ]);
  });

  it('JSON bodies work as well as form bodies', async () => {
    const res = await postJsonIntent({
      amount: 100,
      currency: 'eur',
      confirm: true,
      payment_method: 'pm_card_visa',
    });
    const body = (await res.json()) as Loose;
    expect(res.status).toBe(200);
    expect(body.status).toBe('succeeded');
    expect(body.currency).toBe('eur');
  });

  it('manual capture: partial capture once, never above amount_capturable', async () => {
    const pi = await authorizedPI();
    expect(pi.status).toBe('requires_capture');
    expect(pi.amount_capturable).toBe(2500);
    const tooMuch = await onPI(pi, 'capture', {
      amount_to_capture: '2501',
    });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'amount_too_large',
      param: 'amount_to_capture',
    });
    const ok = await onPI(pi, 'capture', {
      amount_to_capture: '1000',
    });
    expect(ok.body).toMatchObject({
      status: 'succeeded',
      amount_received: 1000,
      amount_capturable: 0,
    });
    const again = await onPI(pi, 'capture');
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('payment_intent_unexpected_state');
    expect(t.sim.ledger({ providerRef: pi.id }).map((e) => [e.kind, e.amount])).toEqual([
      ['authorization', 2500],
      ['capture', 1000],
    ]);
  });

  it('cancel releases an authorization and records a void; a canceled intent cannot be captured', async () => {
    const pi = await authorizedPI();
    const canceled = await onPI(pi, 'cancel', {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled.body).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
    });
    const capture = await onPI(pi, 'capture');
    expect(capture.status).toBe(400);
    expect(t.sim.ledger({ providerRef: pi.id }).map((e) => e.kind)).toEqual([
      'authorization',
      'void',
    ]);
  });

  it('expires 24 h after creation by clock: canceled with cancellation_reason abandoned', async () => {
    const pi = await createPI();
    await t.sim.clock.advance(24 * 3_600_000 - 1);
    expect((await stripe(t.server.url, 'GET', `/payment_intents/${pi.id}`)).body.status).toBe(
      'requires_payment_method',
    );
    await t.sim.clock.advance(1);
    const got = await stripe(t.server.url, 'GET', `/payment_intents/${pi.id}`);
    expect(got.body).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const confirm = await onPI(pi, 'confirm', {
      payment_method: 'pm_card_visa',
    });
    expect(confirm.status).toBe(400);
    expect(webhookTypes()).toContain('payment_intent.canceled');
  });

  it('an uncaptured authorization expires after the authorization TTL with a void', async () => {
    const pi = await authorizedPI();
    await t.sim.clock.advance(7 * 86_400_000);
    const got = await stripe(t.server.url, 'GET', `/payment_intents/${pi.id}`);
    expect(got.body).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
    expect(t.sim.ledger({ providerRef: pi.id }).map((e) => e.kind)).toEqual([
      'authorization',
      'void',
    ]);
  });

  it('a per-instance TTL overrides the default', async () => {
    await t.close();
    t = await setup({ ttl: { stripe: { paymentIntentMs: 60_000 } } });
    const pi = await createPI();
    await t.sim.clock.advance(60_000);
    expect((await stripe(t.server.url, 'GET', `/payment_intents/${pi.id}`)).body.status).toBe(
      'canceled',
    );
  });
});

describe('test cards', () => {
  const expected: Record<
    string,
    { http: number; status: string; code?: string; decline?: string }
  > = {
    success: { http: 200, status: 'succeeded' },
    generic_decline: {
      http: 402,
      status: 'requires_payment_method',
      code: 'card_declined',
      decline: 'generic_decline',
    },
    insufficient_funds: {
      http: 402,
      status: 'requires_payment_method',
      code: 'card_declined',
      decline: 'insufficient_funds',
    },
    lost_card: {
      http: 402,
      status: 'requires_payment_method',
      code: 'card_declined',
      decline: 'lost_card',
    },
    stolen_card: {
      http: 402,
      status: 'requires_payment_method',
      code: 'card_declined',
      decline: 'stolen_card',
    },
    expired_card: { http: 402, status: 'requires_payment_method', code: 'expired_card' },
    incorrect_cvc: { http: 402, status: 'requires_payment_method', code: 'incorrect_cvc' },
    processing_error: { http: 402, status: 'requires_payment_method', code: 'processing_error' },
    challenge_3ds: { http: 200, status: 'requires_action' },
    attach_ok_charge_declines: {
      http: 402,
      status: 'requires_payment_method',
      code: 'card_declined',
      decline: 'generic_decline',
    },
  };
  for (const c of STRIPE_TEST_CARDS) {
    it(`${c.number} (${c.outcome})`, async () => {
      const want = expected[c.outcome];
      if (!want) throw new Error(`no expectation for ${c.outcome}`);
      const pi = await createPI();
      const res = await onPI(pi, 'confirm', card(c.number));
      expect(res.status).toBe(want.http);
      if (want.http === 200) {
        expect(res.body.status).toBe(want.status);
      } else {
        expect(res.body.error).toMatchObject({ type: 'card_error', code: want.code });
        if (want.decline) expect(res.body.error.decline_code).toBe(want.decline);
        expect(res.body.error.payment_intent.status).toBe(want.status);
        expect(res.body.error.payment_intent.last_payment_error.code).toBe(want.code);
      }
    });
  }

  it('refuses a number that fails the Luhn check', async () => {
    const pi = await createPI();
    const res = await onPI(pi, 'confirm', card('4242424242424241'));
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ type: 'card_error', code: 'incorrect_number' });
    expect(t.sim.ledger()).toEqual([]);
  });

  it('3-D Secure: requires_action with a hosted challenge URL; approval authorizes', async () => {
    const pi = await createPI();
    const res = await onPI(pi, 'confirm', card('4000000000003220'));
    expect(res.body.next_action.type).toBe('redirect_to_url');
    const url = new URL(res.body.next_action.redirect_to_url.url);
    expect(url.origin + url.pathname).toBe(`${t.server.url}/hosted/3ds`);
    const page = await fetch(url);
    expect(await page.text()).toContain('Approve');
    const decided = await fetch(`${t.server.url}/hosted/3ds`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        provider: 'stripe',
        token: pi.client_secret,
        decision: 'approve',
      }),
    });
    expect(decided.status).toBe(200);
    expect((await stripe(t.server.url, 'GET', `/payment_intents/${pi.id}`)).body.status).toBe(
      'succeeded',
    );
  });
});

describe('SetupIntents and stored cards', () => {
  async function saveCard(number: string) {
    const cus = await stripe(t.server.url, 'POST', '/customers', { email: 'jane@example.com' });
    const si = await stripe(t.server.url, 'POST', '/setup_intents', { customer: cus.body.id });
    expect(si.body.status).toBe('requires_payment_method');
    const confirmed = await stripe(
      t.server.url,
      'POST',
      `/setup_intents/${si.body.id}/confirm`,
      card(number),
    );
    return { customer: cus.body.id as string, si: confirmed };
  }

  it('a SetupIntent attaches the card and never expires; an off-session charge uses it', async () => {
    const { customer, si } = await saveCard('4242424242424242');
    expect(si.body.status).toBe('succeeded');
    await t.sim.clock.advance(365 * 86_400_000);
    const again = await stripe(t.server.url, 'GET', `/setup_intents/${si.body.id}`);
    expect(again.body.status).toBe('succeeded');
    const pms = await stripe(t.server.url, 'GET', `/customers/${customer}/payment_methods`);
    expect(pms.body.data).toHaveLength(1);
    const charge = await createPI({
      customer,
      payment_method: si.body.payment_method,
      off_session: 'true',
      confirm: 'true',
    });
    expect(charge.status).toBe('succeeded');
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(1);
  });

  it('4000000000000341: attach succeeds, the later off-session charge declines', async () => {
    const { customer, si } = await saveCard('4000000000000341');
    expect(si.body.status).toBe('succeeded');
    const res = await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '900',
      currency: 'usd',
      customer,
      payment_method: si.body.payment_method,
      off_session: 'true',
      confirm: 'true',
    });
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('card_declined');
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(0);
  });

  it('a declined card fails the SetupIntent with setup_failed', async () => {
    const { si } = await saveCard('4000000000009995');
    expect(si.status).toBe(402);
    expect(si.body.error.setup_intent.status).toBe('requires_payment_method');
    await t.sim.flush();
    expect(webhookTypes()).toContain('setup_intent.setup_failed');
  });

  it('an off-session charge refuses a card not attached to the customer', async () => {
    const cus = await stripe(t.server.url, 'POST', '/customers', {});
    const res = await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '900',
      currency: 'usd',
      customer: cus.body.id,
      payment_method: 'pm_card_visa',
      off_session: 'true',
      confirm: 'true',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('payment_method');
  });
});

describe('auth and bad input', () => {
  it('401 without a key, 401 with an unknown key', async () => {
    const none = await fetch(`${t.server.url}/stripe/v1/payment_intents`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(((await none.json()) as Loose).error.type).toBe('invalid_request_error');
    expect(
      (await stripe(t.server.url, 'GET', '/payment_intents/pi_x', {}, 'sk_test_nope')).status,
    ).toBe(401);
  });

  it('a publishable key may confirm only with the matching client_secret', async () => {
    const pi = await createPI();
    const wrong = await stripe(
      t.server.url,
      'POST',
      `/payment_intents/${pi.id}/confirm`,
      { payment_method: 'pm_card_visa', client_secret: 'nope' },
      ACCOUNT.stripe.publishableKey,
    );
    expect(wrong.status).toBe(404);
    const ok = await stripe(
      t.server.url,
      'POST',
      `/payment_intents/${pi.id}/confirm`,
      { payment_method: 'pm_card_visa', client_secret: pi.client_secret },
      ACCOUNT.stripe.publishableKey,
    );
    expect(ok.body.status).toBe('succeeded');
    const capture = await stripe(
      t.server.url,
      'POST',
      `/payment_intents/${pi.id}/capture`,
      {},
      ACCOUNT.stripe.publishableKey,
    );
    expect(capture.status).toBe(403);
  });

  it('validation errors name the parameter, unknown ids are 404, never a 500', async () => {
    const bad = await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: 'ten',
      currency: 'usd',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'amount' });
    const unknownParam = await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '100',
      currency: 'usd',
      colour: 'red',
    });
    expect(unknownParam.status).toBe(400);
    const missing = await stripe(t.server.url, 'GET', '/payment_intents/pi_missing');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('resource_missing');
    const badJson = await fetch(`${t.server.url}/stripe/v1/payment_intents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ACCOUNT.stripe.secretKey}`,
        'content-type': 'application/json',
      },
      body: '{"amount":',
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as Loose).error.type).toBe('invalid_request_error');
  });

  it('bounds the body size with a 413', async () => {
    const res = await postJsonIntent({
      amount: 100,
      currency: 'usd',
      description: 'x'.repeat(200 * 1024),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Loose).error.code).toBe('request_too_large');
  });

  it('Idempotency-Key replays the first answer and refuses different parameters', async () => {
    const headers = { 'idempotency-key': 'key-1' };
    const create = (amount: string) =>
      stripe(
        t.server.url,
        'POST',
        '/payment_intents',
        { amount, currency: 'usd' },
        ACCOUNT.stripe.secretKey,
        headers,
      );
    const a = await create('100');
    const b = await create('100');
    expect(b.body.id).toBe(a.body.id);
    const c = await create('200');
    expect(c.status).toBe(400);
    expect(c.body.error.type).toBe('idempotency_error');
  });
});
