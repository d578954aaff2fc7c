import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CARD_LOGIC_SCRIPT } from './card-fields.ts';
import type { Loose } from './test-helpers.ts';

/** The page's own script, run as the browser runs it. */
const L: Loose = runInNewContext(`${CARD_LOGIC_SCRIPT};cardLogic`);
const NOW = { year: 2030, month: 1 };

describe('card number', () => {
  it.each([
    ['4242424242424242', 'visa', 'VISA'],
    ['5555555555554444', 'mastercard', 'Mastercard'],
    ['2223003122003222', 'mastercard', 'Mastercard'],
    ['378282246310005', 'amex', 'AMEX'],
    ['371449635398431', 'amex', 'AMEX'],
    ['6011111111111117', 'discover', 'DISCOVER'],
    ['6445644564456445', 'discover', 'DISCOVER'],
    ['30569309025904', 'diners', 'Diners'],
    ['3566002020360505', 'jcb', 'JCB'],
    ['6200000000000005', 'unionpay', 'UnionPay'],
    ['9999999999999995', 'unknown', ''],
  ])('%s is %s', (number, id, badge) => {
    expect(L.brandOf(number).id).toBe(id);
    expect(L.brandOf(number).badge).toBe(badge);
  });

  it('a brand shows from its first digits', () => {
    expect(L.brandOf('4').id).toBe('visa');
    expect(L.brandOf('34').id).toBe('amex');
    expect(L.brandOf('3').id).toBe('unknown');
    expect(L.brandOf('51').id).toBe('mastercard');
    expect(L.brandOf('2721').id).toBe('unknown');
  });

  it('spaces 4-4-4-4, Amex 4-6-5, Diners 4-6-4, and cuts at the brand’s length', () => {
    expect(L.formatNumber('4242424242424242')).toBe('4242 4242 4242 4242');
    expect(L.formatNumber('42424')).toBe('4242 4');
    expect(L.formatNumber('4242')).toBe('4242');
    expect(L.formatNumber('4242 4242-4242abc4242')).toBe('4242 4242 4242 4242');
    expect(L.formatNumber('4242424242424242424')).toBe('4242 4242 4242 4242 424');
    expect(L.formatNumber('424242424242424242429')).toBe('4242 4242 4242 4242 424');
    expect(L.formatNumber('378282246310005')).toBe('3782 822463 10005');
    expect(L.formatNumber('3782822463100059')).toBe('3782 822463 10005');
    expect(L.formatNumber('37828')).toBe('3782 8');
    expect(L.formatNumber('30569309025904')).toBe('3056 930902 5904');
    expect(L.formatNumber('55555555555544449')).toBe('5555 5555 5555 4444');
    expect(L.formatNumber('')).toBe('');
  });

  it('Luhn', () => {
    expect(L.luhn('4242424242424242')).toBe(true);
    expect(L.luhn('4242424242424241')).toBe(false);
    expect(L.luhn('378282246310005')).toBe(true);
    expect(L.luhn('4000000000009996')).toBe(false);
    expect(L.luhn('')).toBe(false);
  });

  it('incomplete below the brand’s length, invalid when complete and Luhn fails', () => {
    expect(L.checkNumber('')).toBe('incomplete');
    expect(L.checkNumber('4242 4242 4242')).toBe('incomplete');
    expect(L.checkNumber('37828224631000')).toBe('incomplete');
    expect(L.checkNumber('4242 4242 4242 4242')).toBeNull();
    expect(L.checkNumber('378282246310005')).toBeNull();
    expect(L.checkNumber('4242424242424241')).toBe('invalid');
    expect(L.checkNumber('42424242424242424')).toBe('incomplete');
    expect(L.MESSAGES.number).toEqual({
      incomplete: 'Your card number is incomplete.',
      invalid: 'Your card number is invalid.',
    });
  });
});

describe('expiry (MM / YY)', () => {
  it('adds the slash, pads a lone month digit and takes a pasted four-digit year', () => {
    expect(L.formatExpiry('1', false)).toBe('1');
    expect(L.formatExpiry('4', false)).toBe('04 / ');
    expect(L.formatExpiry('12', false)).toBe('12 / ');
    expect(L.formatExpiry('12', true)).toBe('12');
    expect(L.formatExpiry('12 / 3', false)).toBe('12 / 3');
    expect(L.formatExpiry('1234', false)).toBe('12 / 34');
    expect(L.formatExpiry('12345', false)).toBe('12 / 34');
    expect(L.formatExpiry('1/34', false)).toBe('01 / 34');
    expect(L.formatExpiry('12/2034', false)).toBe('12 / 34');
    expect(L.formatExpiry('ab', false)).toBe('');
  });

  it('reads month and four-digit year', () => {
    expect(L.parseExpiry('12 / 34')).toEqual({ month: 12, year: 2034 });
    expect(L.parseExpiry('01/30')).toEqual({ month: 1, year: 2030 });
    expect(L.parseExpiry('12 / 3')).toBeNull();
  });

  it('incomplete, invalid month, past by the given clock, and too far ahead', () => {
    expect(L.checkExpiry('', NOW)).toBe('incomplete');
    expect(L.checkExpiry('12 / 3', NOW)).toBe('incomplete');
    expect(L.checkExpiry('13 / 34', NOW)).toBe('invalid');
    expect(L.checkExpiry('00 / 34', NOW)).toBe('invalid');
    expect(L.checkExpiry('12 / 29', NOW)).toBe('past');
    expect(L.checkExpiry('01 / 30', NOW)).toBeNull();
    expect(L.checkExpiry('01 / 30', { year: 2030, month: 2 })).toBe('past');
    expect(L.checkExpiry('12 / 34', NOW)).toBeNull();
    expect(L.checkExpiry('12 / 81', NOW)).toBe('invalid');
    expect(L.MESSAGES.expiry.past).toBe("Your card's expiration date is in the past.");
  });
});

describe('CVC', () => {
  it('three digits, four for Amex', () => {
    const visa = L.brandOf('4242');
    const amex = L.brandOf('3782');
    expect(L.formatCvc('12a34', visa)).toBe('123');
    expect(L.formatCvc('12345', amex)).toBe('1234');
    expect(L.checkCvc('12', visa)).toBe('incomplete');
    expect(L.checkCvc('123', visa)).toBeNull();
    expect(L.checkCvc('123', amex)).toBe('incomplete');
    expect(L.checkCvc('1234', amex)).toBeNull();
    expect(L.MESSAGES.cvc.incomplete).toBe("Your card's security code is incomplete.");
  });
});
