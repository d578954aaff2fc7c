import { afterEach, describe, expect, test, vi } from 'vitest';
import { z } from 'zod';
import { COUNTRY_ISO_2, countryIso2Schema } from './country.ts';
import {
  CURRENCY,
  CURRENCY_MINOR_UNITS,
  currencySchema,
  NON_MONEY_CURRENCIES,
  paymentCurrencySchema,
} from './currency.ts';
import {
  nativeEnumSchema,
  TRANSACTION_ACTION,
  TRANSACTION_PROVIDER,
  TRANSACTION_STATUS,
  transactionProviderSchema,
} from './enums.ts';

describe('CURRENCY', () => {
  const codes = Object.keys(CURRENCY);

  test('is ISO 4217 List One: every code is three capitals keyed by itself', () => {
    expect(codes).toHaveLength(178);
    for (const [key, value] of Object.entries(CURRENCY)) {
      expect(value).toBe(key);
      expect(key).toMatch(/^[A-Z]{3}$/);
    }
  });

  test('agrees with the ICU data built into Node, but for fund and special codes ICU leaves out', () => {
    const icu = new Set(Intl.supportedValuesOf('currency'));
    const notInIcu = codes.filter((code) => !icu.has(code));
    // Funds (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), metals and special X-codes, and VED.
    expect(notInIcu.sort()).toEqual(
      'BOV CHE CHW CLF COU MXV USN UYI UYW VED XAG XAU XBA XBB XBC XBD XPD XPT XTS XUA XXX'.split(
        ' ',
      ),
    );
    // Withdrawn codes are not in the list.
    for (const withdrawn of ['HRK', 'CUC', 'SLL', 'ZWL', 'ANG', 'LTL', 'VEF', 'MRO', 'STD']) {
      expect(codes).not.toContain(withdrawn);
    }
  });

  test('knows the minor units of each currency', () => {
    expect(Object.keys(CURRENCY_MINOR_UNITS)).toEqual(codes);
    expect(CURRENCY_MINOR_UNITS.USD).toBe(2);
    expect(CURRENCY_MINOR_UNITS.JPY).toBe(0);
    expect(CURRENCY_MINOR_UNITS.KWD).toBe(3);
    expect(CURRENCY_MINOR_UNITS.CLF).toBe(4);
    expect(CURRENCY_MINOR_UNITS.XAU).toBeNull();
  });

  test('refuses an unknown currency with a message that names it', () => {
    const result = currencySchema.safeParse('USX');
    expect(result.error?.issues[0]?.message).toBe(
      'must be an ISO 4217 currency code such as USD or EUR; got "USX"',
    );
    expect(currencySchema.safeParse('usd').success).toBe(false);
  });

  test.each(
    'XXX XTS XAU XAG XPT XPD XBA XBB XBC XBD XDR XSU XUA BOV CHE CHW CLF COU MXV USN UYI UYW'.split(
      ' ',
    ),
  )('refuses %s for a payment, saying it is not money', (code) => {
    const result = paymentCurrencySchema.safeParse(code);
    expect(result.success).toBe(false);
    const message = result.error?.issues[0]?.message ?? '';
    expect(message).toContain(`${code} is`);
    expect(message).toContain('not money a customer can pay in');
    expect(message).toContain('such as USD or EUR');
    // Responses still carry any ISO 4217 code.
    expect(currencySchema.safeParse(code).success).toBe(true);
  });

  test('names what each code that is not money is, and where there is one, the currency to use', () => {
    expect(NON_MONEY_CURRENCIES.XXX).toContain('"no currency"');
    expect(NON_MONEY_CURRENCIES.XAU).toContain('gold');
    expect(NON_MONEY_CURRENCIES.CLF).toContain('charge in CLP');
    expect(NON_MONEY_CURRENCIES.USN).toContain('charge in USD');
    // Every code ISO 4217 gives no minor unit is one of them.
    const noMinorUnit = codes.filter(
      (code) => CURRENCY_MINOR_UNITS[code as keyof typeof CURRENCY] === null,
    );
    for (const code of noMinorUnit) expect(Object.keys(NON_MONEY_CURRENCIES)).toContain(code);
  });

  test.each(['USD', 'EUR', 'JPY', 'KWD', 'XAF', 'XOF', 'XPF', 'XCD', 'XCG', 'CLP', 'UYU'])(
    'takes %s for a payment',
    (code) => {
      expect(paymentCurrencySchema.safeParse(code).success).toBe(true);
    },
  );
});

