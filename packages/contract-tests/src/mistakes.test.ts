// Document 001's "common mistakes" (and its warnings), each caught by the SDK or the router.
import { merchantNextStep } from '@accrupay/contracts';
import AccruPay, {
  AccruPayAuthenticationError,
  AccruPayConflictError,
  AccruPayNotFoundError,
  AccruPayValidationError,
  type ClientSession,
} from '@accrupay/node';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CARDS, databases, type Harness, harness, PROVIDERS, startData, TTL } from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});
const CODE = 'order-456';

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
    });
    afterEach(async () => {
      await h.close();
    });

    const start = (amount = 10000n) =>
      h.accrupay.transactions.clientSessions.payments.start({
        merchantTransactionProviderId: h.providerId,
        data: startData(CODE, { amount }),
      });
    const verify = (session: ClientSession) =>
      h.accrupay.transactions.clientSessions.payments.verify({ id: session.id });

    test('trusting the React SDK callback: only verify() says SUCCEEDED', async () => {
      // The browser claims success, but the customer never paid: verify says PENDING.
      const unpaid = await start();
      expect((await verify(unpaid)).status).toBe('PENDING');
      // A forged success callback for a declined card does not make it SUCCEEDED either.
      h.t.sim.addScenario({
        kind: 'forged_callback',
        mode: 'wrong_secret_success',
        target: { merchantRef: CODE },
      });
      await h.pay(unpaid, CARDS.genericDecline);
      await h.t.sim.flush();
      expect((await verify(unpaid)).status).toBe('DECLINED');
      expect(h.charges(CODE)).toHaveLength(0);
    });

    test('storing the session token: a token where the id goes is refused', async () => {
      const session = await start();
      const sent = h.requests.length;
      const failure = h.accrupay.transactions.clientSessions.payments.verify({
        id: session.token,
      });
      if (provider === 'STRIPE') {
        // A client secret is no UUID: the SDK refuses it before sending.
        await expect(failure).rejects.toBeInstanceOf(AccruPayValidationError);
        await expect(failure).rejects.toThrow('id: must be a UUID');
        expect(h.requests).toHaveLength(sent);
      } else {
        // Nuvei's session token looks like a UUID: the router finds no session with that id.
        await expect(failure).rejects.toBeInstanceOf(AccruPayNotFoundError);
      }
      // The id stays good after the token has expired.
      await h.t.sim.clock.advance(TTL[provider] + 60_000);
      expect((await verify(session)).status).toBe('EXPIRED');
      const again = await h.accrupay.transactions.clientSessions.getOne({ id: session.id });
      expect(again).toMatchObject({ id: session.id, status: 'EXPIRED' });
    });

    test('retrying verify() on EXPIRED: it stays EXPIRED; a new session is the way', async () => {
      const session = await start();
      await h.t.sim.clock.advance(TTL[provider] + 60_000);
      for (let i = 0; i < 3; i++) expect((await verify(session)).status).toBe('EXPIRED');
      expect(await h.pay(session, CARDS.success[provider])).toBe(409);
      expect((await verify(session)).status).toBe('EXPIRED');
      const fresh = await start();
      expect(fresh.id).not.toBe(session.id);
      await h.pay(fresh, CARDS.success[provider]);
      expect((await verify(fresh)).status).toBe('SUCCEEDED');
      expect(h.charges(CODE)).toHaveLength(1);
    });

    test('conflating session and transaction status: COMPLETED is not SUCCEEDED', async () => {
      const denied = await start();
      await h.pay(denied, CARDS.challenge[provider]);
      await h.challenge(denied, 'deny');
      const failed = await verify(denied);
      const deniedSession = await h.accrupay.transactions.clientSessions.getOne({
        id: denied.id,
      });
      // Nuvei keeps the order open for another card; the router closes Stripe's PaymentIntent.
      expect([deniedSession.status, failed.status]).toEqual([
        provider === 'NUVEI' ? 'PENDING' : 'DECLINED',
        'FAILED',
      ]);
      expect(merchantNextStep(deniedSession.status, failed.status)).toBe(
        provider === 'NUVEI' ? 'WAIT' : 'RETRY_WITH_NEW_SESSION',
      );

      const paid = await start();
      await h.pay(paid, CARDS.success[provider]);
      const succeeded = await verify(paid);
      const paidSession = await h.accrupay.transactions.clientSessions.getOne({ id: paid.id });
      expect([paidSession.status, succeeded.status]).toEqual(['COMPLETED', 'SUCCEEDED']);
      expect(merchantNextStep(paidSession.status, succeeded.status)).toBe('FULFIL');
    });

    test('a retried start after success never charges twice', async () => {
      const session = await start();
      await h.pay(session, CARDS.success[provider]);
      expect((await verify(session)).status).toBe('SUCCEEDED');
      expect((await start()).id).toBe(session.id);
      await expect(start(20000n)).rejects.toBeInstanceOf(AccruPayConflictError);
      expect(h.charges(CODE)).toHaveLength(1);
    });

    test('passing more than one identifier is a validation error, before any request', async () => {
      const session = await start();
      const sent = h.requests.length;
      const failure = h.accrupay.transactions.clientSessions.payments.verify({
        id: session.id,
        merchantInternalTransactionCode: CODE,
      } as { id: string });
      await expect(failure).rejects.toBeInstanceOf(AccruPayValidationError);
      await expect(failure).rejects.toThrow('pass exactly one of');
      expect(h.requests).toHaveLength(sent);
    });

    test('a wrong or missing secret is refused: by the SDK at construction, by the router later', async () => {
      expect(() => new AccruPay({ apiSecret: process.env.ACCRUPAY_UNSET_SECRET })).toThrow(
        'accrupay-sandbox start',
      );
      const other = await h.t.sandbox.createMerchant({ name: 'Other' });
      const session = await start();
      const asOther = h.sdk({ apiSecret: other.apiSecret });
      await expect(
        asOther.transactions.clientSessions.payments.verify({ id: session.id }),
      ).rejects.toMatchObject({ name: 'AccruPayNotFoundError', statusCode: 404 });
      const revoked = `sk_test_${'a'.repeat(32)}`;
      expect(() => h.sdk({ apiSecret: revoked })).toThrow(AccruPayAuthenticationError);
    });
  });
});
