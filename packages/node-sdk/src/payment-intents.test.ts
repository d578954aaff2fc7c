import {
  type PaymentResourceWire,
  paymentIntentsContract,
  WEBHOOK_EVENT_TYPES,
} from '@accrupay/contracts';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import AccruPay, {
  AccruPayAuthenticationError,
  AccruPayConflictError,
  AccruPayIdempotencyError,
  AccruPayNotFoundError,
  AccruPayPaymentError,
  AccruPayProviderError,
  AccruPayValidationError,
  constructEvent,
} from './index.ts';
import { makeSecret, type ScriptedServer, scriptedServer } from './test-fixtures.ts';

const apiSecret = makeSecret();
const PI = 'pi_def456uvw123';
const PAY = 'pay_abc123xyz789';
const CLIENT = { clientId: 'cli_test_4f2a9c', clientSecret: 'cs_test_Zq81mYx0' };

/** A Payment as document 004 answers it: amounts are JSON numbers. */
function paymentWire(attributes: Partial<PaymentResourceWire['attributes']> = {}) {
  return {
    id: PAY,
    type: 'payments',
    attributes: {
      amount: 10000,
      amount_captured: 0,
      currency: 'USD',
      status: 'authorized',
      capture_method: 'automatic',
      payment_method: 'wallet',
      description: 'Order #12345',
      failure_code: null,
      failure_message: null,
      created_at: '2030-01-15T12:00:00.000Z',
      authorized_at: '2030-01-15T12:00:00.000Z',
      captured_at: null,
      succeeded_at: null,
      settled_at: null,
      canceled_at: null,
      failed_at: null,
      ...attributes,
    },
    relationships: { payment_intent: { data: { id: PI, type: 'payment_intents' } } },
  };
}
const INTENT_WIRE = {
  id: PI,
  type: 'payment_intents',
  attributes: {
    amount: 10000,
    currency: 'USD',
    status: 'created',
    payment_method: 'bank',
    created_at: '2030-01-15T12:00:00.000Z',
    expires_at: '2030-01-15T12:30:00.000Z',
  },
  relationships: { payment: { data: null } },
};
const CARD_WIRE = {
  data: {
    id: '497f6eca-6276-4993-bfeb-53cbbbba6f08',
    type: 'VirtualDebitCard',
    attributes: {
      number: '5555555555554444',
      expirationMonth: '6',
      expirationYear: '2028',
      cvc: '123',
      billingAddress: {
        street: '123 Main St.',
        street2: 'Apt. 1',
        city: 'San Francisco',
        state: 'CA',
        postalCode: '94107',
        country: 'US',
      },
    },
  },
};

/** Document 004's error document. */
function errors(status: number, code: string, detail: string, extra: object = {}) {
  return {
    status,
    body: {
      errors: [{ status: String(status), code, title: code.replace(/_/g, ' '), detail, ...extra }],
    },
  };
}

let server: ScriptedServer;
let sleeps: number[];
beforeEach(async () => {
  server = await scriptedServer();
  sleeps = [];
});
afterEach(async () => {
  await server.close();
});

