import { describe, expect, test } from 'vitest';
import { amount, encodeAmount, MAX_AMOUNT, parseAmount, positiveAmount } from './money.ts';

describe('amount codec', () => {
  test.each([
    ['10000', 10000n],
    ['0', 0n],
    [10000, 10000n],
    [0, 0n],
    [10000n, 10000n],
    [Number.MAX_SAFE_INTEGER, 9007199254740991n],
    ['9223372036854775807', MAX_AMOUNT],
  ] as const)('accepts %s (%s)', (input, expected) => {
    expect(amount.parse(input)).toBe(expected);
  });

  test.each([
    ['-1', 'decimal string'],
    [-1, 'must not be negative'],
    [-1n, 'must not be negative'],
    [10.5, 'whole number'],
    ['10.5', 'decimal string'],
    ['0x10', 'got "0x10"'],
    ['010', 'leading zeros'],
    ['1e3', 'decimal string'],
    [' 1', 'decimal string'],
    ['', 'decimal string'],
    [Number.MAX_SAFE_INTEGER + 1, 'as a decimal string'],
    [Number.NaN, 'whole number'],
    ['9223372036854775808', 'at most 9223372036854775807'],
    [null, 'got null'],
    [true, 'got boolean'],
    [undefined, 'is required'],
  ] as const)('refuses %s (case %#)', (input, message) => {
    const result = amount.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(message);
  });

  test('positive amounts refuse zero', () => {
    expect(positiveAmount.safeParse('0').error?.issues[0]?.message).toBe(
      'must be at least 1 minor units; got "0"',
    );
    expect(positiveAmount.parse('1')).toBe(1n);
  });

  test('encodes to the canonical decimal string', () => {
    expect(encodeAmount(10000n)).toBe('10000');
    expect(encodeAmount(0n)).toBe('0');
    expect(encodeAmount(MAX_AMOUNT)).toBe('9223372036854775807');
    expect(() => encodeAmount(-5n)).toThrow('amount must not be negative');
    expect(() => encodeAmount(MAX_AMOUNT + 1n)).toThrow(RangeError);
  });

  test('round-trips every encoded amount', () => {
    for (const value of [1n, 99n, 10n ** 18n, MAX_AMOUNT]) {
      expect(amount.parse(encodeAmount(value))).toBe(value);
    }
    expect(parseAmount('12')).toEqual({ ok: true, value: 12n });
  });
});
