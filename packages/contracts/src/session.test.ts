import { describe, expect, test } from 'vitest';
import { describeIssues } from './fields.ts';
import {
  baseConfigQuerySchema,
  type ClientSessionWire,
  clientSessionSchema,
  type MerchantTransactionWire,
  merchantTransactionSchema,
  paymentMethodSchema,
  publicClientSessionSchema,
  publicSessionQuerySchema,
  sessionIdentifierSchema,
} from './session.ts';

const ID = '0b6f1c1e-5d7a-4b7e-9c55-1a2b3c4d5e6f';

describe('session identifier', () => {
  test.each([
    [{ id: ID }],
    [{ token: 'pi_123_secret_abc' }],
    [{ providerCode: 'pi_123' }],
    [{ merchantInternalTransactionCode: 'order-456' }],
  ])('accepts exactly one: %j', (input) => {
    expect(sessionIdentifierSchema.parse(input)).toEqual(input);
  });

  test('refuses none', () => {
    const result = sessionIdentifierSchema.safeParse({});
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(describeIssues(result.error)).toBe(
        'pass exactly one of id, token, providerCode, merchantInternalTransactionCode; got none',
      );
    }
  });

  test('refuses two, naming both', () => {
    const result = sessionIdentifierSchema.safeParse({ id: ID, token: 'tok' });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(describeIssues(result.error)).toBe(
        'token: pass exactly one of id, token, providerCode, merchantInternalTransactionCode; got 2: id and token',
      );
    }
  });

  test('refuses an id that is not a UUID and unknown keys', () => {
    const notUuid = sessionIdentifierSchema.safeParse({ id: 'session-id' });
    expect(notUuid.error && describeIssues(notUuid.error)).toContain('id: must be a UUID');
    const unknown = sessionIdentifierSchema.safeParse({ sessionId: ID });
    expect(unknown.error && describeIssues(unknown.error)).toContain("unknown field 'sessionId'");
  });

  test('base config takes one provider or session selector', () => {
    expect(baseConfigQuerySchema.parse({ transactionProvider: 'STRIPE' })).toEqual({
      transactionProvider: 'STRIPE',
    });
    const both = baseConfigQuerySchema.safeParse({ transactionProvider: 'STRIPE', id: ID });
    expect(both.error && describeIssues(both.error)).toContain('got 2: transactionProvider and id');
  });

  test('the public query takes a token or an id, never both', () => {
    expect(publicSessionQuerySchema.parse({ token: 't' })).toEqual({ token: 't' });
    expect(publicSessionQuerySchema.safeParse({ token: 't', id: ID }).success).toBe(false);
    expect(publicSessionQuerySchema.safeParse({}).success).toBe(false);
  });
});

const now = '2026-11-22T10:00:00.000Z';
const transactionWire: MerchantTransactionWire = {
  id: 'txn_1',
  status: 'SUCCEEDED',
  action: 'PAYMENT',
  amount: '10000',
  currency: 'USD',
  transactionProvider: 'STRIPE',
  merchantTransactionProviderId: 'mtp_1',
  merchantInternalTransactionCode: 'order-456',
  merchantInternalCustomerCode: 'customer-123',
  paymentMethod: null,
  providerCode: 'pi_123',
  errorCode: null,
  errorMessage: null,
  sessionId: ID,
  parentTransactionId: null,
  settledAmount: null,
  createdAt: now,
  updatedAt: now,
};
const sessionWire: ClientSessionWire = {
  id: ID,
  token: 'pi_123_secret_abc',
  tokenExpiresAt: '2026-11-23T10:00:00.000Z',
  expiresAt: '2026-11-23T10:00:00.000Z',
  status: 'COMPLETED',
  action: 'PAYMENT',
  kind: 'CLIENT',
  type: 'payment',
  amount: '10000',
  currency: 'USD',
  merchantInternalTransactionCode: 'order-456',
  merchantInternalCustomerCode: 'customer-123',
  transactionProvider: 'STRIPE',
  merchantTransactionProviderId: 'mtp_1',
  transactionProviderId: 'mtp_1',
  providerCode: 'pi_123',
  storePaymentMethod: false,
  payload: { clientSecret: 'pi_123_secret_abc' },
  paymentMethod: null,
  transactionId: 'txn_1',
  transactions: [transactionWire],
  createdAt: now,
  updatedAt: now,
};

describe('response objects', () => {
  test('a session on the wire decodes with bigint amounts', () => {
    const session = clientSessionSchema.parse(sessionWire);
    expect(session.amount).toBe(10000n);
    expect(session.transactions[0]?.amount).toBe(10000n);
  });

  test('a transaction of an add-payment-method has no amount', () => {
    const transaction = merchantTransactionSchema.parse({
      ...transactionWire,
      action: 'ADD_PAYMENT_METHOD',
      amount: null,
    });
    expect(transaction.amount).toBeNull();
  });

  test('a stored payment method carries last four digits, never a card number', () => {
    const method = {
      id: 'pm_1',
      transactionProvider: 'STRIPE',
      merchantTransactionProviderId: 'mtp_1',
      merchantInternalCustomerCode: 'customer-123',
      brand: 'VISA',
      last4: '4242',
      expiryMonth: 12,
      expiryYear: 2030,
      billingCountry: 'US',
      createdAt: now,
    };
    expect(paymentMethodSchema.parse(method).last4).toBe('4242');
    expect(paymentMethodSchema.safeParse({ ...method, last4: '4242424242424242' }).success).toBe(
      false,
    );
  });

  test('the public view drops what the browser must not see', () => {
    const view = publicClientSessionSchema.parse(sessionWire);
    expect(Object.keys(view).sort()).toEqual(
      [
        'amount',
        'currency',
        'expiresAt',
        'id',
        'kind',
        'status',
        'token',
        'transactionProvider',
        'type',
      ].sort(),
    );
    expect(JSON.stringify(view, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))).not.toContain(
      'customer-123',
    );
  });
});
