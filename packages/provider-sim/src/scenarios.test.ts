import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, type Loose, nuvei, setup, stripe } from './test-helpers.ts';

let t: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => {
  t = await setup();
});
afterEach(async () => {
  await t.close();
});

const sigOk = (r: { headers: Record<string, Loose>; body: string }) => {
  const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(String(r.headers['stripe-signature'])) ?? [];
  return (
    v1 ===
    createHmac('sha256', ACCOUNT.stripe.webhookSecret).update(`${ts}.${r.body}`).digest('hex')
  );
};
const events = () => t.hooks.received.map((r) => JSON.parse(r.body) as Loose);

async function pay(number = 'pm_card_visa', extra: Record<string, string> = {}) {
  const res = await stripe(t.server.url, 'POST', '/payment_intents', {
    amount: '1500',
    currency: 'usd',
    confirm: 'true',
    payment_method: number,
    'metadata[order_id]': 'order-9',
    ...extra,
  });
  return res;
}

async function createPI(extra: Record<string, string> = {}) {
  return (
    await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '1500',
      currency: 'usd',
      'metadata[order_id]': 'order-9',
      ...extra,
    })
  ).body;
}

const confirm = (id: string, pm = 'pm_card_visa') =>
  stripe(t.server.url, 'POST', `/payment_intents/${id}/confirm`, { payment_method: pm });

