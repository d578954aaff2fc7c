import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createNuveiAdapter } from './providers/nuvei/index.ts';
import { createStripeAdapter } from './providers/stripe/index.ts';
import { type ProviderAdapter, ProviderUnavailableError } from './providers/types.ts';
import { GOOD_CARDS, testCard } from './test-cards.ts';
import { databases, paymentStart, startTestSandbox, type TestSandbox } from './test-support.ts';

const DBS = await databases();
const HOUR = 3_600_000;

// The simulator's published test cards (packages/provider-sim/README.md).
const CARDS = {
  STRIPE: { success: GOOD_CARDS.STRIPE, challenge: testCard('STRIPE', 'challenge_3ds') },
  NUVEI: { success: GOOD_CARDS.NUVEI, challenge: testCard('NUVEI', 'challenge_3ds') },
  decline: testCard('STRIPE', 'generic_decline'),
  insufficientFunds: testCard('STRIPE', 'insufficient_funds'),
  processingError: testCard('STRIPE', 'processing_error'),
  attachThenDecline: testCard('STRIPE', 'attach_ok_charge_declines'),
} as const;
const TTL = { STRIPE: 24 * HOUR, NUVEI: 20 * 60_000 } as const;
/** Nuvei keeps an order payable after a declined card; the router cancels Stripe's PaymentIntent. */
const KEEPS_DECLINED_SESSION_OPEN = { STRIPE: false, NUVEI: true } as const;

type Json = Record<string, unknown>;

afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip).each(['STRIPE', 'NUVEI'] as const)('with %s', (provider) => {
    let t: TestSandbox;
    beforeEach(async () => {
      t = await startTestSandbox({ db: db.url() });
    });
    afterEach(async () => {
      await t.close();
    });

    async function start(overrides: Parameters<typeof paymentStart>[2] = {}, path = 'payments') {
      const body: Json = paymentStart(t.merchant, provider, overrides);
      if (path === 'payment-methods') {
        const data = body.data as Json;
        delete data.amount;
        delete data.storePaymentMethod;
      }
      const answer = await t.api<Json>('POST', `/v1/client-sessions/${path}`, { body });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body as Json & { id: string; token: string };
    }
    async function verify(id: string, path = 'payments') {
      const answer = await t.api<Json>('POST', `/v1/client-sessions/${path}/verify`, {
        body: { id },
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body;
    }
    /** A started session the customer paid with `card`. */
    async function paid(card: string) {
      const session = await start();
      await t.pay(provider, session.token, card);
      return session;
    }
    const getSession = async (id: string) =>
      (await t.api<Json>('GET', `/v1/client-sessions/lookup?id=${id}`)).body;
    const charges = (code: string) =>
      t.sim
        .ledger({ merchantRef: code })
        .filter((entry) => entry.kind === 'charge' || entry.kind === 'capture');

    test('a paid session verifies to SUCCEEDED, once, and the ledger shows one charge', async () => {
      const session = await start();
      expect(session).toMatchObject({
        status: 'PENDING',
        kind: 'CLIENT',
        type: 'payment',
        action: 'PAYMENT',
        amount: '10000',
        transactionProvider: provider,
      });
      expect(
        Date.parse(session.tokenExpiresAt as string) - Date.parse('2030-01-15T12:00:00Z'),
      ).toBe(TTL[provider]);
      const publicView = await t.api<Json>(
        'GET',
        `/v1/public/${t.merchant.merchantPublicId}/client-session?token=${encodeURIComponent(session.token)}`,
        { secret: null },
      );
      expect(publicView.body).toMatchObject({ id: session.id, status: 'ACTIVE' });
      expect(publicView.body).not.toHaveProperty('merchantInternalCustomerCode');

      expect((await verify(session.id)).status).toBe('PENDING');
      expect((await t.pay(provider, session.token, CARDS[provider].success)).status).toBe(200);
      const transaction = await verify(session.id);
      expect(transaction).toMatchObject({
        status: 'SUCCEEDED',
        action: 'PAYMENT',
        amount: '10000',
        merchantInternalTransactionCode: 'order-8821',
        sessionId: session.id,
      });
      expect(await getSession(session.id)).toMatchObject({
        status: 'COMPLETED',
        transactionId: transaction.id,
      });
      const again = await Promise.all([verify(session.id), verify(session.id), verify(session.id)]);
      expect(new Set(again.map((one) => one.id))).toEqual(new Set([transaction.id]));
      const listed = await t.api<{ total: number }>(
        'GET',
        `/v1/transactions?sessionId=${session.id}`,
      );
      expect(listed.body.total).toBe(1);
      expect(charges('order-8821')).toHaveLength(1);
    });

    test.each([
      ['decline', CARDS.decline],
      ['insufficient funds', CARDS.insufficientFunds],
    ])(
      'a %s verifies to DECLINED; the retry pays once, in a new session (Stripe) or the same one (Nuvei)',
      async (_name, card) => {
        const session = await paid(card);
        const transaction = await verify(session.id);
        expect(transaction).toMatchObject({ status: 'DECLINED' });
        expect(transaction.errorMessage).toEqual(expect.any(String));
        const retry = await start();
        if (KEEPS_DECLINED_SESSION_OPEN[provider]) {
          // The provider keeps the order payable: the same code gives the same session back.
          expect(retry.status).toBe('PENDING');
          expect(retry.id).toBe(session.id);
          expect(retry.token).toBe(session.token);
        } else {
          expect(await getSession(session.id)).toMatchObject({ status: 'DECLINED' });
          expect(retry.id).not.toBe(session.id);
        }
        await t.pay(provider, retry.token, CARDS[provider].success);
        expect(await verify(retry.id)).toMatchObject({ status: 'SUCCEEDED' });
        expect(await getSession(retry.id)).toMatchObject({ status: 'COMPLETED' });
        // The old form cannot take a second payment for the same code.
        expect((await t.pay(provider, session.token, CARDS[provider].success)).status).not.toBe(
          200,
        );
        expect(charges('order-8821')).toHaveLength(1);
      },
    );

    test('a processing error verifies to ERROR', async () => {
      const session = await paid(CARDS.processingError);
      expect(await verify(session.id)).toMatchObject({ status: 'ERROR' });
      expect(await getSession(session.id)).toMatchObject({ status: 'ERROR' });
    });

    test('3-D Secure: STARTED during the challenge, then SUCCEEDED when approved', async () => {
      // Callbacks would refresh the session concurrently; this test reads intermediate states.
      t.sim.addScenario({ kind: 'drop_callback', target: 'all' });
      const session = await paid(CARDS[provider].challenge);
      expect(await verify(session.id)).toMatchObject({ status: 'STARTED' });
      await t.challenge(provider, session.token, 'approve');
      expect(await verify(session.id)).toMatchObject({ status: 'SUCCEEDED' });
    });

    test('3-D Secure denied: nothing is charged', async () => {
      const session = await paid(CARDS[provider].challenge);
      await t.challenge(provider, session.token, 'deny');
      const transaction = await verify(session.id);
      expect(['FAILED', 'DECLINED']).toContain(transaction.status);
      expect(await getSession(session.id)).toMatchObject({
        status: KEEPS_DECLINED_SESSION_OPEN[provider] ? 'PENDING' : 'DECLINED',
      });
      expect(charges('order-8821')).toHaveLength(0);
    });

    test("an unpaid session expires with the provider's TTL: EXPIRED, not an error", async () => {
      const session = await start();
      await t.sim.clock.advance(TTL[provider] - 60_000);
      expect(await verify(session.id)).toMatchObject({ status: 'PENDING' });
      await t.sim.clock.advance(2 * 60_000);
      expect(await verify(session.id)).toMatchObject({ status: 'EXPIRED' });
      expect(await getSession(session.id)).toMatchObject({ status: 'EXPIRED' });
      // A new session with the same code may start.
      expect((await start()).id).not.toBe(session.id);
    });

    test('merchantInternalTransactionCode: same data, same session; other data, 409; never after success', async () => {
      const first = await start();
      expect((await start()).id).toBe(first.id);
      const other = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payments', {
        body: paymentStart(t.merchant, provider, { amount: '20000' }),
      });
      expect(other.status).toBe(409);
      expect(other.body.error).toMatchObject({ code: 'CONFLICT' });
      await t.pay(provider, first.token, CARDS[provider].success);
      await verify(first.id);
      const afterSuccess = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payments', {
        body: paymentStart(t.merchant, provider, { amount: '30000' }),
      });
      expect(afterSuccess.status).toBe(409);
      expect(afterSuccess.body.error.message).toContain('already has a completed session');
      expect((await start()).id).toBe(first.id);
      const byCode = await t.api<Json>(
        'GET',
        '/v1/client-sessions/lookup?merchantInternalTransactionCode=order-8821',
      );
      expect(byCode.body.id).toBe(first.id);
    });

    test('after a start the provider failed, a lookup by code finds the retry, not the failed one', async () => {
      // Without the clock moving, both sessions of a code are created in the same millisecond.
      for (let i = 0; i < 8; i++) {
        const code = `order-retry-${i}`;
        // Aimed at this code's start: a late callback of an earlier session must not take it.
        t.sim.addScenario({
          kind: 'api_error',
          status: 503,
          times: 1,
          target: { merchantRef: code },
        });
        const failed = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payments', {
          body: paymentStart(t.merchant, provider, { code }),
        });
        expect(failed.status).toBe(502);
        const retry = await start({ code });
        const found = await t.api<Json>(
          'GET',
          `/v1/client-sessions/lookup?merchantInternalTransactionCode=${code}`,
        );
        expect(found.body.id).toBe(retry.id);
        const all = await t.api<{ data: Json[] }>(
          'GET',
          `/v1/client-sessions?merchantInternalTransactionCode=${code}`,
        );
        expect(all.body.data.map((session) => session.status)).toEqual(['PENDING', 'ERROR']);
      }
    });

    test('concurrent starts with one code give one session', async () => {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.api<Json>('POST', '/v1/client-sessions/payments', {
            body: paymentStart(t.merchant, provider),
          }),
        ),
      );
      const ids = new Set(answers.filter((a) => a.status === 200).map((a) => a.body.id));
      expect(ids.size).toBe(1);
      for (const answer of answers) expect([200, 409]).toContain(answer.status);
      const listed = await t.api<{ total: number }>(
        'GET',
        '/v1/client-sessions?merchantInternalTransactionCode=order-8821',
      );
      expect(listed.body.total).toBe(1);
    });

    test('a dropped callback: verify still finds the payment', async () => {
      t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: 'order-8821' } });
      const session = await paid(CARDS[provider].success);
      await t.sim.flush();
      expect(t.sim.deliveries().some((d) => d.state === 'delivered')).toBe(false);
      expect(await verify(session.id)).toMatchObject({ status: 'SUCCEEDED' });
    });

    test('a forged success for a declined payment is refused and changes nothing', async () => {
      t.sim.addScenario({
        kind: 'forged_callback',
        mode: 'wrong_secret_success',
        target: { merchantRef: 'order-8821' },
      });
      const session = await paid(CARDS.decline);
      await t.sim.flush();
      const forged = t.sim.deliveries().filter((d) => d.forged);
      expect(forged.length).toBeGreaterThan(0);
      for (const delivery of forged) expect(delivery.attempts.at(-1)?.status).toBe(400);
      expect((await getSession(session.id)).status).not.toBe('COMPLETED');
      expect(await verify(session.id)).toMatchObject({ status: 'DECLINED' });
      expect(charges('order-8821')).toHaveLength(0);
    });

    test('a genuine callback is a hint: the router asks the provider and records the truth', async () => {
      const session = await paid(CARDS[provider].success);
      await t.sim.flush();
      const delivered = t.sim.deliveries().filter((d) => d.state === 'delivered');
      expect(delivered.length).toBeGreaterThan(0);
      expect(await getSession(session.id)).toMatchObject({ status: 'COMPLETED' });
    });

    test('duplicated and reordered callbacks leave one transaction', async () => {
      t.sim.addScenario({
        kind: 'concurrent_duplicates',
        copies: 4,
        target: { merchantRef: 'order-8821' },
      });
      t.sim.addScenario({ kind: 'out_of_order', target: { merchantRef: 'order-8821' } });
      const session = await paid(CARDS[provider].success);
      await t.sim.clock.advance(5_000);
      await t.sim.flush();
      expect(await getSession(session.id)).toMatchObject({ status: 'COMPLETED' });
      const listed = await t.api<{ total: number }>(
        'GET',
        `/v1/transactions?sessionId=${session.id}`,
      );
      expect(listed.body.total).toBe(1);
      expect(charges('order-8821')).toHaveLength(1);
    });

    test('a provider 5xx during verify is a 502 that changes nothing, and a retry succeeds', async () => {
      // No callback may ask the provider first: verify meets the 5xx.
      t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: 'order-8821' } });
      const session = await paid(CARDS[provider].success);
      t.sim.addScenario({
        kind: 'api_error',
        status: 503,
        times: 1,
        target: { merchantRef: 'order-8821' },
      });
      const failed = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payments/verify', {
        body: { id: session.id },
      });
      expect(failed.status).toBe(502);
      expect(failed.body.error).toMatchObject({ code: 'PROVIDER_ERROR' });
      expect(await getSession(session.id)).toMatchObject({ status: 'PENDING' });
      expect(await verify(session.id)).toMatchObject({ status: 'SUCCEEDED' });
    });

    test('a status the router cannot map verifies to UNKNOWN, and resolves later', async () => {
      // Callbacks would refresh the session concurrently; this test reads intermediate states.
      t.sim.addScenario({ kind: 'drop_callback', target: 'all' });
      const session = await paid(CARDS[provider].success);
      const scenario = t.sim.addScenario({
        kind: 'unmappable_status',
        target: { merchantRef: 'order-8821' },
      });
      const unknown = await verify(session.id);
      expect(unknown).toMatchObject({ status: 'UNKNOWN' });
      expect(unknown.errorMessage).toContain('cannot map');
      expect(await getSession(session.id)).toMatchObject({ status: 'UNKNOWN' });
      t.sim.removeScenario(scenario.id);
      expect(await verify(session.id)).toMatchObject({ status: 'SUCCEEDED' });
    });

    test('authorization: partial settle once, never above, never after void; void never after settle', async () => {
      const session = await start({ code: 'auth-5540', amount: '25000' }, 'authorizations');
      await t.pay(provider, session.token, CARDS[provider].success);
      const authorization = await verify(session.id, 'authorizations');
      expect(authorization).toMatchObject({ status: 'SUCCEEDED', action: 'AUTHORIZATION' });
      const id = authorization.id as string;
      const above = await t.api<{ error: Json }>('POST', `/v1/transactions/${id}/settle`, {
        body: { amount: '25001' },
      });
      expect(above.status).toBe(422);
      expect(above.body.error.code).toBe('AMOUNT_EXCEEDS_AUTHORIZED');
      const settled = await t.api<Json>('POST', `/v1/transactions/${id}/settle`, {
        body: { amount: '20000' },
      });
      expect(settled.status, JSON.stringify(settled.body)).toBe(200);
      expect(settled.body).toMatchObject({
        action: 'SETTLE',
        status: 'SUCCEEDED',
        amount: '20000',
        parentTransactionId: id,
      });
      const twice = await t.api<{ error: Json }>('POST', `/v1/transactions/${id}/settle`, {
        body: {},
      });
      expect(twice.status).toBe(409);
      const voidAfter = await t.api<{ error: Json }>('POST', `/v1/transactions/${id}/void`, {
        body: {},
      });
      expect(voidAfter.status).toBe(409);
      expect((await t.api<Json>('GET', `/v1/transactions/${id}`)).body.settledAmount).toBe('20000');
      const captures = t.sim.ledger({ merchantRef: 'auth-5540', kind: 'capture' });
      expect(captures.map((entry) => entry.amount)).toEqual([20000]);

      const second = await start({ code: 'auth-5541', amount: '5000' }, 'authorizations');
      await t.pay(provider, second.token, CARDS[provider].success);
      const other = await verify(second.id, 'authorizations');
      const voided = await t.api<Json>('POST', `/v1/transactions/${other.id}/void`, { body: {} });
      expect(voided.body).toMatchObject({ action: 'VOID', status: 'SUCCEEDED' });
      const settleAfterVoid = await t.api<{ error: Json }>(
        'POST',
        `/v1/transactions/${other.id}/settle`,
        { body: {} },
      );
      expect(settleAfterVoid.status).toBe(409);
      expect(t.sim.ledger({ merchantRef: 'auth-5541', kind: 'capture' })).toHaveLength(0);
    });

    test('concurrent settles: one wins', async () => {
      const session = await start({ code: 'auth-7000', amount: '7000' }, 'authorizations');
      await t.pay(provider, session.token, CARDS[provider].success);
      const authorization = await verify(session.id, 'authorizations');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.api<Json>('POST', `/v1/transactions/${authorization.id}/settle`, { body: {} }),
        ),
      );
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expect(t.sim.ledger({ merchantRef: 'auth-7000', kind: 'capture' })).toHaveLength(1);
    });

    test('add a payment method, then charge it from the server', async () => {
      const session = await start({ code: 'add-pm-3310' }, 'payment-methods');
      expect(session.amount).toBeNull();
      await t.pay(provider, session.token, CARDS[provider].success);
      const added = await verify(session.id, 'payment-methods');
      expect(added).toMatchObject({ status: 'SUCCEEDED', action: 'ADD_PAYMENT_METHOD' });
      const method = added.paymentMethod as Json;
      expect(method).toMatchObject({ merchantInternalCustomerCode: 'customer-4421' });
      expect(method.last4).toMatch(/^\d{4}$/);
      const listed = await t.api<{ total: number; data: Json[] }>(
        'GET',
        '/v1/payment-methods?merchantInternalCustomerCode=customer-4421',
      );
      expect(listed.body.data.map((m) => m.id)).toEqual([method.id]);
      const charge = {
        data: {
          customerPaymentMethodId: method.id,
          merchantInternalTransactionCode: 'renewal-1',
          merchantInternalCustomerCode: 'customer-4421',
          amount: '1500',
          currency: 'USD',
        },
      };
      const charged = await t.api<Json>('POST', '/v1/transactions/payment-method-charges', {
        body: charge,
      });
      expect(charged.status, JSON.stringify(charged.body)).toBe(200);
      expect(charged.body).toMatchObject({
        status: 'SUCCEEDED',
        action: 'PAYMENT_METHOD_CHARGE',
        amount: '1500',
      });
      const replay = await t.api<Json>('POST', '/v1/transactions/payment-method-charges', {
        body: charge,
      });
      expect(replay.body.id).toBe(charged.body.id);
      expect(t.sim.ledger({ merchantRef: 'renewal-1', kind: 'charge' })).toHaveLength(1);
    });

    test('a stored charge whose answer is lost is charged once, however often it is retried', async () => {
      await t.close();
      // The provider charges, but the router never hears back: the answer is lost on the way.
      let loseNextAnswer = false;
      const losing = (adapter: ProviderAdapter): ProviderAdapter => ({
        ...adapter,
        provider: adapter.provider,
        async confirmCharge(credentials, request) {
          const status = await adapter.confirmCharge(credentials, request);
          if (loseNextAnswer) {
            loseNextAnswer = false;
            throw new ProviderUnavailableError('socket hang up', 'error');
          }
          return status;
        },
      });
      t = await startTestSandbox({
        db: db.url(),
        sandbox: {
          adapters: (baseUrl, clock) => [
            losing(createStripeAdapter({ baseUrl, clock })),
            losing(createNuveiAdapter({ baseUrl, clock })),
          ],
        },
      });
      const session = await start({ code: 'add-pm-lost' }, 'payment-methods');
      await t.pay(provider, session.token, CARDS[provider].success);
      const method = (await verify(session.id, 'payment-methods')).paymentMethod as Json;
      const charge = {
        data: {
          customerPaymentMethodId: method.id,
          merchantInternalTransactionCode: 'renewal-lost',
          merchantInternalCustomerCode: 'customer-4421',
          amount: '1500',
          currency: 'USD',
        },
      };
      loseNextAnswer = true;
      const lost = await t.api<{ error: Json }>('POST', '/v1/transactions/payment-method-charges', {
        body: charge,
      });
      expect(lost.status).toBe(502);
      expect(t.sim.ledger({ merchantRef: 'renewal-lost', kind: 'charge' })).toHaveLength(1);
      const retries = await Promise.all(
        [1, 2, 3].map(() =>
          t.api<Json>('POST', '/v1/transactions/payment-method-charges', { body: charge }),
        ),
      );
      const answered = retries.filter((r) => r.status === 200);
      expect(answered.length).toBeGreaterThan(0);
      for (const retry of answered) expect(retry.body).toMatchObject({ status: 'SUCCEEDED' });
      for (const retry of retries) expect([200, 409]).toContain(retry.status);
      expect(t.sim.ledger({ merchantRef: 'renewal-lost', kind: 'charge' })).toHaveLength(1);
    });

    test('a card that attaches but declines later: the stored charge is DECLINED', async () => {
      const session = await start({ code: 'add-pm-0341' }, 'payment-methods');
      await t.pay(provider, session.token, CARDS.attachThenDecline);
      const added = await verify(session.id, 'payment-methods');
      expect(added.status).toBe('SUCCEEDED');
      const charged = await t.api<Json>('POST', '/v1/transactions/payment-method-charges', {
        body: {
          data: {
            customerPaymentMethodId: (added.paymentMethod as Json).id,
            merchantInternalTransactionCode: 'renewal-2',
            merchantInternalCustomerCode: 'customer-4421',
            amount: '1500',
            currency: 'USD',
          },
        },
      });
      expect(charged.body).toMatchObject({ status: 'DECLINED' });
      expect(t.sim.ledger({ merchantRef: 'renewal-2', kind: 'charge' })).toHaveLength(0);
    });

    test('verify of a session through the wrong namespace is refused', async () => {
      const session = await start({ code: 'add-pm-1' }, 'payment-methods');
      const wrong = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payments/verify', {
        body: { id: session.id },
      });
      expect(wrong.status).toBe(409);
      expect(wrong.body.error.message).toContain('clientSessions.paymentMethod.add.verify');
    });

    test('a merchant sees only its own sessions, transactions and payment methods', async () => {
      const session = await paid(CARDS[provider].success);
      const transaction = await verify(session.id);
      const other = await t.sandbox.createMerchant({ name: 'Other shop' });
      const asOther = { secret: other.apiSecret };
      expect(
        (await t.api('GET', `/v1/client-sessions/lookup?id=${session.id}`, asOther)).status,
      ).toBe(404);
      expect(
        (
          await t.api('POST', '/v1/client-sessions/payments/verify', {
            ...asOther,
            body: { id: session.id },
          })
        ).status,
      ).toBe(404);
      expect((await t.api('GET', `/v1/transactions/${transaction.id}`, asOther)).status).toBe(404);
      expect((await t.api<{ total: number }>('GET', '/v1/transactions', asOther)).body.total).toBe(
        0,
      );
      const publicWithOtherId = await t.api(
        'GET',
        `/v1/public/${other.merchantPublicId}/client-session?token=${encodeURIComponent(session.token)}`,
        { secret: null },
      );
      expect(publicWithOtherId.status).toBe(404);
    });
  });
});