describe('COUNTRY_ISO_2', () => {
  const codes = Object.keys(COUNTRY_ISO_2);

  test('has the 249 officially assigned codes, each with a name in ICU', () => {
    expect(codes).toHaveLength(249);
    expect(new Set(codes).size).toBe(249);
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of codes) {
      expect(names.of(code), code).not.toBe(code);
    }
    // User-assigned and exceptionally reserved codes are not countries here.
    for (const reserved of ['XK', 'EU', 'UK', 'ZZ', 'AN']) {
      expect(codes).not.toContain(reserved);
    }
  });

  test('refuses an unknown country with a message that names it', () => {
    expect(countryIso2Schema.safeParse('UK').error?.issues[0]?.message).toBe(
      'must be an ISO 3166-1 alpha-2 country code such as US or GB; got "UK"',
    );
  });
});

describe('small enums', () => {
  test('list the documented values', () => {
    expect(Object.values(TRANSACTION_STATUS)).toEqual([
      'PENDING',
      'EXPIRED',
      'STARTED',
      'SUCCEEDED',
      'ERROR',
      'FAILED',
      'CANCELED',
      'UNKNOWN',
      'DECLINED',
    ]);
    expect(Object.values(TRANSACTION_ACTION)).toEqual(
      expect.arrayContaining(['PAYMENT', 'ADD_PAYMENT_METHOD', 'AUTHORIZATION', 'SETTLE', 'VOID']),
    );
  });

  test('name every allowed value when refusing', () => {
    expect(transactionProviderSchema.safeParse('ADYEN').error?.issues[0]?.message).toBe(
      'must be one of NUVEI, STRIPE (a transaction provider); got "ADYEN"',
    );
  });
});

describe('nativeEnumSchema', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const errorMap: z.ZodErrorMap = (issue, ctx) => ({
    message: issue.code === 'invalid_enum_value' ? `no: ${String(ctx.data)}` : ctx.defaultError,
  });

  test('accepts an allowed value without listing the enum values again', () => {
    const schema = nativeEnumSchema(CURRENCY);
    schema.parse('EUR');
    const listed = vi.spyOn(z.util, 'getValidEnumValues');
    expect(schema.parse('USD')).toBe('USD');
    expect(currencySchema.parse('JPY')).toBe('JPY');
    expect(transactionProviderSchema.parse('STRIPE')).toBe('STRIPE');
    expect(listed).not.toHaveBeenCalled();
  });

  test.each([
    ['an unknown value', 'USX'],
    ['a value in the wrong case', 'usd'],
    ['a key that is not a value', 'toString'],
    ['a number', 840],
    ['null', null],
    ['nothing', undefined],
    ['an object', { USD: 'USD' }],
  ])('refuses %s with the issues z.nativeEnum gives', (_, value) => {
    const zods = z.nativeEnum(CURRENCY, { errorMap }).safeParse(value);
    const ours = nativeEnumSchema(CURRENCY, { errorMap }).safeParse(value);
    expect(zods.success).toBe(false);
    expect(ours.error?.issues).toEqual(zods.error?.issues);
  });

  test('is a ZodNativeEnum with the same values, through describe and optional', () => {
    const schema = nativeEnumSchema(TRANSACTION_PROVIDER).describe('a provider');
    expect(schema).toBeInstanceOf(z.ZodNativeEnum);
    expect(schema.enum).toBe(TRANSACTION_PROVIDER);
    expect(schema.description).toBe('a provider');
    expect(schema.parse('NUVEI')).toBe('NUVEI');
    expect(schema.safeParse('ADYEN').success).toBe(false);
    expect(schema.optional().parse(undefined)).toBeUndefined();
  });
});
