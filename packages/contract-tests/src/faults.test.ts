// Callback faults and the SDK's retry rules, against the real sandbox and simulator.
import {
  AccruPayConflictError,
  AccruPayProviderError,
  AccruPayValidationError,
  type ClientSession,
} from '@accrupay/node';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CARDS, databases, type Harness, harness, PROVIDERS, startData } from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});
const CODE = 'order-8821';
const DECLINE_CARD = CARDS.genericDecline;

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
    });
    afterEach(async () => {
      await h.close();
    });

    const start = (code = CODE, amount = 10000n) =>
      h.accrupay.transactions.clientSessions.payments.start({
        merchantTransactionProviderId: h.providerId,
        data: startData(code, { amount }),
      });
    const verify = (session: ClientSession) =>
      h.accrupay.transactions.clientSessions.payments.verify({ id: session.id });
    const transactionsOf = async (session: ClientSession) =>
      (await h.accrupay.transactions.getMany({ sessionId: session.id })).data;
    const sessionStatus = async (session: ClientSession) =>
      (await h.accrupay.transactions.clientSessions.getOne({ id: session.id })).status;

    describe('callback faults', () => {
      test('dropped: no callback arrives, verify still finds the payment', async () => {
        h.t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: CODE } });
        const session = await start();
        await h.pay(session, CARDS.success[provider]);
        await h.t.sim.flush();
        expect(h.t.sim.deliveries().some((d) => d.state === 'delivered')).toBe(false);
        expect(await sessionStatus(session)).not.toBe('COMPLETED');
        expect(await verify(session)).toMatchObject({ status: 'SUCCEEDED' });
        expect(h.charges(CODE)).toHaveLength(1);
      });

      test('forged success for a decline: refused, never SUCCEEDED, nothing charged', async () => {
        h.t.sim.addScenario({
          kind: 'forged_callback',
          mode: 'wrong_secret_success',
          target: { merchantRef: CODE },
        });
        const session = await start();
        await h.pay(session, DECLINE_CARD);
        await h.t.sim.flush();
        const forged = h.t.sim.deliveries().filter((d) => d.forged);
        expect(forged.length).toBeGreaterThan(0);
        for (const delivery of forged) expect(delivery.attempts.at(-1)?.status).toBe(400);
        expect(await sessionStatus(session)).not.toBe('COMPLETED');
        expect(await verify(session)).toMatchObject({ status: 'DECLINED' });
        expect(h.charges(CODE)).toHaveLength(0);
      });

      test('forged signature on a genuine success: refused; the genuine one still counts once', async () => {
        h.t.sim.addScenario({
          kind: 'forged_callback',
          mode: 'bad_signature',
          target: { merchantRef: CODE },
        });
        const session = await start();
        await h.pay(session, CARDS.success[provider]);
        await h.t.sim.flush();
        expect(await sessionStatus(session)).toBe('COMPLETED');
        expect(await verify(session)).toMatchObject({ status: 'SUCCEEDED' });
        expect(await transactionsOf(session)).toHaveLength(1);
        expect(h.charges(CODE)).toHaveLength(1);
      });

      test('duplicated, concurrent and reordered callbacks: one transaction, one charge', async () => {
        h.t.sim.addScenario({
          kind: 'duplicate_callback',
          copies: 3,
          target: { merchantRef: CODE },
        });
        h.t.sim.addScenario({
          kind: 'concurrent_duplicates',
          copies: 4,
          target: { merchantRef: CODE },
        });
        h.t.sim.addScenario({ kind: 'out_of_order', target: { merchantRef: CODE } });
        const session = await start();
        await h.pay(session, CARDS.success[provider]);
        await h.t.sim.clock.advance(5_000);
        await h.t.sim.flush();
        expect(h.t.sim.deliveries().filter((d) => d.state === 'delivered').length).toBeGreaterThan(
          1,
        );
        expect(await sessionStatus(session)).toBe('COMPLETED');
        const [transaction, ...others] = await transactionsOf(session);
        expect(others).toHaveLength(0);
        expect(transaction).toMatchObject({ status: 'SUCCEEDED' });
        expect((await verify(session)).id).toBe(transaction?.id);
        expect(h.charges(CODE)).toHaveLength(1);
      });

      test('a late callback after verify changes nothing', async () => {
        h.t.sim.addScenario({
          kind: 'delay_callback',
          delayMs: 10 * 60_000,
          target: { merchantRef: CODE },
        });
        const session = await start();
        await h.pay(session, CARDS.success[provider]);
        const verified = await verify(session);
        expect(verified.status).toBe('SUCCEEDED');
        await h.t.sim.clock.advance(10 * 60_000);
        await h.t.sim.flush();
        expect(h.t.sim.deliveries().some((d) => d.state === 'delivered')).toBe(true);
        expect(await transactionsOf(session)).toEqual([verified]);
        expect(h.charges(CODE)).toHaveLength(1);
      });
    });

    describe('retry rules', () => {
      test('a provider 5xx during verify, then success: the SDK retries, one charge', async () => {
        h.t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: CODE } });
        const session = await start();
        await h.pay(session, CARDS.success[provider]);
        h.t.sim.addScenario({
          kind: 'api_error',
          status: 503,
          times: 1,
          target: { merchantRef: CODE },
        });
        h.requests.length = 0;
        expect(await verify(session)).toMatchObject({ status: 'SUCCEEDED' });
        expect(h.requests.map((r) => r.status)).toEqual([502, 200]);
        expect(h.sleeps).toHaveLength(1);
        expect(h.charges(CODE)).toHaveLength(1);
      });

      test('a provider 5xx during start, then success: one live session, one charge', async () => {
        h.t.sim.addScenario({
          kind: 'api_error',
          status: 500,
          times: 1,
          target: { merchantRef: CODE },
        });
        const session = await start();
        expect(h.requests.map((r) => [r.method, r.url, r.status])).toEqual([
          ['POST', '/v1/client-sessions/payments', 502],
          ['POST', '/v1/client-sessions/payments', 200],
        ]);
        await h.pay(session, CARDS.success[provider]);
        expect(await verify(session)).toMatchObject({ status: 'SUCCEEDED' });
        // The failed attempt is recorded as an ERROR session, which frees the code for the retry.
        const listed = await h.accrupay.transactions.clientSessions.getMany({
          merchantInternalTransactionCode: CODE,
        });
        expect(listed.data.map((one) => one.status).sort()).toEqual(['COMPLETED', 'ERROR']);
        expect(
          (
            await h.accrupay.transactions.clientSessions.getOne({
              merchantInternalTransactionCode: CODE,
            })
          ).id,
        ).toBe(session.id);
        expect(h.charges(CODE)).toHaveLength(1);
      });

      test('an answer lost after the sandbox charged: the retry replays it, one charge', async () => {
        const sessions = h.accrupay.transactions.clientSessions;
        const { amount: _a, storePaymentMethod: _s, ...data } = startData('add-pm-1');
        const session = await sessions.paymentMethod.add.start({
          merchantTransactionProviderId: h.providerId,
          data,
        });
        await h.pay(session, CARDS.success[provider]);
        const added = await sessions.paymentMethod.add.verify({ id: session.id });
        h.requests.length = 0;
        h.loseNextAnswer();
        const charged = await h.accrupay.transactions.payments.paymentMethod.charge({
          data: {
            customerPaymentMethodId: added.paymentMethod?.id as string,
            merchantInternalTransactionCode: 'renewal-1',
            merchantInternalCustomerCode: 'customer-4421',
            amount: 1500n,
            currency: 'USD',
          },
        });
        expect(charged).toMatchObject({ status: 'SUCCEEDED', amount: 1500n });
        expect(h.requests.map((r) => r.status)).toEqual([503, 200]);
        expect(h.charges('renewal-1')).toHaveLength(1);
        const listed = await h.accrupay.transactions.getMany({
          merchantInternalTransactionCode: 'renewal-1',
        });
        expect(listed.total).toBe(1);
      });

      test('a provider 5xx during a stored-method charge: retried until it succeeds, one charge', async () => {
        const sessions = h.accrupay.transactions.clientSessions;
        const { amount: _a, storePaymentMethod: _s, ...data } = startData('add-pm-1');
        const session = await sessions.paymentMethod.add.start({
          merchantTransactionProviderId: h.providerId,
          data,
        });
        await h.pay(session, CARDS.success[provider]);
        const added = await sessions.paymentMethod.add.verify({ id: session.id });
        h.t.sim.addScenario({
          kind: 'api_error',
          status: 502,
          times: 1,
          target: { merchantRef: 'renewal-1' },
        });
        h.requests.length = 0;
        const charged = await h.accrupay.transactions.payments.paymentMethod.charge({
          data: {
            customerPaymentMethodId: added.paymentMethod?.id as string,
            merchantInternalTransactionCode: 'renewal-1',
            merchantInternalCustomerCode: 'customer-4421',
            amount: 1500n,
            currency: 'USD',
          },
        });
        expect(charged).toMatchObject({ status: 'SUCCEEDED', amount: 1500n });
        // Whether the router's adapter absorbs the 5xx itself or answers 502, the last answer is the charge.
        const statuses = h.requests.map((r) => r.status);
        expect(statuses.at(-1)).toBe(200);
        for (const status of statuses.slice(0, -1)) expect(status).toBeGreaterThanOrEqual(500);
        expect(h.charges('renewal-1')).toHaveLength(1);
      });

      test('with retries off, the 5xx is a provider error that changed nothing', async () => {
        h.t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: CODE } });
        const session = await start();
        await h.pay(session, CARDS.success[provider]);
        h.t.sim.addScenario({
          kind: 'api_error',
          status: 503,
          times: 1,
          target: { merchantRef: CODE },
        });
        const once = h.sdk({ maxNetworkRetries: 0 });
        const failure = once.transactions.clientSessions.payments.verify({ id: session.id });
        await expect(failure).rejects.toBeInstanceOf(AccruPayProviderError);
        await expect(failure).rejects.toMatchObject({
          code: 'PROVIDER_ERROR',
          statusCode: 502,
          requestId: expect.stringMatching(/^req_/),
        });
        expect(await sessionStatus(session)).toBe('PENDING');
        expect(await verify(session)).toMatchObject({ status: 'SUCCEEDED' });
      });

      test('a 400 from the router is not retried', async () => {
        h.requests.length = 0;
        const failure = h.accrupay.transactions.clientSessions.payments.start({
          merchantTransactionProviderId: h.providerId,
          data: {
            ...startData(CODE),
            billing: { ...startData(CODE).billing, billingAddressLine1: '4242424242424242' },
          },
        });
        await expect(failure).rejects.toBeInstanceOf(AccruPayValidationError);
        await expect(failure).rejects.toMatchObject({
          code: 'CARD_DATA_REFUSED',
          statusCode: 400,
          issues: [{ path: 'data.billing.billingAddressLine1', message: expect.any(String) }],
        });
        expect(h.requests).toEqual([
          { method: 'POST', url: '/v1/client-sessions/payments', status: 400 },
        ]);
        expect(h.sleeps).toEqual([]);
      });

      test('a 409 conflict is not retried', async () => {
        await start();
        h.requests.length = 0;
        await expect(start(CODE, 20000n)).rejects.toBeInstanceOf(AccruPayConflictError);
        expect(h.requests.map((r) => r.status)).toEqual([409]);
        expect(h.sleeps).toEqual([]);
      });

      test('one Idempotency-Key replays the first answer', async () => {
        const key = 'start-order-8821';
        const sessions = h.accrupay.transactions.clientSessions;
        const first = await sessions.payments.start(
          { merchantTransactionProviderId: h.providerId, data: startData(CODE) },
          { idempotencyKey: key },
        );
        const again = await sessions.payments.start(
          { merchantTransactionProviderId: h.providerId, data: startData(CODE) },
          { idempotencyKey: key },
        );
        expect(again).toEqual(first);
        const reused = sessions.payments.start(
          { merchantTransactionProviderId: h.providerId, data: startData('order-other') },
          { idempotencyKey: key },
        );
        await expect(reused).rejects.toMatchObject({
          name: 'AccruPayIdempotencyError',
          code: 'IDEMPOTENCY_KEY_REUSED',
        });
      });
    });
  });
});
