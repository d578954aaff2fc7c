// Document 004 (Accrue Pay) through @accrupay/node against the sandbox and its simulator, on both
// databases: wallet and bank rails to succeeded and settled, manual capture (full, partial),
// cancel, insufficient funds, a failed bank transfer, the card rails (the virtual debit card
// charged at the Stripe-like simulator, once), and faults with exactly one movement of money.
import AccruPay, {
  AccruPayAuthenticationError,
  AccruPayConflictError,
  AccruPayNotFoundError,
  AccruPayPaymentError,
  AccruPayProviderError,
  AccruPayValidationError,
  type CaptureMethod,
  type Payment,
} from '@accrupay/node';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  accrueIntent,
  chargeAtStripe,
  clientCredentials,
  databases,
  type Harness,
  HOUR,
  harness,
  simLedger,
} from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

const DAY = 24 * HOUR;
/** A little past a lifecycle step, so the simulator's timer for it has fired. */
const PAST = 1_000;

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip)('Accrue Pay payment intents', () => {
    let h: Harness;
    let accrupay: AccruPay;
    beforeEach(async () => {
      h = await harness(db.url(), 'STRIPE');
      accrupay = h.sdk(clientCredentials(h.t));
    });
    afterEach(async () => {
      await h.close();
    });

    const advance = (ms: number) => h.t.sim.clock.advance(ms);
    /** The movements of money the simulator recorded for a payment (or an intent). */
    const moves = async (ref: string) =>
      (await simLedger(h.t, { provider: 'accrue', providerRef: ref })).map((entry) => [
        entry.kind,
        entry.amount,
      ]);
    const captures = async (ref: string) =>
      simLedger(h.t, { provider: 'accrue', providerRef: ref, kind: 'capture' });
    const authorize = (intentId: string, captureMethod: CaptureMethod, amount = 10000n) =>
      accrupay.paymentIntents.authorize(intentId, {
        amount,
        currency: 'USD',
        captureMethod,
        description: 'Order #12345',
      });
    const status = async (payment: Payment) =>
      (await accrupay.payments.get(payment.id)).attributes.status;

    describe('wallet and bank rails, automatic capture', () => {
      test('wallet: authorized, succeeded at once, settled a day later; the events are recorded', async () => {
        const intentId = await accrueIntent(h.t, { method: 'wallet' });
        const intent = await accrupay.paymentIntents.get(intentId);
        expect(intent.attributes).toMatchObject({
          status: 'created',
          amount: 10000n,
          currency: 'USD',
          payment_method: 'wallet',
        });
        expect(intent.relationships.payment.data).toBeNull();

        const payment = await authorize(intentId, 'automatic');
        // Accrue answers `authorized` and captures at once: its notification of the capture may
        // reach the router before the authorize is answered, which then says what it knows.
        expect(['authorized', 'captured', 'succeeded']).toContain(payment.attributes.status);
        expect(payment).toMatchObject({
          type: 'payments',
          attributes: {
            amount: 10000n,
            currency: 'USD',
            capture_method: 'automatic',
            payment_method: 'wallet',
            description: 'Order #12345',
          },
          relationships: { payment_intent: { data: { id: intentId, type: 'payment_intents' } } },
        });
        const succeeded = await accrupay.payments.get(payment.id);
        expect(succeeded.attributes).toMatchObject({
          status: 'succeeded',
          amount_captured: 10000n,
          settled_at: null,
        });
        expect((await accrupay.paymentIntents.get(intentId)).attributes.status).toBe('authorized');
        expect((await accrupay.paymentIntents.get(intentId)).relationships.payment.data?.id).toBe(
          payment.id,
        );

        await advance(DAY + PAST);
        const settled = await accrupay.payments.get(payment.id);
        expect(settled.attributes.status).toBe('settled');
        expect(settled.attributes.settled_at).toEqual(expect.any(String));
        expect(await moves(payment.id)).toEqual([
          ['authorization', 10000],
          ['capture', 10000],
          ['settlement', 10000],
        ]);
        // Every move the router saw is an event for the merchant's webhooks.
        const types: string[] = [];
        for await (const event of accrupay.events.list({ take: 100 })) {
          if (
            event.type.startsWith('payment.') &&
            (event.data.object as Payment).id === payment.id
          ) {
            types.push(event.type);
          }
        }
        expect(types).toEqual(expect.arrayContaining(['payment.succeeded', 'payment.settled']));
      });

      test('bank: processing for three days, then succeeded, then settled', async () => {
        const intentId = await accrueIntent(h.t, { method: 'bank', amount: 2500n });
        const payment = await authorize(intentId, 'automatic', 2500n);
        expect(payment.attributes).toMatchObject({ payment_method: 'bank', amount: 2500n });
        expect(await status(payment)).toBe('processing');
        await advance(3 * DAY - HOUR);
        expect(await status(payment)).toBe('processing');
        await advance(HOUR + PAST);
        expect(await status(payment)).toBe('succeeded');
        await advance(DAY + PAST);
        const settled = await accrupay.payments.get(payment.id);
        expect(settled.attributes).toMatchObject({ status: 'settled', amount_captured: 2500n });
        expect(await moves(payment.id)).toEqual([
          ['authorization', 2500],
          ['capture', 2500],
          ['settlement', 2500],
        ]);
      });

      test('a failed bank transfer: processing, then failed (transfer_failed), never settled', async () => {
        const intentId = await accrueIntent(h.t, {
          method: 'bank',
          customer: 'bank_transfer_fails',
        });
        const payment = await authorize(intentId, 'automatic');
        expect(await status(payment)).toBe('processing');
        await advance(DAY + PAST);
        const failed = await accrupay.payments.get(payment.id);
        expect(failed.attributes).toMatchObject({
          status: 'failed',
          failure_code: 'transfer_failed',
        });
        expect(failed.attributes.failed_at).toEqual(expect.any(String));
        await advance(4 * DAY);
        expect(await status(payment)).toBe('failed');
        const kinds = (await moves(payment.id)).map(([kind]) => kind);
        expect(kinds).toContain('transfer_failed');
        expect(kinds).not.toContain('settlement');
      });

      test('insufficient funds: AccruPayPaymentError insufficient_funds (422, document 004), no payment', async () => {
        const intentId = await accrueIntent(h.t, {
          method: 'wallet',
          customer: 'insufficient_funds',
        });
        const failure = await authorize(intentId, 'automatic').catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(AccruPayPaymentError);
        expect(failure).toMatchObject({
          code: 'insufficient_funds',
          statusCode: 422,
          requestId: expect.any(String),
          message: expect.stringMatching(/insufficient funds/i),
          errors: [
            expect.objectContaining({
              status: '422',
              code: 'insufficient_funds',
              title: 'Insufficient Funds',
            }),
          ],
        });
        const intent = await accrupay.paymentIntents.get(intentId);
        expect(intent.attributes.status).toBe('failed');
        expect(intent.relationships.payment.data).toBeNull();
        expect(await moves(intentId)).toEqual([['decline', 10000]]);
        // The customer's wallet had $5.00: a smaller order of the same customer is another intent.
      });

      test('an amount that is not the intent amount is refused (amount_mismatch), nothing held', async () => {
        const intentId = await accrueIntent(h.t);
        await expect(authorize(intentId, 'automatic', 9999n)).rejects.toMatchObject({
          name: 'AccruPayValidationError',
          code: 'amount_mismatch',
          statusCode: 422,
        });
        expect((await accrupay.paymentIntents.get(intentId)).attributes.status).toBe('created');
        expect(await moves(intentId)).toEqual([]);
      });

      test('the same Idempotency-Key replays the authorization: one payment, one hold', async () => {
        const intentId = await accrueIntent(h.t);
        const params = {
          amount: 10000n,
          currency: 'USD',
          captureMethod: 'manual',
        } as const;
        const first = await accrupay.paymentIntents.authorize(intentId, params, {
          idempotencyKey: 'order-12345-authorize',
        });
        const again = await accrupay.paymentIntents.authorize(intentId, params, {
          idempotencyKey: 'order-12345-authorize',
        });
        expect(again.id).toBe(first.id);
        // Without a key the same request is the same call too (the router keys it at Accrue)...
        expect((await accrupay.paymentIntents.authorize(intentId, params)).id).toBe(first.id);
        expect(await moves(first.id)).toEqual([['authorization', 10000]]);
        // ...but another authorization of the used intent is refused.
        await expect(
          accrupay.paymentIntents.authorize(intentId, { ...params, captureMethod: 'automatic' }),
        ).rejects.toMatchObject({
          name: 'AccruPayConflictError',
          code: 'payment_intent_not_authorizable',
          statusCode: 422,
        });
      });

      test('another merchant cannot see the payment or the intent', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'automatic');
        const other = await h.t.sandbox.createMerchant({ name: 'Other shop', allowedOrigins: [] });
        const theirs = new AccruPay({ apiSecret: other.apiSecret, baseUrl: h.t.sandbox.url });
        const failure = theirs.payments.get(payment.id);
        await expect(failure).rejects.toBeInstanceOf(AccruPayNotFoundError);
        await expect(failure).rejects.toMatchObject({ code: 'not_found', statusCode: 404 });
        await expect(theirs.paymentIntents.get(intentId)).rejects.toBeInstanceOf(
          AccruPayNotFoundError,
        );
        await expect(theirs.payments.capture(payment.id)).rejects.toBeInstanceOf(
          AccruPayNotFoundError,
        );
      });
    });

    describe('manual capture', () => {
      test('in full: requires_capture, then captured for the whole amount, once', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'manual');
        expect(payment.attributes).toMatchObject({
          status: 'requires_capture',
          capture_method: 'manual',
          amount_captured: 0n,
        });
        expect(await moves(payment.id)).toEqual([['authorization', 10000]]);
        const captured = await accrupay.payments.capture(payment.id);
        expect(['captured', 'succeeded']).toContain(captured.attributes.status);
        expect(captured.attributes.amount_captured).toBe(10000n);
        expect(captured.attributes.captured_at).toEqual(expect.any(String));
        expect(await status(payment)).toBe('succeeded');
        expect((await captures(payment.id)).map((entry) => entry.amount)).toEqual([10000]);
        // A second capture, or a cancel after it, is refused; nothing moves.
        await expect(accrupay.payments.capture(payment.id)).rejects.toMatchObject({
          name: 'AccruPayConflictError',
          code: 'invalid_state',
          statusCode: 422,
        });
        await expect(accrupay.payments.cancel(payment.id)).rejects.toBeInstanceOf(
          AccruPayConflictError,
        );
        expect(await captures(payment.id)).toHaveLength(1);
      });

      test('in part: 4000 of 10000 captured, the rest released; no second capture', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'manual');
        const captured = await accrupay.payments.capture(payment.id, { amount: 4000n });
        expect(captured.attributes).toMatchObject({ amount: 10000n, amount_captured: 4000n });
        expect(await moves(payment.id)).toEqual([
          ['authorization', 10000],
          ['capture', 4000],
          ['void', 6000],
        ]);
        await expect(
          accrupay.payments.capture(payment.id, { amount: 1000n }),
        ).rejects.toMatchObject({ code: 'invalid_state' });
        expect((await accrupay.payments.get(payment.id)).attributes.amount_captured).toBe(4000n);
      });

      test('above the authorized amount: refused (amount_exceeds_authorized), still capturable', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'manual');
        const failure = accrupay.payments.capture(payment.id, { amount: 10001n });
        await expect(failure).rejects.toBeInstanceOf(AccruPayValidationError);
        await expect(failure).rejects.toMatchObject({
          code: 'amount_exceeds_authorized',
          statusCode: 422,
        });
        expect(await captures(payment.id)).toEqual([]);
        expect(await status(payment)).toBe('requires_capture');
      });

      test('two concurrent captures capture once', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'manual');
        const results = await Promise.allSettled([
          accrupay.payments.capture(payment.id),
          accrupay.payments.capture(payment.id),
        ]);
        expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThan(0);
        for (const result of results) {
          if (result.status === 'rejected') {
            expect(result.reason).toBeInstanceOf(AccruPayConflictError);
          }
        }
        expect(await captures(payment.id)).toHaveLength(1);
      });

      test('cancel: canceled, the hold released; no capture after it', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'manual');
        const canceled = await accrupay.payments.cancel(payment.id);
        expect(canceled.attributes.status).toBe('canceled');
        expect(canceled.attributes.canceled_at).toEqual(expect.any(String));
        expect(await moves(payment.id)).toEqual([
          ['authorization', 10000],
          ['void', 10000],
        ]);
        await expect(accrupay.payments.capture(payment.id)).rejects.toMatchObject({
          name: 'AccruPayConflictError',
          code: 'invalid_state',
          statusCode: 422,
        });
        expect(await captures(payment.id)).toEqual([]);
        expect(await status(payment)).toBe('canceled');
      });
    });

    describe('card rails: the virtual debit card', () => {
      test('fetched with the client pair, charged once at the Stripe-like simulator for exactly the amount; a second use is declined', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'manual');
        const card = await accrupay.payments.card(payment.id);
        expect(card.type).toBe('VirtualDebitCard');
        expect(card.attributes.number).toMatch(/^\d{16}$/);
        // The same card on every call until it is used.
        expect((await accrupay.payments.card(payment.id)).attributes.number).toBe(
          card.attributes.number,
        );

        const wrongAmount = await chargeAtStripe(h.t, card.attributes, 9999n);
        expect(wrongAmount.status).toBe(402);
        expect(await captures(payment.id)).toEqual([]);

        const charged = await chargeAtStripe(h.t, card.attributes, 10000n);
        expect(charged.status, JSON.stringify(charged.body)).toBe(200);
        expect(charged.body.status).toBe('succeeded');
        const captured = await accrupay.payments.get(payment.id);
        expect(['captured', 'succeeded']).toContain(captured.attributes.status);
        expect(captured.attributes.amount_captured).toBe(10000n);
        const rails = await captures(payment.id);
        expect(rails.map((entry) => [entry.amount, entry.detail])).toEqual([[10000, 'card']]);

        const again = await chargeAtStripe(h.t, card.attributes, 10000n);
        expect(again.status).toBe(402);
        expect(JSON.stringify(again.body)).toContain('card_velocity_exceeded');
        await expect(accrupay.payments.card(payment.id)).rejects.toMatchObject({
          name: 'AccruPayConflictError',
          code: 'card_unavailable',
          statusCode: 422,
        });
        expect(await captures(payment.id)).toHaveLength(1);
        await advance(DAY + PAST);
        expect(await status(payment)).toBe('settled');
      });

      test('the card route takes only the client pair: a wrong one is 401, the API secret is never sent', async () => {
        const intentId = await accrueIntent(h.t);
        const payment = await authorize(intentId, 'manual');
        const { clientId } = clientCredentials(h.t);
        await expect(
          accrupay.payments.card(payment.id, { clientId, clientSecret: 'cs_test_wrong' }),
        ).rejects.toMatchObject({
          name: 'AccruPayAuthenticationError',
          code: 'authentication_failed',
          statusCode: 401,
        });
        await expect(
          accrupay.payments.card(payment.id, { clientId, clientSecret: h.t.merchant.apiSecret }),
        ).rejects.toBeInstanceOf(AccruPayAuthenticationError);
        // Without the pair the SDK refuses before sending; the route itself refuses the secret.
        await expect(h.sdk().payments.card(payment.id)).rejects.toThrow(
          'clientId and clientSecret',
        );
        const bare = await fetch(`${h.t.sandbox.url}/api/v1/payments/${payment.id}/card`, {
          headers: { 'accrupay-api-secret': h.t.merchant.apiSecret },
        });
        expect(bare.status).toBe(401);
      });

      test('an automatic payment has no card (card_unavailable)', async () => {
        const payment = await authorize(await accrueIntent(h.t), 'automatic');
        await expect(accrupay.payments.card(payment.id)).rejects.toMatchObject({
          code: 'card_unavailable',
        });
      });
    });

    describe('faults: exactly one movement of money', () => {
      test('a provider error at the capture: the SDK retries, one capture', async () => {
        const payment = await authorize(await accrueIntent(h.t), 'manual');
        h.t.sim.addScenario({
          kind: 'api_error',
          provider: 'accrue',
          status: 503,
          times: 1,
          target: { providerRef: payment.id },
        });
        h.requests.length = 0;
        const captured = await accrupay.payments.capture(payment.id);
        expect(captured.attributes.amount_captured).toBe(10000n);
        const statuses = h.requests.map((request) => request.status);
        expect(statuses.at(-1)).toBe(200);
        expect(statuses.some((one) => typeof one === 'number' && one >= 500)).toBe(true);
        expect(await captures(payment.id)).toHaveLength(1);
      });

      test('a timeout after Accrue applied the capture: the retry returns it, one capture', async () => {
        const payment = await authorize(await accrueIntent(h.t), 'manual');
        h.t.sim.addScenario({
          kind: 'api_timeout',
          provider: 'accrue',
          applied: true,
          holdMs: 30_000,
          times: 1,
          target: { providerRef: payment.id },
        });
        const held = new Promise<void>((resolve) =>
          h.t.sim.events.once('request-held', () => resolve()),
        );
        const once = h.sdk({ ...clientCredentials(h.t), maxNetworkRetries: 0 });
        const lost = once.payments.capture(payment.id, {}, { idempotencyKey: 'capture-1' });
        await held;
        await advance(30_001);
        await expect(lost).rejects.toBeInstanceOf(AccruPayProviderError);
        const retried = await accrupay.payments.capture(
          payment.id,
          {},
          { idempotencyKey: 'capture-1' },
        );
        expect(retried.attributes.amount_captured).toBe(10000n);
        expect(await captures(payment.id)).toHaveLength(1);
        expect(await status(payment)).toBe('succeeded');
      });

      test('an answer lost on the way back: the SDK retries the authorize, one hold', async () => {
        const intentId = await accrueIntent(h.t);
        h.requests.length = 0;
        h.loseNextAnswer();
        const payment = await authorize(intentId, 'manual');
        expect(h.requests.map((request) => request.status)).toEqual([503, 201]);
        expect(await moves(payment.id)).toEqual([['authorization', 10000]]);
      });
    });
  });
});
