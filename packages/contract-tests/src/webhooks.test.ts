// Merchant webhooks through @accrupay/node, on both databases and both providers: each flow sends
// exactly its events, in order, each verified by the standardwebhooks package and by the SDK's
// constructEvent(); the retry schedule on the manual clock; redelivery and recovery; every fault
// as the merchant's receiving server sees it, against a handler written as the README says; and
// what another merchant, a deleted endpoint, a late endpoint or an unsubscribed type must not get.
// The sandbox sends only when a test calls deliverWebhooks(), so nothing races and nothing sleeps.
import { WEBHOOK_RETRY_SCHEDULE_MS } from '@accrupay/contracts';
import {
  AccruPayNotFoundError,
  AccruPayWebhookVerificationError,
  type CreateWebhookEndpointParams,
  type MerchantTransaction,
  type WebhookEvent,
  type WebhookFaultInput,
  webhooks,
} from '@accrupay/node';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  CARDS,
  databases,
  type Harness,
  HOUR,
  harness,
  PROVIDERS,
  type ReceivedWebhook,
  startData,
  type WebhookReceiver,
  webhookReceiver,
} from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

/** Nuvei keeps an order payable after a declined card: its session stays PENDING, no session event. */
const KEEPS_DECLINED_SESSION_OPEN = { STRIPE: false, NUVEI: true } as const;
const DAY = 24 * HOUR;

/** The request's headers as standardwebhooks takes them: plain strings. */
function plainHeaders(request: ReceivedWebhook): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** The delivery verified twice, by standardwebhooks and by the SDK, which must agree. */
function opened(request: ReceivedWebhook, secret: string): WebhookEvent {
  const event = webhooks.constructEvent(request.body, request.headers, secret);
  const plain = new Webhook(secret).verify(request.body, plainHeaders(request));
  expect(plain).toMatchObject({ id: event.id, type: event.type });
  expect(request.headers['webhook-id']).toBe(event.id);
  return event;
}

/** Why constructEvent() refuses a delivery, or undefined when it takes it. */
function refusal(request: ReceivedWebhook, secret: string): string | undefined {
  try {
    webhooks.constructEvent(request.body, request.headers, secret);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AccruPayWebhookVerificationError);
    return (error as AccruPayWebhookVerificationError).code;
  }
}

