import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { containsCardNumber, findCardData, luhnValid } from './card-data.ts';

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
    ['a number failing Luhn', '4242424242424241'],
    ['twelve digits', '424242424242'],
    ['twenty digits', '42424242424242424242'],
    ['an E.164 phone number', '+4242424242424242'],
    ['digits inside a reference', 'order4242424242424242'],
    ['an all-digit UUID', '12345678-1234-1234-1234-123456789012'],
    ['a UUID with digit-only groups', 'a1b2c3d4-4242-4242-4242-424242424242'],
  ])('ignores %s', (_name, text) => {
    expect(containsCardNumber(text)).toBe(false);
  });

  test('never flags a random UUID', () => {
    for (let i = 0; i < 20_000; i++) {
      const id = randomUUID();
      expect(containsCardNumber(id), id).toBe(false);
    }
  });

  test('names the field, skipping amounts', () => {
    expect(findCardData({ data: { billing: { note: '4242424242424242' } } })).toBe(
      'data.billing.note',
    );
    expect(findCardData({ data: { amount: '4242424242424242' } })).toBeUndefined();
    expect(findCardData({ list: ['x', 4242424242424242] })).toBe('list.1');
    expect(findCardData({ id: randomUUID() })).toBeUndefined();
    expect(luhnValid('79927398713')).toBe(true);
  });
});