function client(overrides: Partial<ConstructorParameters<typeof AccruPay>[0]> = {}) {
  return new AccruPay({
    apiSecret,
    baseUrl: server.url,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
}

const AUTHORIZE = {
  amount: 10000n,
  currency: 'USD',
  captureMethod: 'automatic',
  description: 'Order #12345',
} as const;

describe('paymentIntents.authorize', () => {
  test("sends document 004's JSON:API body on the contract's route and answers the Payment with bigint amounts", async () => {
    server.answer({ status: 201, body: { data: paymentWire() } });
    const payment = await client().paymentIntents.authorize(PI, AUTHORIZE);
    const [request] = server.requests;
    expect(request?.method).toBe(paymentIntentsContract.authorize.method);
    expect(request?.url).toBe(
      paymentIntentsContract.authorize.path.replace(':paymentIntentId', PI),
    );
    // Amounts are JSON numbers on this API's wire, as document 004 writes them.
    expect(request?.body).toEqual({
      data: {
        type: 'payment_authorizations',
        attributes: {
          amount: 10000,
          currency: 'USD',
          capture_method: 'automatic',
          description: 'Order #12345',
        },
      },
    });
    expect(request?.headers['accrupay-api-secret']).toBe(apiSecret);
    expect(request?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(payment.id).toBe(PAY);
    expect(payment.attributes.amount).toBe(10000n);
    expect(payment.attributes.amount_captured).toBe(0n);
    expect(payment.attributes.status).toBe('authorized');
    expect(payment.relationships.payment_intent.data.id).toBe(PI);
  });

  test("without captureMethod it is the contract's default, automatic; the given idempotency key is sent", async () => {
    server.answer({ status: 201, body: { data: paymentWire() } });
    await client().paymentIntents.authorize(
      PI,
      { amount: 2500n, currency: 'USD' },
      { idempotencyKey: 'order-12345-authorize' },
    );
    expect(server.requests[0]?.body).toEqual({
      data: {
        type: 'payment_authorizations',
        attributes: { amount: 2500, currency: 'USD', capture_method: 'automatic' },
      },
    });
    expect(server.requests[0]?.headers['idempotency-key']).toBe('order-12345-authorize');
  });

  test('an amount beyond Number.MAX_SAFE_INTEGER goes as a decimal string, never rounded', async () => {
    const big = 9_007_199_254_740_993n;
    server.answer({ status: 201, body: { data: paymentWire({ amount: big.toString() }) } });
    const payment = await client().paymentIntents.authorize(PI, { ...AUTHORIZE, amount: big });
    expect(server.requests[0]?.body).toMatchObject({
      data: { attributes: { amount: '9007199254740993' } },
    });
    expect(payment.attributes.amount).toBe(big);
  });

  test('insufficient funds is an AccruPayPaymentError with the 004 code, status, request id, detail and errors', async () => {
    const refusal = errors(
      422,
      'insufficient_funds',
      "The customer's account has insufficient funds to complete this payment",
    );
    server.answer(refusal);
    const failure = await client()
      .paymentIntents.authorize(PI, AUTHORIZE)
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AccruPayPaymentError);
    expect(failure).toMatchObject({
      name: 'AccruPayPaymentError',
      code: 'insufficient_funds',
      statusCode: 422,
      requestId: 'req_1',
      message: "The customer's account has insufficient funds to complete this payment",
      errors: refusal.body.errors,
    });
    // A refusal is not retried.
    expect(server.requests).toHaveLength(1);
  });

  test('a request id in the error meta wins over the header; a pointer names the field', async () => {
    server.answer(
      errors(422, 'amount_mismatch', 'amount must be the intent amount, 10000', {
        source: { pointer: '/data/attributes/amount' },
        meta: { requestId: 'req_meta' },
      }),
    );
    const failure = await client()
      .paymentIntents.authorize(PI, { ...AUTHORIZE, amount: 9999n })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AccruPayValidationError);
    expect(failure).toMatchObject({
      code: 'amount_mismatch',
      requestId: 'req_meta',
      issues: [
        { path: 'data.attributes.amount', message: 'amount must be the intent amount, 10000' },
      ],
    });
  });

  test('a 500 is retried with the same idempotency key, then answers', async () => {
    server.answer(errors(500, 'internal_error', 'Something broke'), {
      status: 201,
      body: { data: paymentWire() },
    });
    const payment = await client().paymentIntents.authorize(PI, AUTHORIZE);
    expect(payment.id).toBe(PAY);
    const keys = server.requests.map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    expect(sleeps).toHaveLength(1);
  });

  test('idempotency_key_in_use (409) is retried; idempotency_key_reused (422) is not', async () => {
    server.answer(errors(409, 'idempotency_key_in_use', 'in flight'), {
      status: 201,
      body: { data: paymentWire() },
    });
    await expect(client().paymentIntents.authorize(PI, AUTHORIZE)).resolves.toMatchObject({
      id: PAY,
    });
    server.answer(errors(422, 'idempotency_key_reused', 'another body'));
    await expect(
      client().paymentIntents.authorize(PI, AUTHORIZE, { idempotencyKey: 'k' }),
    ).rejects.toBeInstanceOf(AccruPayIdempotencyError);
    expect(server.requests).toHaveLength(3);
  });

  test('a provider timeout exhausts the retries and is an AccruPayProviderError', async () => {
    const timeout = errors(504, 'provider_timeout', 'Accrue did not answer');
    server.answer(timeout, timeout, timeout);
    const failure = client().paymentIntents.authorize(PI, AUTHORIZE);
    await expect(failure).rejects.toBeInstanceOf(AccruPayProviderError);
    await expect(failure).rejects.toMatchObject({ code: 'provider_timeout', statusCode: 504 });
    expect(server.requests).toHaveLength(3);
  });

  test.each([
    [
      'a payment id as the intent id',
      () => client().paymentIntents.authorize(PAY, AUTHORIZE),
      'paymentIntentId: must be a payment intent id',
    ],
    [
      'a zero amount',
      () => client().paymentIntents.authorize(PI, { ...AUTHORIZE, amount: 0n }),
      'amount: must be at least 1',
    ],
    [
      'an unknown capture method',
      () =>
        client().paymentIntents.authorize(PI, { ...AUTHORIZE, captureMethod: 'later' as 'manual' }),
      'captureMethod: must be a capture method: automatic, manual',
    ],
    [
      'a snake_case parameter',
      () =>
        client().paymentIntents.authorize(PI, {
          ...AUTHORIZE,
          capture_method: 'manual',
        } as never),
      'capture_method: is not a parameter; use amount, currency, captureMethod, description',
    ],
    [
      'a missing currency',
      () => client().paymentIntents.authorize(PI, { amount: 1n } as never),
      'currency',
    ],
    [
      'a bad payment id',
      () => client().payments.get('txn_1'),
      'paymentId: must be a payment id such as pay_abc123xyz789; got "txn_1"',
    ],
    [
      'a capture of nothing',
      () => client().payments.capture(PAY, { amount: -1n }),
      'amount: must not be negative',
    ],
  ])('%s is refused before sending, naming the parameter', async (_name, call, says) => {
    const failure = call();
    await expect(failure).rejects.toBeInstanceOf(AccruPayValidationError);
    await expect(failure).rejects.toThrow(says);
    expect(server.requests).toHaveLength(0);
  });
});

describe('paymentIntents.get and payments', () => {
  test('paymentIntents.get reads the intent', async () => {
    server.answer({ status: 200, body: { data: INTENT_WIRE } });
    const intent = await client().paymentIntents.get(PI);
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: `/payment-intents/${PI}` });
    expect(server.requests[0]?.headers['idempotency-key']).toBeUndefined();
    expect(intent.attributes).toMatchObject({ amount: 10000n, status: 'created' });
    expect(intent.relationships.payment.data).toBeNull();
  });

  test('capture in full sends no amount; in part sends it; cancel sends its document', async () => {
    const captured = paymentWire({
      status: 'captured',
      capture_method: 'manual',
      amount_captured: 4000,
    });
    server.answer(
      { status: 200, body: { data: paymentWire({ status: 'captured', amount_captured: 10000 }) } },
      { status: 200, body: { data: captured } },
      { status: 200, body: { data: paymentWire({ status: 'canceled' }) } },
    );
    const accrupay = client();
    await accrupay.payments.capture(PAY);
    const part = await accrupay.payments.capture(PAY, { amount: 4000n });
    const canceled = await accrupay.payments.cancel(PAY, { idempotencyKey: 'cancel-1' });
    expect(server.requests.map((request) => [request.method, request.url, request.body])).toEqual([
      ['POST', `/payments/${PAY}/capture`, { data: { type: 'payment_captures', attributes: {} } }],
      [
        'POST',
        `/payments/${PAY}/capture`,
        { data: { type: 'payment_captures', attributes: { amount: 4000 } } },
      ],
      ['POST', `/payments/${PAY}/cancel`, { data: { type: 'payment_cancellations' } }],
    ]);
    expect(part.attributes.amount_captured).toBe(4000n);
    expect(canceled.attributes.status).toBe('canceled');
    expect(server.requests[2]?.headers['idempotency-key']).toBe('cancel-1');
    const keys = new Set(server.requests.map((request) => request.headers['idempotency-key']));
    expect(keys.size).toBe(3);
  });

  test.each([
    [404, 'not_found', AccruPayNotFoundError],
    [422, 'invalid_state', AccruPayConflictError],
    [401, 'authentication_failed', AccruPayAuthenticationError],
  ] as const)('payments.get answers %i %s as its class', async (status, code, type) => {
    server.answer(errors(status, code, `${code} detail`));
    const failure = client().payments.get(PAY);
    await expect(failure).rejects.toBeInstanceOf(type);
    await expect(failure).rejects.toMatchObject({ code, statusCode: status });
  });

  test('a success that does not match the contract is refused as INVALID_RESPONSE', async () => {
    server.answer({ status: 200, body: { data: { ...paymentWire(), type: 'payment' } } });
    await expect(client().payments.get(PAY)).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });
});

