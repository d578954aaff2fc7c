// Refunds through @accrupay/node, on both providers and both databases: every money rule checked
// against the simulator's ledger (what the provider really gave back), not only against what the
// router says, with the faults a refund meets on the way (dropped and duplicated callbacks, a
// provider that applied the refund and never answered, a provider 5xx) and the SDK's retries.
import { IDEMPOTENCY_KEY_HEADER } from '@accrupay/contracts';
import {
  AccruPayConflictError,
  AccruPayIdempotencyError,
  AccruPayProviderError,
  AccruPayValidationError,
  type MerchantTransaction,
} from '@accrupay/node';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CARDS, databases, type Harness, HOUR, harness, PROVIDERS, startData } from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

/** The simulator's Stripe card whose refunds stay pending for an hour (packages/provider-sim cards.ts). */
const PENDING_REFUND_CARD = '4000000000007726';
/** The simulator's card whose refunds fail: Nuvei declines the Credit at once. */
const FAILING_REFUND_CARD = '4000000000005126';

describe.each(DBS)('refunds on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
    });
    afterEach(async () => {
      await h.close();
    });

    /**
     * A payment (or authorization) of `amount`, paid and verified, its callbacks delivered: the
     * SUCCEEDED transaction a merchant refunds.
     */
    async function paid(
      code: string,
      options: { type?: 'payment' | 'authorization'; amount?: bigint; card?: string } = {},
    ): Promise<MerchantTransaction> {
      const sessions = h.accrupay.transactions.clientSessions;
      const kind = options.type === 'authorization' ? sessions.authorizations : sessions.payments;
      const session = await kind.start({
        merchantTransactionProviderId: h.providerId,
        data: startData(code, { amount: options.amount ?? 10000n }),
      });
      await h.pay(session, options.card ?? CARDS.success[provider]);
      const transaction = await kind.verify({ id: session.id });
      expect(transaction).toMatchObject({ status: 'SUCCEEDED' });
      await h.t.sim.flush();
      return transaction;
    }
    const refund = (id: string, amount?: bigint) =>
      h.accrupay.transactions.refund({ id, ...(amount === undefined ? {} : { amount }) });
    const getOne = (id: string) => h.accrupay.transactions.getOne({ id });
    /** What the provider gave back for a merchant code: its `refund` entries. */
    const refundEntries = (code: string) => h.t.sim.ledger({ merchantRef: code, kind: 'refund' });
    /** Every REFUND transaction the router has for a merchant code. */
    const refundsListed = async (code: string) =>
      (
        await h.accrupay.transactions.getMany({
          merchantInternalTransactionCode: code,
          action: 'REFUND',
        })
      ).data;

    /**
     * The ledger agrees with the router: one `refund` entry per SUCCEEDED refund (by the refund's
     * provider reference, with its amount), each naming the payment's charge or capture, and their
     * sum is the payment's refundedAmount.
     */
    async function expectLedgerAgrees(code: string, paymentId: string): Promise<void> {
      const entries = refundEntries(code);
      const succeeded = (await refundsListed(code)).filter((one) => one.status === 'SUCCEEDED');
      const key = (ref: string | null, amount: bigint) => `${ref}:${amount}`;
      expect(entries.map((entry) => key(entry.providerRef, BigInt(entry.amount))).sort()).toEqual(
        succeeded.map((one) => key(one.providerCode, one.amount ?? 0n)).sort(),
      );
      for (const one of succeeded) expect(one.parentTransactionId).toBe(paymentId);
      const captured = h.charges(code).filter((entry) => entry.kind !== 'authorization');
      expect(captured).toHaveLength(1);
      for (const entry of entries) expect(entry.relatedRef).toBe(captured[0]?.providerRef);
      const total = entries.reduce((sum, entry) => sum + BigInt(entry.amount), 0n);
      const payment = await getOne(paymentId);
      expect(payment.refundedAmount ?? 0n).toBe(total);
    }

    describe('the money rules', () => {
      test('a full refund: the REFUND transaction, the payment refunded, one refund in the ledger', async () => {
        const payment = await paid('rf-full');
        const refunded = await refund(payment.id);
        expect(refunded).toMatchObject({
          action: 'REFUND',
          status: 'SUCCEEDED',
          amount: 10000n,
          currency: 'USD',
          parentTransactionId: payment.id,
          merchantInternalTransactionCode: 'rf-full',
          transactionProvider: provider,
        });
        expect(refunded.id).not.toBe(payment.id);
        const after = await getOne(payment.id);
        expect(after).toMatchObject({
          action: 'PAYMENT',
          status: 'SUCCEEDED',
          refundedAmount: 10000n,
        });
        expect(after.refundedAt).toEqual(expect.any(String));
        expect(refundEntries('rf-full').map((entry) => entry.amount)).toEqual([10000]);
        await expectLedgerAgrees('rf-full', payment.id);

        // Nothing remains: a second full refund is a conflict, not a second refund.
        const again = refund(payment.id);
        await expect(again).rejects.toBeInstanceOf(AccruPayConflictError);
        await expect(again).rejects.toMatchObject({ code: 'CONFLICT', statusCode: 409 });
        expect(refundEntries('rf-full')).toHaveLength(1);
      });

      test('partial refunds add up to the captured amount; one more is refused as CONFLICT', async () => {
        const payment = await paid('rf-partial');
        const first = await refund(payment.id, 2500n);
        expect(first).toMatchObject({ status: 'SUCCEEDED', amount: 2500n });
        expect((await getOne(payment.id)).refundedAmount).toBe(2500n);
        const second = await refund(payment.id, 4000n);
        expect(second).toMatchObject({ status: 'SUCCEEDED', amount: 4000n });
        expect(second.id).not.toBe(first.id);
        expect((await getOne(payment.id)).refundedAmount).toBe(6500n);
        // Without an amount: what remains.
        const rest = await refund(payment.id);
        expect(rest).toMatchObject({ status: 'SUCCEEDED', amount: 3500n });
        expect(refundEntries('rf-partial').map((entry) => entry.amount)).toEqual([
          2500, 4000, 3500,
        ]);
        await expectLedgerAgrees('rf-partial', payment.id);
        expect((await refundsListed('rf-partial')).map((one) => one.id).sort()).toEqual(
          [first.id, second.id, rest.id].sort(),
        );

        const more = refund(payment.id, 1n);
        await expect(more).rejects.toBeInstanceOf(AccruPayConflictError);
        await expect(more).rejects.toMatchObject({
          code: 'CONFLICT',
          statusCode: 409,
          message: expect.stringContaining('already fully refunded'),
          details: { captured: '10000', refunded: '10000' },
        });
        expect(refundEntries('rf-partial')).toHaveLength(3);
        expect((await getOne(payment.id)).refundedAmount).toBe(10000n);
      });

      test('an over-refund is refused with what was captured, refunded, remains and was asked', async () => {
        const payment = await paid('rf-over');
        await refund(payment.id, 3000n);
        h.requests.length = 0;
        const over = refund(payment.id, 7001n);
        await expect(over).rejects.toBeInstanceOf(AccruPayValidationError);
        await expect(over).rejects.toMatchObject({
          code: 'AMOUNT_EXCEEDS_REFUNDABLE',
          statusCode: 422,
          details: { captured: '10000', refunded: '3000', remaining: '7000', requested: '7001' },
        });
        // A 4xx is not retried.
        expect(h.requests.map((r) => r.status)).toEqual([422]);
        expect(h.sleeps).toEqual([]);
        // Above the whole payment, before any refund of it.
        const other = await paid('rf-over-2', { amount: 500n });
        await expect(refund(other.id, 501n)).rejects.toMatchObject({
          code: 'AMOUNT_EXCEEDS_REFUNDABLE',
          details: { captured: '500', refunded: '0', remaining: '500', requested: '501' },
        });
        expect(refundEntries('rf-over')).toHaveLength(1);
        expect(refundEntries('rf-over-2')).toHaveLength(0);
        expect((await getOne(payment.id)).refundedAmount).toBe(3000n);
        expect((await getOne(other.id)).refundedAmount).toBeNull();
        await expectLedgerAgrees('rf-over', payment.id);
        // What remains is still refundable, exactly.
        expect(await refund(payment.id, 7000n)).toMatchObject({ status: 'SUCCEEDED' });
        await expectLedgerAgrees('rf-over', payment.id);
      });

      test('a zero amount is refused by the SDK before it sends anything', async () => {
        const payment = await paid('rf-zero');
        h.requests.length = 0;
        await expect(refund(payment.id, 0n)).rejects.toBeInstanceOf(AccruPayValidationError);
        expect(h.requests).toEqual([]);
        expect(refundEntries('rf-zero')).toHaveLength(0);
      });

      test('a settled authorization: refunded by its own id up to what was settled, never by the SETTLE', async () => {
        const authorization = await paid('rf-auth', { type: 'authorization', amount: 9000n });
        const settled = await h.accrupay.transactions.authorizations.settle({
          id: authorization.id,
          amount: 6000n,
        });
        expect(settled).toMatchObject({ action: 'SETTLE', status: 'SUCCEEDED', amount: 6000n });
        await h.t.sim.flush();

        const bySettle = refund(settled.id, 1000n);
        await expect(bySettle).rejects.toBeInstanceOf(AccruPayConflictError);
        await expect(bySettle).rejects.toMatchObject({
          code: 'INVALID_STATE_TRANSITION',
          message: expect.stringContaining(authorization.id),
        });
        const above = refund(authorization.id, 6001n);
        await expect(above).rejects.toBeInstanceOf(AccruPayValidationError);
        await expect(above).rejects.toMatchObject({
          code: 'AMOUNT_EXCEEDS_REFUNDABLE',
          details: { captured: '6000', refunded: '0', remaining: '6000', requested: '6001' },
        });
        expect(refundEntries('rf-auth')).toHaveLength(0);

        const first = await refund(authorization.id, 2000n);
        expect(first).toMatchObject({
          action: 'REFUND',
          status: 'SUCCEEDED',
          amount: 2000n,
          parentTransactionId: authorization.id,
        });
        const rest = await refund(authorization.id);
        expect(rest).toMatchObject({ status: 'SUCCEEDED', amount: 4000n });
        expect(await getOne(authorization.id)).toMatchObject({
          action: 'AUTHORIZATION',
          settledAmount: 6000n,
          refundedAmount: 6000n,
        });
        expect(refundEntries('rf-auth').map((entry) => entry.amount)).toEqual([2000, 4000]);
        await expectLedgerAgrees('rf-auth', authorization.id);
        await expect(refund(authorization.id, 1n)).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(refundEntries('rf-auth')).toHaveLength(2);
      });

      test('an authorization never settled: refused, to be voided instead; nothing moves', async () => {
        const authorization = await paid('rf-unsettled', { type: 'authorization' });
        h.requests.length = 0;
        const early = refund(authorization.id);
        await expect(early).rejects.toBeInstanceOf(AccruPayConflictError);
        await expect(early).rejects.toMatchObject({
          code: 'INVALID_STATE_TRANSITION',
          statusCode: 409,
          message: expect.stringContaining('void it'),
        });
        await expect(refund(authorization.id, 100n)).rejects.toMatchObject({
          code: 'INVALID_STATE_TRANSITION',
        });
        expect(h.sleeps).toEqual([]);
        expect(refundEntries('rf-unsettled')).toHaveLength(0);
        expect(await refundsListed('rf-unsettled')).toEqual([]);
        expect(await getOne(authorization.id)).toMatchObject({
          settledAmount: null,
          refundedAmount: null,
        });
        // What the message says works: the void releases the hold.
        expect(
          await h.accrupay.transactions.authorizations.void({ id: authorization.id }),
        ).toMatchObject({ action: 'VOID', status: 'SUCCEEDED' });
        expect(h.t.sim.ledger({ merchantRef: 'rf-unsettled', kind: 'void' })).toHaveLength(1);
        await expect(refund(authorization.id)).rejects.toBeInstanceOf(AccruPayConflictError);
        expect(refundEntries('rf-unsettled')).toHaveLength(0);
      });

      test('a refund of a refund is refused; nothing moves', async () => {
        const payment = await paid('rf-of-refund');
        const first = await refund(payment.id, 100n);
        await expect(refund(first.id)).rejects.toMatchObject({
          name: 'AccruPayConflictError',
          code: 'INVALID_STATE_TRANSITION',
          message: expect.stringContaining('is a REFUND'),
        });
        await expectLedgerAgrees('rf-of-refund', payment.id);
        expect(refundEntries('rf-of-refund')).toHaveLength(1);
      });
    });

    describe('callbacks', () => {
      test('the payment’s callback dropped (and the refund’s): the refund counts once', async () => {
        h.t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: 'rf-dropped' } });
        const payment = await paid('rf-dropped');
        expect(h.t.sim.deliveries().some((d) => d.state === 'delivered')).toBe(false);
        const refunded = await refund(payment.id, 4000n);
        expect(refunded).toMatchObject({ status: 'SUCCEEDED', amount: 4000n });
        await h.t.sim.flush();
        expect(h.t.sim.deliveries().some((d) => d.state === 'delivered')).toBe(false);
        expect(await getOne(payment.id)).toMatchObject({
          status: 'SUCCEEDED',
          refundedAmount: 4000n,
        });
        // Verified again after the refund: the same payment, still refunded once.
        const session = await h.accrupay.transactions.clientSessions.payments.verify({
          id: payment.sessionId as string,
        });
        expect(session).toMatchObject({ id: payment.id, refundedAmount: 4000n });
        expect(refundEntries('rf-dropped')).toHaveLength(1);
        await expectLedgerAgrees('rf-dropped', payment.id);
      });

      test('duplicated callbacks of the payment and of the refund: refunded once', async () => {
        h.t.sim.addScenario({
          kind: 'duplicate_callback',
          copies: 3,
          target: { merchantRef: 'rf-duplicated' },
        });
        // Stripe's refund that succeeds at once sends only refund.created and charge.refunded,
        // which the router's endpoint does not take: its callbacks come from a pending refund.
        const stripe = provider === 'STRIPE';
        const payment = await paid('rf-duplicated', stripe ? { card: PENDING_REFUND_CARD } : {});
        const before = h.t.sim.deliveries().length;
        expect(before).toBeGreaterThanOrEqual(stripe ? 1 : 2);
        const refunded = await refund(payment.id);
        expect(refunded).toMatchObject({
          status: stripe ? 'STARTED' : 'SUCCEEDED',
          amount: 10000n,
        });
        await h.t.sim.clock.advance(stripe ? 3_600_001 : 5_000);
        await h.t.sim.flush();
        const ofRefund = h.t.sim.deliveries().slice(before);
        expect(ofRefund.length).toBeGreaterThan(1);
        for (const delivery of ofRefund)
          expect(delivery.state, delivery.eventType).toBe('delivered');
        expect(await getOne(payment.id)).toMatchObject({
          status: 'SUCCEEDED',
          refundedAmount: 10000n,
        });
        expect(await getOne(refunded.id)).toMatchObject({ status: 'SUCCEEDED', amount: 10000n });
        expect(await refundsListed('rf-duplicated')).toHaveLength(1);
        expect(refundEntries('rf-duplicated')).toHaveLength(1);
        await expectLedgerAgrees('rf-duplicated', payment.id);
        await expect(refund(payment.id)).rejects.toMatchObject({ code: 'CONFLICT' });
      });
    });

    describe('provider faults and retries', () => {
      /** Arms a timeout after the provider applied the refund; resolves once the call is held. */
      function armAppliedTimeout(code: string): Promise<void> {
        h.t.sim.addScenario({
          kind: 'api_timeout',
          applied: true,
          holdMs: 30_000,
          times: 1,
          target: { merchantRef: code },
        });
        return new Promise<void>((resolve) => h.t.sim.events.once('request-held', () => resolve()));
      }

      test('a timeout after the provider applied it, retries off: the SDK fails, the retry returns the refund, one in the ledger', async () => {
        const payment = await paid('rf-timeout');
        const held = armAppliedTimeout('rf-timeout');
        const once = h.sdk({ maxNetworkRetries: 0 });
        const lost = once.transactions.refund({ id: payment.id, amount: 4000n });
        await held;
        await h.t.sim.clock.advance(30_001);
        await expect(lost).rejects.toBeInstanceOf(AccruPayProviderError);
        await expect(lost).rejects.toMatchObject({
          // The provider dropped the connection: PROVIDER_ERROR 502 today; 504 would say as much.
          code: expect.stringMatching(/^PROVIDER_(ERROR|TIMEOUT)$/),
          statusCode: expect.toBeOneOf([502, 504]),
          message: expect.stringContaining('outcome is unknown'),
          details: { outcome: 'unknown' },
        });
        // The provider gave the money back; the router does not count it until it knows.
        expect(refundEntries('rf-timeout')).toHaveLength(1);
        const unresolved = await refundsListed('rf-timeout');
        expect(unresolved).toHaveLength(1);
        expect(unresolved[0]?.status).not.toBe('SUCCEEDED');

        // A retry with the same amount asks the provider first: the same refund, SUCCEEDED.
        const retried = await refund(payment.id, 4000n);
        expect(retried).toMatchObject({
          id: unresolved[0]?.id,
          action: 'REFUND',
          status: 'SUCCEEDED',
          amount: 4000n,
        });
        expect(refundEntries('rf-timeout')).toHaveLength(1);
        expect((await getOne(payment.id)).refundedAmount).toBe(4000n);
        await expectLedgerAgrees('rf-timeout', payment.id);
        // Once it has its answer, another refund is a new one.
        expect(await refund(payment.id, 1000n)).toMatchObject({ status: 'SUCCEEDED' });
        expect(refundEntries('rf-timeout')).toHaveLength(2);
        await expectLedgerAgrees('rf-timeout', payment.id);
      });

      test('a timeout after the provider applied it, SDK defaults: its own retry returns the refund, one in the ledger', async () => {
        const payment = await paid('rf-timeout-sdk');
        const held = armAppliedTimeout('rf-timeout-sdk');
        h.requests.length = 0;
        const pending = refund(payment.id, 4000n);
        await held;
        await h.t.sim.clock.advance(30_001);
        const refunded = await pending;
        expect(refunded).toMatchObject({ action: 'REFUND', status: 'SUCCEEDED', amount: 4000n });
        const statuses = h.requests.map((r) => r.status);
        expect(statuses.at(-1)).toBe(200);
        expect(statuses.length).toBeGreaterThan(1);
        for (const status of statuses.slice(0, -1)) expect(status).toBeGreaterThanOrEqual(502);
        expect(h.sleeps).toHaveLength(statuses.length - 1);
        expect(await refundsListed('rf-timeout-sdk')).toHaveLength(1);
        expect(refundEntries('rf-timeout-sdk')).toHaveLength(1);
        await expectLedgerAgrees('rf-timeout-sdk', payment.id);
      });

      test('a provider 503 before it applied anything: the SDK retries, one refund', async () => {
        const payment = await paid('rf-503');
        h.t.sim.addScenario({
          kind: 'api_error',
          status: 503,
          times: 1,
          target: { merchantRef: 'rf-503' },
        });
        h.requests.length = 0;
        const refunded = await refund(payment.id, 2500n);
        expect(refunded).toMatchObject({ status: 'SUCCEEDED', amount: 2500n });
        expect(h.requests.map((r) => [r.method, r.url, r.status])).toEqual([
          ['POST', `/v1/transactions/${payment.id}/refund`, 502],
          ['POST', `/v1/transactions/${payment.id}/refund`, 200],
        ]);
        expect(h.sleeps).toHaveLength(1);
        expect(await refundsListed('rf-503')).toHaveLength(1);
        expect(refundEntries('rf-503')).toHaveLength(1);
        await expectLedgerAgrees('rf-503', payment.id);
      });

      test('a provider 503, retries off: a provider error; the manual retry gives one refund', async () => {
        const payment = await paid('rf-503-manual');
        h.t.sim.addScenario({
          kind: 'api_error',
          status: 503,
          times: 1,
          target: { merchantRef: 'rf-503-manual' },
        });
        const once = h.sdk({ maxNetworkRetries: 0 });
        const failed = once.transactions.refund({ id: payment.id, amount: 2500n });
        await expect(failed).rejects.toBeInstanceOf(AccruPayProviderError);
        await expect(failed).rejects.toMatchObject({ code: 'PROVIDER_ERROR', statusCode: 502 });
        expect(refundEntries('rf-503-manual')).toHaveLength(0);
        expect((await getOne(payment.id)).refundedAmount).toBeNull();
        const retried = await once.transactions.refund({ id: payment.id, amount: 2500n });
        expect(retried).toMatchObject({ status: 'SUCCEEDED', amount: 2500n });
        expect(await refundsListed('rf-503-manual')).toHaveLength(1);
        expect(refundEntries('rf-503-manual')).toHaveLength(1);
        await expectLedgerAgrees('rf-503-manual', payment.id);
      });
    });

    describe('Idempotency-Key', () => {
      test('the SDK sends one per call, the same one on its retry', async () => {
        const payment = await paid('rf-key-auto');
        const keys: Array<string | undefined> = [];
        const sdk = h.sdk({
          fetch: async (input, init) => {
            keys.push(new Headers(init?.headers).get(IDEMPOTENCY_KEY_HEADER) ?? undefined);
            return fetch(input, init);
          },
        });
        h.t.sim.addScenario({
          kind: 'api_error',
          status: 503,
          times: 1,
          target: { merchantRef: 'rf-key-auto' },
        });
        await sdk.transactions.refund({ id: payment.id, amount: 1000n });
        await sdk.transactions.refund({ id: payment.id, amount: 1000n });
        expect(keys).toHaveLength(3);
        expect(keys[0]).toEqual(expect.any(String));
        expect(keys[1]).toBe(keys[0]);
        expect(keys[2]).toEqual(expect.any(String));
        expect(keys[2]).not.toBe(keys[0]);
        // Two calls are two refunds, as the merchant asked; the retry is not a third.
        expect(refundEntries('rf-key-auto').map((entry) => entry.amount)).toEqual([1000, 1000]);
        await expectLedgerAgrees('rf-key-auto', payment.id);
      });

      test('a replay with the same key returns the same refund; another amount under it is refused', async () => {
        const payment = await paid('rf-key');
        const idempotencyKey = 'refund-rf-key-1';
        const first = await h.accrupay.transactions.refund(
          { id: payment.id, amount: 2500n },
          { idempotencyKey },
        );
        const replayed = await h.accrupay.transactions.refund(
          { id: payment.id, amount: 2500n },
          { idempotencyKey },
        );
        expect(replayed).toEqual(first);
        expect(refundEntries('rf-key')).toHaveLength(1);
        expect((await getOne(payment.id)).refundedAmount).toBe(2500n);

        const reused = h.accrupay.transactions.refund(
          { id: payment.id, amount: 3000n },
          { idempotencyKey },
        );
        await expect(reused).rejects.toBeInstanceOf(AccruPayIdempotencyError);
        await expect(reused).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
        expect(refundEntries('rf-key')).toHaveLength(1);
        await expectLedgerAgrees('rf-key', payment.id);
      });
    });

    describe.runIf(provider === 'STRIPE')('refunds the provider does not finish at once', () => {
      test('a pending refund (card 7726): STARTED, not counted, another amount refused meanwhile', async () => {
        const payment = await paid('rf-pending', { card: PENDING_REFUND_CARD });
        const pending = await refund(payment.id, 4000n);
        expect(pending).toMatchObject({ action: 'REFUND', status: 'STARTED', amount: 4000n });
        expect(refundEntries('rf-pending')).toHaveLength(0);
        expect((await getOne(payment.id)).refundedAmount).toBeNull();
        // One unresolved refund per payment: another amount waits for its answer.
        const other = refund(payment.id, 1000n);
        await expect(other).rejects.toBeInstanceOf(AccruPayConflictError);
        await expect(other).rejects.toMatchObject({
          code: 'CONFLICT',
          details: { refundId: pending.id },
        });
        // The same amount again is that refund, not a second one.
        expect((await refund(payment.id, 4000n)).id).toBe(pending.id);
        expect(await refundsListed('rf-pending')).toHaveLength(1);
        // An hour later the provider gives the money back, once, and its callback (refund.updated)
        // tells the router, which looks the refund up and records it.
        await h.t.sim.clock.advance(HOUR + 1_000);
        await h.t.sim.flush();
        expect(refundEntries('rf-pending').map((entry) => entry.amount)).toEqual([4000]);
        expect(await getOne(pending.id)).toMatchObject({ status: 'SUCCEEDED', amount: 4000n });
        expect((await getOne(payment.id)).refundedAmount).toBe(4000n);
        expect(await h.accrupay.transactions.sync({ id: pending.id })).toMatchObject({
          id: pending.id,
          status: 'SUCCEEDED',
        });
        expect(refundEntries('rf-pending')).toHaveLength(1);
        await expectLedgerAgrees('rf-pending', payment.id);
      });

      // Stripe fails the refund after it succeeded: the money comes back, the refund is FAILED
      // and no longer counted (the contract's REFUND_REVERSAL).
      test('a refund that fails an hour later (card 5126): no longer counted as refunded', async () => {
        const payment = await paid('rf-fails-later', { card: FAILING_REFUND_CARD });
        const refunded = await refund(payment.id, 3000n);
        expect(refunded).toMatchObject({ status: 'SUCCEEDED', amount: 3000n });
        expect((await getOne(payment.id)).refundedAmount).toBe(3000n);
        await h.t.sim.clock.advance(HOUR + 1_000);
        await h.t.sim.flush();
        const failedAtProvider = h.t.sim.ledger({
          merchantRef: 'rf-fails-later',
          kind: 'refund_failed',
        });
        expect(failedAtProvider.map((entry) => entry.providerRef)).toEqual([refunded.providerCode]);
        const failure = h.t.sim.deliveries().find((d) => d.eventType === 'refund.failed');
        expect(failure?.state).toBe('delivered');
        expect(await getOne(refunded.id)).toMatchObject({ status: 'FAILED' });
        expect((await getOne(payment.id)).refundedAmount ?? 0n).toBe(0n);
        // The money is the merchant's again: it can be refunded once more, and is counted once.
        expect(await refund(payment.id, 3000n)).toMatchObject({ status: 'SUCCEEDED' });
        expect((await getOne(payment.id)).refundedAmount).toBe(3000n);
      });
    });

    describe.runIf(provider === 'NUVEI')('a refund the provider declines', () => {
      test('card 5126: the Credit is declined, nothing refunded, nothing counted', async () => {
        const payment = await paid('rf-declined', { card: FAILING_REFUND_CARD });
        const declined = await refund(payment.id, 4000n);
        expect(declined).toMatchObject({ action: 'REFUND', amount: 4000n });
        expect(declined.status).not.toBe('SUCCEEDED');
        expect(['DECLINED', 'FAILED', 'ERROR']).toContain(declined.status);
        expect(refundEntries('rf-declined')).toHaveLength(0);
        expect((await getOne(payment.id)).refundedAmount).toBeNull();
        await expectLedgerAgrees('rf-declined', payment.id);
      });
    });
  });
});
