import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Billing } from '@accrupay/contracts';
import {
  nuveiDmnChecksum,
  nuveiRequestChecksum,
  type ProviderSim,
  type ScenarioInput,
} from '@accrupay/provider-sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  chargeStored,
  describeAdapterConformance,
  expectRefusal,
  expectUnavailable,
  listen as listenOn,
  ORIGIN,
  type Received,
  startAdapterEnv,
  storedCharge,
} from '../conformance.ts';
import type { ProviderPaymentMethod, StartSessionRequest } from '../types.ts';
import { createNuveiAdapter } from './index.ts';

const CARDS = {
  visa: '4761344136141390',
  mastercard: '5101081046006034',
  challenge: '4000027891380961',
  attachOkChargeDeclines: '4000000000000341',
  processingError: '4000000000000119',
} as const;

describeAdapterConformance('Nuvei', {
  create: createNuveiAdapter,
  simProvider: 'nuvei',
  callbackPath: '/callbacks/nuvei',
  credentialShape: {
    accountId: expect.stringMatching(/^acct_[0-9a-f]{16}$/),
    merchantId: expect.stringMatching(/^\d{16}$/),
    merchantSiteId: expect.stringMatching(/^\d{6}$/),
    secretKey: expect.stringMatching(/^[0-9a-f]{64}$/),
  },
  secretFields: ['secretKey'],
  simAccount: (credentials) => ({
    merchantId: credentials.merchantId,
    merchantSiteId: credentials.merchantSiteId,
    secretKey: credentials.secretKey,
    notificationUrl: expect.stringMatching(/\/callbacks\/nuvei$/),
  }),
  baseConfig: (credentials, url) => ({
    provider: 'NUVEI',
    merchantId: credentials.merchantId,
    merchantSiteId: credentials.merchantSiteId,
    hostedFieldsUrl: `${url}/hosted/card`,
  }),
  startRequest: () => startRequest(),
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(handler: Parameters<typeof listenOn>[0]): Promise<string> {
  const server = await listenOn(handler);
  cleanups.push(server.close);
  return server.url;
}

/** A simulator, a DMN receiver and an adapter with a freshly provisioned account. */
async function setup(options: { timeoutMs?: number; credentials?: Record<string, unknown> } = {}) {
  const env = await startAdapterEnv(createNuveiAdapter, {
    ...options,
    callbackPath: '/callbacks/nuvei',
  });
  cleanups.push(env.close);
  return env;
}

let counter = 0;
function startRequest(over: Partial<StartSessionRequest> = {}): StartSessionRequest {
  counter += 1;
  return {
    sessionId: `ses_${randomUUID()}`,
    type: 'payment',
    amount: 10_000n,
    currency: 'USD',
    merchantInternalTransactionCode: `order-${counter}`,
    merchantInternalCustomerCode: 'cust-1',
    storePaymentMethod: false,
    billing: null,
    storedPaymentMethod: null,
    ...over,
  };
}

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** Pays as the hosted card page does. */
function submitCard(url: string, token: string, number: string) {
  return postJson(`${url}/hosted/submit`, {
    provider: 'nuvei',
    token,
    origin: ORIGIN,
    number,
    expMonth: 12,
    expYear: 2032,
    cvc: '123',
    name: 'Ada Lovelace',
  });
}

function decideChallenge(url: string, token: string, decision: 'approve' | 'deny') {
  return postJson(`${url}/hosted/challenge`, { provider: 'nuvei', token, decision });
}

function ref(session: { token: string; providerCode: string }, type: StartSessionRequest['type']) {
  return {
    type,
    token: session.token,
    providerCode: session.providerCode,
    readsPaymentMethod: true,
  };
}

function form(received: Received): URLSearchParams {
  return new URLSearchParams(received.body.toString('utf8'));
}

/** Records the Nuvei API bodies the adapter sends (and still sends them). */
function spyOnNuveiRequests(): { url: string; body: Record<string, unknown> }[] {
  const sent: { url: string; body: Record<string, unknown> }[] = [];
  const realRequest = http.request;
  vi.spyOn(http, 'request').mockImplementation(((
    ...args: Parameters<typeof http.request>
  ): http.ClientRequest => {
    const req = realRequest(...args);
    const url = String(args[0]);
    if (url.includes('/nuvei/ppp/api/v1/')) {
      const end = req.end.bind(req) as (body?: unknown) => http.ClientRequest;
      req.end = ((body?: unknown) => {
        sent.push({ url, body: JSON.parse(String(body)) as Record<string, unknown> });
        return end(body);
      }) as typeof req.end;
    }
    return req;
  }) as typeof http.request);
  return sent;
}

describe('sessions', () => {
  it('payment: openOrder Sale with billing, awaiting_customer, then succeeded with the transactionId', async () => {
    const { sim, url, adapter, credentials, received } = await setup();
    const billing = {
      billingFirstName: 'Ada',
      billingLastName: 'Lovelace',
      billingEmail: 'ada@example.com',
      billingAddressCountry: 'US',
      billingAddressState: 'US-NY',
      billingAddressCity: 'New York',
      billingAddressLine1: '1 Main St',
      billingAddressPostalCode: '10001',
      billingPhone: '+12125550100',
    } as Billing;
    const sent = spyOnNuveiRequests();
    const request = startRequest({ billing });
    const session = await adapter.startSession(credentials, request);
    expect(session.providerCode).toMatch(/^\d+$/);
    expect(session.expiresAt?.toISOString()).toBe('2030-01-15T12:20:00.000Z');
    expect(session.payload).toEqual({
      provider: 'NUVEI',
      sessionToken: session.token,
      merchantId: credentials.merchantId,
      merchantSiteId: credentials.merchantSiteId,
      orderId: session.providerCode,
      hostedFieldsUrl: `${url}/hosted/card?provider=nuvei&token=${session.token}`,
    });
    expect(sent[0]?.body).toMatchObject({
      amount: '100.00',
      currency: 'USD',
      transactionType: 'Sale',
      clientUniqueId: request.merchantInternalTransactionCode,
      billingAddress: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        country: 'US',
        state: 'NY',
        city: 'New York',
        address: '1 Main St',
        zip: '10001',
        phone: '+12125550100',
      },
    });
    expect(sent[0]?.body).not.toHaveProperty('userTokenId');

    expect(await adapter.retrieve(credentials, ref(session, 'payment'))).toMatchObject({
      state: 'awaiting_customer',
      rawStatus: 'PENDING',
      providerCode: session.providerCode,
    });
    await submitCard(url, session.token, CARDS.visa);
    const status = await adapter.retrieve(credentials, ref(session, 'payment'));
    const [charge] = sim.ledger({ token: session.token, kind: 'charge' });
    expect(charge?.amount).toBe(10_000);
    expect(status).toEqual({
      state: 'succeeded',
      rawStatus: 'APPROVED',
      providerCode: charge?.providerRef,
      paymentMethod: undefined,
      subject: {
        amount: 10_000n,
        currency: 'USD',
        merchantInternalTransactionCode: expect.stringMatching(/^order-/),
      },
    });
    await sim.flush();
    expect(form(received[0] as Received).get('first_name')).toBe('Ada');
  });

  it('authorization: openOrder Auth, awaiting_customer, then succeeded (an authorization in the ledger)', async () => {
    const { sim, url, adapter, credentials } = await setup();
    const sent = spyOnNuveiRequests();
    const session = await adapter.startSession(
      credentials,
      startRequest({ type: 'authorization' }),
    );
    expect(sent[0]?.body).toMatchObject({ transactionType: 'Auth', amount: '100.00' });
    expect((await adapter.retrieve(credentials, ref(session, 'authorization'))).state).toBe(
      'awaiting_customer',
    );
    await submitCard(url, session.token, CARDS.mastercard);
    const status = await adapter.retrieve(credentials, ref(session, 'authorization'));
    const [auth] = sim.ledger({ token: session.token, kind: 'authorization' });
    expect(status).toMatchObject({ state: 'succeeded', providerCode: auth?.providerRef });
    expect(sim.ledger({ token: session.token, kind: 'charge' })).toEqual([]);
  });

  it('add-payment-method: zero-amount Auth with the customer as userTokenId stores the card', async () => {
    const { sim, url, adapter, credentials } = await setup();
    const sent = spyOnNuveiRequests();
    const session = await adapter.startSession(
      credentials,
      startRequest({
        type: 'add-payment-method',
        amount: null,
        merchantInternalCustomerCode: 'cust-9',
      }),
    );
    expect(sent[0]?.body).toMatchObject({
      transactionType: 'Auth',
      amount: '0',
      userTokenId: 'cust-9',
    });
    expect((await adapter.retrieve(credentials, ref(session, 'add-payment-method'))).state).toBe(
      'awaiting_customer',
    );
    await submitCard(url, session.token, CARDS.visa);
    const status = await adapter.retrieve(credentials, ref(session, 'add-payment-method'));
    expect(sim.ledger({ token: session.token, kind: 'verification' })).toHaveLength(1);
    expect(status.state).toBe('succeeded');
    expect(status.paymentMethod).toEqual({
      kind: 'card',
      reference: expect.stringMatching(/^\d+$/),
      customerReference: 'cust-9',
      brand: 'VISA',
      last4: '1390',
      expiryMonth: 12,
      expiryYear: 2032,
      billingCountry: null,
    });
  });

  it('payment with storePaymentMethod stores the card (Mastercard)', async () => {
    const { url, adapter, credentials } = await setup();
    const session = await adapter.startSession(
      credentials,
      startRequest({ storePaymentMethod: true }),
    );
    await submitCard(url, session.token, CARDS.mastercard);
    const status = await adapter.retrieve(credentials, ref(session, 'payment'));
    expect(status.paymentMethod).toMatchObject({
      customerReference: 'cust-1',
      brand: 'MASTERCARD',
      last4: '6034',
    });
  });

  it('amounts follow the currency exponent; a currency with three decimals is refused by name', async () => {
    const { adapter, credentials } = await setup();
    const sent = spyOnNuveiRequests();
    await adapter.startSession(credentials, startRequest({ amount: 5n, currency: 'EUR' }));
    await adapter.startSession(credentials, startRequest({ amount: 1500n, currency: 'JPY' }));
    expect(sent.map((s) => s.body.amount)).toEqual(['0.05', '1500']);
    await expect(
      adapter.startSession(credentials, startRequest({ amount: 1000n, currency: 'KWD' })),
    ).rejects.toThrow(/KWD/);
    expect(sent).toHaveLength(2);
  });

  it('a start the simulator refuses (bad credentials) is a plain Error with errCode and reason', async () => {
    const { adapter, credentials } = await setup();
    const wrongSecret = { ...credentials, secretKey: 'wrong' };
    await expectRefusal(
      adapter.startSession(wrongSecret, startRequest()),
      /errCode 1001 Invalid checksum/,
    );
  });
});

describe('test card outcomes', () => {
  it.each([
    ['4000000000000002', 'Decline'],
    ['4000000000009995', 'Insufficient Funds'],
    ['4000000000009987', 'Lost Card, Pick Up'],
    ['4000000000009979', 'Stolen Card, Pick Up'],
    ['4000000000000069', 'Expired Card'],
    ['4000000000000127', 'Invalid CVV2'],
  ])('%s is declined (%s), and close reports the same', async (number, reason) => {
    const { url, adapter, credentials } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, number);
    const status = await adapter.retrieve(credentials, ref(session, 'payment'));
    expect(status).toMatchObject({
      state: 'declined',
      rawStatus: 'DECLINED',
      errorCode: '-1',
      errorMessage: reason,
      providerCode: expect.not.stringMatching(`^${session.providerCode}$`),
    });
    expect(await adapter.close(credentials, ref(session, 'payment'))).toEqual(status);
  });

  it('the processing-error card is error with gwErrorCode -1100', async () => {
    const { url, adapter, credentials } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, CARDS.processingError);
    expect(await adapter.retrieve(credentials, ref(session, 'payment'))).toMatchObject({
      state: 'error',
      rawStatus: 'ERROR',
      errorCode: '-1100',
      errorMessage: 'Processing error',
    });
  });

  it('3-D Secure challenge: processing, then approved -> succeeded', async () => {
    const { url, adapter, credentials } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, CARDS.challenge);
    const pending = await adapter.retrieve(credentials, ref(session, 'payment'));
    expect(pending).toMatchObject({ state: 'processing', rawStatus: 'REDIRECT' });
    await decideChallenge(url, session.token, 'approve');
    expect(await adapter.retrieve(credentials, ref(session, 'payment'))).toMatchObject({
      state: 'succeeded',
      providerCode: pending.providerCode,
    });
  });

  it('3-D Secure challenge denied -> failed (not a plain decline)', async () => {
    const { url, adapter, credentials } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, CARDS.challenge);
    await decideChallenge(url, session.token, 'deny');
    expect(await adapter.retrieve(credentials, ref(session, 'payment'))).toMatchObject({
      state: 'failed',
      rawStatus: 'DECLINED',
      errorMessage: '3D Secure authentication failed',
    });
  });
});

