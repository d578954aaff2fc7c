import { contract } from '@accrupay/contracts';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import AccruPay, {
  AccruPayApiError,
  AccruPayAuthenticationError,
  AccruPayConflictError,
  AccruPayConnectionError,
  AccruPayIdempotencyError,
  AccruPayProviderError,
  AccruPayRateLimitError,
  AccruPayTimeoutError,
  AccruPayValidationError,
  AccruPayWebhookVerificationError,
  COUNTRY_ISO_2,
  CURRENCY,
  DEFAULT_BASE_URL,
  TRANSACTION_PROVIDER,
} from './index.ts';
import {
  DELIVERY_WIRE,
  ENDPOINT_WIRE,
  envelope,
  FAULT_WIRE,
  makeSecret,
  PAYMENT_START,
  type ScriptedServer,
  SESSION_EVENT_WIRE,
  SESSION_ID,
  SESSION_WIRE,
  scriptedServer,
  TRANSACTION_EVENT_WIRE,
  TRANSACTION_WIRE,
} from './test-fixtures.ts';
import { backoffDelay, MAX_RETRY_DELAY_MS } from './transport.ts';

let server: ScriptedServer;
let sleeps: number[];
const apiSecret = makeSecret();
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

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

beforeEach(async () => {
  server = await scriptedServer();
  sleeps = [];
});
afterEach(async () => {
  await server.close();
});

describe('construction', () => {
  test.each([
    ['missing', undefined, 'apiSecret is missing'],
    ['empty', '', 'apiSecret is missing'],
    ['malformed', 'sk_test_short', 'apiSecret is malformed'],
    ['a public id', 'pk_test_0123456789abcdef01234567', 'merchantPublicId'],
    ['mistyped', `${apiSecret.slice(0, -1)}${apiSecret.endsWith('A') ? 'B' : 'A'}`, 'checksum'],
  ])('a %s apiSecret fails and says where the secret comes from', (_name, secret, problem) => {
    const make = () => new AccruPay({ apiSecret: secret });
    expect(make).toThrow(AccruPayAuthenticationError);
    expect(make).toThrow(problem);
    expect(make).toThrow('accrupay-sandbox start');
    expect(make).toThrow('ACCRUPAY_API_SECRET');
  });

  test.each([
    [{ baseUrl: 'localhost:4000' }, 'baseUrl'],
    [{ timeout: 0 }, 'timeout'],
    [{ maxNetworkRetries: -1 }, 'maxNetworkRetries'],
    [{ environment: 'production' as 'sandbox' }, 'environment'],
  ])('refuses bad options: %o', (options, field) => {
    expect(() => new AccruPay({ apiSecret, ...options })).toThrow(field);
  });

  test('without baseUrl it targets the local sandbox', async () => {
    const urls: string[] = [];
    const accrupay = new AccruPay({
      apiSecret,
      fetch: async (url) => {
        urls.push(String(url));
        return Response.json(SESSION_WIRE, { status: 200 });
      },
    });
    await accrupay.transactions.clientSessions.getOne({ id: SESSION_ID });
    expect(DEFAULT_BASE_URL).toBe('http://127.0.0.1:4000');
    expect(urls).toEqual([`http://127.0.0.1:4000/v1/client-sessions/lookup?id=${SESSION_ID}`]);
  });

  test('re-exports the enums of the contract', () => {
    expect(CURRENCY.USD).toBe('USD');
    expect(COUNTRY_ISO_2.US).toBe('US');
    expect(TRANSACTION_PROVIDER).toEqual({ NUVEI: 'NUVEI', STRIPE: 'STRIPE' });
  });
});

