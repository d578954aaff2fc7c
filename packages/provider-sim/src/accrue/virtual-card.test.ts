import { describe, expect, it } from 'vitest';
import { luhnValid, NUVEI_TEST_CARDS, STRIPE_TEST_CARDS } from '../cards.ts';
import { ACCOUNT, type Loose, stripe } from '../test-helpers.ts';
import {
  accrue,
  accruePerTest,
  authorize,
  DAY,
  getPayment,
  newIntent,
  ORIGIN,
} from './test-support.ts';

const t = accruePerTest();

/** A manual-capture Accrue payment of 10000 USD and its virtual card. */
async function paymentWithCard() {
  const pay = await authorize(t.url, await newIntent(t.url, { method: 'bank' }));
  const res = await accrue(t.url, 'GET', `/payments/${pay.id}/card`);
  expect(res.status).toBe(200);
  return { pay, card: res.body.data };
}

/** Charges a card at the Stripe sim: POST /stripe/v1/payment_intents confirm=true with payment_method_data. */
const chargeAtStripe = (card: Loose, amount = '10000', currency = 'usd') =>
  stripe(t.url, 'POST', '/payment_intents', {
    amount,
    currency,
    confirm: 'true',
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': card.attributes.number,
    'payment_method_data[card][exp_month]': card.attributes.expirationMonth,
    'payment_method_data[card][exp_year]': card.attributes.expirationYear,
    'payment_method_data[card][cvc]': card.attributes.cvc,
  });

describe('Accrue Pay virtual debit cards', () => {
  it('GET /payments/:id/card: document 004 resource, Luhn-valid Mastercard, same card on every call, unique per payment', async () => {
    const { pay, card } = await paymentWithCard();
    expect(card).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'VirtualDebitCard',
      attributes: {
        number: expect.stringMatching(/^5[1-5]\d{14}$/),
        expirationMonth: '1',
        expirationYear: '2033',
        cvc: expect.stringMatching(/^\d{3}$/),
        billingAddress: {
          street: expect.any(String),
          street2: expect.any(String),
          city: expect.any(String),
          state: expect.stringMatching(/^[A-Z]{2}$/),
          postalCode: expect.stringMatching(/^\d{5}$/),
          country: 'US',
        },
      },
    });
    expect(luhnValid(card.attributes.number)).toBe(true);
    const published = [...STRIPE_TEST_CARDS, ...NUVEI_TEST_CARDS].map((c) => c.number);
    expect(published).not.toContain(card.attributes.number);
    expect((await accrue(t.url, 'GET', `/payments/${pay.id}/card`)).body.data).toEqual(card);
    const second = await paymentWithCard();
    expect(second.card.attributes.number).not.toBe(card.attributes.number);
  });

  it('charged at the Stripe sim once for exactly the amount: Stripe succeeds, Accrue is captured then succeeded; a second use is declined', async () => {
    const { pay, card } = await paymentWithCard();
    const wrong = await chargeAtStripe(card, '9999');
    expect(wrong.status).toBe(402);
    expect(wrong.body.error).toMatchObject({
      code: 'card_declined',
      decline_code: 'invalid_amount',
    });
    const wrongCurrency = await chargeAtStripe(card, '10000', 'eur');
    expect(wrongCurrency.body.error.decline_code).toBe('invalid_amount');
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('requires_capture');

    const ok = await chargeAtStripe(card);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('succeeded');
    const accrued = await getPayment(t.url, pay.id);
    expect(accrued.attributes).toMatchObject({
      status: 'succeeded',
      amount_captured: 10_000,
      captured_at: '2030-01-15T12:00:00.000Z',
    });

    const again = await chargeAtStripe(card);
    expect(again.status).toBe(402);
    expect(again.body.error.decline_code).toBe('card_velocity_exceeded');
    const gone = await accrue(t.url, 'GET', `/payments/${pay.id}/card`);
    expect(gone.status).toBe(422);
    expect(gone.body.errors[0].code).toBe('card_unavailable');
    expect(gone.body.errors[0].detail).toContain('already used');

    expect(
      t.sim
        .ledger({ provider: 'accrue', providerRef: pay.id })
        .map((e) => [e.kind, e.amount, e.detail]),
    ).toEqual([
      ['authorization', 10_000, 'bank'],
      ['capture', 10_000, 'card'],
    ]);
    expect(
      t.sim.ledger({ provider: 'stripe', kind: 'charge' }).map((e) => [e.providerRef, e.amount]),
    ).toEqual([[ok.body.id, 10_000]]);
    await t.sim.clock.advance(DAY);
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('settled');
  });

  it('the hosted card page submit path uses the same hook', async () => {
    const { pay, card } = await paymentWithCard();
    const pi = (
      await stripe(t.url, 'POST', '/payment_intents', { amount: '10000', currency: 'usd' })
    ).body;
    const submit = (token: string) =>
      fetch(`${t.url}/hosted/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          provider: 'stripe',
          token,
          origin: ORIGIN,
          number: card.attributes.number,
          expMonth: card.attributes.expirationMonth,
          expYear: card.attributes.expirationYear,
          cvc: card.attributes.cvc,
        }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Loose }));
    const res = await submit(pi.client_secret);
    expect(res.status).toBe(200);
    expect(res.body.result.status).toBe('approved');
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('succeeded');
    const pi2 = (
      await stripe(t.url, 'POST', '/payment_intents', { amount: '10000', currency: 'usd' })
    ).body;
    const second = await submit(pi2.client_secret);
    expect(second.body.result).toMatchObject({
      status: 'declined',
      error: { code: 'card_velocity_exceeded' },
    });
    expect(ACCOUNT.allowedOrigins).toContain(ORIGIN);
  });

  it('no card for an automatic-capture payment or a canceled one; a card of a canceled payment is declined', async () => {
    const auto = await authorize(t.url, await newIntent(t.url), { capture_method: 'automatic' });
    const a = await accrue(t.url, 'GET', `/payments/${auto.id}/card`);
    expect(a.status).toBe(422);
    expect(a.body.errors[0]).toMatchObject({ code: 'card_unavailable', title: 'Card Unavailable' });
    expect(a.body.errors[0].detail).toContain('automatic capture');

    const { pay, card } = await paymentWithCard();
    await accrue(t.url, 'POST', `/payments/${pay.id}/cancel`);
    const c = await accrue(t.url, 'GET', `/payments/${pay.id}/card`);
    expect(c.body.errors[0].detail).toContain('canceled');
    const declined = await chargeAtStripe(card);
    expect(declined.body.error.decline_code).toBe('invalid_account');
    expect(
      t.sim.ledger({ provider: 'accrue', kind: 'capture' }).filter((e) => e.providerRef === pay.id),
    ).toEqual([]);
  });
});
