import { describe, expect, it } from 'vitest';
import { ACCRUE_TEST_CUSTOMERS } from './customers.ts';
import {
  ACCRUE,
  accrue,
  accruePerTest,
  authorize,
  authorizeBody,
  captureBody,
  DAY,
  getPayment,
  HOUR,
  newIntent,
  OTHER,
} from './test-support.ts';

const t = accruePerTest();

const ledgerOf = (paymentId: string) =>
  t.sim.ledger({ provider: 'accrue', providerRef: paymentId }).map((e) => [e.kind, e.amount]);

describe('Accrue Pay payment intents', () => {
  it('GET a payment intent: document 004 resource, customer from the test customers', async () => {
    const id = await newIntent(t.url, { amount: 10_000, method: 'bank' });
    const res = await accrue(t.url, 'GET', `/payment_intents/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id,
      type: 'payment_intents',
      attributes: {
        amount: 10_000,
        currency: 'USD',
        status: 'created',
        payment_method: 'bank',
        merchant_public_id: ACCRUE.publishableKey,
        created_at: '2030-01-15T12:00:00.000Z',
        expires_at: '2030-01-15T12:30:00.000Z',
      },
      relationships: { payment: { data: null } },
    });
    expect(id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    const customer = res.body.data.attributes.customer;
    expect(customer.id).toMatch(/^cus_/);
    expect(customer.name).toMatch(/\w+ \w+/);
    expect(customer.email).toMatch(/@example\.com$/);
  });

  it('wallet, automatic capture: 201 authorized, then captured and succeeded at once, settled 1 day later', async () => {
    const id = await newIntent(t.url);
    const res = await accrue(
      t.url,
      'POST',
      `/payment_intents/${id}/authorize`,
      authorizeBody({
        capture_method: 'automatic',
        description: 'Order #12345',
        reference: 'order-1',
      }),
    );
    expect(res.status).toBe(201);
    const pay = res.body.data;
    expect(pay).toMatchObject({
      type: 'payments',
      attributes: {
        amount: 10_000,
        currency: 'USD',
        status: 'authorized',
        capture_method: 'automatic',
        payment_method: 'wallet',
        description: 'Order #12345',
        reference: 'order-1',
        captured_at: null,
      },
      relationships: { payment_intent: { data: { id, type: 'payment_intents' } } },
    });
    expect(pay.id).toMatch(/^pay_/);
    const now = await getPayment(t.url, pay.id);
    expect(now.attributes).toMatchObject({
      status: 'succeeded',
      amount_captured: 10_000,
      captured_at: '2030-01-15T12:00:00.000Z',
      succeeded_at: '2030-01-15T12:00:00.000Z',
      settled_at: null,
    });
    const intent = (await accrue(t.url, 'GET', `/payment_intents/${id}`)).body.data;
    expect(intent.attributes.status).toBe('authorized');
    expect(intent.relationships.payment.data).toEqual({ id: pay.id, type: 'payments' });

    await t.sim.clock.advance(DAY - 1);
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('succeeded');
    await t.sim.clock.advance(1);
    const settled = await getPayment(t.url, pay.id);
    expect(settled.attributes.status).toBe('settled');
    expect(settled.attributes.settled_at).toBe('2030-01-16T12:00:00.000Z');
    expect(ledgerOf(pay.id)).toEqual([
      ['authorization', 10_000],
      ['capture', 10_000],
      ['settlement', 10_000],
    ]);
  });

  it('bank, manual capture in full: requires_capture, processing, succeeded after 3 days, settled a day later', async () => {
    const id = await newIntent(t.url, { method: 'bank' });
    const pay = await authorize(t.url, id, { amount: '10000' });
    expect(pay.attributes.status).toBe('requires_capture');
    await t.sim.clock.advance(HOUR);
    const cap = await accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody());
    expect(cap.status).toBe(200);
    expect(cap.body.data.attributes).toMatchObject({
      status: 'processing',
      amount_captured: 10_000,
      captured_at: '2030-01-15T13:00:00.000Z',
    });
    await t.sim.clock.advance(3 * DAY - 1);
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('processing');
    await t.sim.clock.advance(1);
    const ok = await getPayment(t.url, pay.id);
    expect(ok.attributes).toMatchObject({
      status: 'succeeded',
      succeeded_at: '2030-01-18T13:00:00.000Z',
    });
    await t.sim.clock.advance(DAY);
    expect((await getPayment(t.url, pay.id)).attributes).toMatchObject({
      status: 'settled',
      settled_at: '2030-01-19T13:00:00.000Z',
    });
    expect(ledgerOf(pay.id)).toEqual([
      ['authorization', 10_000],
      ['capture', 10_000],
      ['settlement', 10_000],
    ]);
  });

  it('partial capture: the remainder is released, settlement is of the captured amount, a second capture is refused', async () => {
    const id = await newIntent(t.url, { method: 'bank' });
    const pay = await authorize(t.url, id);
    const cap = await accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody(6_000));
    expect(cap.status).toBe(200);
    expect(cap.body.data.attributes).toMatchObject({ amount: 10_000, amount_captured: 6_000 });
    const again = await accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody(4_000));
    expect(again.status).toBe(422);
    expect(again.body.errors[0]).toMatchObject({ status: '422', code: 'invalid_state' });
    await t.sim.clock.advance(4 * DAY);
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('settled');
    expect(ledgerOf(pay.id)).toEqual([
      ['authorization', 10_000],
      ['capture', 6_000],
      ['void', 4_000],
      ['settlement', 6_000],
    ]);
  });

  it('cancel releases the hold; capture after cancel and cancel after capture are refused in the 004 format', async () => {
    const a = await authorize(t.url, await newIntent(t.url));
    const canceled = await accrue(t.url, 'POST', `/payments/${a.id}/cancel`, {
      data: { type: 'payment_cancellations', attributes: {} },
    });
    expect(canceled.status).toBe(200);
    expect(canceled.body.data.attributes.status).toBe('canceled');
    expect(canceled.body.data.attributes.canceled_at).toBe('2030-01-15T12:00:00.000Z');
    const late = await accrue(t.url, 'POST', `/payments/${a.id}/capture`, captureBody());
    expect(late.status).toBe(422);
    expect(late.body).toEqual({
      errors: [
        {
          status: '422',
          code: 'invalid_state',
          title: 'Invalid State',
          detail: expect.stringContaining(`Payment ${a.id} is canceled`),
        },
      ],
    });
    expect(ledgerOf(a.id)).toEqual([
      ['authorization', 10_000],
      ['void', 10_000],
    ]);

    const b = await authorize(t.url, await newIntent(t.url));
    expect((await accrue(t.url, 'POST', `/payments/${b.id}/capture`)).status).toBe(200);
    const cancelAfter = await accrue(t.url, 'POST', `/payments/${b.id}/cancel`);
    expect(cancelAfter.status).toBe(422);
    expect(cancelAfter.body.errors[0].code).toBe('invalid_state');
    expect(cancelAfter.body.errors[0].detail).toContain('succeeded');
  });

  it('capture above the authorized amount: 422 amount_exceeds_authorized with a pointer', async () => {
    const pay = await authorize(t.url, await newIntent(t.url));
    const res = await accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody(10_001));
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({
      status: '422',
      code: 'amount_exceeds_authorized',
      source: { pointer: '/data/attributes/amount' },
    });
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('requires_capture');
  });

  it('authorize refuses another amount or currency, and an intent not in created (naming its status and payment)', async () => {
    const id = await newIntent(t.url);
    const amount = await accrue(
      t.url,
      'POST',
      `/payment_intents/${id}/authorize`,
      authorizeBody({ amount: 9_999 }),
    );
    expect(amount.status).toBe(422);
    expect(amount.body.errors[0]).toMatchObject({
      code: 'amount_mismatch',
      source: { pointer: '/data/attributes/amount' },
    });
    const cur = await accrue(
      t.url,
      'POST',
      `/payment_intents/${id}/authorize`,
      authorizeBody({ currency: 'EUR' }),
    );
    expect(cur.body.errors[0].code).toBe('currency_mismatch');
    const pay = await authorize(t.url, id);
    const twice = await accrue(
      t.url,
      'POST',
      `/payment_intents/${id}/authorize`,
      authorizeBody({}),
    );
    expect(twice.status).toBe(422);
    expect(twice.body.errors[0].code).toBe('payment_intent_not_authorizable');
    expect(twice.body.errors[0].detail).toContain('authorized');
    expect(twice.body.errors[0].detail).toContain(pay.id);
  });

  it('invalid bodies: 422 validation_error naming the field', async () => {
    const id = await newIntent(t.url);
    const bad = await accrue(
      t.url,
      'POST',
      `/payment_intents/${id}/authorize`,
      authorizeBody({ amount: -5 }),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]).toMatchObject({
      code: 'validation_error',
      source: { pointer: '/data/attributes/amount' },
    });
    const type = await accrue(t.url, 'POST', `/payment_intents/${id}/authorize`, {
      data: { type: 'payments', attributes: {} },
    });
    expect(type.body.errors[0].source.pointer).toBe('/data/type');
  });

  it('wallet with insufficient funds: 422 insufficient_funds, the intent is failed, no payment', async () => {
    const id = await newIntent(t.url, { customer: 'insufficient_funds', amount: 501 });
    const res = await accrue(
      t.url,
      'POST',
      `/payment_intents/${id}/authorize`,
      authorizeBody({ amount: 501 }),
    );
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({
      status: '422',
      code: 'insufficient_funds',
      title: 'Insufficient Funds',
    });
    const intent = (await accrue(t.url, 'GET', `/payment_intents/${id}`)).body.data;
    expect(intent.attributes.status).toBe('failed');
    expect(intent.relationships.payment.data).toBeNull();
    expect(t.sim.ledger({ provider: 'accrue', kind: 'authorization' })).toEqual([]);
    // $5.00 is enough for a $5.00 payment.
    const ok = await authorize(
      t.url,
      await newIntent(t.url, { customer: 'insufficient_funds', amount: 500 }),
      { amount: 500 },
    );
    expect(ok.attributes.status).toBe('requires_capture');
    expect(ACCRUE_TEST_CUSTOMERS.insufficient_funds.walletBalance).toBe(500);
  });

  it('bank_transfer_fails: processing, then failed with transfer_failed 1 day after capture', async () => {
    const pay = await authorize(
      t.url,
      await newIntent(t.url, { method: 'bank', customer: 'bank_transfer_fails' }),
      {
        capture_method: 'automatic',
      },
    );
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('processing');
    await t.sim.clock.advance(DAY);
    const failed = await getPayment(t.url, pay.id);
    expect(failed.attributes).toMatchObject({
      status: 'failed',
      failure_code: 'transfer_failed',
      failed_at: '2030-01-16T12:00:00.000Z',
      succeeded_at: null,
    });
    await t.sim.clock.advance(10 * DAY);
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('failed');
    expect(ledgerOf(pay.id)).toEqual([
      ['authorization', 10_000],
      ['capture', 10_000],
      ['transfer_failed', 10_000],
    ]);
  });

  it('bank_transfer_returned: succeeded after 3 days, then failed with transfer_returned before settlement', async () => {
    const pay = await authorize(
      t.url,
      await newIntent(t.url, { method: 'bank', customer: 'bank_transfer_returned' }),
    );
    await accrue(t.url, 'POST', `/payments/${pay.id}/capture`, captureBody());
    await t.sim.clock.advance(3 * DAY);
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('succeeded');
    await t.sim.clock.advance(12 * HOUR);
    const returned = await getPayment(t.url, pay.id);
    expect(returned.attributes).toMatchObject({
      status: 'failed',
      failure_code: 'transfer_returned',
      succeeded_at: '2030-01-18T12:00:00.000Z',
      failed_at: '2030-01-19T00:00:00.000Z',
      settled_at: null,
    });
    await t.sim.clock.advance(5 * DAY);
    expect(ledgerOf(pay.id).map(([k]) => k)).toEqual([
      'authorization',
      'capture',
      'transfer_returned',
    ]);
  });

  it('an intent unused for 30 minutes is canceled; a hold not captured in 7 days is canceled with authorization_expired', async () => {
    const idle = await newIntent(t.url);
    const held = await authorize(t.url, await newIntent(t.url));
    await t.sim.clock.advance(30 * 60_000);
    expect(
      (await accrue(t.url, 'GET', `/payment_intents/${idle}`)).body.data.attributes.status,
    ).toBe('canceled');
    const late = await accrue(
      t.url,
      'POST',
      `/payment_intents/${idle}/authorize`,
      authorizeBody({}),
    );
    expect(late.body.errors[0].code).toBe('payment_intent_not_authorizable');
    expect(late.body.errors[0].detail).toContain('canceled');
    await t.sim.clock.advance(7 * DAY);
    expect((await getPayment(t.url, held.id)).attributes).toMatchObject({
      status: 'canceled',
      failure_code: 'authorization_expired',
      canceled_at: '2030-01-22T12:00:00.000Z',
    });
    expect(ledgerOf(held.id)).toEqual([
      ['authorization', 10_000],
      ['void', 10_000],
    ]);
  });

  it('idempotent authorize and capture: same key twice = one effect, same key with another body = 422', async () => {
    const id = await newIntent(t.url);
    const body = authorizeBody({ reference: 'order-9' });
    const a = await accrue(t.url, 'POST', `/payment_intents/${id}/authorize`, body, {
      idem: 'auth-1',
    });
    const b = await accrue(t.url, 'POST', `/payment_intents/${id}/authorize`, body, {
      idem: 'auth-1',
    });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const other = await accrue(
      t.url,
      'POST',
      `/payment_intents/${id}/authorize`,
      authorizeBody({ reference: 'x' }),
      { idem: 'auth-1' },
    );
    expect(other.status).toBe(422);
    expect(other.body.errors[0].code).toBe('idempotency_key_reused');

    const pay = a.body.data.id;
    const c1 = await accrue(t.url, 'POST', `/payments/${pay}/capture`, captureBody(), {
      idem: 'cap-1',
    });
    const c2 = await accrue(t.url, 'POST', `/payments/${pay}/capture`, captureBody(), {
      idem: 'cap-1',
    });
    expect(c1.status).toBe(200);
    expect(c2.body).toEqual(c1.body);
    const c3 = await accrue(t.url, 'POST', `/payments/${pay}/capture`, captureBody(5), {
      idem: 'cap-1',
    });
    expect(c3.body.errors[0].code).toBe('idempotency_key_reused');
    expect(ledgerOf(pay)).toEqual([
      ['authorization', 10_000],
      ['capture', 10_000],
    ]);
  });

  it('authentication: no or unknown key is 401; another account sees 404', async () => {
    const id = await newIntent(t.url);
    const none = await accrue(t.url, 'GET', `/payment_intents/${id}`, undefined, { key: null });
    expect(none.status).toBe(401);
    expect(none.body.errors[0]).toMatchObject({ status: '401', code: 'unauthorized' });
    expect(
      (await accrue(t.url, 'GET', `/payment_intents/${id}`, undefined, { key: 'ak_test_nope' }))
        .status,
    ).toBe(401);
    const key = { key: OTHER.accrue.apiKey };
    const other = await accrue(t.url, 'GET', `/payment_intents/${id}`, undefined, key);
    expect(other.status).toBe(404);
    expect(other.body.errors[0]).toMatchObject({ status: '404', code: 'not_found' });
    expect(
      (await accrue(t.url, 'POST', `/payment_intents/${id}/authorize`, authorizeBody({}), key))
        .status,
    ).toBe(404);
    const pay = await authorize(t.url, id);
    for (const [method, path] of [
      ['GET', `/payments/${pay.id}`],
      ['POST', `/payments/${pay.id}/capture`],
      ['POST', `/payments/${pay.id}/cancel`],
      ['GET', `/payments/${pay.id}/card`],
    ] as const) {
      expect((await accrue(t.url, method, path, undefined, key)).status).toBe(404);
    }
    expect((await getPayment(t.url, pay.id)).attributes.status).toBe('requires_capture');
  });

  it('the test helper refuses an unknown merchantPublicId by name', async () => {
    const res = await fetch(`${t.url}/__sim/accrue/payment-intents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        merchantPublicId: 'pk_test_nobody',
        amount: 100,
        currency: 'USD',
        method: 'wallet',
      }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'pk_test_nobody',
    );
  });
});
