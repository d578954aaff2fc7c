import { describe, expectTypeOf, test } from 'vitest';
import AccruPay, {
  type ClientSession,
  CURRENCY,
  constructEvent,
  type MerchantTransaction,
  type PagePromise,
  TRANSACTION_PROVIDER,
  type VerifiedWebhook,
  verifyWebhook,
  type WebhookEndpointWithSecret,
  type WebhookEvent,
  webhooks,
} from './index.ts';

declare const accrupay: AccruPay;
const sessions = accrupay.transactions.clientSessions;
const billing = {
  billingFirstName: 'Jane',
  billingLastName: 'Smith',
  billingEmail: 'jane@example.com',
  billingAddressCountry: 'US',
} as const;

describe('verify and getOne take exactly one identifier', () => {
  test('one is fine, whichever it is', () => {
    expectTypeOf(
      sessions.payments.verify({ id: 'x' }),
    ).resolves.toEqualTypeOf<MerchantTransaction>();
    expectTypeOf(sessions.getOne({ token: 'x' })).resolves.toEqualTypeOf<ClientSession>();
    expectTypeOf(sessions.authorizations.verify).toBeCallableWith({ providerCode: 'x' });
    expectTypeOf(sessions.paymentMethod.add.verify).toBeCallableWith({
      merchantInternalTransactionCode: 'x',
    });
  });

  test('two, or none, do not compile', () => {
    // @ts-expect-error two identifiers
    void sessions.payments.verify({ id: 'x', token: 'y' });
    // @ts-expect-error two identifiers
    void sessions.getOne({ id: 'x', merchantInternalTransactionCode: 'y' });
    // @ts-expect-error no identifier
    void sessions.authorizations.verify({});
  });
});

describe('starts', () => {
  const data = {
    merchantInternalTransactionCode: 'order-8821',
    amount: 10000n,
    currency: CURRENCY.USD,
    storePaymentMethod: false,
    billing,
  };

  test('amounts are bigint in and out', () => {
    expectTypeOf(sessions.payments.start).toBeCallableWith({
      merchantTransactionProviderId: 'mtp',
      data,
    });
    void sessions.payments.start({
      merchantTransactionProviderId: 'x',
      // @ts-expect-error a number amount
      data: { ...data, amount: 100 },
    });
    expectTypeOf<ClientSession['amount']>().toEqualTypeOf<bigint | null>();
    expectTypeOf<MerchantTransaction['amount']>().toEqualTypeOf<bigint | null>();
  });

  test('the provider id may come from process.env; never both selectors', () => {
    expectTypeOf(sessions.payments.start).toBeCallableWith({
      merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
      data,
    });
    expectTypeOf(sessions.authorizations.start).toBeCallableWith({
      transactionProvider: TRANSACTION_PROVIDER.NUVEI,
      data,
    });
    // @ts-expect-error both selectors
    void sessions.payments.start({
      merchantTransactionProviderId: 'x',
      transactionProvider: TRANSACTION_PROVIDER.STRIPE,
      data,
    });
  });

  test('add-payment-method takes no amount and no storePaymentMethod', () => {
    void sessions.paymentMethod.add.start({
      transactionProvider: 'STRIPE',
      // @ts-expect-error amount is not accepted
      data: { merchantInternalTransactionCode: 'a', currency: 'USD', billing, amount: 1n },
    });
  });

  test('getBaseConfig: one selector', () => {
    expectTypeOf(sessions.getBaseConfig).toBeCallableWith({
      merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
    });
    expectTypeOf(sessions.getBaseConfig).toBeCallableWith({ transactionProvider: 'NUVEI' });
    // @ts-expect-error two selectors
    void sessions.getBaseConfig({ transactionProvider: 'NUVEI', id: 'x' });
  });
});

describe('session status and transaction status are different things', () => {
  test('comparing a session status with SUCCEEDED does not compile', () => {
    const check = (session: ClientSession, transaction: MerchantTransaction) => {
      // @ts-expect-error SUCCEEDED is a transaction status, never a session status
      if (session.status === 'SUCCEEDED') return true;
      // @ts-expect-error COMPLETED is a session status, never a transaction status
      if (transaction.status === 'COMPLETED') return true;
      return session.status === 'COMPLETED' && transaction.status === 'SUCCEEDED';
    };
    expectTypeOf(check).returns.toEqualTypeOf<boolean>();
  });
});

