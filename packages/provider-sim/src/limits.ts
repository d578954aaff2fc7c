/**
 * What each simulated provider refuses, as the real one does: the router's adapters pin
 * their own copy of these values to this object in a test.
 */
export const PROVIDER_LIMITS = deepFreeze({
  stripe: {
    /** Smallest `amount` / `amount_to_capture` in minor units; below it Stripe answers 400 `parameter_invalid_integer`. */
    minAmount: 1,
    /** Largest `amount` / `amount_to_capture` in minor units (Stripe's eight-digit limit); above it 400 `amount_too_large`. */
    maxAmount: 99_999_999,
  },
  nuvei: {
    /** Largest amount in minor units (99,999,999.99 in a two-decimal currency); above it errCode 1040. */
    maxAmountMinor: 9_999_999_999,
    /** Most decimals an amount string may carry (none for the zero-decimal currencies). */
    maxDecimals: 2,
    /** Currencies whose amounts carry no decimals ("1500" JPY). */
    zeroDecimalCurrencies: [
      'BIF',
      'CLP',
      'DJF',
      'GNF',
      'ISK',
      'JPY',
      'KMF',
      'KRW',
      'PYG',
      'RWF',
      'UGX',
      'UYI',
      'VND',
      'VUV',
      'XAF',
      'XOF',
      'XPF',
    ],
    /**
     * Currencies the simulated Nuvei does not process; openOrder and payment answer errCode 1041:
     * the ISO 4217 three-decimal currencies, the four-decimal units of account, and the codes
     * that are not money (precious metals, SDR, test and "no currency" codes).
     */
    unsupportedCurrencies: [
      'BHD',
      'IQD',
      'JOD',
      'KWD',
      'LYD',
      'OMR',
      'TND',
      'CLF',
      'UYW',
      'XAG',
      'XAU',
      'XBA',
      'XBB',
      'XBC',
      'XBD',
      'XDR',
      'XPD',
      'XPT',
      'XSU',
      'XTS',
      'XUA',
      'XXX',
    ],
  },
} as const);

/** The type of {@link PROVIDER_LIMITS}. */
export type ProviderLimits = typeof PROVIDER_LIMITS;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** An integer given as a JSON number or a decimal string, compared exactly (no float rounding, no overflow). */
export function integerInput(raw: unknown): bigint | undefined {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return raw > 0 ? 10n ** 400n : -(10n ** 400n);
    return Number.isInteger(raw) ? BigInt(raw) : undefined;
  }
  if (typeof raw === 'string' && /^-?\d{1,400}$/.test(raw)) return BigInt(raw);
  return undefined;
}
