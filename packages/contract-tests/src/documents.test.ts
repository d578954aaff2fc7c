// Every example of documents 001 (payment sessions) and 002 (the Node SDK), written as the
// documents write them; only `baseUrl` is added, to reach the sandbox on its random port.
import AccruPay, {
  AccruPayValidationError,
  COUNTRY_ISO_2,
  CURRENCY,
  TRANSACTION_PROVIDER,
} from '@accrupay/node';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { CARDS, databases, type Harness, harness, PROVIDERS } from './support.ts';

const DBS = await databases();
afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

describe.each(DBS)('on $name', (db) => {
  describe.skipIf(db.skip).each(PROVIDERS)('with %s', (provider) => {
    let h: Harness;
    let baseUrl: string;
    beforeEach(async () => {
      h = await harness(db.url(), provider);
      baseUrl = h.t.sandbox.url;
      vi.stubEnv('ACCRUPAY_API_SECRET', h.t.merchant.apiSecret);
      vi.stubEnv('ACCRUPAY_PROVIDER_ID', h.providerId);
    });
    afterEach(async () => {
      vi.unstubAllEnvs();
      await h.close();
    });

    test('001: start on the server, the customer pays, verify on the server, fulfil', async () => {
      const fulfillOrder = vi.fn(async (_code: string | null) => undefined);

      // server.ts
      const sdk = new AccruPay({
        apiSecret: process.env.ACCRUPAY_API_SECRET,
        baseUrl,
      });

      // Step 1: start the session on your server
      async function createPaymentSession() {
        const session = await sdk.transactions.clientSessions.payments.start({
          merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
          data: {
            amount: 10000n, // $100.00 in cents
            currency: CURRENCY.USD,
            merchantInternalCustomerCode: 'customer-123',
            merchantInternalTransactionCode: 'order-456',
            billing: {
              billingFirstName: 'Jane',
              billingLastName: 'Smith',
              billingEmail: 'jane@example.com',
              billingAddressCountry: COUNTRY_ISO_2.US,
            },
            storePaymentMethod: false,
          },
        });

        // Send only the id to your frontend — never send the token or API secret
        return { sessionId: session.id };
      }

      // Step 2: after the customer submits, verify on your server
      async function verifyPaymentSession(sessionId: string) {
        // verify() returns the TRANSACTION — not the session
        const transaction = await sdk.transactions.clientSessions.payments.verify({
          id: sessionId,
        });

        if (transaction.status === 'SUCCEEDED') {
          // Safe to fulfill the order
          await fulfillOrder(transaction.merchantInternalTransactionCode);
        }

        return transaction;
      }

      const { sessionId } = await createPaymentSession();
      expect((await verifyPaymentSession(sessionId)).status).toBe('PENDING');
      expect(fulfillOrder).not.toHaveBeenCalled();

      await h.pay({ id: sessionId }, CARDS.success[provider]);
      const transaction = await verifyPaymentSession(sessionId);
      expect(transaction).toMatchObject({
        status: 'SUCCEEDED',
        amount: 10000n,
        currency: 'USD',
        merchantInternalTransactionCode: 'order-456',
        merchantInternalCustomerCode: 'customer-123',
        sessionId,
      });
      expect(fulfillOrder).toHaveBeenCalledExactlyOnceWith('order-456');

      // Identify by your order ID — useful when a webhook arrives before you have the session id
      const byCode = await sdk.transactions.clientSessions.payments.verify({
        merchantInternalTransactionCode: 'order-456',
      });
      expect(byCode.id).toBe(transaction.id);
      expect(h.charges('order-456')).toHaveLength(1);
    });

    test('001: verify() by each of the four identifiers finds the same transaction', async () => {
      const sdk = new AccruPay({ apiSecret: process.env.ACCRUPAY_API_SECRET, baseUrl });
      const session = await sdk.transactions.clientSessions.payments.start({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        data: {
          amount: 10000n,
          currency: CURRENCY.USD,
          merchantInternalCustomerCode: 'customer-123',
          merchantInternalTransactionCode: 'order-456',
          billing: {
            billingFirstName: 'Jane',
            billingLastName: 'Smith',
            billingEmail: 'jane@example.com',
            billingAddressCountry: COUNTRY_ISO_2.US,
          },
          storePaymentMethod: false,
        },
      });
      await h.pay({ token: session.token }, CARDS.success[provider]);
      const byId = await sdk.transactions.clientSessions.payments.verify({ id: session.id });
      const providerCode = (await sdk.transactions.clientSessions.getOne({ id: session.id }))
        .providerCode;
      expect(providerCode).toEqual(expect.any(String));
      const others = [
        await sdk.transactions.clientSessions.payments.verify({ token: session.token }),
        await sdk.transactions.clientSessions.payments.verify({
          providerCode: providerCode as string,
        }),
        await sdk.transactions.clientSessions.payments.verify({
          merchantInternalTransactionCode: 'order-456',
        }),
      ];
      for (const other of others) expect(other).toMatchObject({ id: byId.id, status: 'SUCCEEDED' });
      expect(h.charges('order-456')).toHaveLength(1);
    });

    test('002: getBaseConfig, getOne and getMany', async () => {
      const accrupay = new AccruPay({ apiSecret: process.env.ACCRUPAY_API_SECRET, baseUrl });

      const config = await accrupay.transactions.clientSessions.getBaseConfig({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        // OR: transactionProvider: TRANSACTION_PROVIDER.EXAMPLE
      });
      expect(config).toMatchObject({
        id: null,
        transactionProvider: provider,
        merchantTransactionProviderId: h.providerId,
      });
      const byProvider = await accrupay.transactions.clientSessions.getBaseConfig({
        transactionProvider: TRANSACTION_PROVIDER[provider],
      });
      expect(byProvider).toEqual(config);

      // The document's placeholder id is refused by name before any request is sent.
      const sent = h.requests.length;
      const placeholder = accrupay.transactions.clientSessions.getOne({
        id: 'session-id',
      });
      await expect(placeholder).rejects.toBeInstanceOf(AccruPayValidationError);
      await expect(placeholder).rejects.toThrow('id: must be a UUID');
      expect(h.requests).toHaveLength(sent);

      const started = await accrupay.transactions.clientSessions.payments.start({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        data: {
          merchantInternalTransactionCode: 'order-8821',
          amount: 10000n,
          currency: CURRENCY.USD,
          storePaymentMethod: false,
          billing: {
            billingFirstName: 'Jane',
            billingLastName: 'Smith',
            billingEmail: 'jane@example.com',
            billingAddressCountry: COUNTRY_ISO_2.US,
          },
        },
      });
      const session = await accrupay.transactions.clientSessions.getOne({
        id: started.id,
      });
      expect(session).toMatchObject({ id: started.id, amount: 10000n, type: 'payment' });
      const byCode = await accrupay.transactions.clientSessions.getOne({
        merchantInternalTransactionCode: 'order-8821',
      });
      expect(byCode.id).toBe(started.id);

      const { data, total } = await accrupay.transactions.clientSessions.getMany({
        take: 20,
        skip: 0,
      });
      expect(total).toBe(1);
      expect(data.map((one) => one.id)).toEqual([started.id]);
    });

    test('002: payment session start, customer pays, verify', async () => {
      const accrupay = new AccruPay({ apiSecret: process.env.ACCRUPAY_API_SECRET, baseUrl });
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);

      const session = await accrupay.transactions.clientSessions.payments.start({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        data: {
          merchantInternalTransactionCode: 'order-8821',
          amount: 10000n, // $100.00
          currency: CURRENCY.USD,
          storePaymentMethod: false,
          billing: {
            billingFirstName: 'Jane',
            billingLastName: 'Smith',
            billingEmail: 'jane@example.com',
            billingAddressCountry: COUNTRY_ISO_2.US,
            billingPhone: '+12125550100',
            billingAddressState: 'US-NY',
            billingAddressCity: 'New York',
            billingAddressLine1: '123 Main St',
            billingAddressPostalCode: '10001',
          },
          customer: {
            merchantInternalCustomerCode: 'customer-4421',
          },
        },
      });

      // Pass session.token to the React SDK
      expect(session).toMatchObject({
        status: 'PENDING',
        kind: 'CLIENT',
        type: 'payment',
        amount: 10000n,
        currency: 'USD',
        merchantInternalTransactionCode: 'order-8821',
        transactionProviderId: h.providerId,
        transactionProvider: provider,
        storePaymentMethod: false,
        paymentMethod: null,
        transactions: [expect.objectContaining({ status: 'PENDING', action: 'PAYMENT' })],
      });
      expect(session.token).toEqual(expect.any(String));
      expect(Date.parse(session.tokenExpiresAt ?? '')).toBeGreaterThan(
        Date.parse('2030-01-15T12:00:00Z'),
      );
      await h.pay({ token: session.token }, CARDS.success[provider]);

      const transaction = await accrupay.transactions.clientSessions.payments.verify({
        id: session.id,
      });

      console.log(transaction.status); // `SUCCEEDED` | `FAILED` | `DECLINED` | ...
      expect(log).toHaveBeenCalledWith('SUCCEEDED');
      expect(transaction).toMatchObject({ action: 'PAYMENT', amount: 10000n });
      expect(h.charges('order-8821')).toHaveLength(1);
    });

    test('002: add a payment method, verify, then charge it from the server', async () => {
      const accrupay = new AccruPay({ apiSecret: process.env.ACCRUPAY_API_SECRET, baseUrl });

      const session = await accrupay.transactions.clientSessions.paymentMethod.add.start({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        data: {
          merchantInternalTransactionCode: 'add-pm-3310',
          currency: CURRENCY.USD,
          billing: {
            billingFirstName: 'Jane',
            billingLastName: 'Smith',
            billingEmail: 'jane@example.com',
            billingAddressCountry: COUNTRY_ISO_2.US,
          },
          customer: {
            merchantInternalCustomerCode: 'customer-4421',
          },
        },
      });
      expect(session).toMatchObject({ type: 'add-payment-method', amount: null });
      await h.pay({ token: session.token }, CARDS.success[provider]);

      const result = await accrupay.transactions.clientSessions.paymentMethod.add.verify({
        id: session.id,
      });
      expect(result).toMatchObject({ status: 'SUCCEEDED', action: 'ADD_PAYMENT_METHOD' });

      // The stored payment method ID appears in result.paymentMethod.id.
      const paymentMethodId = result.paymentMethod?.id;
      expect(paymentMethodId).toEqual(expect.any(String));
      const stored = await accrupay.paymentMethods.getMany({
        merchantInternalCustomerCode: 'customer-4421',
      });
      expect(stored.data.map((method) => method.id)).toEqual([paymentMethodId]);
      expect(stored.data[0]?.last4).toMatch(/^\d{4}$/);

      const charged = await accrupay.transactions.payments.paymentMethod.charge({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        data: {
          customerPaymentMethodId: paymentMethodId as string,
          merchantInternalTransactionCode: 'renewal-1',
          merchantInternalCustomerCode: 'customer-4421',
          amount: 1500n,
          currency: CURRENCY.USD,
        },
      });
      expect(charged).toMatchObject({
        status: 'SUCCEEDED',
        action: 'PAYMENT_METHOD_CHARGE',
        amount: 1500n,
      });
      expect(h.charges('add-pm-3310')).toHaveLength(0);
      expect(h.charges('renewal-1')).toHaveLength(1);
    });

    test('002: authorization start, verify, then settle; a second one voided', async () => {
      const accrupay = new AccruPay({ apiSecret: process.env.ACCRUPAY_API_SECRET, baseUrl });

      const session = await accrupay.transactions.clientSessions.authorizations.start({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        data: {
          merchantInternalTransactionCode: 'auth-5540',
          amount: 25000n, // $250.00
          currency: CURRENCY.USD,
          storePaymentMethod: false,
          billing: {
            billingFirstName: 'Jane',
            billingLastName: 'Smith',
            billingEmail: 'jane@example.com',
            billingAddressCountry: COUNTRY_ISO_2.US,
          },
        },
      });
      await h.pay({ token: session.token }, CARDS.success[provider]);

      const transaction = await accrupay.transactions.clientSessions.authorizations.verify({
        id: session.id,
      });
      expect(transaction).toMatchObject({ status: 'SUCCEEDED', action: 'AUTHORIZATION' });
      expect(h.charges('auth-5540')).toHaveLength(0);

      const settled = await accrupay.transactions.authorizations.settle({ id: transaction.id });
      expect(settled).toMatchObject({
        action: 'SETTLE',
        status: 'SUCCEEDED',
        amount: 25000n,
        parentTransactionId: transaction.id,
      });
      expect(h.charges('auth-5540').map((entry) => entry.amount)).toEqual([25000]);

      const second = await accrupay.transactions.clientSessions.authorizations.start({
        merchantTransactionProviderId: process.env.ACCRUPAY_PROVIDER_ID,
        data: {
          merchantInternalTransactionCode: 'auth-5541',
          amount: 25000n,
          currency: CURRENCY.USD,
          storePaymentMethod: false,
          billing: {
            billingFirstName: 'Jane',
            billingLastName: 'Smith',
            billingEmail: 'jane@example.com',
            billingAddressCountry: COUNTRY_ISO_2.US,
          },
        },
      });
      await h.pay({ token: second.token }, CARDS.success[provider]);
      const held = await accrupay.transactions.clientSessions.authorizations.verify({
        id: second.id,
      });
      const voided = await accrupay.transactions.authorizations.void({ id: held.id });
      expect(voided).toMatchObject({ action: 'VOID', status: 'SUCCEEDED' });
      expect(h.charges('auth-5541')).toHaveLength(0);
    });
  });
});