describe('each method sends its contract route', () => {
  const identifier = { id: SESSION_ID };
  const cases: Array<{
    name: string;
    route: { method: string; path: string };
    call: (a: AccruPay) => Promise<unknown>;
    answer: unknown;
    body?: unknown;
    path?: string;
  }> = [
    {
      name: 'clientSessions.payments.start',
      route: contract.clientSessions.payments.start,
      call: (a) => a.transactions.clientSessions.payments.start(PAYMENT_START),
      answer: SESSION_WIRE,
      body: { ...PAYMENT_START, data: { ...PAYMENT_START.data, amount: '10000' } },
    },
    {
      name: 'clientSessions.payments.verify',
      route: contract.clientSessions.payments.verify,
      call: (a) => a.transactions.clientSessions.payments.verify(identifier),
      answer: TRANSACTION_WIRE,
      body: identifier,
    },
    {
      name: 'clientSessions.authorizations.start',
      route: contract.clientSessions.authorizations.start,
      call: (a) => a.transactions.clientSessions.authorizations.start(PAYMENT_START),
      answer: SESSION_WIRE,
    },
    {
      name: 'clientSessions.authorizations.verify',
      route: contract.clientSessions.authorizations.verify,
      call: (a) => a.transactions.clientSessions.authorizations.verify(identifier),
      answer: TRANSACTION_WIRE,
    },
    {
      name: 'clientSessions.paymentMethod.add.start',
      route: contract.clientSessions.paymentMethodAdd.start,
      call: (a) =>
        a.transactions.clientSessions.paymentMethod.add.start({
          transactionProvider: TRANSACTION_PROVIDER.NUVEI,
          data: {
            merchantInternalTransactionCode: 'add-pm-3310',
            currency: CURRENCY.USD,
            billing: PAYMENT_START.data.billing,
          },
        }),
      answer: SESSION_WIRE,
    },
    {
      name: 'clientSessions.paymentMethod.add.verify',
      route: contract.clientSessions.paymentMethodAdd.verify,
      call: (a) => a.transactions.clientSessions.paymentMethod.add.verify({ token: 'tok' }),
      answer: TRANSACTION_WIRE,
      body: { token: 'tok' },
    },
    {
      name: 'clientSessions.getBaseConfig',
      route: contract.clientSessions.getBaseConfig,
      call: (a) =>
        a.transactions.clientSessions.getBaseConfig({ merchantTransactionProviderId: 'mtp_1' }),
      answer: {
        id: null,
        transactionProvider: 'STRIPE',
        merchantTransactionProviderId: 'mtp_1',
        providerData: {},
      },
      path: `${contract.clientSessions.getBaseConfig.path}?merchantTransactionProviderId=mtp_1`,
    },
    {
      name: 'clientSessions.getOne',
      route: contract.clientSessions.getOne,
      call: (a) =>
        a.transactions.clientSessions.getOne({ merchantInternalTransactionCode: 'order 1' }),
      answer: SESSION_WIRE,
      path: `${contract.clientSessions.getOne.path}?merchantInternalTransactionCode=order+1`,
    },
    {
      name: 'clientSessions.getMany',
      route: contract.clientSessions.getMany,
      call: (a) => a.transactions.clientSessions.getMany({ take: 20, skip: 0 }),
      answer: { data: [SESSION_WIRE], total: 1 },
      path: `${contract.clientSessions.getMany.path}?take=20&skip=0`,
    },
    {
      name: 'transactions.getOne',
      route: contract.transactions.getOne,
      call: (a) => a.transactions.getOne({ id: 'txn 1' }),
      answer: TRANSACTION_WIRE,
      path: '/v1/transactions/txn%201',
    },
    {
      name: 'transactions.getMany',
      route: contract.transactions.getMany,
      call: (a) => a.transactions.getMany({ status: 'SUCCEEDED' }),
      answer: { data: [TRANSACTION_WIRE], total: 1 },
      path: '/v1/transactions?take=20&skip=0&status=SUCCEEDED',
    },
    {
      name: 'transactions.authorizations.settle',
      route: contract.transactions.settle,
      call: (a) => a.transactions.authorizations.settle({ id: 'txn_1', amount: 20000n }),
      answer: TRANSACTION_WIRE,
      path: '/v1/transactions/txn_1/settle',
      body: { amount: '20000' },
    },
    {
      name: 'transactions.refund',
      route: contract.transactions.refund,
      call: (a) => a.transactions.refund({ id: 'txn_1', amount: 500n }),
      answer: TRANSACTION_WIRE,
      path: '/v1/transactions/txn_1/refund',
      body: { amount: '500' },
    },
    {
      name: 'transactions.sync',
      route: contract.transactions.sync,
      call: (a) => a.transactions.sync({ id: 'txn_1' }),
      answer: TRANSACTION_WIRE,
      path: '/v1/transactions/txn_1/sync',
      body: {},
    },
    {
      name: 'transactions.authorizations.void',
      route: contract.transactions.void,
      call: (a) => a.transactions.authorizations.void({ id: 'txn_1' }),
      answer: TRANSACTION_WIRE,
      path: '/v1/transactions/txn_1/void',
      body: {},
    },
    {
      name: 'transactions.payments.paymentMethod.charge',
      route: contract.transactions.chargePaymentMethod,
      call: (a) =>
        a.transactions.payments.paymentMethod.charge({
          data: {
            customerPaymentMethodId: 'pm_1',
            merchantInternalTransactionCode: 'renewal-1',
            merchantInternalCustomerCode: 'customer-4421',
            amount: 1500n,
            currency: CURRENCY.USD,
          },
        }),
      answer: TRANSACTION_WIRE,
      body: {
        data: {
          customerPaymentMethodId: 'pm_1',
          merchantInternalTransactionCode: 'renewal-1',
          merchantInternalCustomerCode: 'customer-4421',
          amount: '1500',
          currency: 'USD',
        },
      },
    },
    {
      name: 'paymentMethods.getMany',
      route: contract.paymentMethods.getMany,
      call: (a) => a.paymentMethods.getMany({ merchantInternalCustomerCode: 'customer-4421' }),
      answer: { data: [], total: 0 },
      path: '/v1/payment-methods?merchantInternalCustomerCode=customer-4421&take=20&skip=0',
    },
    {
      name: 'webhookEndpoints.create',
      route: contract.webhookEndpoints.create,
      call: (a) =>
        a.webhookEndpoints.create({
          url: ENDPOINT_WIRE.url,
          enabledEvents: ['transaction.succeeded', 'client_session.completed'],
          description: 'orders',
        }),
      answer: { ...ENDPOINT_WIRE, secret: WEBHOOK_SECRET },
      body: {
        url: ENDPOINT_WIRE.url,
        enabledEvents: ['transaction.succeeded', 'client_session.completed'],
        description: 'orders',
      },
    },
    {
      name: 'webhookEndpoints.create (every event by default)',
      route: contract.webhookEndpoints.create,
      call: (a) => a.webhookEndpoints.create({ url: ENDPOINT_WIRE.url }),
      answer: { ...ENDPOINT_WIRE, secret: WEBHOOK_SECRET },
      body: { url: ENDPOINT_WIRE.url, enabledEvents: ['*'] },
    },
    {
      name: 'webhookEndpoints.list',
      route: contract.webhookEndpoints.getMany,
      call: (a) => a.webhookEndpoints.list(),
      answer: { data: [ENDPOINT_WIRE] },
    },
    {
      name: 'webhookEndpoints.get',
      route: contract.webhookEndpoints.getOne,
      call: (a) => a.webhookEndpoints.get('we 1'),
      answer: ENDPOINT_WIRE,
      path: '/v1/webhook-endpoints/we%201',
    },
    {
      name: 'webhookEndpoints.delete',
      route: contract.webhookEndpoints.delete,
      call: (a) => a.webhookEndpoints.delete('we_1'),
      answer: { ...ENDPOINT_WIRE, status: 'DISABLED' },
      path: '/v1/webhook-endpoints/we_1',
      body: {},
    },
    {
      name: 'webhookEndpoints.rotateSecret',
      route: contract.webhookEndpoints.rotateSecret,
      call: (a) => a.webhookEndpoints.rotateSecret('we_1', { graceSeconds: 60 }),
      answer: { ...ENDPOINT_WIRE, secret: WEBHOOK_SECRET },
      path: '/v1/webhook-endpoints/we_1/rotate-secret',
      body: { graceSeconds: 60 },
    },
    {
      name: 'webhookEndpoints.rotateSecret (24 h grace by default)',
      route: contract.webhookEndpoints.rotateSecret,
      call: (a) => a.webhookEndpoints.rotateSecret('we_1'),
      answer: { ...ENDPOINT_WIRE, secret: WEBHOOK_SECRET },
      path: '/v1/webhook-endpoints/we_1/rotate-secret',
      body: { graceSeconds: 86400 },
    },
    {
      name: 'webhookEndpoints.recover (since a Date)',
      route: contract.webhookEndpoints.recover,
      call: (a) =>
        a.webhookEndpoints.recover('we_1', { since: new Date('2030-01-15T11:00:00.000Z') }),
      answer: { redelivered: 3 },
      path: '/v1/webhook-endpoints/we_1/recover',
      body: { since: '2030-01-15T11:00:00.000Z' },
    },
    {
      name: 'webhookEndpoints.recover (since an ISO string)',
      route: contract.webhookEndpoints.recover,
      call: (a) => a.webhookEndpoints.recover('we_1', { since: '2030-01-15T11:00:00Z' }),
      answer: { redelivered: 0 },
      path: '/v1/webhook-endpoints/we_1/recover',
      body: { since: '2030-01-15T11:00:00Z' },
    },
    {
      name: 'webhookEndpoints.faults.arm',
      route: contract.webhookEndpoints.armFault,
      call: (a) =>
        a.webhookEndpoints.faults.arm('we_1', {
          kind: 'duplicate',
          copies: 3,
          target: { eventType: 'transaction.succeeded' },
          times: 1,
        }),
      answer: FAULT_WIRE,
      path: '/v1/webhook-endpoints/we_1/faults',
      body: {
        kind: 'duplicate',
        copies: 3,
        target: { eventType: 'transaction.succeeded' },
        times: 1,
      },
    },
    {
      name: 'webhookEndpoints.faults.arm (every delivery by default)',
      route: contract.webhookEndpoints.armFault,
      call: (a) => a.webhookEndpoints.faults.arm('we_1', { kind: 'drop' }),
      answer: FAULT_WIRE,
      path: '/v1/webhook-endpoints/we_1/faults',
      body: { kind: 'drop', target: 'all' },
    },
    {
      name: 'webhookEndpoints.faults.list',
      route: contract.webhookEndpoints.listFaults,
      call: (a) => a.webhookEndpoints.faults.list('we_1'),
      answer: { data: [FAULT_WIRE] },
      path: '/v1/webhook-endpoints/we_1/faults',
    },
    {
      name: 'webhookEndpoints.faults.disarm',
      route: contract.webhookEndpoints.disarmFault,
      call: (a) => a.webhookEndpoints.faults.disarm('we_1', 'wf/1'),
      answer: FAULT_WIRE,
      path: '/v1/webhook-endpoints/we_1/faults/wf%2F1',
      body: {},
    },
    {
      name: 'events.list',
      route: contract.events.getMany,
      call: (a) =>
        a.events.list({
          type: 'transaction.succeeded',
          objectId: 'txn_1',
          createdFrom: new Date('2030-01-15T00:00:00.000Z'),
        }),
      answer: { data: [TRANSACTION_EVENT_WIRE], total: 1 },
      path: '/v1/events?take=20&skip=0&type=transaction.succeeded&objectId=txn_1&createdFrom=2030-01-15T00%3A00%3A00.000Z',
    },
    {
      name: 'events.get',
      route: contract.events.getOne,
      call: (a) => a.events.get('evt_1'),
      answer: SESSION_EVENT_WIRE,
      path: '/v1/events/evt_1',
    },
    {
      name: 'events.deliveries',
      route: contract.events.deliveries,
      call: (a) => a.events.deliveries('evt_1'),
      answer: { data: [DELIVERY_WIRE] },
      path: '/v1/events/evt_1/deliveries',
    },
    {
      name: 'events.redeliver',
      route: contract.events.redeliver,
      call: (a) => a.events.redeliver('evt_1', { endpointId: 'we_1' }),
      answer: { data: [DELIVERY_WIRE] },
      path: '/v1/events/evt_1/redeliver',
      body: { endpointId: 'we_1' },
    },
    {
      name: 'events.redeliver (to every endpoint)',
      route: contract.events.redeliver,
      call: (a) => a.events.redeliver('evt_1'),
      answer: { data: [DELIVERY_WIRE] },
      path: '/v1/events/evt_1/redeliver',
      body: {},
    },
  ];

  test.each(cases)('$name', async ({ route, call, answer, body, path }) => {
    server.answer({ status: 200, body: answer });
    const result = await call(client());
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe(route.method);
    expect(request?.url).toBe(path ?? route.path);
    expect(request?.headers['accrupay-api-secret']).toBe(apiSecret);
    if (route.method === 'POST') {
      expect(request?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
      expect(request?.headers['content-type']).toBe('application/json');
    } else {
      if (body === undefined) expect(request?.body).toBeUndefined();
      expect(request?.headers['idempotency-key']).toBeUndefined();
    }
    if (body !== undefined) expect(request?.body).toEqual(body);
    expect(result).toBeTypeOf('object');
  });

  test('responses are decoded: amounts become bigint', async () => {
    server.answer({ status: 200, body: SESSION_WIRE });
    const session = await client().transactions.clientSessions.payments.start(PAYMENT_START);
    expect(session.amount).toBe(10000n);
    server.answer({ status: 200, body: { ...TRANSACTION_WIRE, settledAmount: '250' } });
    const transaction = await client().transactions.getOne({ id: 'txn_1' });
    expect(transaction.settledAmount).toBe(250n);
  });

  test('an answer that breaks the contract is an API error, not retried', async () => {
    server.answer({ status: 200, body: { ...SESSION_WIRE, amount: 'ten' } });
    const failure = client().transactions.clientSessions.getOne({ id: SESSION_ID });
    await expect(failure).rejects.toBeInstanceOf(AccruPayApiError);
    await expect(failure).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(server.requests).toHaveLength(1);
  });

  test('an error answer throws its class with the request id', async () => {
    server.answer({
      status: 409,
      body: envelope('CONFLICT', 'order-8821 already has a session with other data'),
    });
    const failure = client().transactions.clientSessions.payments.start(PAYMENT_START);
    await expect(failure).rejects.toBeInstanceOf(AccruPayConflictError);
    await expect(failure).rejects.toMatchObject({ statusCode: 409, requestId: 'req_err' });
  });
});

describe('input is validated before anything is sent', () => {
  test('a bad field is refused with its name', async () => {
    const failure = client().transactions.clientSessions.payments.start({
      ...PAYMENT_START,
      data: { ...PAYMENT_START.data, currency: 'XYZ' as 'USD' },
    });
    await expect(failure).rejects.toBeInstanceOf(AccruPayValidationError);
    await expect(failure).rejects.toThrow('clientSessions.payments.start: data.currency');
    await expect(failure).rejects.toMatchObject({
      issues: [expect.objectContaining({ path: 'data.currency' })],
      statusCode: undefined,
    });
    expect(server.requests).toHaveLength(0);
  });

  test('a zero amount is refused', async () => {
    await expect(
      client().transactions.clientSessions.payments.start({
        ...PAYMENT_START,
        data: { ...PAYMENT_START.data, amount: 0n },
      }),
    ).rejects.toThrow('data.amount: must be at least 1');
    expect(server.requests).toHaveLength(0);
  });

  test('an unset provider id (process.env.ACCRUPAY_PROVIDER_ID missing) is refused', async () => {
    await expect(
      client().transactions.clientSessions.payments.start({
        ...PAYMENT_START,
        merchantTransactionProviderId: undefined,
      }),
    ).rejects.toThrow('merchantTransactionProviderId');
    expect(server.requests).toHaveLength(0);
  });

  test.each([
    ['zero identifiers', {}, 'got none'],
    ['two identifiers', { id: SESSION_ID, token: 'tok' }, 'got 2: id and token'],
  ])('verify and getOne refuse %s', async (_name, identifier, message) => {
    const sessions = client().transactions.clientSessions;
    const calls = [
      () => sessions.payments.verify(identifier as { id: string }),
      () => sessions.paymentMethod.add.verify(identifier as { id: string }),
      () => sessions.authorizations.verify(identifier as { id: string }),
      () => sessions.getOne(identifier as { id: string }),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toBeInstanceOf(AccruPayValidationError);
      await expect(call()).rejects.toThrow(message);
    }
    expect(server.requests).toHaveLength(0);
  });

  test('settle and void need the transaction id', async () => {
    await expect(
      client().transactions.authorizations.settle({ id: '' } as { id: string }),
    ).rejects.toThrow('transactions.authorizations.settle: id');
    await expect(client().transactions.authorizations.void({} as { id: string })).rejects.toThrow(
      'id: must be the transaction id',
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('retries and idempotency', () => {
  const start = (a: AccruPay, options?: { idempotencyKey?: string }) =>
    a.transactions.clientSessions.payments.start(PAYMENT_START, options);

  test('a 5xx then success: one result, the same Idempotency-Key on both attempts', async () => {
    server.answer({ status: 503, body: envelope('INTERNAL_ERROR') });
    const session = await start(client());
    expect(session.id).toBe(SESSION_ID);
    expect(server.requests).toHaveLength(2);
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys[0]).toEqual(expect.any(String));
    expect(keys[1]).toBe(keys[0]);
    expect(sleeps).toEqual([backoffDelay(0, () => 0.5)]);
  });

  test('each call gets its own key; the caller may pass one', async () => {
    const accrupay = client();
    await start(accrupay);
    await start(accrupay);
    await start(accrupay, { idempotencyKey: 'order-8821-start' });
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(3);
    expect(keys[2]).toBe('order-8821-start');
  });

  test.each([
    [400, 'VALIDATION_ERROR', AccruPayValidationError],
    [401, 'AUTHENTICATION_FAILED', AccruPayAuthenticationError],
    [409, 'CONFLICT', AccruPayConflictError],
    [422, 'IDEMPOTENCY_KEY_REUSED', AccruPayIdempotencyError],
  ] as const)('a %i %s is not retried', async (status, code, type) => {
    server.answer({ status, body: envelope(code) });
    await expect(start(client())).rejects.toBeInstanceOf(type);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  test('a 409 IDEMPOTENCY_KEY_IN_USE (still in flight) is retried with the same key', async () => {
    server.answer({ status: 409, body: envelope('IDEMPOTENCY_KEY_IN_USE') });
    await start(client());
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers['idempotency-key']).toBe(
      server.requests[0]?.headers['idempotency-key'],
    );
  });

  test('a 429 waits for Retry-After before retrying', async () => {
    server.answer({
      status: 429,
      body: envelope('RATE_LIMITED'),
      headers: { 'retry-after': '3' },
    });
    await start(client());
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([3000]);
  });

  test('a 429 with a Retry-After beyond a minute is thrown, not waited for', async () => {
    server.answer({
      status: 429,
      body: envelope('RATE_LIMITED'),
      headers: { 'retry-after': '120' },
    });
    const failure = start(client());
    await expect(failure).rejects.toBeInstanceOf(AccruPayRateLimitError);
    await expect(failure).rejects.toMatchObject({ retryAfterSeconds: 120 });
    expect(server.requests).toHaveLength(1);
  });

  test('2 retries by default, then the last error is thrown; backoff grows', async () => {
    server.fallback = () => ({ status: 502, body: envelope('PROVIDER_ERROR') });
    await expect(start(client())).rejects.toBeInstanceOf(AccruPayProviderError);
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([backoffDelay(0, () => 0.5), backoffDelay(1, () => 0.5)]);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] as number);
  });

  test('maxNetworkRetries per client and per call', async () => {
    server.fallback = () => ({ status: 500, body: envelope('INTERNAL_ERROR') });
    await expect(start(client({ maxNetworkRetries: 0 }))).rejects.toBeInstanceOf(AccruPayApiError);
    expect(server.requests).toHaveLength(1);
    await expect(
      client().transactions.clientSessions.getOne({ id: SESSION_ID }, { maxNetworkRetries: 4 }),
    ).rejects.toBeInstanceOf(AccruPayApiError);
    expect(server.requests).toHaveLength(6);
  });

  test('a dropped connection is retried with the same key', async () => {
    server.answer({ status: 0, hangUp: true });
    await start(client());
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers['idempotency-key']).toBe(
      server.requests[0]?.headers['idempotency-key'],
    );
  });

  test('nothing listening: a connection error that says what to check', async () => {
    // What Node's fetch throws for a refused connection (a real closed port may be reused meanwhile).
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    let attempts = 0;
    const failure = client({
      fetch: async () => {
        attempts++;
        throw new TypeError('fetch failed', { cause: refused });
      },
    }).transactions.clientSessions.getOne({ id: SESSION_ID });
    await expect(failure).rejects.toBeInstanceOf(AccruPayConnectionError);
    await expect(failure).rejects.toThrow('accrupay-sandbox start');
    await expect(failure).rejects.toThrow('ECONNREFUSED');
    await expect(failure).rejects.toMatchObject({ code: 'CONNECTION_ERROR' });
    expect(attempts).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  test('a timeout is retried, then thrown as a timeout error', async () => {
    server.fallback = () => ({ status: 0, hang: true });
    let attempts = 0;
    const failure = client({
      timeout: 5,
      fetch: (input, init) => {
        attempts++;
        return fetch(input, init);
      },
    }).transactions.clientSessions.getOne({ id: SESSION_ID });
    await expect(failure).rejects.toBeInstanceOf(AccruPayTimeoutError);
    await expect(failure).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(attempts).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  test('backoff is capped exponential with jitter', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 0.999_999)).toBe(500);
    expect(backoffDelay(1, () => 0)).toBe(500);
    expect(backoffDelay(3, () => 0.999_999)).toBe(4000);
    expect(backoffDelay(30, () => 0.999_999)).toBe(MAX_RETRY_DELAY_MS);
    const random = vi.fn(() => 0.25);
    expect(backoffDelay(2, random)).toBe(1250);
    expect(random).toHaveBeenCalledOnce();
  });
});

describe('pagination', () => {
  test('await gives one page; for await walks every page', async () => {
    const all = Array.from({ length: 5 }, (_, i) => ({ ...SESSION_WIRE, id: `s${i}` }));
    server.fallback = (request) => {
      const query = new URL(request.url, 'http://x').searchParams;
      const skip = Number(query.get('skip'));
      const take = Number(query.get('take'));
      return { status: 200, body: { data: all.slice(skip, skip + take), total: all.length } };
    };
    const sessions = client().transactions.clientSessions;
    const { data, total } = await sessions.getMany({ take: 2, skip: 0 });
    expect(data.map((s) => s.id)).toEqual(['s0', 's1']);
    expect(total).toBe(5);
    server.requests.length = 0;
    const seen: string[] = [];
    for await (const session of sessions.getMany({ take: 2 })) seen.push(session.id);
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v1/client-sessions?take=2&skip=0',
      '/v1/client-sessions?take=2&skip=2',
      '/v1/client-sessions?take=2&skip=4',
    ]);
    const pages: number[] = [];
    for await (const page of sessions.getMany({ take: 2, skip: 1 }).pages()) {
      pages.push(page.data.length);
    }
    expect(pages).toEqual([2, 2]);
  });
});

describe('webhooks', () => {
  test('events are decoded like transactions: amounts become bigint; list pages', async () => {
    const all = Array.from({ length: 3 }, (_, i) => ({
      ...TRANSACTION_EVENT_WIRE,
      id: `evt_${i}`,
    }));
    server.fallback = (request) => {
      const query = new URL(request.url, 'http://x').searchParams;
      const skip = Number(query.get('skip'));
      const take = Number(query.get('take'));
      return { status: 200, body: { data: all.slice(skip, skip + take), total: all.length } };
    };
    const events = client().events;
    const page = await events.list({ take: 2 });
    expect(page.total).toBe(3);
    const first = page.data[0];
    if (first?.type !== 'transaction.succeeded') throw new Error(`got ${first?.type}`);
    expect(first.data.object.amount).toBe(10000n);
    const ids: string[] = [];
    for await (const event of events.list({ take: 2, type: 'transaction.succeeded' })) {
      ids.push(event.id);
    }
    expect(ids).toEqual(['evt_0', 'evt_1', 'evt_2']);
    expect(server.requests.slice(1).map((r) => r.url)).toEqual([
      '/v1/events?take=2&skip=0&type=transaction.succeeded',
      '/v1/events?take=2&skip=2&type=transaction.succeeded',
    ]);
  });

  test('each POST gets its own idempotency key; the caller may pass one', async () => {
    server.fallback = () => ({ status: 200, body: { ...ENDPOINT_WIRE, secret: WEBHOOK_SECRET } });
    const endpoints = client().webhookEndpoints;
    await endpoints.rotateSecret('we_1');
    await endpoints.rotateSecret('we_1');
    await endpoints.rotateSecret('we_1', {}, { idempotencyKey: 'rotate-2030-01' });
    server.fallback = () => ({ status: 200, body: { data: [DELIVERY_WIRE] } });
    await client().events.redeliver('evt_1', {}, { idempotencyKey: 'redeliver-evt_1' });
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(4);
    expect(keys.slice(2)).toEqual(['rotate-2030-01', 'redeliver-evt_1']);
  });

  test('a 5xx on create is retried with the same key (no second endpoint)', async () => {
    server.answer({ status: 503, body: envelope('INTERNAL_ERROR') });
    server.fallback = () => ({ status: 200, body: { ...ENDPOINT_WIRE, secret: WEBHOOK_SECRET } });
    await client().webhookEndpoints.create({ url: ENDPOINT_WIRE.url });
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]?.headers['idempotency-key']).toBe(
      server.requests[0]?.headers['idempotency-key'],
    );
  });

  test.each([
    [
      'webhookEndpoints.get',
      (a: AccruPay) => a.webhookEndpoints.get(''),
      'id: must be the webhook endpoint id',
    ],
    [
      'webhookEndpoints.delete',
      (a: AccruPay) => a.webhookEndpoints.delete(undefined as unknown as string),
      'got nothing',
    ],
    [
      'webhookEndpoints.faults.disarm',
      (a: AccruPay) => a.webhookEndpoints.faults.disarm('we_1', ' wf_1'),
      'faultId: must be the fault id',
    ],
    ['events.deliveries', (a: AccruPay) => a.events.deliveries(''), 'id: must be the event id'],
    [
      'webhookEndpoints.recover',
      (a: AccruPay) => a.webhookEndpoints.recover('we_1', { since: new Date('nope') }),
      'since: is an invalid Date',
    ],
    [
      'webhookEndpoints.recover',
      (a: AccruPay) => a.webhookEndpoints.recover('we_1', { since: 'yesterday' }),
      'since: must be an ISO 8601',
    ],
    [
      'webhookEndpoints.create',
      (a: AccruPay) => a.webhookEndpoints.create({ url: 'localhost:3000/hooks' }),
      'url: must be',
    ],
    [
      'webhookEndpoints.create',
      (a: AccruPay) => a.webhookEndpoints.create({ url: ENDPOINT_WIRE.url, enabledEvents: [] }),
      'enabledEvents needs at least one',
    ],
    [
      'webhookEndpoints.rotateSecret',
      (a: AccruPay) => a.webhookEndpoints.rotateSecret('we_1', { graceSeconds: 1.5 }),
      'graceSeconds must be a whole number',
    ],
    [
      'webhookEndpoints.faults.arm',
      (a: AccruPay) => a.webhookEndpoints.faults.arm('we_1', { kind: 'explode' } as never),
      'kind',
    ],
    [
      'events.list',
      (a: AccruPay) => a.events.list({ type: 'transaction.teleported' as never }),
      'type: must be an event type',
    ],
  ])('%s refuses bad input before sending (%#)', async (what, call, says) => {
    const failure = call(client());
    await expect(failure).rejects.toBeInstanceOf(AccruPayValidationError);
    await expect(failure).rejects.toThrow(`${what}: `);
    await expect(failure).rejects.toThrow(says);
    expect(server.requests).toHaveLength(0);
  });

  test("create's secret verifies a delivery signed with it; another endpoint's does not", async () => {
    server.answer({ status: 200, body: { ...ENDPOINT_WIRE, secret: WEBHOOK_SECRET } });
    const accrupay = client();
    const { secret } = await accrupay.webhookEndpoints.create({ url: ENDPOINT_WIRE.url });
    const body = JSON.stringify(SESSION_EVENT_WIRE);
    const at = new Date('2030-01-15T12:00:00.000Z');
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(at.getTime() / 1000),
      'webhook-signature': new Webhook(secret).sign('evt_1', at, body),
    };
    const event = accrupay.webhooks.constructEvent(body, headers, secret, { now: at });
    expect(event.type).toBe('client_session.completed');
    if (event.type !== 'client_session.completed') throw new Error(event.type);
    expect(event.data.object.amount).toBe(10000n);
    const other = 'whsec_dGhpcyBpcyBhbm90aGVyIGVuZHBvaW50cyBzZWNyZXQ=';
    expect(() => accrupay.webhooks.verify(body, headers, other, { now: at })).toThrow(
      AccruPayWebhookVerificationError,
    );
  });
});
