// Every session type to every outcome the simulator offers, driven through @accrupay/node.
import type { ClientSession, MerchantTransaction } from '@accrupay/node';
import { AccruPayConflictError, AccruPayValidationError } from '@accrupay/node';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  CARDS,
  DECLINES,
  databases,
  type Harness,
  HOUR,
  harness,
  PROVIDERS,
  startData,
  TTL,
} from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

type SessionType = 'payment' | 'authorization' | 'add-payment-method';
/** Nuvei keeps an order payable after a declined card; the router cancels Stripe's PaymentIntent. */
const KEEPS_DECLINED_SESSION_OPEN = { STRIPE: false, NUVEI: true } as const;
const TYPES: readonly SessionType[] = ['payment', 'authorization', 'add-payment-method'];
const ACTION = {
  payment: 'PAYMENT',
  authorization: 'AUTHORIZATION',
  'add-payment-method': 'ADD_PAYMENT_METHOD',
} as const;

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
    });
    afterEach(async () => {
      await h.close();
    });

    function namespace(type: SessionType) {
      const sessions = h.accrupay.transactions.clientSessions;
      return type === 'payment'
        ? sessions.payments
        : type === 'authorization'
          ? sessions.authorizations
          : sessions.paymentMethod.add;
    }
    async function start(type: SessionType, code: string, amount = 10000n) {
      const sessions = h.accrupay.transactions.clientSessions;
      const { amount: _amount, storePaymentMethod: _store, ...common } = startData(code);
      if (type === 'add-payment-method') {
        return sessions.paymentMethod.add.start({
          merchantTransactionProviderId: h.providerId,
          data: common,
        });
      }
      return namespace(type).start({
        merchantTransactionProviderId: h.providerId,
        data: { ...common, amount, storePaymentMethod: false },
      } as never);
    }
    const verify = (type: SessionType, session: ClientSession) =>
      namespace(type).verify({ id: session.id });
    const sessionStatus = async (session: ClientSession) =>
      (await h.accrupay.transactions.clientSessions.getOne({ id: session.id })).status;
    const moved = (code: string) => h.t.sim.ledger({ merchantRef: code });

    describe.each(TYPES)('%s', (type) => {
      const code = `${type}-1`;

      test('success: SUCCEEDED, session COMPLETED, one transaction', async () => {
        const session = await start(type, code);
        expect(session).toMatchObject({ type, action: ACTION[type], status: 'PENDING' });
        // The merchant reads back the billing contact it started with (never the browser).
        expect(session.billing).toEqual(startData(code).billing);
        await h.pay(session, CARDS.success[provider]);
        const transaction = await verify(type, session);
        expect(transaction).toMatchObject({
          status: 'SUCCEEDED',
          action: ACTION[type],
          sessionId: session.id,
        });
        expect(await sessionStatus(session)).toBe('COMPLETED');
        const listed = await h.accrupay.transactions.getMany({ sessionId: session.id });
        expect(listed.total).toBe(1);
        expect(h.charges(code)).toHaveLength(type === 'payment' ? 1 : 0);
        if (type === 'add-payment-method') {
          expect(transaction.paymentMethod?.merchantInternalCustomerCode).toBe('customer-4421');
        }
      });

      test.each(DECLINES)('%s: DECLINED with a reason, nothing charged', async (_name, card) => {
        const session = await start(type, code);
        await h.pay(session, card);
        const transaction = await verify(type, session);
        expect(transaction.status).toBe('DECLINED');
        expect(transaction.errorMessage).toEqual(expect.any(String));
        expect(h.charges(code)).toHaveLength(0);
        const retry = await start(type, code);
        if (KEEPS_DECLINED_SESSION_OPEN[provider]) {
          // Nuvei keeps the order payable: the same session takes another card.
          expect(await sessionStatus(session)).toBe('PENDING');
          expect(retry.id).toBe(session.id);
        } else {
          // The code is free again: a new session may start and succeed.
          expect(await sessionStatus(session)).toBe('DECLINED');
          expect(retry.id).not.toBe(session.id);
        }
      });

      test('processing error: ERROR', async () => {
        const session = await start(type, code);
        await h.pay(session, CARDS.processingError);
        expect(await verify(type, session)).toMatchObject({ status: 'ERROR' });
        expect(await sessionStatus(session)).toBe('ERROR');
        expect(h.charges(code)).toHaveLength(0);
      });

      test('3-D Secure approved: STARTED during the challenge, then SUCCEEDED', async () => {
        // Callbacks would refresh the session concurrently; this test reads the intermediate state.
        h.t.sim.addScenario({ kind: 'drop_callback', target: 'all' });
        const session = await start(type, code);
        await h.pay(session, CARDS.challenge[provider]);
        expect(await verify(type, session)).toMatchObject({ status: 'STARTED' });
        await h.challenge(session, 'approve');
        expect(await verify(type, session)).toMatchObject({ status: 'SUCCEEDED' });
        expect(await sessionStatus(session)).toBe('COMPLETED');
        expect(h.charges(code)).toHaveLength(type === 'payment' ? 1 : 0);
      });

      test('3-D Secure denied: FAILED, session DECLINED (or still open at Nuvei), nothing charged', async () => {
        const session = await start(type, code);
        await h.pay(session, CARDS.challenge[provider]);
        await h.challenge(session, 'deny');
        expect(await verify(type, session)).toMatchObject({ status: 'FAILED' });
        expect(await sessionStatus(session)).toBe(
          KEEPS_DECLINED_SESSION_OPEN[provider] ? 'PENDING' : 'DECLINED',
        );
        expect(h.charges(code)).toHaveLength(0);
      });

      test('a status the router cannot map: UNKNOWN, then the truth once it can', async () => {
        h.t.sim.addScenario({ kind: 'drop_callback', target: 'all' });
        const session = await start(type, code);
        await h.pay(session, CARDS.success[provider]);
        const scenario = h.t.sim.addScenario({ kind: 'unmappable_status', target: 'all' });
        const unknown = await verify(type, session);
        expect(unknown.status).toBe('UNKNOWN');
        expect(await sessionStatus(session)).toBe('UNKNOWN');
        h.t.sim.removeScenario(scenario.id);
        expect(await verify(type, session)).toMatchObject({ status: 'SUCCEEDED' });
      });

      const expires = !(type === 'add-payment-method' && provider === 'STRIPE');
      if (expires) {
        test(`expiry by the clock after ${TTL[provider] / 60_000} min: EXPIRED, not an error`, async () => {
          const session = await start(type, code);
          await h.t.sim.clock.advance(TTL[provider] - 60_000);
          expect(await verify(type, session)).toMatchObject({ status: 'PENDING' });
          await h.t.sim.clock.advance(2 * 60_000);
          expect(await verify(type, session)).toMatchObject({ status: 'EXPIRED' });
          expect(await sessionStatus(session)).toBe('EXPIRED');
          expect(await h.pay(session, CARDS.success[provider])).toBe(409);
          expect(await verify(type, session)).toMatchObject({ status: 'EXPIRED' });
          expect(h.charges(code)).toHaveLength(0);
        });
      } else {
        test('a Stripe SetupIntent never expires: still payable 30 days later', async () => {
          const session = await start(type, code);
          expect(session.tokenExpiresAt).toBeNull();
          await h.t.sim.clock.advance(30 * 24 * HOUR);
          expect(await verify(type, session)).toMatchObject({ status: 'PENDING' });
          await h.pay(session, CARDS.success[provider]);
          expect(await verify(type, session)).toMatchObject({ status: 'SUCCEEDED' });
        });
      }
    });

    describe('after an authorization', () => {
      async function authorized(code: string, amount: bigint): Promise<MerchantTransaction> {
        const session = await start('authorization', code, amount);
        await h.pay(session, CARDS.success[provider]);
        const transaction = await verify('authorization', session);
        expect(transaction.status).toBe('SUCCEEDED');
        return transaction;
      }
      const authorizations = () => h.accrupay.transactions.authorizations;

      test('settle in full captures the authorized amount, once', async () => {
        const authorization = await authorized('auth-full', 25000n);
        const settled = await authorizations().settle({ id: authorization.id });
        expect(settled).toMatchObject({ action: 'SETTLE', status: 'SUCCEEDED', amount: 25000n });
        await expect(authorizations().settle({ id: authorization.id })).rejects.toBeInstanceOf(
          AccruPayConflictError,
        );
        expect(h.charges('auth-full').map((entry) => entry.amount)).toEqual([25000]);
      });

      test('partial settle: never above the authorization, then never again, never voided', async () => {
        const authorization = await authorized('auth-part', 25000n);
        const above = authorizations().settle({ id: authorization.id, amount: 25001n });
        await expect(above).rejects.toBeInstanceOf(AccruPayValidationError);
        await expect(above).rejects.toMatchObject({
          code: 'AMOUNT_EXCEEDS_AUTHORIZED',
          statusCode: 422,
        });
        const settled = await authorizations().settle({ id: authorization.id, amount: 20000n });
        expect(settled).toMatchObject({ amount: 20000n, parentTransactionId: authorization.id });
        expect((await h.accrupay.transactions.getOne({ id: authorization.id })).settledAmount).toBe(
          20000n,
        );
        await expect(authorizations().void({ id: authorization.id })).rejects.toBeInstanceOf(
          AccruPayConflictError,
        );
        expect(h.charges('auth-part').map((entry) => entry.amount)).toEqual([20000]);
      });

      test('void releases the hold; settle after void is refused', async () => {
        const authorization = await authorized('auth-void', 5000n);
        const voided = await authorizations().void({ id: authorization.id });
        expect(voided).toMatchObject({ action: 'VOID', status: 'SUCCEEDED' });
        await expect(authorizations().settle({ id: authorization.id })).rejects.toBeInstanceOf(
          AccruPayConflictError,
        );
        expect(moved('auth-void').filter((entry) => entry.kind === 'void')).toHaveLength(1);
        expect(h.charges('auth-void')).toHaveLength(0);
      });
    });

    describe('after adding a payment method', () => {
      async function stored(card: string) {
        const session = await start('add-payment-method', 'add-pm-1');
        await h.pay(session, card);
        const added = await verify('add-payment-method', session);
        expect(added.status).toBe('SUCCEEDED');
        return added.paymentMethod?.id as string;
      }
      const charge = (customerPaymentMethodId: string, code: string) =>
        h.accrupay.transactions.payments.paymentMethod.charge({
          merchantTransactionProviderId: h.providerId,
          data: {
            customerPaymentMethodId,
            merchantInternalTransactionCode: code,
            merchantInternalCustomerCode: 'customer-4421',
            amount: 1500n,
            currency: 'USD',
          },
        });

      test('charge the stored method: SUCCEEDED, one charge however often it is sent', async () => {
        const id = await stored(CARDS.success[provider]);
        const first = await charge(id, 'renewal-1');
        expect(first).toMatchObject({
          status: 'SUCCEEDED',
          action: 'PAYMENT_METHOD_CHARGE',
          amount: 1500n,
        });
        expect((await charge(id, 'renewal-1')).id).toBe(first.id);
        expect(h.charges('renewal-1')).toHaveLength(1);
        const methods = [];
        for await (const method of h.accrupay.paymentMethods.getMany({
          merchantInternalCustomerCode: 'customer-4421',
        })) {
          methods.push(method.id);
        }
        expect(methods).toEqual([id]);
      });

      test('a card that attaches but declines later: the stored charge is DECLINED', async () => {
        const id = await stored(CARDS.attachThenDecline);
        expect(await charge(id, 'renewal-2')).toMatchObject({ status: 'DECLINED' });
        expect(h.charges('renewal-2')).toHaveLength(0);
      });
    });
  });
});
