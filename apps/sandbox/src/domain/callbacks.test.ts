// What a provider's callback makes the router ask the provider: the router's Stripe endpoint takes
// no echo of what it created (payment_intent.created), and one that still arrives asks nothing;
// a callback with news asks for the intent, and for its card only when the router keeps the card.
// Counted on the router's own outgoing requests to the simulator.
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { GOOD_CARDS } from '../test-cards.ts';
import { paymentStart, startTestSandbox, type TestSandbox } from '../test-support.ts';

describe('Stripe callbacks (on SQLite)', () => {
  let t: TestSandbox;
  /** The router's requests to Stripe's API, as `METHOD /path`. */
  const asked: string[] = [];
  beforeEach(async () => {
    t = await startTestSandbox();
    asked.length = 0;
    const realRequest = http.request;
    vi.spyOn(http, 'request').mockImplementation(((...args: Parameters<typeof http.request>) => {
      const url = String(args[0]);
      const options = (typeof args[1] === 'object' ? args[1] : {}) as http.RequestOptions;
      if (url.includes('/stripe/v1/')) {
        asked.push(`${options.method ?? 'GET'} ${url.replace(/^.*\/stripe\/v1/, '')}`);
      }
      return realRequest(...args);
    }) as typeof http.request);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  async function started(code: string, storePaymentMethod: boolean) {
    const answer = await t.api<{ id: string; token: string }>(
      'POST',
      '/v1/client-sessions/payments',
      { body: paymentStart(t.merchant, 'STRIPE', { code, storePaymentMethod }) },
    );
    expect(answer.status).toBe(200);
    return answer.body;
  }
  const callbacksOf = async (providerCode: string) =>
    (await t.sandbox.store.listProviderCallbacksByCodes([providerCode])).map(
      (callback) => `${callback.event_type} ${callback.verified} ${callback.outcome}`,
    );

  test("the router's endpoint takes no payment_intent.created; payment_intent.succeeded asks for the intent, not its card", async () => {
    const session = await started('callbacks-1', false);
    expect(asked).toEqual(['POST /payment_intents']);
    const providerCode = (await t.sandbox.store.findSessionById(session.id))?.provider_code;
    if (!providerCode) throw new Error('the session has no PaymentIntent');
    asked.length = 0;
    await t.sim.flush();
    expect(t.sim.deliveries().map((delivery) => delivery.eventType)).toEqual([]);
    expect(await callbacksOf(providerCode)).toEqual([]);

    expect((await t.pay('STRIPE', session.token, GOOD_CARDS.STRIPE)).status).toBe(200);
    await t.sim.flush();
    expect(await callbacksOf(providerCode)).toEqual(['payment_intent.succeeded 1 refreshed']);
    // The callback alone completed the session, from one lookup of the intent.
    expect(asked).toEqual([`GET /payment_intents/${providerCode}`]);
    const stored = await t.sandbox.store.findSessionById(session.id);
    expect(stored?.status).toBe('COMPLETED');
  });

  test('an endpoint that takes every event (provisioned before): payment_intent.created is recorded and asks Stripe nothing', async () => {
    await started('callbacks-provisions', false);
    for (const account of t.sim.accounts()) {
      if (account.stripe) {
        t.sim.upsertAccount({ ...account, stripe: { ...account.stripe, enabledEvents: ['*'] } });
      }
    }
    const session = await started('callbacks-every-event', false);
    const providerCode = (await t.sandbox.store.findSessionById(session.id))?.provider_code;
    if (!providerCode) throw new Error('the session has no PaymentIntent');
    asked.length = 0;
    await t.sim.flush();
    expect(await callbacksOf(providerCode)).toEqual(['payment_intent.created 1 ignored']);
    expect(asked).toEqual([]);
  });

  test('a session that keeps its card: the callback reads the card too and stores it', async () => {
    const session = await started('callbacks-2', true);
    const providerCode = (await t.sandbox.store.findSessionById(session.id))?.provider_code;
    if (!providerCode) throw new Error('the session has no PaymentIntent');
    await t.sim.flush();
    asked.length = 0;
    expect((await t.pay('STRIPE', session.token, GOOD_CARDS.STRIPE)).status).toBe(200);
    await t.sim.flush();
    expect(asked).toEqual([
      `GET /payment_intents/${providerCode}`,
      expect.stringMatching(/^GET \/payment_methods\/pm_/),
    ]);
    const stored = await t.sandbox.store.findSessionById(session.id);
    expect(stored?.status).toBe('COMPLETED');
    expect(stored?.payment_method_id).toMatch(/^pm_/);
  });
});
