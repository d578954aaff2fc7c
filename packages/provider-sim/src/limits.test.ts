import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROVIDER_LIMITS } from './index.ts';
import { setup, stripe } from './test-helpers.ts';

let t: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => {
  t = await setup();
});
afterEach(async () => {
  await t.close();
});

const create = (amount: string) =>
  stripe(t.server.url, 'POST', '/payment_intents', { amount, currency: 'usd' });

describe('Stripe limits', () => {
  it('are exported and frozen', () => {
    expect(PROVIDER_LIMITS.stripe).toEqual({ minAmount: 1, maxAmount: 99_999_999 });
    expect(Object.isFrozen(PROVIDER_LIMITS.nuvei.unsupportedCurrencies)).toBe(true);
    expect(PROVIDER_LIMITS.nuvei.unsupportedCurrencies).toEqual(
      expect.arrayContaining(['KWD', 'BHD', 'JOD', 'OMR', 'TND', 'CLF']),
    );
  });

  it('accepts the maximum and refuses one more with 400 amount_too_large', async () => {
    expect((await create('99999999')).status).toBe(200);
    const res = await create('100000000');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'amount_too_large',
      param: 'amount',
    });
  });

  it('refuses 2^63-1, 2^64 and a 300-digit amount without crashing, form-encoded or JSON', async () => {
    for (const amount of ['9223372036854775807', '18446744073709551616', '9'.repeat(300)]) {
      const res = await create(amount);
      expect(res.status, amount).toBe(400);
      expect(res.body.error.code, amount).toBe('amount_too_large');
    }
    for (const raw of ['9223372036854775807', '1e400']) {
      const res = await fetch(`${t.server.url}/stripe/v1/payment_intents`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_test_abc', 'content-type': 'application/json' },
        body: `{"amount":${raw},"currency":"usd"}`,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        'amount_too_large',
      );
    }
    expect((await create('1000')).status).toBe(200);
  });

  it('refuses zero and negative amounts, naming the field', async () => {
    for (const amount of ['0', '-1', '-9223372036854775808']) {
      const res = await create(amount);
      expect(res.status, amount).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'amount' });
    }
  });

  it('refuses an absurd amount_to_capture the same way', async () => {
    const pi = await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '1000',
      currency: 'usd',
      capture_method: 'manual',
      confirm: 'true',
      payment_method: 'pm_card_visa',
    });
    expect(pi.body.status).toBe('requires_capture');
    const res = await stripe(t.server.url, 'POST', `/payment_intents/${pi.body.id}/capture`, {
      amount_to_capture: '9223372036854775807',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'amount_too_large', param: 'amount_to_capture' });
    expect(t.sim.ledger({ kind: 'capture' })).toEqual([]);
  });

  it('keeps refusing a canceled PaymentIntent', async () => {
    const pi = await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '1000',
      currency: 'usd',
    });
    await stripe(t.server.url, 'POST', `/payment_intents/${pi.body.id}/cancel`, {});
    for (let i = 0; i < 2; i++) {
      const res = await stripe(t.server.url, 'POST', `/payment_intents/${pi.body.id}/confirm`, {
        payment_method: 'pm_card_visa',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('payment_intent_unexpected_state');
    }
    expect(t.sim.ledger({ providerRef: pi.body.id, kind: 'charge' })).toEqual([]);
  });
});
