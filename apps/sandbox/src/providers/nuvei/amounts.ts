import { CURRENCY_MINOR_UNITS, type Currency } from '@accrupay/contracts';
import type { ProviderLimits } from '../types.ts';

/** Nuvei's limits: amounts of at most two decimals, and at most 99,999,999.99 in one payment. */
export const NUVEI_LIMITS: ProviderLimits = {
  maxAmountMinor: 9_999_999_999n,
  refusesCurrency(currency) {
    const exponent = CURRENCY_MINOR_UNITS[currency];
    if (exponent === null || exponent === undefined || exponent > 2) {
      return `Nuvei cannot take currency ${currency}: its amounts have at most two decimals (${currency} has ${exponent ?? 'no'} minor unit digits)`;
    }
    return undefined;
  },
};

/** Minor units to Nuvei's decimal string; a currency Nuvei refuses is an Error naming it. */
export function toMajor(minor: bigint, currency: Currency): string {
  const refused = NUVEI_LIMITS.refusesCurrency(currency);
  if (refused) throw new Error(refused);
  const exponent = CURRENCY_MINOR_UNITS[currency] as number;
  if (minor < 0n) throw new Error(`Nuvei amount must not be negative: ${minor} ${currency}`);
  if (exponent === 0) return minor.toString();
  const text = minor.toString().padStart(exponent + 1, '0');
  return `${text.slice(0, -exponent)}.${text.slice(-exponent)}`;
}

/** A Nuvei decimal amount ("10.00") in minor units; undefined when it is not one. */
export function toMinor(major: string, currency: string): bigint | undefined {
  const exponent = CURRENCY_MINOR_UNITS[currency as Currency];
  const match = /^(\d+)(?:\.(\d+))?$/.exec(major);
  if (exponent === null || exponent === undefined || !match) return undefined;
  const fraction = (match[2] ?? '').padEnd(exponent, '0');
  if (fraction.length > exponent) return undefined;
  return BigInt(`${match[1]}${fraction}`);
}