describe('lists', () => {
  test('getMany is a page and an async iterable', () => {
    expectTypeOf(sessions.getMany({ take: 20, skip: 0 })).toEqualTypeOf<
      PagePromise<ClientSession>
    >();
    expectTypeOf(sessions.getMany()).resolves.toEqualTypeOf<{
      data: ClientSession[];
      total: number;
    }>();
    expectTypeOf(accrupay.transactions.getMany()).toExtend<AsyncIterable<MerchantTransaction>>();
  });

  test('settle takes a bigint amount', () => {
    expectTypeOf(accrupay.transactions.authorizations.settle).toBeCallableWith({
      id: 'txn',
      amount: 20000n,
    });
    // @ts-expect-error a string amount
    void accrupay.transactions.authorizations.settle({ id: 'txn', amount: '20000' });
  });
});

describe('webhooks', () => {
  test('event.data.object narrows on event.type', () => {
    const handle = (event: WebhookEvent) => {
      if (event.type === 'client_session.completed') {
        expectTypeOf(event.data.object).toEqualTypeOf<ClientSession>();
        // @ts-expect-error a session has no settledAmount: the type narrowed away from transactions
        void event.data.object.settledAmount;
        return event.data.object.status;
      }
      if (event.type === 'transaction.succeeded' || event.type === 'transaction.refund_reversed') {
        expectTypeOf(event.data.object).toEqualTypeOf<MerchantTransaction>();
        return event.data.object.status;
      }
      if (event.type.startsWith('payment')) {
        // Document 004's events are JSON:API resources: narrowed on their own types below.
        return null;
      }
      if (event.type === 'client_session.canceled' || event.type === 'transaction.declined') {
        expectTypeOf(event.data.object).toEqualTypeOf<ClientSession | MerchantTransaction>();
      }
      // @ts-expect-error not an event type
      if (event.type === 'transaction.paid') return null;
      return null;
    };
    expectTypeOf(handle).returns.toEqualTypeOf<
      ClientSession['status'] | MerchantTransaction['status'] | null
    >();
  });

  test('amounts in events are bigint', () => {
    const event = constructEvent('', {}, 'whsec_x');
    expectTypeOf(event).toEqualTypeOf<WebhookEvent>();
    if (event.type === 'transaction.succeeded' || event.type === 'client_session.completed') {
      expectTypeOf(event.data.object.amount).toEqualTypeOf<bigint | null>();
    }
    if (event.type === 'payment.succeeded' || event.type === 'payment_intent.created') {
      expectTypeOf(event.data.object.attributes.amount).toEqualTypeOf<bigint>();
    }
  });

  test('verify takes a raw body, headers (Node or Fetch), one secret or several', () => {
    expectTypeOf(verifyWebhook).toBeCallableWith(Buffer.from(''), new Headers(), 'whsec_x');
    expectTypeOf(verifyWebhook).toBeCallableWith(
      '',
      { 'webhook-id': ['a'] },
      ['whsec_a', 'whsec_b'],
      {
        toleranceSeconds: 60,
        now: new Date(),
      },
    );
    expectTypeOf(verifyWebhook).toBeCallableWith('', {}, process.env.ACCRUPAY_WEBHOOK_SECRET);
    expectTypeOf(verifyWebhook).returns.toEqualTypeOf<VerifiedWebhook>();
    // @ts-expect-error a parsed object is not a raw body
    void verifyWebhook({ id: 'evt_1' }, {}, 'whsec_x');
  });

  test('accrupay.webhooks is the standalone webhooks; the namespaces are there', () => {
    expectTypeOf(accrupay.webhooks).toEqualTypeOf(webhooks);
    expectTypeOf(
      accrupay.webhookEndpoints.create({ url: 'http://x' }),
    ).resolves.toEqualTypeOf<WebhookEndpointWithSecret>();
    expectTypeOf(accrupay.events.list()).toEqualTypeOf<PagePromise<WebhookEvent>>();
    expectTypeOf(accrupay.webhookEndpoints.recover).toBeCallableWith('we_1', { since: new Date() });
    // @ts-expect-error not an event type
    void accrupay.webhookEndpoints.create({ url: 'http://x', enabledEvents: ['payment.paid'] });
    // @ts-expect-error not a fault kind
    void accrupay.webhookEndpoints.faults.arm('we_1', { kind: 'explode' });
  });
});
