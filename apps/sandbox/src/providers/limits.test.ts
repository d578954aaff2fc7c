import { CURRENCY, type Currency } from '@accrupay/contracts';
import { PROVIDER_LIMITS } from '@accrupay/provider-sim';
import { describe, expect, test } from 'vitest';
import { NUVEI_LIMITS } from './nuvei/index.ts';
import { STRIPE_LIMITS } from './stripe/index.ts';

// The adapters keep their own copy of each provider's documented limits; this pins the copy to
// what the simulator (the provider, here) refuses.
describe('provider limits: the adapters agree with the provider', () => {
  test('Stripe: the largest amount', () => {
    expect(STRIPE_LIMITS.maxAmountMinor).toBe(BigInt(PROVIDER_LIMITS.stripe.maxAmount));
  });

  test('Nuvei: the largest amount', () => {
    expect(NUVEI_LIMITS.maxAmountMinor).toBe(BigInt(PROVIDER_LIMITS.nuvei.maxAmountMinor));
  });

  test('Nuvei: the currencies it refuses, for every currency of the contract', () => {
    const unsupported = new Set<string>(PROVIDER_LIMITS.nuvei.unsupportedCurrencies);
    const disagree = (Object.values(CURRENCY) as Currency[]).filter(
      (currency) =>
        (NUVEI_LIMITS.refusesCurrency(currency) !== undefined) !== unsupported.has(currency),
    );
    expect(disagree).toEqual([]);
  });

  test('Stripe takes every currency of the contract', () => {
    const refused = (Object.values(CURRENCY) as Currency[]).filter(
      (currency) => STRIPE_LIMITS.refusesCurrency(currency) !== undefined,
    );
    expect(refused).toEqual([]);
  });
});