describe('expiry', () => {
  it('an unpaid session is awaiting_customer just before 20 minutes and expired at 20', async () => {
    const { sim, adapter, credentials } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await sim.clock.advance(20 * 60_000 - 1);
    expect((await adapter.retrieve(credentials, ref(session, 'payment'))).state).toBe(
      'awaiting_customer',
    );
    await sim.clock.advance(1);
    expect(await adapter.retrieve(credentials, ref(session, 'payment'))).toMatchObject({
      state: 'expired',
      errorCode: '1069',
      providerCode: session.providerCode,
    });
  });

  it('an abandoned 3-D Secure challenge expires; a paid session stays succeeded', async () => {
    const { sim, url, adapter, credentials } = await setup();
    const challenged = await adapter.startSession(credentials, startRequest());
    const paid = await adapter.startSession(credentials, startRequest());
    await submitCard(url, challenged.token, CARDS.challenge);
    await submitCard(url, paid.token, CARDS.visa);
    await sim.clock.advance(20 * 60_000);
    expect((await adapter.retrieve(credentials, ref(challenged, 'payment'))).state).toBe('expired');
    expect((await adapter.retrieve(credentials, ref(paid, 'payment'))).state).toBe('succeeded');
  });
});

describe('stored card charges', () => {
  async function storeCard(number: string) {
    const env = await setup();
    const session = await env.adapter.startSession(
      env.credentials,
      startRequest({
        type: 'add-payment-method',
        amount: null,
        merchantInternalCustomerCode: 'cust-7',
      }),
    );
    await submitCard(env.url, session.token, number);
    const status = await env.adapter.retrieve(env.credentials, ref(session, 'add-payment-method'));
    expect(status.state).toBe('succeeded');
    return { ...env, method: status.paymentMethod as ProviderPaymentMethod };
  }

  it('charges a stored card: succeeded with the charge transactionId', async () => {
    const { sim, adapter, credentials, method } = await storeCard(CARDS.visa);
    const sent = spyOnNuveiRequests();
    const status = await chargeStored(
      adapter,
      credentials,
      storedCharge(1, 2_550n, 'order-charge-1', method),
    );
    const [charge] = sim.ledger({ merchantRef: 'order-charge-1', kind: 'charge' });
    expect(charge?.amount).toBe(2_550);
    expect(status).toMatchObject({ state: 'succeeded', providerCode: charge?.providerRef });
    expect(sent[1]?.body).toMatchObject({
      clientRequestId: 'ses_charge_1',
      clientUniqueId: 'order-charge-1',
      userTokenId: 'cust-7',
      paymentOption: { userPaymentOptionId: method.reference },
    });
  });

  it('the 4000000000000341 card attaches but its charge is declined', async () => {
    const { sim, adapter, credentials, method } = await storeCard(CARDS.attachOkChargeDeclines);
    const status = await chargeStored(
      adapter,
      credentials,
      storedCharge(2, 1_000n, 'order-charge-2', method),
    );
    expect(status).toMatchObject({ state: 'declined', errorCode: '-1', errorMessage: 'Decline' });
    expect(sim.ledger({ merchantRef: 'order-charge-2', kind: 'charge' })).toEqual([]);
  });

  it('an unknown stored card is error 1011, not a charge', async () => {
    const { adapter, credentials, method } = await storeCard(CARDS.visa);
    const status = await chargeStored(
      adapter,
      credentials,
      storedCharge(3, 1_000n, 'order-charge-3', { ...method, reference: '99999999' }),
    );
    expect(status).toMatchObject({ state: 'error', errorCode: '1011' });
  });

  it('a prepared order is charged once, however often it is confirmed', async () => {
    const { sim, adapter, credentials, method } = await storeCard(CARDS.visa);
    const request = storedCharge(4, 1_000n, 'order-charge-4', method);
    const prepared = await adapter.prepareCharge(credentials, request);
    expect((await adapter.confirmCharge(credentials, { ...request, ...prepared })).state).toBe(
      'succeeded',
    );
    // A second confirm of the same order is refused: the order is closed once paid.
    expect((await adapter.confirmCharge(credentials, { ...request, ...prepared })).state).not.toBe(
      'succeeded',
    );
    expect(sim.ledger({ merchantRef: 'order-charge-4', kind: 'charge' })).toHaveLength(1);
  });
});

