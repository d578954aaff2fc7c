import { PROVIDER_LIMITS } from '../limits.ts';
import { NuveiApiError } from './state.ts';

/** ISO 4217 currencies whose minor unit is the unit itself (1500 JPY is "1500"). */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(
  PROVIDER_LIMITS.nuvei.zeroDecimalCurrencies,
);
const UNSUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(
  PROVIDER_LIMITS.nuvei.unsupportedCurrencies,
);

/** Parses a Nuvei decimal amount string into minor units. */
export function nuveiAmountToMinor(amount: string, currency: string): number {
  return Number(amountToMinorExact(amount, currency));
}

function amountToMinorExact(amount: string, currency: string): bigint {
  const digits = ZERO_DECIMAL_CURRENCIES.has(currency.toUpperCase()) ? 0 : 2;
  const [whole = '0', frac = ''] = amount.split('.');
  const wholeDigits = /^\d+$/.test(whole) ? whole : '0';
  const fracDigits = frac.padEnd(digits, '0').slice(0, digits);
  return (
    BigInt(wholeDigits) * 10n ** BigInt(digits) +
    BigInt(/^\d+$/.test(fracDigits) ? fracDigits : '0')
  );
}

/** Refuses what Nuvei refuses before any state changes: currencies it does not process and amounts above its maximum. */
export function checkLimits(amount: string, currency: string): void {
  if (UNSUPPORTED_CURRENCIES.has(currency)) {
    throw new NuveiApiError(1041, `Invalid currency: ${currency} is not processed`);
  }
  if (amountToMinorExact(amount, currency) > BigInt(PROVIDER_LIMITS.nuvei.maxAmountMinor)) {
    const max = PROVIDER_LIMITS.nuvei.maxAmountMinor;
    const shown = ZERO_DECIMAL_CURRENCIES.has(currency) ? String(max) : (max / 100).toFixed(2);
    throw new NuveiApiError(1040, `Invalid amount: above the maximum of ${shown} ${currency}`);
  }
}

/** Formats a date as Nuvei's `YYYYMMDDHHmmss` (UTC). */
export function nuveiTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** Formats a date as a DMN's and a transaction detail's `YYYY-MM-DD.HH:mm:ss` (UTC). */
export function dmnTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)}.${iso.slice(11, 19)}`;
}
