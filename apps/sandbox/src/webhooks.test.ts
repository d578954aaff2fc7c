import { WEBHOOK_RETRY_SCHEDULE_MS } from '@accrupay/contracts';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GOOD_CARDS, testCard } from './test-cards.ts';
import {
  databases,
  paymentStart,
  startTestSandbox,
  type TestSandbox,
  type WebhookReceiver,
  webhookReceiver,
} from './test-support.ts';

// Merchant webhooks over REST on both databases: the outbox gives exactly the events of the
// status changes, each signed as Standard Webhooks says; the retry schedule runs on the
// simulator's manual clock; faults are observable by the receiver. The dispatcher does not poll
// here (autoStart false): each test runs the due deliveries itself, so nothing races.

const DBS = await databases();
type Json = Record<string, unknown>;

afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

describe.each(DBS)('merchant webhooks on $name', (db) => {
  describe.skipIf(db.skip)('', () => {
    let t: TestSandbox;
    let hook: WebhookReceiver;
    beforeEach(async () => {
      t = await startTestSandbox({
        db: await db.url(),
        sandbox: { webhooks: { autoStart: false } },
      });
      hook = await webhookReceiver();
    });
    afterEach(async () => {
      await t?.close();
      await hook?.close();
    });
    const deliver = () => t.sandbox.service.webhooks.runDue();
    const advance = async (ms: number) => {
      await t.sim.clock.advance(ms);
      await deliver();
    };
    async function endpoint(body: Json = {}) {
      const created = await t.api<Json & { id: string; secret: string }>(
        'POST',
        '/v1/webhook-endpoints',
        { body: { url: hook.url, ...body } },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      return created.body;
    }
    async function payAndVerify(code: string, card = GOOD_CARDS.STRIPE) {
      t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: code } });
      const started = await t.api<Json & { id: string; token: string }>(
        'POST',
        '/v1/client-sessions/payments',
        { body: paymentStart(t.merchant, 'STRIPE', { code }) },
      );
      expect(started.status).toBe(200);
      await t.pay('STRIPE', started.body.token, card);
      const verified = await t.api<Json>('POST', '/v1/client-sessions/payments/verify', {
        body: { id: started.body.id },
      });
      return { sessionId: started.body.id, transaction: verified.body };
    }

    test('a paid and verified session sends its events in order, each signed, with a stable id', async () => {
      const { secret } = await endpoint();
      expect(secret).toMatch(/^whsec_/);
      const { sessionId, transaction } = await payAndVerify('wh-order-1');
      await deliver();
      const events = hook.verified(secret);
      expect(events.map((e) => e.type)).toEqual([
        'transaction.succeeded',
        'client_session.completed',
      ]);
      expect(events[0]?.data.object).toMatchObject({ id: transaction.id, status: 'SUCCEEDED' });
      expect(events[1]?.data.object).toMatchObject({ id: sessionId, status: 'COMPLETED' });
      expect(events.map((e) => e.id)).toEqual(hook.received.map((r) => r.headers['webhook-id']));
      const listed = await t.api<{ data: Json[]; total: number }>('GET', '/v1/events');
      expect(listed.body.total).toBe(2);
      expect(listed.body.data.map((e) => e.id)).toEqual(events.map((e) => e.id).reverse());
      // Verify again: nothing changed, no new event.
      await t.api('POST', '/v1/client-sessions/payments/verify', { body: { id: sessionId } });
      await deliver();
      expect(hook.received).toHaveLength(2);
    });

    test('a declined card sends transaction.declined and no success', async () => {
      const { secret } = await endpoint();
      await payAndVerify('wh-declined', testCard('STRIPE', 'generic_decline'));
      await deliver();
      const types = hook.verified(secret).map((e) => e.type);
      expect(types).toContain('transaction.declined');
      expect(types).not.toContain('transaction.succeeded');
      expect(types).not.toContain('client_session.completed');
    });

    test('a failing endpoint gets the retry schedule on the clock, then the delivery fails', async () => {
      await endpoint();
      hook.respond(() => ({ status: 500 }));
      await payAndVerify('wh-retry');
      await deliver();
      expect(hook.received).toHaveLength(2);
      for (const [index, wait] of WEBHOOK_RETRY_SCHEDULE_MS.slice(1).entries()) {
        await advance(wait - 1);
        expect(hook.received).toHaveLength(2 * (index + 1));
        await advance(1);
        expect(hook.received).toHaveLength(2 * (index + 2));
      }
      await advance(24 * 3600_000);
      expect(hook.received).toHaveLength(2 * WEBHOOK_RETRY_SCHEDULE_MS.length);
      const [event] = (await t.api<{ data: Json[] }>('GET', '/v1/events')).body.data;
      const deliveries = await t.api<{ data: (Json & { log: Json[] })[] }>(
        'GET',
        `/v1/events/${event?.id}/deliveries`,
      );
      expect(deliveries.body.data[0]).toMatchObject({ state: 'FAILED', attempts: 8 });
      expect(deliveries.body.data[0]?.log).toHaveLength(8);
      expect(deliveries.body.data[0]?.log[0]).toMatchObject({
        responseStatus: 500,
        trigger: 'scheduled',
      });
      // Every attempt carried the same webhook-id.
      const ids = new Set(hook.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(2);
      // Recover: both go again now, and succeed.
      hook.respond(() => ({ status: 204 }));
      const [we] = (await t.api<{ data: Json[] }>('GET', '/v1/webhook-endpoints')).body.data;
      const recovered = await t.api<Json>('POST', `/v1/webhook-endpoints/${we?.id}/recover`, {
        body: { since: '2000-01-01T00:00:00.000Z' },
      });
      expect(recovered.body).toEqual({ redelivered: 2 });
      await deliver();
      expect(hook.received).toHaveLength(2 * WEBHOOK_RETRY_SCHEDULE_MS.length + 2);
    });

    test('410 disables the endpoint; 429 waits for Retry-After', async () => {
      const { id } = await endpoint();
      hook.respond(() => ({ status: 429, headers: { 'retry-after': '120' } }));
      await payAndVerify('wh-429');
      await deliver();
      expect(hook.received).toHaveLength(2);
      await advance(119_000);
      expect(hook.received).toHaveLength(2);
      hook.respond(() => ({ status: 410 }));
      await advance(1_000);
      // The first 410 disables the endpoint: the second delivery is not sent.
      expect(hook.received).toHaveLength(3);
      const got = await t.api<Json>('GET', `/v1/webhook-endpoints/${id}`);
      expect(got.body).toMatchObject({ status: 'DISABLED' });
      await advance(24 * 3600_000);
      expect(hook.received).toHaveLength(3);
    });

    test('redelivery sends the same event again with the same webhook-id', async () => {
      const { secret } = await endpoint();
      await payAndVerify('wh-redeliver');
      await deliver();
      const [first] = hook.verified(secret);
      const again = await t.api<{ data: Json[] }>('POST', `/v1/events/${first?.id}/redeliver`, {
        body: {},
      });
      expect(again.status).toBe(200);
      await deliver();
      expect(hook.received).toHaveLength(3);
      expect(hook.received[2]?.headers['webhook-id']).toBe(first?.id);
      expect(hook.received[2]?.body).toBe(hook.received[0]?.body);
    });

    test('faults: drop, duplicate, delay, reorder and forgeries reach the receiver as armed', async () => {
      const { id, secret } = await endpoint({ enabledEvents: ['transaction.succeeded'] });
      const arm = (fault: Json) =>
        t.api<Json>('POST', `/v1/webhook-endpoints/${id}/faults`, { body: fault });
      expect((await arm({ kind: 'drop', times: 1 })).status).toBe(200);
      await payAndVerify('wh-f1');
      await deliver();
      expect(hook.received).toHaveLength(0);

      await arm({ kind: 'duplicate', copies: 3, times: 1 });
      await payAndVerify('wh-f2');
      await deliver();
      expect(hook.received).toHaveLength(3);
      expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);

      await arm({ kind: 'delay', delayMs: 60_000, times: 1 });
      await payAndVerify('wh-f3');
      await deliver();
      expect(hook.received).toHaveLength(3);
      await advance(60_000);
      expect(hook.received).toHaveLength(4);

      await arm({ kind: 'reorder', windowMs: 1_000, times: 2 });
      const a = await payAndVerify('wh-f4a');
      const b = await payAndVerify('wh-f4b');
      await deliver();
      expect(hook.received).toHaveLength(4);
      await advance(1_000);
      const order = hook
        .verified(secret)
        .slice(4)
        .map((e) => e.data.object.id);
      expect(order).toEqual([b.transaction.id, a.transaction.id]);

      // Forgeries, on a fresh endpoint that takes every event: each next to the genuine delivery.
      await t.api('DELETE', `/v1/webhook-endpoints/${id}`);
      const all = await endpoint();
      hook.received.length = 0;
      const onDecline = { target: { eventType: 'transaction.declined' }, times: 1 };
      for (const mode of ['bad_signature', 'stale_timestamp', 'unpaid_success']) {
        const armed = await t.api('POST', `/v1/webhook-endpoints/${all.id}/faults`, {
          body: { kind: 'forge', mode, ...onDecline },
        });
        expect(armed.status).toBe(200);
      }
      const declined = await payAndVerify('wh-f5', testCard('STRIPE', 'generic_decline'));
      expect(declined.transaction.status).toBe('DECLINED');
      await deliver();
      const wh = new Webhook(all.secret);
      const outcomes = hook.received.map((r) => {
        const body = JSON.parse(r.body) as Json & {
          id: string;
          type: string;
          data: { object: Json };
        };
        try {
          wh.verify(r.body, r.headers as Record<string, string>);
          return { valid: true, body };
        } catch (error) {
          return { valid: false, error: (error as Error).message, body };
        }
      });
      const refused = outcomes.filter((o) => !o.valid).map((o) => o.error);
      expect(refused).toHaveLength(2);
      expect(refused.some((e) => /signature/i.test(String(e)))).toBe(true);
      expect(refused.some((e) => /timestamp/i.test(String(e)))).toBe(true);
      // A correctly signed success for a transaction that was declined: only verify() tells.
      const forged = outcomes.filter((o) => o.valid && o.body.id.startsWith('evt_forged'));
      expect(forged).toHaveLength(1);
      expect(forged[0]?.body).toMatchObject({
        type: 'transaction.succeeded',
        data: { object: { id: declined.transaction.id, status: 'SUCCEEDED' } },
      });
      const truth = await t.api<Json>('GET', `/v1/transactions/${declined.transaction.id}`);
      expect(truth.body).toMatchObject({ status: 'DECLINED' });
      // The router never wrote that event: it is not among the merchant's events.
      expect((await t.api('GET', `/v1/events/${forged[0]?.body.id}`)).status).toBe(404);
      // The genuine decline arrived too, once, validly signed.
      const genuine = outcomes.filter((o) => o.valid && o.body.type === 'transaction.declined');
      expect(genuine).toHaveLength(1);
    });

    test('rotation: both secrets sign during the grace period, only the new one after', async () => {
      const { id, secret: old } = await endpoint();
      const rotated = await t.api<Json & { secret: string }>(
        'POST',
        `/v1/webhook-endpoints/${id}/rotate-secret`,
        { body: { graceSeconds: 3600 } },
      );
      expect(rotated.body.secret).not.toBe(old);
      await payAndVerify('wh-rotate-1');
      await deliver();
      expect(hook.verified(old)).toHaveLength(2);
      expect(hook.verified(rotated.body.secret)).toHaveLength(2);
      await t.sim.clock.advance(3600_000);
      hook.received.length = 0;
      await payAndVerify('wh-rotate-2');
      await deliver();
      expect(() => hook.verified(old)).toThrow();
      expect(hook.verified(rotated.body.secret)).toHaveLength(2);
    });

    test("another merchant's endpoints and events are not found", async () => {
      const { id } = await endpoint();
      await payAndVerify('wh-isolated');
      const other = await t.sandbox.createMerchant({ name: 'Other' });
      const asOther = { secret: other.apiSecret };
      expect((await t.api('GET', `/v1/webhook-endpoints/${id}`, asOther)).status).toBe(404);
      expect((await t.api('DELETE', `/v1/webhook-endpoints/${id}`, asOther)).status).toBe(404);
      const [event] = (await t.api<{ data: Json[] }>('GET', '/v1/events')).body.data;
      expect((await t.api('GET', `/v1/events/${event?.id}`, asOther)).status).toBe(404);
      expect(
        (await t.api('POST', `/v1/events/${event?.id}/redeliver`, { ...asOther, body: {} })).status,
      ).toBe(404);
      expect((await t.api<{ total: number }>('GET', '/v1/events', asOther)).body.total).toBe(0);
    });

    test('bad endpoint input is refused with the field named', async () => {
      for (const body of [
        { url: 'ftp://example.com/x' },
        { url: 'not a url' },
        { url: hook.url, enabledEvents: ['payment.made'] },
        { url: hook.url, enabledEvents: [] },
        { url: hook.url, extra: 1 },
      ]) {
        const answer = await t.api<{ error: { code: string; message: string } }>(
          'POST',
          '/v1/webhook-endpoints',
          { body },
        );
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.error.code).toBe('VALIDATION_ERROR');
      }
    });
  });
});
