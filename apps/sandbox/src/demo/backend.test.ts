// The demo shop's backend over HTTP, against the test sandbox and its simulator: an order paid,
// then refunded by the merchant, each answer checked against the SDK's own and the simulator's
// ledger (the money given back exactly as often as the merchant asked); and AccruPay's webhooks
// to the shop, which fulfil an order only once verify() says it is paid.
import { AccruPay, AccruPayError } from '@accrupay/node';
import { STRIPE_TEST_CARDS } from '@accrupay/provider-sim';
import { afterEach, describe, expect, test } from 'vitest';
import { GOOD_CARDS, testCard } from '../test-cards.ts';
import { startTestSandbox, type TestSandbox } from '../test-support.ts';
import type { OrderWebhook } from './backend.ts';
import { demoShop } from './index.ts';

type Json = Record<string, unknown>;
interface OrderJson {
  id: string;
  status: string;
  amount: string;
  sessionId: string;
  transactionId: string | null;
  transactionStatus: string | null;
  refundedAmount: string;
  refunds: Array<{ id: string; amount: string; status: string }>;
  fulfilments: number;
  fulfilledVia: string | null;
  webhooks: OrderWebhook[];
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

/** The test sandbox with the demo shop at /demo; webhooks go only when a test runs them. */
async function hookedShop(): Promise<TestSandbox> {
  const started: TestSandbox = await startTestSandbox({
    sandbox: {
      webhooks: { autoStart: false },
      publicRoutes: [
        demoShop({ merchant: () => ({ ...started.merchant, baseUrl: started.sandbox.url }) }),
      ],
    },
  });
  return started;
}

async function shopCall<T = OrderJson>(
  sandbox: TestSandbox,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.sandbox.url}/demo/api${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** The simulator's callbacks, then every webhook due: each delivered and answered. */
async function deliver(sandbox: TestSandbox): Promise<void> {
  await sandbox.sim.flush();
  await sandbox.sandbox.service.webhooks.runDue();
}

/** An order the customer paid (or not) with `card` on the hosted page; the page never confirms. */
async function orderPaidWith(
  sandbox: TestSandbox,
  provider: 'STRIPE' | 'NUVEI',
  card: string,
): Promise<OrderJson> {
  const created = await shopCall(sandbox, 'POST', '/orders', { amount: '2500', provider });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const session = await sandbox.api<{ token: string }>(
    'GET',
    `/v1/client-sessions/lookup?id=${created.body.sessionId}`,
  );
  expect((await sandbox.pay(provider, session.body.token, card)).status).toBe(200);
  return created.body;
}

/** The shop's endpoint, as it registered it at AccruPay. */
async function shopEndpoint(sandbox: TestSandbox) {
  const registered = await shopCall<{ endpointId: string; url: string }>(
    sandbox,
    'GET',
    '/webhooks',
  );
  expect(registered.body.endpointId).toMatch(/^we_/);
  return registered.body;
}

const armFault = (sandbox: TestSandbox, endpointId: string, fault: Json) =>
  sandbox.api<Json>('POST', `/v1/webhook-endpoints/${endpointId}/faults`, { body: fault });

interface Attempt {
  trigger: string;
  responseStatus: number | null;
  responseBody: string | null;
  requestHeaders: Record<string, string>;
}

/** Every attempt AccruPay logged for an event's deliveries. */
async function attemptsOf(sandbox: TestSandbox, eventId: string): Promise<Attempt[]> {
  const deliveries = await sandbox.api<{ data: Array<{ log: Attempt[] }> }>(
    'GET',
    `/v1/events/${eventId}/deliveries`,
  );
  return deliveries.body.data.flatMap((delivery) => delivery.log);
}

/** The merchant's events about the order, as AccruPay recorded them: what the shop must show. */
async function eventsOf(sandbox: TestSandbox, order: OrderJson) {
  const listed = await sandbox.api<{
    data: Array<{ id: string; type: string; data: { object: Json } }>;
  }>('GET', '/v1/events?take=100');
  return listed.body.data
    .filter(
      (event) =>
        event.data.object.merchantInternalTransactionCode === order.id ||
        event.data.object.sessionId === order.sessionId,
    )
    .reverse();
}

describe("the demo shop's webhooks", () => {
  let t: TestSandbox | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  async function start() {
    t = await hookedShop();
    return t;
  }

  test.each(['STRIPE', 'NUVEI'] as const)(
    'on %s, a paid order: its webhooks arrive and are shown, and verify() fulfils it once',
    async (provider) => {
      const sandbox = await start();
      const order = await orderPaidWith(sandbox, provider, GOOD_CARDS[provider]);
      await deliver(sandbox);
      const read = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
      // Nobody pressed anything on the page: the webhook made the shop ask verify().
      expect(read.body).toMatchObject({
        status: 'CONFIRMED',
        transactionStatus: 'SUCCEEDED',
        fulfilments: 1,
        fulfilledVia: 'webhook',
      });
      const recorded = await eventsOf(sandbox, order);
      expect(recorded.map((event) => event.type)).toEqual(
        expect.arrayContaining(['transaction.succeeded', 'client_session.completed']),
      );
      // Every event AccruPay recorded about the order, in order, each received once.
      expect(read.body.webhooks.map((hook) => [hook.id, hook.type, hook.deliveries])).toEqual(
        recorded.map((event) => [event.id, event.type, 1]),
      );
      // The first success asked verify() and fulfilled; the second found the order paid.
      const successes = read.body.webhooks.filter((hook) => hook.check !== 'NOT_CHECKED');
      expect(successes.map((hook) => [hook.check, hook.verifyStatus])).toEqual([
        ['PAID', 'SUCCEEDED'],
        ['ALREADY_PAID', null],
      ]);
      for (const hook of read.body.webhooks) {
        expect(Number.isNaN(Date.parse(hook.receivedAt))).toBe(false);
        const attempts = await attemptsOf(sandbox, hook.id);
        expect(attempts.map((attempt) => attempt.responseStatus)).toEqual([200]);
      }
      // The page's own check later: still fulfilled once.
      const confirmed = await shopCall(sandbox, 'POST', `/orders/${order.id}/confirm`);
      expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', fulfilments: 1 });
      expect(sandbox.sim.ledger({ merchantRef: order.id }).map((entry) => entry.kind)).toEqual([
        'charge',
      ]);
    },
  );

  test('the page confirms first: the webhooks that follow are shown and fulfil nothing again', async () => {
    const sandbox = await start();
    const order = await orderPaidWith(sandbox, 'STRIPE', GOOD_CARDS.STRIPE);
    const confirmed = await shopCall(sandbox, 'POST', `/orders/${order.id}/confirm`);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', fulfilledVia: 'page' });
    await deliver(sandbox);
    const read = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
    expect(read.body).toMatchObject({ status: 'CONFIRMED', fulfilments: 1, fulfilledVia: 'page' });
    const checks = read.body.webhooks.filter((hook) => hook.check !== 'NOT_CHECKED');
    expect(checks.map((hook) => hook.check)).toEqual(['ALREADY_PAID', 'ALREADY_PAID']);
  });

  test('a forged success, validly signed, for a declined card leaves the order unpaid', async () => {
    const sandbox = await start();
    const { endpointId } = await shopEndpoint(sandbox);
    const armed = await armFault(sandbox, endpointId, {
      kind: 'forge',
      mode: 'unpaid_success',
      target: { eventType: 'transaction.declined' },
    });
    expect(armed.status, JSON.stringify(armed.body)).toBe(200);
    const order = await orderPaidWith(sandbox, 'STRIPE', testCard('STRIPE', 'generic_decline'));
    await deliver(sandbox);
    const read = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
    expect(read.body).toMatchObject({
      status: 'PAYMENT_FAILED',
      transactionStatus: 'DECLINED',
      transactionId: null,
      fulfilments: 0,
      fulfilledVia: null,
    });
    // The forgery reached the shop, said SUCCEEDED, and verify() said DECLINED.
    const forged = read.body.webhooks.filter((hook) => hook.id.startsWith('evt_forged'));
    expect(forged).toHaveLength(1);
    expect(forged[0]).toMatchObject({
      type: 'transaction.succeeded',
      claimedStatus: 'SUCCEEDED',
      check: 'NOT_PAID',
      verifyStatus: 'DECLINED',
    });
    const genuine = read.body.webhooks.find((hook) => hook.type === 'transaction.declined');
    expect(genuine).toMatchObject({ claimedStatus: 'DECLINED', check: 'NOT_CHECKED' });
    // AccruPay never wrote the forged event: it is not among the merchant's events.
    expect((await sandbox.api('GET', `/v1/events/${forged[0]?.id}`)).status).toBe(404);
    const checked = await shopCall(sandbox, 'POST', `/orders/${order.id}/confirm`);
    expect(checked.body).toMatchObject({ status: 'PAYMENT_FAILED', fulfilments: 0 });
    expect(sandbox.sim.ledger({ merchantRef: order.id }).map((entry) => entry.kind)).toEqual([
      'decline',
    ]);
  });

  test('a bad signature or a stale timestamp is refused with 400 and its message in the delivery log', async () => {
    const sandbox = await start();
    const { endpointId, url } = await shopEndpoint(sandbox);
    for (const mode of ['bad_signature', 'stale_timestamp']) {
      const armed = await armFault(sandbox, endpointId, {
        kind: 'forge',
        mode,
        target: { eventType: 'transaction.succeeded' },
      });
      expect(armed.status).toBe(200);
    }
    const order = await orderPaidWith(sandbox, 'STRIPE', GOOD_CARDS.STRIPE);
    await deliver(sandbox);
    const read = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
    const succeeded = read.body.webhooks.find((hook) => hook.type === 'transaction.succeeded');
    expect(succeeded).toMatchObject({ deliveries: 1, check: 'PAID' });
    const attempts = await attemptsOf(sandbox, succeeded?.id ?? '');
    expect(attempts.map((attempt) => [attempt.trigger, attempt.responseStatus])).toEqual([
      ['forged', 400],
      ['forged', 400],
      ['scheduled', 200],
    ]);
    const refusals = attempts
      .filter((attempt) => attempt.trigger === 'forged')
      .map(
        (attempt) => JSON.parse(attempt.responseBody ?? '{}') as { error: string; code: string },
      );
    expect(refusals.map((refusal) => refusal.code).sort()).toEqual([
      'WEBHOOK_SIGNATURE_INVALID',
      'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
    ]);
    expect(refusals.find((r) => r.code === 'WEBHOOK_SIGNATURE_INVALID')?.error).toContain(
      'webhook-signature matches none',
    );
    expect(refusals.find((r) => r.code === 'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE')?.error).toMatch(
      /webhook-timestamp is \d+ s old/,
    );
    expect(read.body).toMatchObject({ status: 'CONFIRMED', fulfilments: 1 });

    // Posted by anyone else: refused before it is read, and shown nowhere.
    const genuine = attempts.find((attempt) => attempt.trigger === 'scheduled');
    const replayedElsewhere = await fetch(url, {
      method: 'POST',
      headers: { ...genuine?.requestHeaders, 'content-type': 'application/json' },
      body: '{"id":"evt_other","type":"transaction.succeeded"}',
    });
    expect(replayedElsewhere.status).toBe(400);
    expect(((await replayedElsewhere.json()) as { code: string }).code).toBe(
      'WEBHOOK_SIGNATURE_INVALID',
    );
    const unsigned = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(((await unsigned.json()) as { code: string }).code).toBe('WEBHOOK_MISSING_HEADERS');
    const notJson = await fetch(url, {
      method: 'POST',
      headers: { ...genuine?.requestHeaders, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { code: string }).code).toBe('WEBHOOK_RAW_BODY_REQUIRED');
    const after = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
    expect(after.body.webhooks).toEqual(read.body.webhooks);
  });

  test('duplicates and redeliveries are counted, not acted on: the order is fulfilled once', async () => {
    const sandbox = await start();
    const { endpointId } = await shopEndpoint(sandbox);
    const armed = await armFault(sandbox, endpointId, {
      kind: 'duplicate',
      copies: 3,
      target: { eventType: 'transaction.succeeded' },
    });
    expect(armed.status).toBe(200);
    const order = await orderPaidWith(sandbox, 'STRIPE', GOOD_CARDS.STRIPE);
    await deliver(sandbox);
    const read = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
    const succeeded = read.body.webhooks.filter((hook) => hook.type === 'transaction.succeeded');
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({ deliveries: 3, check: 'PAID' });
    const attempts = await attemptsOf(sandbox, succeeded[0]?.id ?? '');
    expect(attempts.map((attempt) => [attempt.trigger, attempt.responseStatus])).toEqual([
      ['scheduled', 200],
      ['duplicate', 200],
      ['duplicate', 200],
    ]);
    const again = await sandbox.api('POST', `/v1/events/${succeeded[0]?.id}/redeliver`, {
      body: {},
    });
    expect(again.status).toBe(200);
    await deliver(sandbox);
    const after = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
    expect(after.body).toMatchObject({ status: 'CONFIRMED', fulfilments: 1 });
    expect(after.body.webhooks.find((hook) => hook.id === succeeded[0]?.id)?.deliveries).toBe(4);
    expect(after.body.webhooks).toHaveLength(read.body.webhooks.length);
  });

  test('the page and a webhook at once: verify() is asked one after the other, the order fulfilled once', async () => {
    const sandbox = await start();
    const order = await orderPaidWith(sandbox, 'STRIPE', GOOD_CARDS.STRIPE);
    await sandbox.sim.flush();
    const [confirmed] = await Promise.all([
      shopCall(sandbox, 'POST', `/orders/${order.id}/confirm`),
      sandbox.sandbox.service.webhooks.runDue(),
      shopCall(sandbox, 'POST', `/orders/${order.id}/confirm`),
    ]);
    expect(confirmed.body.status).toBe('CONFIRMED');
    const read = await shopCall(sandbox, 'GET', `/orders/${order.id}`);
    expect(read.body).toMatchObject({ status: 'CONFIRMED', fulfilments: 1 });
  });

  test('registered once: an endpoint left at the same URL is replaced, other endpoints are kept', async () => {
    const sandbox = await start();
    const url = `${sandbox.sandbox.url}/demo/api/webhooks`;
    const endpoints = async () =>
      (
        await sandbox.api<{ data: Array<{ id: string; url: string }> }>(
          'GET',
          '/v1/webhook-endpoints',
        )
      ).body.data;
    // What an earlier run of the shop left (its secret is gone with it), and the merchant's own.
    const stale = await sandbox.api<{ id: string }>('POST', '/v1/webhook-endpoints', {
      body: { url },
    });
    const other = await sandbox.api<{ id: string }>('POST', '/v1/webhook-endpoints', {
      body: { url: 'http://127.0.0.1:9/elsewhere' },
    });
    const registered = await shopEndpoint(sandbox);
    expect(registered.url).toBe(url);
    await shopCall(sandbox, 'POST', '/orders', { amount: '999', provider: 'STRIPE' });
    expect((await shopEndpoint(sandbox)).endpointId).toBe(registered.endpointId);
    expect((await endpoints()).map((endpoint) => endpoint.id).sort()).toEqual(
      [other.body.id, registered.endpointId].sort(),
    );
    expect(registered.endpointId).not.toBe(stale.body.id);
    // The page never sees the secret.
    expect(JSON.stringify(await shopCall(sandbox, 'GET', '/webhooks'))).not.toContain('whsec_');
  });
});