describe('payments.card', () => {
  test('sends the client pair from the constructor and never the API secret', async () => {
    server.answer({ status: 200, body: CARD_WIRE });
    const card = await client(CLIENT).payments.card(PAY);
    const [request] = server.requests;
    expect(request?.url).toBe(`/api/v1/payments/${PAY}/card`);
    expect(request?.headers['x-client-id']).toBe(CLIENT.clientId);
    expect(request?.headers['x-client-secret']).toBe(CLIENT.clientSecret);
    expect(request?.headers['accrupay-api-secret']).toBeUndefined();
    expect(JSON.stringify(request?.headers)).not.toContain(apiSecret);
    expect(card.attributes).toMatchObject({ number: '5555555555554444', cvc: '123' });
  });

  test('a pair given to the call wins over the constructor', async () => {
    server.answer({ status: 200, body: CARD_WIRE });
    await client(CLIENT).payments.card(PAY, { clientId: 'cli_other', clientSecret: 'cs_other' });
    expect(server.requests[0]?.headers['x-client-id']).toBe('cli_other');
    expect(server.requests[0]?.headers['x-client-secret']).toBe('cs_other');
  });

  test('without a pair it refuses before sending, saying where the pair comes from', async () => {
    const failure = client().payments.card(PAY);
    await expect(failure).rejects.toBeInstanceOf(AccruPayAuthenticationError);
    await expect(failure).rejects.toThrow(
      'payments.card: the secure card API needs clientId and clientSecret',
    );
    await expect(failure).rejects.toThrow('merchant create --json');
    expect(server.requests).toHaveLength(0);
  });

  test('the API secret as client secret is refused, at the call and in the constructor', async () => {
    await expect(
      client().payments.card(PAY, { clientId: 'cli_x', clientSecret: apiSecret }),
    ).rejects.toThrow('clientSecret is an API secret');
    expect(() => client({ clientId: 'cli_x', clientSecret: apiSecret })).toThrow(
      'clientSecret is an API secret',
    );
    expect(() => client({ clientId: 'cli_x' })).toThrow('clientId is given without clientSecret');
    expect(server.requests).toHaveLength(0);
  });

  test('a used card is card_unavailable, an AccruPayConflictError', async () => {
    server.answer(errors(422, 'card_unavailable', 'The virtual card was already used'));
    await expect(client(CLIENT).payments.card(PAY)).rejects.toMatchObject({
      name: 'AccruPayConflictError',
      code: 'card_unavailable',
      statusCode: 422,
      message: 'The virtual card was already used',
    });
  });
});

