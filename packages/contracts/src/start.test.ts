import { describe, expect, test } from 'vitest';
import type { z } from 'zod';
import { COUNTRY_ISO_2 } from './country.ts';
import { CURRENCY } from './currency.ts';
import { TRANSACTION_PROVIDER } from './enums.ts';
import { describeIssues } from './fields.ts';
import { sessionListQuerySchema, transactionListQuerySchema } from './pagination.ts';
import { publicSessionQuerySchema, sessionIdentifierSchema } from './session.ts';
import {
  chargePaymentMethodSchema,
  customerCodeOf,
  settleAuthorizationSchema,
  startAddPaymentMethodSessionSchema,
  startAuthorizationSessionSchema,
  startPaymentSessionSchema,
} from './start.ts';

const PROVIDER_ID = 'mtp_stripe_default';

/** The billing every example of documents 001 and 002 writes (the documents' own values). */
const DOC_BILLING = {
  billingFirstName: 'Jane',
  billingLastName: 'Smith',
  billingEmail: 'jane@example.com',
  billingAddressCountry: COUNTRY_ISO_2.US,
};

// The examples of the documents, as the documents write them (amounts as bigint, as in the SDK).
const doc001Payment = {
  merchantTransactionProviderId: PROVIDER_ID,
  data: {
    amount: 10000n,
    currency: CURRENCY.USD,
    merchantInternalCustomerCode: 'customer-123',
    merchantInternalTransactionCode: 'order-456',
    billing: DOC_BILLING,
    storePaymentMethod: false,
  },
};

const doc002Payment = {
  merchantTransactionProviderId: PROVIDER_ID,
  data: {
    merchantInternalTransactionCode: 'order-8821',
    amount: 10000n,
    currency: CURRENCY.USD,
    storePaymentMethod: false,
    billing: {
      ...DOC_BILLING,
      billingPhone: '+12125550100',
      billingAddressState: 'US-NY',
      billingAddressCity: 'New York',
      billingAddressLine1: '123 Main St',
      billingAddressPostalCode: '10001',
    },
    customer: { merchantInternalCustomerCode: 'customer-4421' },
  },
};

const doc002AddPaymentMethod = {
  merchantTransactionProviderId: PROVIDER_ID,
  data: {
    merchantInternalTransactionCode: 'add-pm-3310',
    currency: CURRENCY.USD,
    billing: DOC_BILLING,
    customer: { merchantInternalCustomerCode: 'customer-4421' },
  },
};

const doc002Authorization = {
  merchantTransactionProviderId: PROVIDER_ID,
  data: {
    merchantInternalTransactionCode: 'auth-5540',
    amount: 25000n,
    currency: CURRENCY.USD,
    storePaymentMethod: false,
    billing: DOC_BILLING,
  },
};

// Document 003's GraphQL variables, translated to the REST shape: its billing spellings become
// document 002's and its state becomes an ISO 3166-2 code; the amount is a JSON number.
const doc003PaymentVariables = {
  transactionProvider: 'STRIPE',
  data: {
    amount: 10000,
    currency: 'USD',
    merchantInternalTransactionCode: 'order-001',
    merchantInternalCustomerCode: 'customer-456',
    storePaymentMethod: false,
    billing: {
      billingFirstName: 'Jane',
      billingLastName: 'Smith',
      billingEmail: 'jane@example.com',
      billingPhone: '+15555550100',
      billingAddressLine1: '123 Main St',
      billingAddressCity: 'New York',
      billingAddressState: 'US-NY',
      billingAddressPostalCode: '10001',
      billingAddressCountry: 'US',
    },
  },
};
const doc003CurlVariables = {
  transactionProvider: 'STRIPE',
  data: {
    amount: 10000,
    currency: 'USD',
    merchantInternalTransactionCode: 'order-001',
    merchantInternalCustomerCode: 'customer-456',
    storePaymentMethod: false,
    billing: {
      billingFirstName: 'Jane',
      billingLastName: 'Smith',
      billingEmail: 'jane@example.com',
      billingAddressCountry: 'US',
    },
  },
};