describe.each(DBS)('merchant webhooks on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    let hook: WebhookReceiver;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
      hook = await webhookReceiver();
    });
    afterEach(async () => {
      await h.close();
      await hook.close();
      // A merchant handler that threw answered 500: that is the test's failure, not a fault.
      expect(hook.errors).toEqual([]);
    });

    const deliver = () => h.deliverWebhooks();
    const advance = async (ms: number) => {
      await h.t.sim.clock.advance(ms);
      await deliver();
    };
    const endpoint = (params: Partial<CreateWebhookEndpointParams> = {}) =>
      h.accrupay.webhookEndpoints.create({ url: hook.url, ...params });
    const received = (secret: string) => hook.received.map((request) => opened(request, secret));
    const now = () => h.t.sim.clock.now();

    /** A payment (or authorization) paid with `card`, verified, its provider callbacks delivered. */
    async function paid(
      code: string,
      options: { type?: 'payment' | 'authorization'; card?: string } = {},
    ) {
      const sessions = h.accrupay.transactions.clientSessions;
      const kind = options.type === 'authorization' ? sessions.authorizations : sessions.payments;
      const session = await kind.start({
        merchantTransactionProviderId: h.providerId,
        data: startData(code),
      });
      await h.pay(session, options.card ?? CARDS.success[provider]);
      const transaction = await kind.verify({ id: session.id });
      await h.t.sim.flush();
      return { session, transaction };
    }

    /**
     * The merchant's handler, as the README writes it: constructEvent() on the raw body (400 when
     * it refuses), dedupe on event.id, and fulfil a payment only once the router says SUCCEEDED
     * (verify() for a session, transactions.getOne() for a transaction). The options are the
     * mistakes the README warns of: fulfilling on what the event says, and not deduping.
     */
    function shop(secret: string, options: { trustEvents?: boolean; dedupe?: boolean } = {}) {
      const handled = new Set<string>();
      const fulfilled: string[] = [];
      const asked: string[] = [];
      async function truth(event: WebhookEvent): Promise<MerchantTransaction | undefined> {
        if (event.type === 'client_session.completed' && event.data.object.type === 'payment') {
          if (options.trustEvents) return event.data.object.transactions?.[0];
          asked.push(event.data.object.id);
          return h.accrupay.transactions.clientSessions.payments.verify({
            id: event.data.object.id,
          });
        }
        if (event.type === 'transaction.succeeded' && event.data.object.action === 'PAYMENT') {
          if (options.trustEvents) return event.data.object;
          asked.push(event.data.object.id);
          return h.accrupay.transactions.getOne({ id: event.data.object.id });
        }
        return undefined;
      }
      async function handle(request: ReceivedWebhook): Promise<number> {
        let event: WebhookEvent;
        try {
          event = webhooks.constructEvent(request.body, request.headers, secret);
        } catch (error) {
          if (error instanceof AccruPayWebhookVerificationError) return 400;
          throw error;
        }
        if (options.dedupe !== false && handled.has(event.id)) return 200;
        const transaction = await truth(event);
        if (transaction?.status === 'SUCCEEDED') fulfilled.push(transaction.id);
        handled.add(event.id);
        return 200;
      }
      return { handle, fulfilled, asked };
    }

    describe('each flow sends exactly its events, in order', () => {
      /** GET /v1/events lists the same events, newest first, as they were delivered. */
      async function expectListed(delivered: WebhookEvent[]) {
        const page = await h.accrupay.events.list();
        expect(page.total).toBe(delivered.length);
        expect(page.data.map((event) => event.id)).toEqual(
          delivered.map((event) => event.id).reverse(),
        );
        expect(page.data).toEqual([...delivered].reverse());
      }

      test('a payment paid and verified: transaction.succeeded, then client_session.completed; a second verify sends nothing', async () => {
        const { secret } = await endpoint();
        expect(secret).toMatch(/^whsec_/);
        const { session, transaction } = await paid('wh-pay');
        expect(transaction.status).toBe('SUCCEEDED');
        await deliver();
        const delivered = received(secret);
        expect(delivered.map((event) => event.type)).toEqual([
          'transaction.succeeded',
          'client_session.completed',
        ]);
        const [succeeded, completed] = delivered;
        expect(succeeded?.data.object).toEqual(
          await h.accrupay.transactions.getOne({ id: transaction.id }),
        );
        expect(succeeded?.data.object).toMatchObject({
          id: transaction.id,
          status: 'SUCCEEDED',
          amount: 10000n,
        });
        expect(completed?.data.object).toEqual(
          await h.accrupay.transactions.clientSessions.getOne({ id: session.id }),
        );
        expect(completed?.data.object).toMatchObject({ id: session.id, status: 'COMPLETED' });
        expect(completed?.previousAttributes).toEqual({ status: 'PENDING' });
        await expectListed(delivered);

        expect(
          await h.accrupay.transactions.clientSessions.payments.verify({ id: session.id }),
        ).toMatchObject({ id: transaction.id, status: 'SUCCEEDED' });
        await deliver();
        expect(hook.received).toHaveLength(2);
        expect((await h.accrupay.events.list()).total).toBe(2);
      });

      test('an authorization, then settle: transaction.settled with the SETTLE transaction', async () => {
        const { secret } = await endpoint();
        const { transaction: authorization } = await paid('wh-settle', { type: 'authorization' });
        const settled = await h.accrupay.transactions.authorizations.settle({
          id: authorization.id,
          amount: 6000n,
        });
        expect(settled).toMatchObject({ action: 'SETTLE', status: 'SUCCEEDED', amount: 6000n });
        await deliver();
        const delivered = received(secret);
        expect(delivered.map((event) => event.type)).toEqual([
          'transaction.succeeded',
          'client_session.completed',
          'transaction.settled',
        ]);
        expect(delivered[0]?.data.object).toMatchObject({
          id: authorization.id,
          action: 'AUTHORIZATION',
        });
        expect(delivered[2]?.data.object).toEqual(
          await h.accrupay.transactions.getOne({ id: settled.id }),
        );
        expect(delivered[2]?.data.object).toMatchObject({
          id: settled.id,
          parentTransactionId: authorization.id,
          status: 'SUCCEEDED',
          amount: 6000n,
        });
        await expectListed(delivered);
      });

      test('an authorization, then void: transaction.voided', async () => {
        const { secret } = await endpoint();
        const { transaction: authorization } = await paid('wh-void', { type: 'authorization' });
        const voided = await h.accrupay.transactions.authorizations.void({ id: authorization.id });
        await deliver();
        const delivered = received(secret);
        expect(delivered.map((event) => event.type)).toEqual([
          'transaction.succeeded',
          'client_session.completed',
          'transaction.voided',
        ]);
        expect(delivered[2]?.data.object).toEqual(
          await h.accrupay.transactions.getOne({ id: voided.id }),
        );
        expect(delivered[2]?.data.object).toMatchObject({ action: 'VOID', status: 'SUCCEEDED' });
        await expectListed(delivered);
      });

      test('a refund: transaction.refunded with the REFUND transaction and its amount', async () => {
        const { secret } = await endpoint();
        const { transaction: payment } = await paid('wh-refund');
        const refund = await h.accrupay.transactions.refund({ id: payment.id, amount: 2500n });
        expect(refund).toMatchObject({ status: 'SUCCEEDED', amount: 2500n });
        await deliver();
        const delivered = received(secret);
        expect(delivered.map((event) => event.type)).toEqual([
          'transaction.succeeded',
          'client_session.completed',
          'transaction.refunded',
        ]);
        expect(delivered[2]?.data.object).toEqual(
          await h.accrupay.transactions.getOne({ id: refund.id }),
        );
        expect(delivered[2]?.data.object).toMatchObject({
          action: 'REFUND',
          parentTransactionId: payment.id,
          amount: 2500n,
        });
        await expectListed(delivered);
      });

      test('a declined card: transaction.declined, never a success', async () => {
        const { secret } = await endpoint();
        const { session, transaction } = await paid('wh-declined', { card: CARDS.genericDecline });
        expect(transaction.status).toBe('DECLINED');
        await deliver();
        const delivered = received(secret);
        expect(delivered.map((event) => event.type)).toEqual(
          KEEPS_DECLINED_SESSION_OPEN[provider]
            ? ['transaction.declined']
            : ['transaction.declined', 'client_session.declined'],
        );
        expect(delivered[0]?.data.object).toEqual(
          await h.accrupay.transactions.getOne({ id: transaction.id }),
        );
        expect(delivered[0]?.data.object).toMatchObject({ status: 'DECLINED', amount: 10000n });
        if (!KEEPS_DECLINED_SESSION_OPEN[provider]) {
          expect(delivered[1]?.data.object).toMatchObject({ id: session.id, status: 'DECLINED' });
        }
        await expectListed(delivered);
      });
    });

    describe('retries, redelivery and recovery', () => {
      test('an endpoint answering 500 gets every retry of the schedule, none 1 ms early; then FAILED with 8 attempts; recover() sends it again', async () => {
        const outageStart = now();
        const { id, secret } = await endpoint({ enabledEvents: ['transaction.succeeded'] });
        hook.respond(() => 500);
        await paid('wh-retry');
        await deliver();
        expect(hook.received).toHaveLength(1);
        for (const [index, wait] of WEBHOOK_RETRY_SCHEDULE_MS.slice(1).entries()) {
          await advance(wait - 1);
          expect(hook.received, `attempt ${index + 2}, 1 ms early`).toHaveLength(index + 1);
          await advance(1);
          expect(hook.received, `attempt ${index + 2}, on time`).toHaveLength(index + 2);
        }
        await advance(7 * DAY);
        expect(hook.received).toHaveLength(WEBHOOK_RETRY_SCHEDULE_MS.length);
        const [event] = received(secret);
        expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(
          new Set([event?.id]),
        );

        const eventId = event?.id as string;
        const [failed, ...others] = (await h.accrupay.events.deliveries(eventId)).data;
        expect(others).toEqual([]);
        expect(failed).toMatchObject({
          endpointId: id,
          state: 'FAILED',
          attempts: 8,
          nextAttemptAt: null,
        });
        expect(failed?.log).toHaveLength(8);
        const log = failed?.log ?? [];
        for (const [index, attempt] of log.entries()) {
          expect(attempt).toMatchObject({
            attempt: index + 1,
            trigger: 'scheduled',
            responseStatus: 500,
          });
          if (index > 0) {
            const gap = Date.parse(attempt.at) - Date.parse(log[index - 1]?.at as string);
            expect(gap, `wait before attempt ${index + 1}`).toBe(WEBHOOK_RETRY_SCHEDULE_MS[index]);
          }
        }

        hook.respond(() => 204);
        const afterIt = new Date(now().getTime() + 1);
        expect(await h.accrupay.webhookEndpoints.recover(id, { since: afterIt })).toEqual({
          redelivered: 0,
        });
        await deliver();
        expect(hook.received).toHaveLength(8);
        expect(await h.accrupay.webhookEndpoints.recover(id, { since: outageStart })).toEqual({
          redelivered: 1,
        });
        await deliver();
        expect(hook.received).toHaveLength(9);
        expect(hook.received[8]?.body).toBe(hook.received[0]?.body);
        expect(opened(hook.received[8] as ReceivedWebhook, secret).id).toBe(eventId);
        const [recovered] = (await h.accrupay.events.deliveries(eventId)).data;
        expect(recovered?.state).toBe('SUCCEEDED');
        expect(recovered?.log.at(-1)).toMatchObject({ trigger: 'redelivery', responseStatus: 204 });
        // Recovered once: nothing is left to recover.
        expect(await h.accrupay.webhookEndpoints.recover(id, { since: outageStart })).toEqual({
          redelivered: 0,
        });
      });

      test('since and createdFrom are instants: the same one without milliseconds, or with an offset, finds the same deliveries and events', async () => {
        const second = new Date(Math.floor(now().getTime() / 1000) * 1000);
        const inUtc = second.toISOString().replace('.000Z', 'Z');
        const inParis = `${new Date(second.getTime() + HOUR).toISOString().slice(0, 19)}+01:00`;
        await h.t.sim.clock.advance(500);
        const { id } = await endpoint();
        await paid('wh-since');
        await deliver();
        expect((await h.accrupay.events.list({ createdFrom: second })).total).toBe(2);
        for (const written of [inUtc, inParis]) {
          expect((await h.accrupay.events.list({ createdFrom: written })).total, written).toBe(2);
        }
        // Each form recovers a payment's two dropped deliveries, made half a second after it.
        for (const [index, written] of [inUtc, inParis].entries()) {
          await h.accrupay.webhookEndpoints.faults.arm(id, { kind: 'drop', times: 2 });
          await paid(`wh-since-${index}`);
          await deliver();
          expect(
            await h.accrupay.webhookEndpoints.recover(id, { since: written }),
            written,
          ).toEqual({ redelivered: 2 });
          await deliver();
        }
        expect(hook.received).toHaveLength(6);
      });

      test('events.redeliver() sends the event again: the same webhook-id, the same body', async () => {
        const { id, secret } = await endpoint();
        await paid('wh-redeliver');
        await deliver();
        expect(hook.received).toHaveLength(2);
        const first = hook.received[0] as ReceivedWebhook;
        const event = opened(first, secret);
        await h.t.sim.clock.advance(HOUR);
        const asked = await h.accrupay.events.redeliver(event.id);
        expect(asked.data).toEqual([
          expect.objectContaining({ eventId: event.id, endpointId: id, state: 'PENDING' }),
        ]);
        await deliver();
        expect(hook.received).toHaveLength(3);
        const again = hook.received[2] as ReceivedWebhook;
        expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
        expect(again.body).toBe(first.body);
        expect(opened(again, secret)).toEqual(event);
        const [delivery] = (await h.accrupay.events.deliveries(event.id)).data;
        expect(delivery?.state).toBe('SUCCEEDED');
        expect(delivery?.log.map((attempt) => attempt.trigger)).toEqual([
          'scheduled',
          'redelivery',
        ]);
      });
    });

    describe('faults, as the receiving server sees them', () => {
      const arm = (id: string, fault: WebhookFaultInput) =>
        h.accrupay.webhookEndpoints.faults.arm(id, fault);

      test('drop: nothing arrives, verify() still says SUCCEEDED; recover() sends what was dropped', async () => {
        const since = now();
        const { id, secret } = await endpoint();
        await arm(id, { kind: 'drop' });
        const { session, transaction } = await paid('wh-drop');
        await deliver();
        expect(hook.received).toHaveLength(0);
        expect(
          await h.accrupay.transactions.clientSessions.payments.verify({ id: session.id }),
        ).toMatchObject({ id: transaction.id, status: 'SUCCEEDED' });
        const listed = (await h.accrupay.events.list()).data;
        expect(listed.map((event) => event.type)).toEqual([
          'client_session.completed',
          'transaction.succeeded',
        ]);
        for (const event of listed) {
          const [delivery] = (await h.accrupay.events.deliveries(event.id)).data;
          expect(delivery?.state).toBe('DROPPED');
          expect(delivery?.log[0]?.error).toMatch(/dropped/);
        }
        expect(await h.accrupay.webhookEndpoints.recover(id, { since })).toEqual({
          redelivered: 2,
        });
        await deliver();
        expect(received(secret).map((event) => event.id)).toEqual(
          listed.map((event) => event.id).reverse(),
        );
      });

      test('duplicate: three copies with one webhook-id; a handler that dedupes on it fulfils once', async () => {
        const { id, secret } = await endpoint({ enabledEvents: ['client_session.completed'] });
        await arm(id, { kind: 'duplicate', copies: 3 });
        const merchant = shop(secret);
        hook.respond(merchant.handle);
        const { transaction } = await paid('wh-duplicate');
        await deliver();
        expect(hook.received).toHaveLength(3);
        expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
        expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
        for (const request of hook.received) opened(request, secret);
        expect(merchant.fulfilled).toEqual([transaction.id]);
        // Without the dedupe it would have fulfilled every copy.
        const careless = shop(secret, { dedupe: false });
        for (const request of hook.received) await careless.handle(request);
        expect(careless.fulfilled).toEqual([transaction.id, transaction.id, transaction.id]);
        const [event] = received(secret);
        const [delivery] = (await h.accrupay.events.deliveries(event?.id as string)).data;
        expect(delivery?.log.map((attempt) => [attempt.trigger, attempt.responseStatus])).toEqual([
          ['scheduled', 200],
          ['duplicate', 200],
          ['duplicate', 200],
        ]);
      });

      test('delay: the delivery arrives only once the clock has moved by delayMs', async () => {
        const { id, secret } = await endpoint({ enabledEvents: ['transaction.succeeded'] });
        await arm(id, { kind: 'delay', delayMs: 60_000 });
        const { transaction } = await paid('wh-delay');
        await deliver();
        expect(hook.received).toHaveLength(0);
        await advance(59_999);
        expect(hook.received).toHaveLength(0);
        await advance(1);
        expect(received(secret).map((event) => event.data.object.id)).toEqual([transaction.id]);
      });

      test('reorder: two deliveries held for the window, then sent newest first', async () => {
        const { id, secret } = await endpoint({ enabledEvents: ['transaction.succeeded'] });
        const fault = await arm(id, { kind: 'reorder', windowMs: 1_000 });
        const a = await paid('wh-reorder-a');
        const b = await paid('wh-reorder-b');
        await deliver();
        expect(hook.received).toHaveLength(0);
        await advance(1_000);
        const order = () => received(secret).map((event) => event.data.object.id);
        expect(order()).toEqual([b.transaction.id, a.transaction.id]);
        // Disarmed, the same two steps arrive in the order they happened.
        await h.accrupay.webhookEndpoints.faults.disarm(id, fault.id);
        const c = await paid('wh-reorder-c');
        const d = await paid('wh-reorder-d');
        await deliver();
        expect(order().slice(2)).toEqual([c.transaction.id, d.transaction.id]);
      });

      test('forge bad_signature and stale_timestamp: constructEvent() refuses both, the genuine delivery is taken once', async () => {
        const { id, secret } = await endpoint({ enabledEvents: ['transaction.succeeded'] });
        await arm(id, { kind: 'forge', mode: 'bad_signature', times: 1 });
        await arm(id, { kind: 'forge', mode: 'stale_timestamp', times: 1 });
        const merchant = shop(secret);
        hook.respond(merchant.handle);
        const { transaction } = await paid('wh-forged');
        await deliver();
        expect(hook.received).toHaveLength(3);
        // The forgeries go first (in either order), then the genuine delivery.
        const refusals = hook.received.map((request) => refusal(request, secret));
        expect(refusals.slice(0, 2).sort()).toEqual([
          'WEBHOOK_SIGNATURE_INVALID',
          'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
        ]);
        expect(refusals[2]).toBeUndefined();
        // standardwebhooks refuses the same two.
        const plain = new Webhook(secret);
        for (const forged of hook.received.slice(0, 2)) {
          expect(() => plain.verify(forged.body, plainHeaders(forged))).toThrow();
        }
        expect(opened(hook.received[2] as ReceivedWebhook, secret).data.object.id).toBe(
          transaction.id,
        );
        expect(merchant.fulfilled).toEqual([transaction.id]);
        const [event] = (await h.accrupay.events.list({ type: 'transaction.succeeded' })).data;
        const [delivery] = (await h.accrupay.events.deliveries(event?.id as string)).data;
        expect(delivery?.log.map((attempt) => [attempt.trigger, attempt.responseStatus])).toEqual([
          ['forged', 400],
          ['forged', 400],
          ['scheduled', 200],
        ]);
      });

      test('forge unpaid_success on a DECLINED transaction: correctly signed, says SUCCEEDED; a handler that asks the router does not fulfil', async () => {
        const { id, secret } = await endpoint();
        await arm(id, {
          kind: 'forge',
          mode: 'unpaid_success',
          target: { eventType: 'transaction.declined' },
          times: 1,
        });
        const merchant = shop(secret);
        hook.respond(merchant.handle);
        const { transaction } = await paid('wh-unpaid', { card: CARDS.genericDecline });
        expect(transaction.status).toBe('DECLINED');
        await deliver();
        const delivered = received(secret);
        const forged = delivered.filter((event) => event.type === 'transaction.succeeded');
        expect(forged).toHaveLength(1);
        expect(forged[0]?.data.object).toMatchObject({ id: transaction.id, status: 'SUCCEEDED' });
        expect(delivered.map((event) => event.type)).toContain('transaction.declined');
        // The handler asked, was told DECLINED, and fulfilled nothing.
        expect(merchant.asked).toContain(transaction.id);
        expect(merchant.fulfilled).toEqual([]);
        expect(await h.accrupay.transactions.getOne({ id: transaction.id })).toMatchObject({
          status: 'DECLINED',
        });
        // A handler that trusted the signed event would have shipped an unpaid order.
        const trusting = shop(secret, { trustEvents: true });
        for (const request of hook.received) await trusting.handle(request);
        expect(trusting.fulfilled).toEqual([transaction.id]);
        // The router never wrote that event.
        const forgedId = forged[0]?.id as string;
        await expect(h.accrupay.events.get(forgedId)).rejects.toBeInstanceOf(AccruPayNotFoundError);
        expect((await h.accrupay.events.list({ type: 'transaction.succeeded' })).total).toBe(0);
      });
    });

    describe('who gets what', () => {
      test("another merchant cannot read, redeliver, recover, arm, rotate or delete this merchant's endpoints and events (404)", async () => {
        const since = now();
        const { id, secret } = await endpoint();
        await paid('wh-hostile');
        await deliver();
        expect(hook.received).toHaveLength(2);
        const [event] = (await h.accrupay.events.list()).data;
        const eventId = event?.id as string;
        const credentials = await h.t.sandbox.createMerchant({ name: 'Other shop' });
        const other = h.sdk({ apiSecret: credentials.apiSecret });
        const theirs = await webhookReceiver();
        try {
          const own = await other.webhookEndpoints.create({ url: theirs.url });
          const attempts: Record<string, () => Promise<unknown>> = {
            'webhookEndpoints.get': () => other.webhookEndpoints.get(id),
            'webhookEndpoints.rotateSecret': () => other.webhookEndpoints.rotateSecret(id),
            'webhookEndpoints.recover': () => other.webhookEndpoints.recover(id, { since }),
            'faults.arm': () => other.webhookEndpoints.faults.arm(id, { kind: 'drop' }),
            'faults.list': () => other.webhookEndpoints.faults.list(id),
            'webhookEndpoints.delete': () => other.webhookEndpoints.delete(id),
            'events.get': () => other.events.get(eventId),
            'events.deliveries': () => other.events.deliveries(eventId),
            'events.redeliver': () => other.events.redeliver(eventId),
            'events.redeliver to its own endpoint': () =>
              other.events.redeliver(eventId, { endpointId: own.id }),
            'events.redeliver to the owner’s endpoint': () =>
              other.events.redeliver(eventId, { endpointId: id }),
            'the owner redelivering to the other’s endpoint': () =>
              h.accrupay.events.redeliver(eventId, { endpointId: own.id }),
          };
          for (const [name, attempt] of Object.entries(attempts)) {
            await expect(attempt(), name).rejects.toBeInstanceOf(AccruPayNotFoundError);
            await expect(attempt(), name).rejects.toMatchObject({ statusCode: 404 });
          }
          expect((await other.events.list()).total).toBe(0);
          expect((await other.webhookEndpoints.list()).data.map((one) => one.id)).toEqual([own.id]);
          await deliver();
          expect(theirs.received).toHaveLength(0);
          expect(hook.received).toHaveLength(2);
          // The owner's endpoint is as it was: enabled, no fault, the same secret.
          expect(await h.accrupay.webhookEndpoints.get(id)).toMatchObject({ status: 'ENABLED' });
          expect((await h.accrupay.webhookEndpoints.faults.list(id)).data).toEqual([]);
          await paid('wh-hostile-2');
          await deliver();
          expect(received(secret)).toHaveLength(4);
          expect(theirs.received).toHaveLength(0);
        } finally {
          await theirs.close();
        }
      });

      test('a deleted endpoint receives nothing more, not even the retries it was owed', async () => {
        const { id } = await endpoint();
        hook.respond(() => 500);
        await paid('wh-deleted');
        await deliver();
        expect(hook.received).toHaveLength(2);
        const [event] = (await h.accrupay.events.list()).data;
        const eventId = event?.id as string;
        await h.accrupay.webhookEndpoints.delete(id);
        hook.respond(() => 200);
        await advance(WEBHOOK_RETRY_SCHEDULE_MS[1]);
        await advance(7 * DAY);
        await paid('wh-deleted-2');
        await deliver();
        await h.accrupay.events.redeliver(eventId);
        await deliver();
        expect(hook.received).toHaveLength(2);
        for (const attempt of [
          () => h.accrupay.webhookEndpoints.get(id),
          () => h.accrupay.webhookEndpoints.recover(id, { since: new Date(0) }),
          () => h.accrupay.webhookEndpoints.faults.arm(id, { kind: 'drop' }),
          () => h.accrupay.events.redeliver(eventId, { endpointId: id }),
          () => h.accrupay.webhookEndpoints.delete(id),
        ]) {
          await expect(attempt()).rejects.toBeInstanceOf(AccruPayNotFoundError);
        }
        expect((await h.accrupay.webhookEndpoints.list()).data).toEqual([]);
        await deliver();
        expect(hook.received).toHaveLength(2);
      });

      test('deleting answers the endpoint as deleted, not as ENABLED', async () => {
        const { id } = await endpoint();
        const deleted = await h.accrupay.webhookEndpoints.delete(id);
        expect(deleted.id).toBe(id);
        expect(deleted.status).not.toBe('ENABLED');
      });

      test('an endpoint made after an event does not get it, unless it is redelivered to that endpoint', async () => {
        const { secret } = await endpoint();
        await paid('wh-before');
        await deliver();
        const [old] = received(secret);
        const oldId = old?.id as string;
        const late = await webhookReceiver();
        try {
          const lateEndpoint = await endpoint({ url: late.url });
          await deliver();
          expect(late.received).toHaveLength(0);
          // Redelivered without naming an endpoint: to the endpoints it went to, not the late one.
          await h.accrupay.events.redeliver(oldId);
          await deliver();
          expect(hook.received).toHaveLength(3);
          expect(late.received).toHaveLength(0);
          // Named: the late endpoint gets it, signed with its own secret only.
          await h.accrupay.events.redeliver(oldId, { endpointId: lateEndpoint.id });
          await deliver();
          expect(late.received.map((r) => opened(r, lateEndpoint.secret).id)).toEqual([oldId]);
          expect(refusal(late.received[0] as ReceivedWebhook, secret)).toBe(
            'WEBHOOK_SIGNATURE_INVALID',
          );
          expect(hook.received).toHaveLength(3);
          // Events after its creation reach it as they reach the first one.
          await paid('wh-after');
          await deliver();
          expect(late.received.slice(1).map((r) => opened(r, lateEndpoint.secret).type)).toEqual([
            'transaction.succeeded',
            'client_session.completed',
          ]);
        } finally {
          await late.close();
        }
      });

      test('an endpoint gets only the event types it subscribed to', async () => {
        const { id, secret } = await endpoint({ enabledEvents: ['transaction.refunded'] });
        const all = await webhookReceiver();
        try {
          const everything = await endpoint({ url: all.url });
          const { transaction } = await paid('wh-types');
          const refund = await h.accrupay.transactions.refund({ id: transaction.id });
          await deliver();
          expect(all.received.map((r) => opened(r, everything.secret).type)).toEqual([
            'transaction.succeeded',
            'client_session.completed',
            'transaction.refunded',
          ]);
          expect(received(secret).map((event) => [event.type, event.data.object.id])).toEqual([
            ['transaction.refunded', refund.id],
          ]);
          for (const event of (await h.accrupay.events.list()).data) {
            const endpoints = (await h.accrupay.events.deliveries(event.id)).data.map(
              (delivery) => delivery.endpointId,
            );
            expect(endpoints.sort(), event.type).toEqual(
              (event.type === 'transaction.refunded'
                ? [id, everything.id]
                : [everything.id]
              ).sort(),
            );
          }
        } finally {
          await all.close();
        }
      });
    });
  });
});