describe('payment webhooks', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const at = new Date('2030-01-15T12:00:00.000Z');
  function signed(event: object) {
    const body = JSON.stringify(event);
    const id = (event as { id: string }).id;
    return {
      body,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(at.getTime() / 1000),
        'webhook-signature': new Webhook(secret).sign(id, at, body),
      },
    };
  }

  test('payment and payment intent events are event types of the SDK', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual(
      expect.arrayContaining(['payment.succeeded', 'payment.settled', 'payment_intent.created']),
    );
  });

  test('constructEvent parses a payment event to its typed resource, amounts as bigint', () => {
    const { body, headers } = signed({
      id: 'evt_pay_1',
      type: 'payment.succeeded',
      createdAt: '2030-01-15T12:00:00.000Z',
      data: { object: paymentWire({ status: 'succeeded', amount_captured: 10000 }) },
    });
    const event = constructEvent(body, headers, secret, { now: at });
    if (event.type !== 'payment.succeeded') throw new Error(`narrowed to ${event.type}`);
    expect(event.data.object.attributes.amount_captured).toBe(10000n);
    expect(event.data.object.relationships.payment_intent.data.id).toBe(PI);
  });

  test('constructEvent parses a payment intent event; a payment body under an intent type is refused', () => {
    const intent = signed({
      id: 'evt_pi_1',
      type: 'payment_intent.created',
      createdAt: '2030-01-15T12:00:00.000Z',
      data: { object: INTENT_WIRE },
    });
    const event = constructEvent(intent.body, intent.headers, secret, { now: at });
    if (event.type !== 'payment_intent.created') throw new Error(`narrowed to ${event.type}`);
    expect(event.data.object.attributes.amount).toBe(10000n);
    const wrong = signed({
      id: 'evt_pi_2',
      type: 'payment_intent.created',
      createdAt: '2030-01-15T12:00:00.000Z',
      data: { object: paymentWire() },
    });
    expect(() => constructEvent(wrong.body, wrong.headers, secret, { now: at })).toThrow(
      /not an AccruPay event this SDK knows/,
    );
  });
});