describe('settle and void', () => {
  async function authorized(amount = 10_000n) {
    const env = await setup();
    const session = await env.adapter.startSession(
      env.credentials,
      startRequest({ type: 'authorization', amount }),
    );
    await submitCard(env.url, session.token, CARDS.visa);
    const status = await env.adapter.retrieve(env.credentials, ref(session, 'authorization'));
    expect(status.state).toBe('succeeded');
    const op = (amount: bigint) => ({
      providerCode: status.providerCode as string,
      amount,
      currency: 'USD' as const,
      idempotencyKey: `txn_${randomUUID()}`,
    });
    return { ...env, session, op };
  }

  it('settles the full amount once; a second settle is refused', async () => {
    const { sim, adapter, credentials, session, op } = await authorized();
    const settled = await adapter.capture(credentials, op(10_000n));
    expect(settled).toMatchObject({ state: 'succeeded', rawStatus: 'APPROVED' });
    expect(sim.ledger({ token: session.token, kind: 'capture' })).toEqual([
      expect.objectContaining({ amount: 10_000, providerRef: settled.providerCode }),
    ]);
    expect(await adapter.capture(credentials, op(10_000n))).toMatchObject({
      state: 'error',
      errorCode: '1058',
    });
    expect(sim.ledger({ token: session.token, kind: 'capture' })).toHaveLength(1);
  });

  it('settles part of the amount', async () => {
    const { sim, adapter, credentials, session, op } = await authorized();
    expect((await adapter.capture(credentials, op(4_000n))).state).toBe('succeeded');
    expect(sim.ledger({ token: session.token, kind: 'capture' })[0]?.amount).toBe(4_000);
  });

  it('refuses a settle above the authorized amount', async () => {
    const { sim, adapter, credentials, session, op } = await authorized();
    expect(await adapter.capture(credentials, op(10_001n))).toMatchObject({
      state: 'error',
      errorCode: '1040',
      errorMessage: expect.stringContaining('100.00'),
    });
    expect(sim.ledger({ token: session.token, kind: 'capture' })).toEqual([]);
  });

  it('voids an authorization once; it can then not be settled', async () => {
    const { sim, adapter, credentials, session, op } = await authorized();
    expect(await adapter.void(credentials, op(10_000n))).toMatchObject({ state: 'succeeded' });
    expect(sim.ledger({ token: session.token, kind: 'void' })).toHaveLength(1);
    expect((await adapter.void(credentials, op(10_000n))).state).toBe('error');
    expect((await adapter.capture(credentials, op(10_000n))).state).toBe('error');
  });
});

