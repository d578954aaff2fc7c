import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyStripeSignature } from '../signatures.ts';
import { ACCOUNT, type Loose, setup, stripe } from '../test-helpers.ts';

let t: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => {
  t = await setup();
});
afterEach(async () => {
  await t.close();
});

const HOUR = 3_600_000;
const ORDER = 'order-r1';

/** A PaymentIntent of `amount` cents for ORDER, confirmed at once with a card number (automatic capture unless told). */
async function paidPI(number = '4242424242424242', extra: Record<string, string> = {}) {
  const res = await stripe(t.server.url, 'POST', '/payment_intents', {
    amount: '1000',
    currency: 'usd',
    confirm: 'true',
    'metadata[order_id]': ORDER,
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': number,
    'payment_method_data[card][exp_month]': '12',
    'payment_method_data[card][exp_year]': '2034',
    'payment_method_data[card][cvc]': '123',
    ...extra,
  });
  expect(res.status).toBe(200);
  return res.body as Record<string, Loose>;
}

/** POST /v1/refunds, form-encoded, with the secret key and any extra headers. */
const refund = (params: Record<string, string>, headers: Record<string, string> = {}) =>
  stripe(t.server.url, 'POST', '/refunds', params, ACCOUNT.stripe.secretKey, headers);

const charge = (id: string) => stripe(t.server.url, 'GET', `/charges/${id}`);

/** The refund entries of ORDER as [kind, amount]. */
const refundEntries = () =>
  t.sim
    .ledger({ merchantRef: ORDER })
    .filter((e) => e.kind.startsWith('refund'))
    .map((e) => [e.kind, e.amount]);

/** The webhook events received so far, after delivering what is due. */
async function events(): Promise<Record<string, Loose>[]> {
  await t.sim.flush();
  return t.hooks.received.map((r) => JSON.parse(r.body));
}

/** The refund-related events (refund.* and charge.refund*) received so far. */
async function refundEvents(): Promise<Record<string, Loose>[]> {
  return (await events()).filter((e) => /^(refund\.|charge\.refund)/.test(e.type));
}

