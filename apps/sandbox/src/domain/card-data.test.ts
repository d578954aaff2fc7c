import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { containsCardNumber, findCardData, luhnValid, redactCardNumbers } from './card-data.ts';
import { newId, newMerchantPublicId } from './ids.ts';

describe('card data detection', () => {
  test.each([
    '4242424242424242',
    '4242 4242 4242 4242',
    '4242-4242-4242-4242',
    'card: 4000 0000 0000 0002 thanks',
    '378282246310005',
    '6011111111111117',
  ])('finds %s', (text) => {
    expect(containsCardNumber(text)).toBe(true);
  });

  test.each([
    ['underscores', '4111_1111_1111_1111'],
    ['dots', '4111.1111.1111.1111'],
    ['slashes', '4111/1111/1111/1111'],
    ['double spaces', '4111  1111  1111  1111'],
    ['mixed separator runs', '4111 - 1111 _ 1111 / 1111'],
    ['no-break spaces (U+00A0)', '4111\u00a01111\u00a01111\u00a01111'],
    ['narrow no-break spaces (U+202F)', '4111\u202f1111\u202f1111\u202f1111'],
    ['ideographic and em spaces', '4111\u30001111\u20031111\u20091111'],
    ['zero-width spaces', '4111\u200b1111\u200b1111\u200b1111'],
    ['en dashes', '4111\u20131111\u20131111\u20131111'],
    ['tabs', '4111\t1111\t1111\t1111'],
    ['full-width digits (NFKC)', '４１１１１１１１１１１１１１１１'],
    ['full-width digits and spaces', '４１１１　１１１１　１１１１　１１１１'],
    ['digits glued to a letter before', 'x4111111111111111'],
    ['digits glued to letters on both sides', 'order4111111111111111abc'],
    ['grouped digits glued to letters', 'ref4111-1111-1111-1111end'],
    ['a card after other digit groups', '2026-01-31 4111 1111 1111 1111'],
    ['a card before other digit groups', '4111111111111111 12'],
    ['an Amex 4-6-5 grouping', '3782 822463 10005'],
    ['a 19-digit card', '6011 0009 9013 9424 009'],
    ['a phone prefix followed by a card', '+1 4111 1111 1111 1111'],
  ])('finds a card number with %s', (_name, text) => {
    expect(containsCardNumber(text), text).toBe(true);
  });

  test.each([
    ['a number failing Luhn', '4242424242424241'],
    ['twelve digits', '424242424242'],
    ['twenty digits', '42424242424242424242'],
    ['an E.164 phone number', '+4242424242424242'],
    ['an all-digit UUID', '12345678-1234-1234-1234-123456789012'],
    ['a UUID with digit-only groups', 'a1b2c3d4-4242-4242-4242-424242424242'],
    ['a hex digest with a long digit run', `abc${'4111111111111111'}0123456789def`],
    ['a date and a time', '2026-01-31 12:00:00'],
    ['an E.164 phone number with a reference', 'call +14155550100 re order 12'],
    ['full-width digits failing Luhn', '４１１１１１１１１１１１１１１２'],
    ['a run starting with 0', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0'],
  ])('ignores %s', (_name, text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  test('never flags a random UUID, hex id or the router’s own ids', () => {
    for (let i = 0; i < 20_000; i++) {
      const ids = [
        randomUUID(),
        randomUUID().toUpperCase(),
        `req_${randomBytes(12).toString('hex')}`,
        randomBytes(32).toString('hex'),
        newId('txn'),
        newId('pm'),
        newMerchantPublicId(),
      ];
      for (const id of ids) expect(containsCardNumber(id), id).toBe(false);
    }
  });

  test('names the field, skipping whole-number amounts', () => {
    expect(findCardData({ data: { billing: { note: '4242424242424242' } } })).toBe(
      'data.billing.note',
    );
    expect(findCardData({ data: { amount: '4242424242424242' } })).toBeUndefined();
    expect(findCardData({ data: { amount: 4242424242424242 } })).toBeUndefined();
    expect(findCardData({ list: ['x', 4242424242424242] })).toBe('list.1');
    expect(findCardData({ id: randomUUID() })).toBeUndefined();
    expect(luhnValid('79927398713')).toBe(true);
  });

  test('a providerCode of digits is a provider id, not card data', () => {
    // A Nuvei transaction id: 19 digits, Luhn-valid.
    expect(containsCardNumber('6011000990139424009')).toBe(true);
    expect(findCardData({ providerCode: '6011000990139424009' })).toBeUndefined();
    expect(findCardData({ providerCode: 'ref 4242 4242 4242 4242' })).toBe('providerCode');
    expect(findCardData({ data: { note: '6011000990139424009' } })).toBe('data.note');
  });

  test('scans an amount field that is not a whole number like any text', () => {
    expect(findCardData({ data: { amount: '4242 4242 4242 4242' } })).toBe('data.amount');
    expect(findCardData({ data: { amount: { nested: '4242424242424242' } } })).toBe(
      'data.amount.nested',
    );
  });

  test('a card number as a field name is found without naming it', () => {
    const found = findCardData({ data: { '4242424242424242': 'x' } });
    expect(found).toBe('data.<a field name>');
  });

  test('scans a body nested 100,000 deep without overflowing the stack', () => {
    let deep: unknown = '4242424242424242';
    const path: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      deep = [deep];
      path.push('0');
    }
    expect(findCardData(deep)).toBe(path.join('.'));
    let clean: unknown = 'x';
    for (let i = 0; i < 100_000; i++) clean = { a: clean };
    expect(findCardData(clean)).toBeUndefined();
  });

  test('redacts every card-like run and keeps the rest', () => {
    expect(redactCardNumbers('/v1/transactions/4111111111111111')).toBe(
      '/v1/transactions/[card number redacted]',
    );
    expect(redactCardNumbers('a 4111_1111_1111_1111 b 4242-4242-4242-4242')).toBe(
      'a [card number redacted] b [card number redacted]',
    );
    expect(redactCardNumbers('/v1/transactions/txn_abc')).toBe('/v1/transactions/txn_abc');
    // Overlapping windows of one run are one redaction.
    expect(redactCardNumbers('4111 1111 1111 1111 0')).toBe('[card number redacted] 0');
  });
});