describe('faults', () => {
  function scenario(sim: ProviderSim, input: ScenarioInput) {
    sim.addScenario({ provider: 'nuvei', ...input });
  }

  it('an unmappable status is unknown with the raw status', async () => {
    const { sim, url, adapter, credentials } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, CARDS.visa);
    scenario(sim, { kind: 'unmappable_status', target: { token: session.token } });
    expect(await adapter.retrieve(credentials, ref(session, 'payment'))).toMatchObject({
      state: 'unknown',
      rawStatus: 'UNDER_REVIEW',
    });
  });

  it('a held request dropped by the provider is ProviderUnavailableError error', async () => {
    const { sim, adapter, credentials } = await setup();
    scenario(sim, { kind: 'api_timeout', holdMs: 30_000 });
    const held = new Promise((resolve) => sim.events.once('request-held', resolve));
    const start = adapter.startSession(credentials, startRequest());
    await held;
    await sim.clock.advance(30_000);
    await expectUnavailable(start, 'error');
  });

  it.each([
    [200, 'text/html', '<html>maintenance</html>'],
    [502, 'application/json', '{"status":"SUCCESS","transactionStatus":"APPROVED"}'],
  ])('an HTTP %i %s answer is ProviderUnavailableError error', async (status, type, body) => {
    const base = await listen((_req, res) => {
      res.statusCode = status;
      res.setHeader('content-type', type);
      res.end(body);
    });
    const adapter = createNuveiAdapter({ baseUrl: base });
    await expectUnavailable(
      adapter.retrieve(adapter.newCredentials(), {
        type: 'payment',
        token: 't',
        providerCode: '1',
        readsPaymentMethod: true,
      }),
      'error',
    );
  });
});

