// The demo shop's backend over HTTP, against the test sandbox and its simulator: an order paid,
// then refunded by the merchant, each answer checked against the SDK's own and the simulator's
// ledger (the money given back exactly as often as the merchant asked).
import { AccruPay, AccruPayError } from '@accrupay/node';
import { STRIPE_TEST_CARDS } from '@accrupay/provider-sim';
import { afterEach, describe, expect, test } from 'vitest';
import { GOOD_CARDS } from '../test-cards.ts';
import { startTestSandbox, type TestSandbox } from '../test-support.ts';
import { demoShop } from './index.ts';

type Json = Record<string, unknown>;
interface OrderJson {
  id: string;
  status: string;
  amount: string;
  sessionId: string;
  transactionId: string | null;
  refundedAmount: string;
  refunds: Array<{ id: string; amount: string; status: string }>;
}
interface RefundAnswer {
  order: OrderJson;
  refund?: { id: string; amount: string; status: string };
  error?: string;
  code?: string;
}

const HOUR = 3_600_000;
/** The simulator's Stripe card whose refunds start pending and succeed an hour later. */
const REFUND_PENDING_CARD = STRIPE_TEST_CARDS.find((card) => card.refund === 'pending')?.number;

describe.each(['STRIPE', 'NUVEI'] as const)('the demo shop refunds with %s', (provider) => {
  let t: TestSandbox | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** The test sandbox with the demo shop mounted at /demo, as `accrupay-sandbox start` mounts it. */
  async function start(): Promise<TestSandbox> {
    const started: TestSandbox = await startTestSandbox({
      sandbox: {
        publicRoutes: [
          demoShop({ merchant: () => ({ ...started.merchant, baseUrl: started.sandbox.url }) }),
        ],
      },
    });
    t = started;
    return started;
  }

  /** Calls the shop's backend as its page does: JSON in, JSON out, no API secret. */
  async function shop<T = OrderJson>(
    sandbox: TestSandbox,
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${sandbox.sandbox.url}/demo/api${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  /** An order of $25.00 paid with `card` and confirmed by the backend's verify(). */
  async function paidOrder(sandbox: TestSandbox, card: string = GOOD_CARDS[provider]) {
    const created = await shop(sandbox, 'POST', '/orders', { amount: '2500', provider });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const session = await sandbox.api<{ token: string }>(
      'GET',
      `/v1/client-sessions/lookup?id=${created.body.sessionId}`,
    );
    expect((await sandbox.pay(provider, session.body.token, card)).status).toBe(200);
    const confirmed = await shop(sandbox, 'POST', `/orders/${created.body.id}/confirm`);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', refundedAmount: '0', refunds: [] });
    expect(confirmed.body.transactionId).toMatch(/^txn_/);
    return confirmed.body;
  }

  const refund = (sandbox: TestSandbox, id: string, body: Json = {}) =>
    shop<RefundAnswer>(sandbox, 'POST', `/orders/${id}/refund`, body);
  const ledger = (sandbox: TestSandbox, order: OrderJson) =>
    sandbox.sim.ledger({ merchantRef: order.id, kind: 'refund' }).map((entry) => entry.amount);
  /** What the SDK itself throws for a refund: the message the shop must pass on unchanged. */
  async function sdkRefusal(sandbox: TestSandbox, id: string, amount?: bigint) {
    const accrupay = new AccruPay({
      apiSecret: sandbox.merchant.apiSecret,
      baseUrl: sandbox.sandbox.url,
    });
    const error = await accrupay.transactions
      .refund({ id, ...(amount === undefined ? {} : { amount }) })
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    if (!(error instanceof AccruPayError)) throw new Error(`the SDK did not refuse: ${error}`);
    return error;
  }

  test('part, too much, the rest, then a third refund: refused with the SDK message, fully refunded', async () => {
    const sandbox = await start();
    const order = await paidOrder(sandbox);
    const paymentId = order.transactionId ?? '';

    const first = await refund(sandbox, order.id, { amount: '1000' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.refund).toMatchObject({ amount: '1000', status: 'SUCCEEDED' });
    expect(first.body.order).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: '1000',
    });
    expect(ledger(sandbox, order)).toEqual([1000]);

    const tooMuch = await refund(sandbox, order.id, { amount: '2000' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    expect(tooMuch.body.error).toContain('1500 remains');
    expect(tooMuch.body.error).toBe((await sdkRefusal(sandbox, paymentId, 2000n)).message);
    expect(tooMuch.body.order).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: '1000',
    });

    const rest = await refund(sandbox, order.id);
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(rest.body.refund).toMatchObject({ amount: '1500', status: 'SUCCEEDED' });
    expect(rest.body.order).toMatchObject({ status: 'REFUNDED', refundedAmount: '2500' });

    const third = await refund(sandbox, order.id);
    expect(third.status).toBe(409);
    expect(third.body.error).toContain('already fully refunded');
    expect(third.body.error).toBe((await sdkRefusal(sandbox, paymentId)).message);
    expect(third.body.order).toMatchObject({ status: 'REFUNDED', refundedAmount: '2500' });

    // The order, as the page reads it and after "Check payment status": refunded, never re-verified.
    const read = await shop(sandbox, 'GET', `/orders/${order.id}`);
    expect(read.body).toMatchObject({ status: 'REFUNDED', refundedAmount: '2500' });
    expect(read.body.refunds.map((one) => [one.amount, one.status])).toEqual([
      ['1000', 'SUCCEEDED'],
      ['1500', 'SUCCEEDED'],
    ]);
    const checked = await shop(sandbox, 'POST', `/orders/${order.id}/confirm`);
    expect(checked.body).toMatchObject({ status: 'REFUNDED', refundedAmount: '2500' });
    const payment = await sandbox.api<Json>('GET', `/v1/transactions/${paymentId}`);
    expect(payment.body).toMatchObject({ status: 'SUCCEEDED', refundedAmount: '2500' });
    expect(ledger(sandbox, order)).toEqual([1000, 1500]);
  });

  test('a full refund at once: one refund of the whole order', async () => {
    const sandbox = await start();
    const order = await paidOrder(sandbox);
    const full = await refund(sandbox, order.id);
    expect(full.status, JSON.stringify(full.body)).toBe(200);
    expect(full.body.refund).toMatchObject({ amount: '2500', status: 'SUCCEEDED' });
    expect(full.body.order).toMatchObject({ status: 'REFUNDED', refundedAmount: '2500' });
    expect(ledger(sandbox, order)).toEqual([2500]);
  });

  test('refused before any money moves: unpaid, unknown, bad amounts, not JSON; never a 500', async () => {
    const sandbox = await start();
    const unpaid = await shop(sandbox, 'POST', '/orders', { amount: '999', provider });
    const early = await refund(sandbox, unpaid.body.id);
    expect(early.status).toBe(409);
    expect(early.body.error).toContain('not paid');
    expect((await refund(sandbox, 'demo-nope')).status).toBe(404);

    const order = await paidOrder(sandbox);
    const words = await refund(sandbox, order.id, { amount: 'ten dollars' });
    expect(words.status).toBe(400);
    expect(words.body.error).toContain('amount must be a whole number of cents');
    const zero = await refund(sandbox, order.id, { amount: '0' });
    expect(zero.status).toBe(400);
    expect(zero.body.error).toBe(
      (await sdkRefusal(sandbox, order.transactionId ?? '', 0n)).message,
    );
    // A form posted from another page cannot send JSON: it refunds nothing.
    const form = await shop<RefundAnswer>(
      sandbox,
      'POST',
      `/orders/${order.id}/refund`,
      'amount=2500',
      'text/plain',
    );
    expect(form.status).toBe(415);
    const broken = await fetch(`${sandbox.sandbox.url}/demo/api/orders/${order.id}/refund`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount": ',
    });
    expect(broken.status).toBe(400);
    expect(ledger(sandbox, order)).toEqual([]);
    const read = await shop(sandbox, 'GET', `/orders/${order.id}`);
    expect(read.body).toMatchObject({ status: 'CONFIRMED', refundedAmount: '0', refunds: [] });
  });

  test.runIf(provider === 'STRIPE')(
    'a refund pending at the provider: the order says so, counts nothing yet, and is not refunded twice',
    async () => {
      const sandbox = await start();
      if (!REFUND_PENDING_CARD) throw new Error('the simulator publishes no pending-refund card');
      const order = await paidOrder(sandbox, REFUND_PENDING_CARD);
      const pending = await refund(sandbox, order.id);
      expect(pending.status, JSON.stringify(pending.body)).toBe(200);
      expect(pending.body.refund).toMatchObject({ amount: '2500', status: 'STARTED' });
      expect(pending.body.order).toMatchObject({ status: 'REFUND_PENDING', refundedAmount: '0' });
      // Asked again, AccruPay answers the same refund (it asks the provider first): one refund.
      const again = await refund(sandbox, order.id);
      expect(again.body.refund?.id).toBe(pending.body.refund?.id);
      expect(again.body.order.refunds).toHaveLength(1);
      const other = await refund(sandbox, order.id, { amount: '500' });
      expect(other.status).toBe(409);
      expect(other.body.error).toContain('has no answer from the provider yet');
      const checked = await shop(sandbox, 'POST', `/orders/${order.id}/confirm`);
      expect(checked.body).toMatchObject({ status: 'REFUND_PENDING', refundedAmount: '0' });
      // The simulated Stripe gives the money back only once the refund succeeds, an hour later.
      expect(ledger(sandbox, order)).toEqual([]);
      await sandbox.sim.clock.advance(HOUR + 1_000);
      expect(ledger(sandbox, order)).toEqual([2500]);
      // "Check payment status" syncs the refund: the order is refunded, counted once.
      const refunded = await shop(sandbox, 'POST', `/orders/${order.id}/confirm`);
      expect(refunded.body).toMatchObject({ status: 'REFUNDED', refundedAmount: '2500' });
      expect(ledger(sandbox, order)).toEqual([2500]);
    },
  );
});