describe('callback scenarios', () => {
  it('drop_callback targeted by token drops only that session', async () => {
    const a = await createPI();
    const b = await createPI({ 'metadata[order_id]': 'order-10' });
    await t.sim.flush();
    t.hooks.received.length = 0;
    t.sim.addScenario({ kind: 'drop_callback', target: { token: a.client_secret } });
    await confirm(a.id);
    await confirm(b.id);
    await t.sim.flush();
    expect(events().map((e) => e.data.object.id)).toEqual([b.id]);
    expect(t.sim.deliveries().filter((d) => d.state === 'dropped')).toHaveLength(1);
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(2);
  });

  it('duplicate_callback sends the same event twice', async () => {
    const pi = await createPI();
    await t.sim.flush();
    t.hooks.received.length = 0;
    t.sim.addScenario({ kind: 'duplicate_callback', target: { providerRef: pi.id } });
    await confirm(pi.id);
    await t.sim.flush();
    const ev = events();
    expect(ev).toHaveLength(2);
    expect(ev[0].id).toBe(ev[1].id);
    expect(t.hooks.received.every(sigOk)).toBe(true);
  });

  it('concurrent_duplicates fires the copies at the same clock time, all in flight together', async () => {
    t.sim.addScenario({
      kind: 'concurrent_duplicates',
      copies: 3,
      target: { merchantRef: 'order-9' },
      times: 1,
    });
    await pay();
    await t.sim.flush();
    const ev = events();
    expect(ev.filter((e) => e.type === 'payment_intent.created')).toHaveLength(3);
    const copies = t.sim.deliveries().filter((d) => d.eventType === 'payment_intent.created');
    expect(new Set(copies.map((d) => d.attempts[0]?.at)).size).toBe(1);
  });

  it('delay_callback holds the callback for clock time', async () => {
    t.sim.addScenario({ kind: 'delay_callback', delayMs: 600_000 });
    await pay();
    await t.sim.flush();
    expect(t.hooks.received).toHaveLength(0);
    await t.sim.clock.advance(599_999);
    expect(t.hooks.received).toHaveLength(0);
    await t.sim.clock.advance(1);
    expect(events().map((e) => e.type)).toEqual([
      'payment_intent.created',
      'payment_intent.succeeded',
    ]);
  });

  it("out_of_order delivers a session's callbacks newest first after the window", async () => {
    t.sim.addScenario({ kind: 'out_of_order', windowMs: 1_000 });
    const pi = await createPI({ capture_method: 'manual' });
    await confirm(pi.id);
    await stripe(t.server.url, 'POST', `/payment_intents/${pi.id}/capture`);
    await t.sim.flush();
    expect(t.hooks.received).toHaveLength(0);
    await t.sim.clock.advance(1_000);
    expect(events().map((e) => e.type)).toEqual([
      'payment_intent.succeeded',
      'payment_intent.amount_capturable_updated',
      'payment_intent.created',
    ]);
  });

  it('forged_callback bad_signature: a copy with a signature that does not verify', async () => {
    t.sim.addScenario({ kind: 'forged_callback', mode: 'bad_signature' });
    const pi = await createPI();
    await t.sim.flush();
    expect(t.hooks.received).toHaveLength(2);
    expect(t.hooks.received.map(sigOk).sort()).toEqual([false, true]);
    expect(events().every((e) => e.data.object.id === pi.id)).toBe(true);
  });

  it('forged_callback wrong_secret_success: claims success for a declined payment, signed with another secret', async () => {
    const pi = await createPI();
    await t.sim.flush();
    t.hooks.received.length = 0;
    t.sim.addScenario({
      kind: 'forged_callback',
      mode: 'wrong_secret_success',
      target: { token: pi.client_secret },
    });
    const res = await confirm(pi.id, 'pm_card_chargeDeclined');
    expect(res.status).toBe(402);
    await t.sim.flush();
    const forged = t.hooks.received.find(
      (r) => JSON.parse(r.body).type === 'payment_intent.succeeded',
    );
    const genuine = t.hooks.received.find(
      (r) => JSON.parse(r.body).type === 'payment_intent.payment_failed',
    );
    expect(forged && JSON.parse(forged.body).data.object.status).toBe('succeeded');
    expect(forged && sigOk(forged)).toBe(false);
    expect(genuine && sigOk(genuine)).toBe(true);
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(0);
    expect(t.sim.deliveries().find((d) => d.forged)?.forged).toBe('wrong_secret_success');
  });

  it('forged Nuvei DMN: APPROVED for a declined payment with a checksum from the wrong secret', async () => {
    t.sim.addScenario({ kind: 'forged_callback', mode: 'wrong_secret_success', provider: 'nuvei' });
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    const { merchantId, merchantSiteId, secretKey } = ACCOUNT.nuvei;
    const ts = '20300115120000';
    const order = (
      await nuvei(t.server.url, 'openOrder', {
        merchantId,
        merchantSiteId,
        clientRequestId: 'c1',
        amount: '5.00',
        currency: 'USD',
        timeStamp: ts,
        checksum: sha(`${merchantId}${merchantSiteId}c15.00USD${ts}${secretKey}`),
      })
    ).body;
    const paid = await nuvei(t.server.url, 'payment', {
      merchantId,
      merchantSiteId,
      sessionToken: order.sessionToken,
      clientRequestId: 'c2',
      amount: '5.00',
      currency: 'USD',
      timeStamp: ts,
      checksum: sha(`${merchantId}${merchantSiteId}c25.00USD${ts}${secretKey}`),
      paymentOption: {
        card: {
          cardNumber: '4000000000000002',
          cardHolderName: 'J S',
          expirationMonth: '1',
          expirationYear: '2035',
          CVV: '123',
        },
      },
    });
    expect(paid.body.transactionStatus).toBe('DECLINED');
    await t.sim.flush();
    const dmns = t.hooks.received.map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    const valid = (d: Record<string, string>) =>
      d.advanceResponseChecksum ===
      sha(
        `${secretKey}${d.totalAmount}${d.currency}${d.responseTimeStamp}${d.PPP_TransactionID}${d.Status}${d.productId}`,
      );
    expect(dmns.map((d) => [d.Status, valid(d)]).sort()).toEqual([
      ['APPROVED', false],
      ['DECLINED', true],
    ]);
  });

  it('unmappable_status reports a status the router cannot map while the ledger keeps the truth', async () => {
    t.sim.addScenario({ kind: 'unmappable_status', target: { merchantRef: 'order-9' } });
    const res = await pay();
    expect(res.body.status).toBe('requires_review');
    expect((await stripe(t.server.url, 'GET', `/payment_intents/${res.body.id}`)).body.status).toBe(
      'requires_review',
    );
    await t.sim.flush();
    expect(events().map((e) => e.data.object.status)).toEqual([
      'requires_review',
      'requires_review',
    ]);
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(1);
  });
});