describe('checksums and callbacks', () => {
  it('signs openOrder as sha256(merchantId, siteId, clientRequestId, amount, currency, timeStamp, secret)', async () => {
    const credentials = {
      accountId: 'acct_vector',
      merchantId: '1234567890123456',
      merchantSiteId: '654321',
      secretKey: 'vector-secret',
    };
    const { adapter } = await setup({ credentials });
    const sent = spyOnNuveiRequests();
    await adapter.startSession(credentials, startRequest({ sessionId: 'ses_vector' }));
    const body = sent[0]?.body ?? {};
    expect(body.timeStamp).toBe('20300115120000');
    const vector = createHash('sha256')
      .update('1234567890123456654321ses_vector-openOrder100.00USD20300115120000vector-secret')
      .digest('hex');
    expect(body.checksum).toBe(vector);
    expect(body.checksum).toBe(nuveiRequestChecksum('openOrder', body, 'vector-secret'));
  });

  it('accepts a real DMN with a hint to the order; the hint never carries the outcome', async () => {
    const { sim, url, adapter, credentials, received } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, '4000000000000002');
    await sim.flush();
    expect(received).toHaveLength(1);
    const dmn = received[0] as Received;
    expect(adapter.verifyCallback(credentials, dmn.body, dmn.headers)).toEqual({
      ok: true,
      hint: {
        providerCode: session.providerCode,
        token: null,
        eventType: 'Sale:DECLINED',
        news: true,
      },
    });
  });

  it('refuses a tampered body, a wrong secret, a missing checksum and a JSON body', async () => {
    const { sim, url, adapter, credentials, received } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, '4000000000000002');
    await sim.flush();
    const dmn = received[0] as Received;
    const tampered = form(dmn);
    tampered.set('Status', 'APPROVED');
    expect(
      adapter.verifyCallback(credentials, Buffer.from(tampered.toString()), dmn.headers),
    ).toEqual({ ok: false, reason: 'advanceResponseChecksum mismatch' });
    expect(
      adapter.verifyCallback({ ...credentials, secretKey: 'other' }, dmn.body, dmn.headers),
    ).toEqual({ ok: false, reason: 'advanceResponseChecksum mismatch' });
    const unsigned = form(dmn);
    unsigned.delete('advanceResponseChecksum');
    expect(
      adapter.verifyCallback(credentials, Buffer.from(unsigned.toString()), dmn.headers),
    ).toEqual({ ok: false, reason: 'missing advanceResponseChecksum' });
    const json = Buffer.from(JSON.stringify(Object.fromEntries(form(dmn))));
    expect(
      adapter.verifyCallback(credentials, json, { 'content-type': 'application/json' }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('not a form-encoded DMN') });
  });

  it('verifies the checksum the simulator documents (recomputed with its helper)', async () => {
    const { sim, url, adapter, credentials, received } = await setup();
    const session = await adapter.startSession(credentials, startRequest());
    await submitCard(url, session.token, CARDS.visa);
    await sim.flush();
    const fields = form(received[0] as Received);
    const rebuilt = new URLSearchParams(fields);
    rebuilt.set('totalAmount', '1.00');
    const field = (name: string) => rebuilt.get(name) ?? '';
    rebuilt.set(
      'advanceResponseChecksum',
      nuveiDmnChecksum(String(credentials.secretKey), {
        totalAmount: field('totalAmount'),
        currency: field('currency'),
        responseTimeStamp: field('responseTimeStamp'),
        PPP_TransactionID: field('PPP_TransactionID'),
        Status: field('Status'),
        productId: field('productId'),
      }),
    );
    expect(adapter.verifyCallback(credentials, Buffer.from(rebuilt.toString()), {}).ok).toBe(true);
  });

  it.each(['bad_signature', 'wrong_secret_success'] as const)(
    'forged_callback %s: the forged DMN is refused, the genuine one accepted',
    async (mode) => {
      const { sim, url, adapter, credentials, received } = await setup();
      const session = await adapter.startSession(credentials, startRequest());
      sim.addScenario({
        kind: 'forged_callback',
        mode,
        provider: 'nuvei',
        target: { token: session.token },
      });
      await submitCard(url, session.token, '4000000000000002');
      await sim.flush();
      const deliveries = sim.deliveries();
      expect(deliveries.map((d) => d.forged)).toEqual([mode, false]);
      expect(received).toHaveLength(2);
      const results = received.map((r) => {
        const forged = deliveries.find((d) => d.body === r.body.toString('utf8'))?.forged;
        return { forged, result: adapter.verifyCallback(credentials, r.body, r.headers) };
      });
      expect(results).toEqual(
        expect.arrayContaining([
          { forged: mode, result: { ok: false, reason: 'advanceResponseChecksum mismatch' } },
          {
            forged: false,
            result: {
              ok: true,
              hint: {
                providerCode: session.providerCode,
                token: null,
                eventType: 'Sale:DECLINED',
                news: true,
              },
            },
          },
        ]),
      );
    },
  );
});