/** The same payload as it crosses the wire: JSON, amounts as canonical strings. */
function onTheWire(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

function refusal(schema: z.ZodTypeAny, input: unknown): string {
  const result = schema.safeParse(input);
  if (result.success) throw new Error(`expected ${JSON.stringify(onTheWire(input))} to be refused`);
  return describeIssues(result.error);
}

describe('the documents’ examples are accepted', () => {
  test.each([
    ['001 payment', startPaymentSessionSchema, doc001Payment, 10000n],
    ['002 payment', startPaymentSessionSchema, doc002Payment, 10000n],
    ['002 authorization', startAuthorizationSessionSchema, doc002Authorization, 25000n],
    ['003 payment variables', startPaymentSessionSchema, doc003PaymentVariables, 10000n],
    ['003 curl variables', startPaymentSessionSchema, doc003CurlVariables, 10000n],
  ] as const)('%s, as written and as JSON', (_name, schema, example, expected) => {
    expect(schema.parse(example).data.amount).toBe(expected);
    expect(schema.parse(onTheWire(example)).data.amount).toBe(expected);
  });

  test('002 add-payment-method, as written and as JSON', () => {
    for (const input of [doc002AddPaymentMethod, onTheWire(doc002AddPaymentMethod)]) {
      const parsed = startAddPaymentMethodSessionSchema.parse(input);
      expect(parsed.data.merchantInternalTransactionCode).toBe('add-pm-3310');
      expect(customerCodeOf(parsed.data)).toBe('customer-4421');
    }
  });

  test('the customer code is found at either place the documents put it', () => {
    expect(customerCodeOf(startPaymentSessionSchema.parse(doc001Payment).data)).toBe(
      'customer-123',
    );
    expect(customerCodeOf(startPaymentSessionSchema.parse(doc002Payment).data)).toBe(
      'customer-4421',
    );
  });
});

function withData(base: typeof doc002Payment, data: Record<string, unknown>) {
  return { ...base, data: { ...base.data, ...data } };
}
function withBilling(base: typeof doc002Payment, billing: Record<string, unknown>) {
  return withData(base, { billing: { ...base.data.billing, ...billing } });
}
function without<T extends object>(value: T, key: keyof T): Partial<T> {
  const { [key]: _removed, ...rest } = value;
  return rest as Partial<T>;
}

describe('bad start payloads are refused with a message naming the field', () => {
  test.each([
    [
      'unknown currency',
      withData(doc002Payment, { currency: 'XYZ' }),
      'data.currency: must be an ISO 4217 currency code such as USD or EUR; got "XYZ"',
    ],
    [
      'unknown country',
      withBilling(doc002Payment, { billingAddressCountry: 'UK', billingAddressState: undefined }),
      'data.billing.billingAddressCountry: must be an ISO 3166-1 alpha-2 country code',
    ],
    [
      'negative amount',
      withData(doc002Payment, { amount: -100 }),
      'data.amount: must not be negative',
    ],
    [
      'negative amount on the wire',
      withData(doc002Payment, { amount: '-100' }),
      'data.amount: must be a decimal string',
    ],
    [
      'fractional amount',
      withData(doc002Payment, { amount: 100.5 }),
      'data.amount: must be a whole number',
    ],
    [
      'hex amount',
      withData(doc002Payment, { amount: '0x10' }),
      'data.amount: must be a decimal string of minor units such as "10000"',
    ],
    ['zero amount', withData(doc002Payment, { amount: 0n }), 'data.amount: must be at least 1'],
    ['missing amount', withData(doc002Payment, { amount: undefined }), 'data.amount: is required'],
    [
      'missing billing first name',
      withBilling(doc002Payment, { billingFirstName: undefined }),
      'data.billing.billingFirstName: must be a string; got nothing (it is required)',
    ],
    [
      'missing billing email',
      withBilling(doc002Payment, { billingEmail: undefined }),
      'data.billing.billingEmail: Required',
    ],
    [
      'missing billing country',
      withBilling(doc002Payment, {
        billingAddressCountry: undefined,
        billingAddressState: undefined,
      }),
      'data.billing.billingAddressCountry: Required',
    ],
    [
      'missing billing',
      withData(doc002Payment, { billing: undefined }),
      'data.billing: must be an object; got nothing (it is required)',
    ],
    [
      'bad email',
      withBilling(doc002Payment, { billingEmail: 'jane@' }),
      'data.billing.billingEmail: must be an email address',
    ],
    [
      'phone not E.164',
      withBilling(doc002Payment, { billingPhone: '212-555-0100' }),
      'data.billing.billingPhone: must be an E.164 phone number such as +12125550100',
    ],
    [
      'state not ISO 3166-2',
      withBilling(doc002Payment, { billingAddressState: 'NY' }),
      'data.billing.billingAddressState: must be an ISO 3166-2 subdivision code such as US-NY',
    ],
    [
      'state of another country',
      withBilling(doc002Payment, { billingAddressState: 'CA-ON' }),
      'data.billing.billingAddressState: must be a subdivision of billingAddressCountry US',
    ],
    [
      'first name too long',
      withBilling(doc002Payment, { billingFirstName: 'J'.repeat(101) }),
      'data.billing.billingFirstName: must be at most 100 characters',
    ],
    [
      'code too long',
      withData(doc002Payment, { merchantInternalTransactionCode: 'x'.repeat(129) }),
      'data.merchantInternalTransactionCode: must be at most 128 characters',
    ],
    [
      'code with a line break',
      withData(doc002Payment, { merchantInternalTransactionCode: 'order\n1' }),
      'data.merchantInternalTransactionCode: must not contain control characters',
    ],
    [
      'empty code',
      withData(doc002Payment, { merchantInternalTransactionCode: '' }),
      'data.merchantInternalTransactionCode: must not be empty',
    ],
    [
      'document 003 billing spelling',
      withBilling(doc002Payment, { billingZip: '10001' }),
      "data.billing: unknown field 'billingZip': use billingAddressPostalCode",
    ],
    [
      'card number in billing',
      withBilling(doc002Payment, { cardNumber: '4242424242424242' }),
      "data.billing: unknown field 'cardNumber': card data never goes to AccruPay",
    ],
    [
      'missing storePaymentMethod',
      withData(doc002Payment, { storePaymentMethod: undefined }),
      'data.storePaymentMethod: is required',
    ],
    [
      'two customer codes that differ',
      withData(doc002Payment, { merchantInternalCustomerCode: 'other' }),
      'data.customer.merchantInternalCustomerCode: differs from data.merchantInternalCustomerCode',
    ],
    [
      'stored method without customer',
      withData(doc002Authorization as typeof doc002Payment, { customerPaymentMethodId: 'pm_1' }),
      'data.customer.merchantInternalCustomerCode: is required with customerPaymentMethodId',
    ],
  ])('%s', (_name, input, message) => {
    expect(refusal(startPaymentSessionSchema, input)).toContain(message);
    expect(refusal(startPaymentSessionSchema, onTheWire(input))).toContain(message);
  });

  test('neither or both provider selectors', () => {
    expect(
      refusal(startPaymentSessionSchema, without(doc002Payment, 'merchantTransactionProviderId')),
    ).toBe(
      'merchantTransactionProviderId: pass exactly one of merchantTransactionProviderId or transactionProvider; got neither',
    );
    expect(
      refusal(startPaymentSessionSchema, {
        ...doc002Payment,
        transactionProvider: TRANSACTION_PROVIDER.STRIPE,
      }),
    ).toBe(
      'transactionProvider: pass exactly one of merchantTransactionProviderId or transactionProvider; got both',
    );
  });

  test('an amount on add-payment-method', () => {
    expect(
      refusal(startAddPaymentMethodSessionSchema, {
        ...doc002AddPaymentMethod,
        data: { ...doc002AddPaymentMethod.data, amount: 100n },
      }),
    ).toBe(
      "data: unknown field 'amount': add-payment-method sessions store a card without charging it, so they take no amount; use clientSessions.payments or clientSessions.authorizations to charge",
    );
  });

  test('storePaymentMethod on add-payment-method', () => {
    expect(
      refusal(startAddPaymentMethodSessionSchema, {
        ...doc002AddPaymentMethod,
        data: { ...doc002AddPaymentMethod.data, storePaymentMethod: true },
      }),
    ).toContain(
      "data: unknown field 'storePaymentMethod': add-payment-method sessions always store",
    );
  });

  test('several problems are all reported', () => {
    const message = refusal(
      startPaymentSessionSchema,
      withData(doc002Payment, { amount: '0x10', currency: 'XYZ' }),
    );
    expect(message).toContain('data.amount:');
    expect(message).toContain('data.currency:');
  });
});

describe('server-side operations', () => {
  test('charge of a stored payment method needs the method, customer and amount', () => {
    const charge = {
      data: {
        customerPaymentMethodId: 'pm_123',
        merchantInternalTransactionCode: 'order-9',
        merchantInternalCustomerCode: 'customer-4421',
        amount: '5000',
        currency: 'USD',
      },
    };
    expect(chargePaymentMethodSchema.parse(charge).data.amount).toBe(5000n);
    expect(
      refusal(chargePaymentMethodSchema, {
        data: { ...charge.data, customerPaymentMethodId: undefined },
      }),
    ).toContain('data.customerPaymentMethodId: must be a string');
  });

  test('settle takes an optional positive amount and nothing else', () => {
    expect(settleAuthorizationSchema.parse({})).toEqual({});
    expect(settleAuthorizationSchema.parse({ amount: '100' })).toEqual({ amount: 100n });
    expect(refusal(settleAuthorizationSchema, { amount: '0' })).toContain(
      'amount: must be at least 1',
    );
    expect(refusal(settleAuthorizationSchema, { amount: 1, currency: 'USD' })).toContain(
      "unknown field 'currency'",
    );
  });
});

/** A copy of `value` with the string at the dotted `path` set to `text`. */
function set(value: unknown, path: string[], text: string): unknown {
  const [head, ...rest] = path as [string, ...string[]];
  const object = (value ?? {}) as Record<string, unknown>;
  return { ...object, [head]: rest.length === 0 ? text : set(object[head], rest, text) };
}

describe('text fields refuse a lone UTF-16 surrogate, naming the field', () => {
  const LONE = ['\ud800', 'Jane\udfff', '\udc00x', 'x\ud83d'];
  const fullPayment = {
    ...doc002Payment,
    data: {
      ...doc002Payment.data,
      merchantInternalCustomerCode: 'customer-4421',
      customerPaymentMethodId: 'pm_1',
      shipping: { shippingFirstName: 'Jane' },
      user: { merchantInternalUserCode: 'u-1' },
      device: { deviceUserAgent: 'Mozilla/5.0' },
    },
  };

  test.each([
    'merchantTransactionProviderId',
    'data.merchantInternalTransactionCode',
    'data.merchantInternalCustomerCode',
    'data.customer.merchantInternalCustomerCode',
    'data.customerPaymentMethodId',
    'data.billing.billingFirstName',
    'data.billing.billingLastName',
    'data.billing.billingAddressCity',
    'data.billing.billingAddressLine1',
    'data.billing.billingAddressLine2',
    'data.billing.billingAddressPostalCode',
    'data.shipping.shippingFirstName',
    'data.shipping.shippingAddressLine1',
    'data.user.merchantInternalUserCode',
    'data.user.userFirstName',
    'data.device.deviceUserAgent',
    'data.device.deviceTimeZone',
  ])('%s', (path) => {
    for (const text of LONE) {
      for (const schema of [startPaymentSessionSchema, startAuthorizationSessionSchema]) {
        const result = schema.safeParse(set(fullPayment, path.split('.'), text));
        expect(result.success, `${path} = ${JSON.stringify(text)}`).toBe(false);
        const issue = result.error?.issues.find((i) => i.path.join('.') === path);
        expect(issue?.message).toContain('lone UTF-16 surrogate');
      }
    }
    // A character outside the BMP is a surrogate pair, not a lone one: it is kept.
    const pair = startPaymentSessionSchema.safeParse(
      set(fullPayment, path.split('.'), 'Jane \u{1F600}'),
    );
    expect(pair.error?.issues.filter((i) => i.message.includes('surrogate')) ?? []).toEqual([]);
  });

  test('in add-payment-method, charge, lookup and list inputs too', () => {
    const add = startAddPaymentMethodSessionSchema.safeParse(
      set(doc002AddPaymentMethod, ['data', 'billing', 'billingLastName'], '\ud800'),
    );
    expect(describeIssues(add.error as z.ZodError)).toContain(
      'data.billing.billingLastName: must be well-formed Unicode',
    );
    const charge = chargePaymentMethodSchema.safeParse({
      data: {
        customerPaymentMethodId: 'pm_1',
        merchantInternalTransactionCode: 'order-\udbff',
        merchantInternalCustomerCode: 'customer-1',
        amount: '100',
        currency: 'USD',
      },
    });
    expect(describeIssues(charge.error as z.ZodError)).toContain(
      'data.merchantInternalTransactionCode: must be well-formed Unicode',
    );
    for (const [schema, input, path] of [
      [
        sessionIdentifierSchema,
        { merchantInternalTransactionCode: '\ud800' },
        'merchantInternalTransactionCode',
      ],
      [publicSessionQuerySchema, { token: 'tok\ud800' }, 'token'],
      [
        sessionListQuerySchema,
        { merchantInternalTransactionCode: '\udc00' },
        'merchantInternalTransactionCode',
      ],
      [transactionListQuerySchema, { sessionId: '\udc00' }, 'sessionId'],
    ] as const) {
      const result = (schema as z.ZodTypeAny).safeParse(input);
      expect(describeIssues(result.error as z.ZodError), path).toContain(
        `${path}: must be well-formed Unicode`,
      );
    }
  });
});

describe('a currency that is not money is refused for every charge', () => {
  test.each(['XXX', 'XTS', 'XAU', 'XAG', 'XPT', 'XPD', 'CLF', 'USN'])('%s', (code) => {
    for (const schema of [startPaymentSessionSchema, startAuthorizationSessionSchema]) {
      const result = schema.safeParse(withData(doc002Payment, { currency: code }));
      expect(describeIssues(result.error as z.ZodError)).toContain(`data.currency: ${code} is`);
    }
    const add = startAddPaymentMethodSessionSchema.safeParse(
      set(doc002AddPaymentMethod, ['data', 'currency'], code),
    );
    expect(describeIssues(add.error as z.ZodError)).toContain('not money a customer can pay in');
    const charge = chargePaymentMethodSchema.safeParse({
      data: {
        customerPaymentMethodId: 'pm_1',
        merchantInternalTransactionCode: 'order-1',
        merchantInternalCustomerCode: 'customer-1',
        amount: '100',
        currency: code,
      },
    });
    expect(describeIssues(charge.error as z.ZodError)).toContain(`data.currency: ${code} is`);
  });
});

describe('strict objects', () => {
  test('an unknown field named like an Object.prototype property is named, not looked up', () => {
    const result = startPaymentSessionSchema.safeParse(
      JSON.parse('{"__proto__": {"x": 1}, "constructor": 1}'),
    );
    const message = describeIssues(result.error as z.ZodError);
    expect(message).toContain("'constructor' is not a field here");
    expect(message).not.toContain('[object Object]');
    expect(message).not.toContain('function');
  });

  test('an array where an object belongs says it got an array', () => {
    const result = startPaymentSessionSchema.safeParse({ ...doc002Payment, data: [] });
    expect(describeIssues(result.error as z.ZodError)).toContain(
      'data: must be an object; got an array',
    );
  });
});
