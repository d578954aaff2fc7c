// Issue 9: the one promise (verify is the truth; never fulfil unpaid, never charge twice) under
// bad amounts, lying providers, several attempts in one session, lost answers and two instances.
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { databases, paymentStart, startTestSandbox, type TestSandbox } from './test-support.ts';

const DBS = await databases();

type Json = Record<string, unknown>;

afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

describe.each(DBS)('on $name', (db) => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox({ db: db.url() });
  });
  afterEach(async () => {
    await t?.close();
  });

  const sessionCount = async () =>
    (await t.api<{ total: number }>('GET', '/v1/client-sessions?take=1')).body.total;

  describe.skipIf(db.skip)('provider limits are refused at start, with nothing stored', () => {
    test.each([
      ['STRIPE', '100000000', 'USD', 'data.amount', '99999999'],
      ['STRIPE', '9223372036854775807', 'USD', 'data.amount', '99999999'],
      ['NUVEI', '9223372036854775807', 'USD', 'data.amount', '99999999999'],
      ['NUVEI', '1000', 'KWD', 'data.currency', 'KWD'],
      ['NUVEI', '1000', 'CLF', 'data.currency', 'CLF'],
    ] as const)(
      '%s, amount %s %s: 400 naming %s',
      async (provider, amount, currency, path, limit) => {
        for (const route of ['payments', 'authorizations'] as const) {
          const body = paymentStart(t.merchant, provider, { amount });
          (body.data as Json).currency = currency;
          const answer = await t.api<{ error: Json }>('POST', `/v1/client-sessions/${route}`, {
            body,
          });
          expect(answer.status, JSON.stringify(answer.body)).toBe(400);
          expect(answer.body.error.code).toBe('VALIDATION_ERROR');
          expect(answer.body.error.message).toContain(limit);
          expect(answer.body.error.issues).toEqual([expect.objectContaining({ path })]);
        }
        expect(await sessionCount()).toBe(0);
        expect(t.sim.ledger()).toEqual([]);
      },
    );

    test('Nuvei refuses a currency it cannot take for add-payment-method too', async () => {
      const body = paymentStart(t.merchant, 'NUVEI');
      const data = body.data as Json;
      delete data.amount;
      delete data.storePaymentMethod;
      data.currency = 'BHD';
      const answer = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payment-methods', {
        body,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.issues).toEqual([
        expect.objectContaining({ path: 'data.currency' }),
      ]);
      expect(await sessionCount()).toBe(0);
    });

    test('the largest amount a provider takes is accepted', async () => {
      const stripe = await t.api('POST', '/v1/client-sessions/payments', {
        body: paymentStart(t.merchant, 'STRIPE', { amount: '99999999' }),
      });
      expect(stripe.status, JSON.stringify(stripe.body)).toBe(200);
    });
  });
});