describe('API fault scenarios', () => {
  it('api_error answers the next N calls with a 5xx in Stripe style, then recovers', async () => {
    t.sim.addScenario({ kind: 'api_error', status: 503, times: 2 });
    expect((await pay()).status).toBe(503);
    const second = await pay();
    expect(second.status).toBe(503);
    expect(second.body.error.type).toBe('api_error');
    expect((await pay()).status).toBe(200);
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(1);
  });

  it('api_error on Nuvei answers with an HTML 500', async () => {
    t.sim.addScenario({ kind: 'api_error', provider: 'nuvei' });
    const res = await fetch(`${t.server.url}/nuvei/ppp/api/v1/getPaymentStatus.do`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sessionToken":"x"}',
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toContain('text/html');
  });

  it('api_timeout: the provider does the work, the response never comes, the connection drops after clock time', async () => {
    t.sim.addScenario({ kind: 'api_timeout', holdMs: 30_000 });
    const held = once(t.sim.events, 'request-held');
    const pending = pay().then(
      () => 'answered',
      () => 'connection dropped',
    );
    await held;
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(1);
    await t.sim.clock.advance(30_000);
    expect(await pending).toBe('connection dropped');
  });

  it('api_timeout with applied=false drops the call before the provider acts', async () => {
    t.sim.addScenario({ kind: 'api_timeout', applied: false });
    const held = once(t.sim.events, 'request-held');
    const pending = pay().catch(() => 'dropped');
    await held;
    await t.sim.clock.advance(30_000);
    expect(await pending).toBe('dropped');
    expect(t.sim.ledger()).toHaveLength(0);
  });
});

describe('delivery retries', () => {
  it('retries a non-2xx answer on clock time with backoff, then succeeds', async () => {
    t.hooks.replies.push(500, 503);
    const pi = await createPI();
    await t.sim.flush();
    const d = t.sim.deliveries().find((x) => x.keys.providerRefs.includes(pi.id));
    expect(d?.state).toBe('retrying');
    await t.sim.clock.advance(9_999);
    expect(d?.attempts).toHaveLength(1);
    await t.sim.clock.advance(1);
    expect(d?.attempts.map((a) => a.status)).toEqual([500, 503]);
    await t.sim.clock.advance(20_000);
    expect(d?.state).toBe('delivered');
    expect(d?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  it('gives up after maxAttempts', async () => {
    await t.close();
    t = await setup({
      callbacks: { maxAttempts: 3, initialBackoffMs: 1_000, maxBackoffMs: 1_500 },
    });
    t.hooks.replies.push(500, 500, 500, 500);
    await createPI();
    await t.sim.clock.advance(60_000);
    const d = t.sim.deliveries()[0];
    expect(d?.state).toBe('failed');
    expect(d?.attempts).toHaveLength(3);
    expect(d?.attempts[2]?.at).toBe(
      new Date(Date.parse('2030-01-15T12:00:00Z') + 2_500).toISOString(),
    );
  });
});

describe('chaos and determinism', () => {
  it('the same seed gives the same chaos decisions but never the same references', async () => {
    const run = async () => {
      await t.close();
      t = await setup({ seed: 42, chaos: { callbackDropRate: 0.5 } });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await createPI()).id);
      await t.sim.flush();
      return { ids, states: t.sim.deliveries().map((d) => d.state) };
    };
    const a = await run();
    const b = await run();
    expect(b.states).toEqual(a.states);
    expect(a.states).toContain('dropped');
    expect(a.states).toContain('delivered');
    expect(b.ids.filter((id) => a.ids.includes(id))).toEqual([]);
  });

  it('reset returns the simulator to empty and never hands out an id again', async () => {
    const first = await createPI();
    t.sim.addScenario({ kind: 'drop_callback' });
    t.sim.reset();
    expect(t.sim.ledger()).toEqual([]);
    expect(t.sim.scenarios()).toEqual([]);
    expect(t.sim.deliveries()).toEqual([]);
    expect((await stripe(t.server.url, 'GET', `/payment_intents/${first.id}`)).status).toBe(404);
    const second = await createPI();
    expect(second.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(second.id).not.toBe(first.id);
    expect(second.client_secret).not.toBe(first.client_secret);
  });
});