describe('Stripe-like refunds: money rules', () => {
  it('full refund: a succeeded refund, the charge marked refunded, one ledger entry findable by the payment; a second refund is refused', async () => {
    const pi = await paidPI();
    const res = await refund({ payment_intent: pi.id, reason: 'requested_by_customer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      object: 'refund',
      amount: 1000,
      currency: 'usd',
      payment_intent: pi.id,
      charge: pi.latest_charge,
      status: 'succeeded',
      reason: 'requested_by_customer',
      metadata: {},
    });
    expect(res.body.id).toMatch(/^re_[A-Za-z0-9]{24}$/);
    expect(res.body).not.toHaveProperty('failure_reason');
    expect((await charge(pi.latest_charge)).body).toMatchObject({
      object: 'charge',
      amount_captured: 1000,
      amount_refunded: 1000,
      refunded: true,
      payment_intent: pi.id,
    });
    const got = await stripe(t.server.url, 'GET', `/refunds/${res.body.id}`);
    expect(got.body).toEqual(res.body);

    const entries = t.sim.ledger({ merchantRef: ORDER, kind: 'refund' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      provider: 'stripe',
      amount: 1000,
      currency: 'usd',
      providerRef: res.body.id,
      relatedRef: pi.id,
      detail: pi.latest_charge,
    });
    expect(t.sim.ledger({ relatedRef: pi.id, kind: 'refund' })).toEqual(entries);

    const again = await refund({ payment_intent: pi.id });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'charge_already_refunded',
    });
    expect(refundEntries()).toEqual([['refund', 1000]]);
  });

  it('partial refunds (by payment_intent, then by charge) sum to the total, then one more is refused; the list is newest first', async () => {
    const pi = await paidPI();
    const first = await refund({ payment_intent: pi.id, amount: '300' });
    expect(first.body).toMatchObject({ amount: 300, status: 'succeeded' });
    expect((await charge(pi.latest_charge)).body).toMatchObject({
      amount_refunded: 300,
      refunded: false,
    });
    const second = await refund({ charge: pi.latest_charge });
    expect(second.body).toMatchObject({ amount: 700, payment_intent: pi.id });
    expect((await charge(pi.latest_charge)).body).toMatchObject({
      amount_refunded: 1000,
      refunded: true,
    });
    const more = await refund({ payment_intent: pi.id, amount: '1' });
    expect(more.status).toBe(400);
    expect(more.body.error.code).toBe('charge_already_refunded');

    const list = await stripe(t.server.url, 'GET', '/refunds', { payment_intent: pi.id });
    expect(list.body).toMatchObject({ object: 'list', has_more: false });
    expect(list.body.data.map((r: Loose) => r.id)).toEqual([second.body.id, first.body.id]);
    const one = await stripe(t.server.url, 'GET', '/refunds', {
      payment_intent: pi.id,
      limit: '1',
    });
    expect(one.body.has_more).toBe(true);
    expect(refundEntries()).toEqual([
      ['refund', 300],
      ['refund', 700],
    ]);
  });

  it('an over-refund is refused with Stripe amount_too_large, naming the charge amount or what is left', async () => {
    const pi = await paidPI();
    const tooMuch = await refund({ payment_intent: pi.id, amount: '1001' });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'amount_too_large',
      param: 'amount',
      message: 'Refund amount ($10.01) is greater than charge amount ($10.00)',
    });
    await refund({ payment_intent: pi.id, amount: '600' });
    const overLeft = await refund({ payment_intent: pi.id, amount: '500' });
    expect(overLeft.body.error.message).toBe(
      'Refund amount ($5.00) is greater than unrefunded amount on charge ($4.00)',
    );
    expect(refundEntries()).toEqual([['refund', 600]]);
  });

  it('an uncaptured (requires_capture) or unpaid intent is refused; after a partial capture the default refund is what was captured', async () => {
    const pi = await paidPI('4242424242424242', { capture_method: 'manual' });
    expect(pi.status).toBe('requires_capture');
    const refused = await refund({ payment_intent: pi.id });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'payment_intent_unexpected_state',
    });
    expect(refused.body.error.message).toContain(`/v1/payment_intents/${pi.id}/cancel`);
    const unpaid = await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '1000',
      currency: 'usd',
    });
    const refusedUnpaid = await refund({ payment_intent: unpaid.body.id });
    expect(refusedUnpaid.body.error.code).toBe('payment_intent_unexpected_state');
    expect(refundEntries()).toEqual([]);

    await stripe(t.server.url, 'POST', `/payment_intents/${pi.id}/capture`, {
      amount_to_capture: '600',
    });
    const done = await refund({ payment_intent: pi.id });
    expect(done.body).toMatchObject({ amount: 600, status: 'succeeded' });
    expect(
      t.sim.ledger({ merchantRef: ORDER }).map((e) => [e.kind, e.amount, e.relatedRef]),
    ).toEqual([
      ['authorization', 1000, undefined],
      ['capture', 600, undefined],
      ['refund', 600, pi.id],
    ]);
  });

  it('unknown references answer 404 resource_missing; a missing reference, a publishable key and a foreign charge are refused', async () => {
    const noPi = await refund({ payment_intent: 'pi_nope' });
    expect(noPi.status).toBe(404);
    expect(noPi.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'payment_intent',
      message: "No such payment_intent: 'pi_nope'",
    });
    const noCharge = await refund({ charge: 'ch_nope' });
    expect(noCharge.status).toBe(404);
    expect(noCharge.body.error).toMatchObject({ code: 'resource_missing', param: 'charge' });
    const none = await refund({ amount: '100' });
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('parameter_missing');
    expect((await stripe(t.server.url, 'GET', '/refunds/re_nope')).status).toBe(404);
    expect((await stripe(t.server.url, 'GET', '/charges/ch_nope')).status).toBe(404);

    const pi = await paidPI();
    const other = await paidPI();
    const mismatch = await refund({ payment_intent: pi.id, charge: other.latest_charge });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.param).toBe('charge');
    const publishable = await stripe(
      t.server.url,
      'POST',
      '/refunds',
      { payment_intent: pi.id },
      ACCOUNT.stripe.publishableKey,
    );
    expect(publishable.status).toBe(403);
    expect(refundEntries()).toEqual([]);
  });

  it('accepts a JSON body with metadata', async () => {
    const pi = await paidPI();
    const res = await fetch(`${t.server.url}/stripe/v1/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ACCOUNT.stripe.secretKey}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ payment_intent: pi.id, amount: 250, metadata: { ticket: 'T-9' } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ amount: 250, metadata: { ticket: 'T-9' } });
    expect(refundEntries()).toEqual([['refund', 250]]);
  });
});

describe('Stripe-like refunds: idempotency and faults', () => {
  it('the same Idempotency-Key replays the refund (one ledger entry); other parameters are refused', async () => {
    const pi = await paidPI();
    const key = { 'idempotency-key': 'refund-key-1' };
    const a = await refund({ payment_intent: pi.id, amount: '400' }, key);
    const b = await refund({ payment_intent: pi.id, amount: '400' }, key);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const c = await refund({ payment_intent: pi.id, amount: '500' }, key);
    expect(c.status).toBe(400);
    expect(c.body.error.type).toBe('idempotency_error');
    expect(refundEntries()).toEqual([['refund', 400]]);
  });

  it('a timeout after the refund was applied, then a retry with the same key: the first refund, once in the ledger', async () => {
    const pi = await paidPI();
    t.sim.addScenario({
      kind: 'api_timeout',
      holdMs: 30_000,
      applied: true,
      target: { merchantRef: ORDER },
    });
    const key = { 'idempotency-key': 'refund-timeout' };
    const held = once(t.sim.events, 'request-held');
    const lost = refund({ payment_intent: pi.id, amount: '500' }, key).then(
      () => 'answered',
      () => 'connection dropped',
    );
    await held;
    expect(refundEntries()).toEqual([['refund', 500]]);
    await t.sim.clock.advance(30_000);
    expect(await lost).toBe('connection dropped');

    const retry = await refund({ payment_intent: pi.id, amount: '500' }, key);
    expect(retry.status).toBe(200);
    const list = await stripe(t.server.url, 'GET', '/refunds', { payment_intent: pi.id });
    expect(list.body.data.map((r: Loose) => r.id)).toEqual([retry.body.id]);
    expect(refundEntries()).toEqual([['refund', 500]]);
  });

  it('a 5xx fault refunds nothing; the retry refunds once', async () => {
    const pi = await paidPI();
    t.sim.addScenario({ kind: 'api_error', status: 503, target: { merchantRef: ORDER } });
    const failed = await refund({ payment_intent: pi.id }, { 'idempotency-key': 'k-5xx' });
    expect(failed.status).toBe(503);
    expect(failed.body.error.type).toBe('api_error');
    expect(refundEntries()).toEqual([]);
    const retry = await refund({ payment_intent: pi.id }, { 'idempotency-key': 'k-5xx' });
    expect(retry.body.status).toBe('succeeded');
    expect(refundEntries()).toEqual([['refund', 1000]]);
  });
});

describe('Stripe-like refunds: outcomes by test card and webhooks', () => {
  it('a succeeded refund sends refund.created and charge.refunded, signed like every webhook', async () => {
    const pi = await paidPI();
    const res = await refund({ payment_intent: pi.id, amount: '400' });
    const evs = await refundEvents();
    expect(evs.map((e) => e.type)).toEqual(['refund.created', 'charge.refunded']);
    expect(evs[0]?.data.object).toMatchObject({ id: res.body.id, status: 'succeeded' });
    expect(evs[1]?.data.object).toMatchObject({
      object: 'charge',
      id: pi.latest_charge,
      amount_refunded: 400,
      refunded: false,
    });
    for (const r of t.hooks.received) {
      expect(
        verifyStripeSignature(
          ACCOUNT.stripe.webhookSecret,
          String(r.headers['stripe-signature']),
          r.body,
        ),
      ).toBe(true);
    }
  });

  it('4000000000007726: the refund is pending (no money moved yet) until 1 h of clock time, then succeeded with its webhooks', async () => {
    const pi = await paidPI('4000000000007726');
    const res = await refund({ payment_intent: pi.id });
    expect(res.body.status).toBe('pending');
    expect(refundEntries()).toEqual([]);
    const whilePending = await refund({ payment_intent: pi.id, amount: '1' });
    expect(whilePending.body.error.code).toBe('charge_already_refunded');
    expect((await refundEvents()).map((e) => e.type)).toEqual(['refund.created']);

    await t.sim.clock.advance(HOUR - 1);
    expect((await stripe(t.server.url, 'GET', `/refunds/${res.body.id}`)).body.status).toBe(
      'pending',
    );
    await t.sim.clock.advance(1);
    expect((await stripe(t.server.url, 'GET', `/refunds/${res.body.id}`)).body.status).toBe(
      'succeeded',
    );
    expect(refundEntries()).toEqual([['refund', 1000]]);
    const evs = await refundEvents();
    expect(evs.map((e) => e.type)).toEqual([
      'refund.created',
      'refund.updated',
      'charge.refund.updated',
      'charge.refunded',
    ]);
    expect(evs[1]?.data).toMatchObject({
      object: { id: res.body.id, status: 'succeeded' },
      previous_attributes: { status: 'pending' },
    });
    expect(evs[3]?.data.object).toMatchObject({ amount_refunded: 1000, refunded: true });
  });

  it('4000000000005126: the refund succeeds, then fails asynchronously after 1 h; the money comes back (refund_failed) and the charge is refundable again', async () => {
    const pi = await paidPI('4000000000005126');
    const res = await refund({ payment_intent: pi.id });
    expect(res.body.status).toBe('succeeded');
    expect(refundEntries()).toEqual([['refund', 1000]]);
    await t.sim.clock.advance(HOUR);
    const failed = await stripe(t.server.url, 'GET', `/refunds/${res.body.id}`);
    expect(failed.body).toMatchObject({
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
    });
    expect(refundEntries()).toEqual([
      ['refund', 1000],
      ['refund_failed', 1000],
    ]);
    const net = t.sim
      .ledger({ relatedRef: pi.id })
      .reduce((sum, e) => sum + (e.kind === 'refund' ? e.amount : -e.amount), 0);
    expect(net).toBe(0);
    expect(t.sim.ledger({ kind: 'refund_failed' })[0]).toMatchObject({
      providerRef: res.body.id,
      relatedRef: pi.id,
      merchantRef: ORDER,
    });
    expect((await charge(pi.latest_charge)).body).toMatchObject({
      amount_refunded: 0,
      refunded: false,
    });
    const evs = await refundEvents();
    expect(evs.map((e) => e.type)).toEqual([
      'refund.created',
      'charge.refunded',
      'refund.updated',
      'charge.refund.updated',
      'refund.failed',
    ]);
    expect(evs[3]?.data).toMatchObject({
      object: { status: 'failed', failure_reason: 'expired_or_canceled_card' },
      previous_attributes: { status: 'succeeded', failure_reason: null },
    });
    for (const r of t.hooks.received) {
      expect(
        verifyStripeSignature(
          ACCOUNT.stripe.webhookSecret,
          String(r.headers['stripe-signature']),
          r.body,
        ),
      ).toBe(true);
    }
  });

  it('refund webhooks take the delivery faults: duplicated and dropped by the payment reference or the refund id', async () => {
    const pi = await paidPI();
    t.sim.addScenario({ kind: 'duplicate_callback', copies: 2, target: { merchantRef: ORDER } });
    await refund({ payment_intent: pi.id, amount: '100' });
    expect((await refundEvents()).map((e) => e.type)).toEqual([
      'refund.created',
      'refund.created',
      'charge.refunded',
      'charge.refunded',
    ]);
    t.sim.reset();
    t.hooks.received.length = 0;
    const pi2 = await paidPI('4000000000007726');
    const pending = await refund({ payment_intent: pi2.id });
    t.sim.addScenario({ kind: 'drop_callback', target: { providerRef: pending.body.id } });
    await t.sim.clock.advance(HOUR);
    expect((await refundEvents()).map((e) => e.type)).toEqual(['refund.created']);
    const dropped = t.sim
      .deliveries()
      .filter((d) => d.keys.providerRefs.includes(pending.body.id) && d.state === 'dropped');
    expect(dropped.map((d) => d.eventType)).toEqual([
      'refund.updated',
      'charge.refund.updated',
      'charge.refunded',
    ]);
    expect(refundEntries()).toEqual([['refund', 1000]]);
  });
});

describe('Stripe-like refunds: durability', () => {
  it('a pending refund still succeeds on the clock after a restart on the same database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provider-sim-refund-'));
    const db = join(dir, 'sim.db');
    try {
      const a = await setup({ db });
      const pi = await stripe(a.server.url, 'POST', '/payment_intents', {
        amount: '1000',
        currency: 'usd',
        confirm: 'true',
        'metadata[order_id]': ORDER,
        'payment_method_data[type]': 'card',
        'payment_method_data[card][number]': '4000000000007726',
        'payment_method_data[card][exp_month]': '12',
        'payment_method_data[card][exp_year]': '2034',
        'payment_method_data[card][cvc]': '123',
      });
      const r = await stripe(a.server.url, 'POST', '/refunds', { payment_intent: pi.body.id });
      expect(r.body.status).toBe('pending');
      await a.close();
      await a.sim.close();

      const b = await setup({ db });
      try {
        await b.sim.clock.advance(HOUR);
        const got = await stripe(b.server.url, 'GET', `/refunds/${r.body.id}`);
        expect(got.body.status).toBe('succeeded');
        expect(b.sim.ledger({ merchantRef: ORDER, kind: 'refund' })).toHaveLength(1);
      } finally {
        await b.close();
        await b.sim.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Stripe-like refunds: control API', () => {
  it('GET /__sim/ledger filters refunds by kind and relatedRef; GET /__sim/cards lists the refund triggers', async () => {
    const pi = await paidPI();
    const r = await refund({ payment_intent: pi.id, amount: '500' });
    const res = await fetch(
      `${t.server.url}/__sim/ledger?merchantRef=${ORDER}&kind=refund&relatedRef=${pi.id}`,
    );
    const body = (await res.json()) as Loose;
    expect(body.data.map((e: Loose) => [e.kind, e.amount, e.providerRef])).toEqual([
      ['refund', 500, r.body.id],
    ]);
    const cards = (await (await fetch(`${t.server.url}/__sim/cards`)).json()) as Loose;
    const triggers = (list: Loose[]) =>
      list.filter((c) => c.refund).map((c) => [c.number, c.refund]);
    expect(triggers(cards.stripe)).toEqual([
      ['4000000000007726', 'pending'],
      ['4000000000005126', 'fails'],
    ]);
    expect(triggers(cards.nuvei)).toEqual([['4000000000005126', 'fails']]);
  });
});
