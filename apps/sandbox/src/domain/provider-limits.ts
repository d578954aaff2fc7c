import type { Currency } from '@accrupay/contracts';
import type { ProviderAdapter } from '../providers/types.ts';
import { RouterError } from './errors.ts';

/**
 * Refuses an amount or currency the provider would refuse, before the router stores a session
 * for it: a 400 that names the field and the provider's limit, never an ERROR session or a 500.
 */
export function refuseOutsideProviderLimits(
  adapter: ProviderAdapter,
  request: { amount: bigint | null; currency: Currency },
): void {
  const currencyRefused = adapter.limits.refusesCurrency(request.currency);
  if (currencyRefused !== undefined) {
    throw new RouterError(
      'VALIDATION_ERROR',
      `data.currency: ${currencyRefused}. Use another currency, or another provider (transactionProvider) that takes ${request.currency}.`,
      {
        issues: [
          {
            path: 'data.currency',
            message: `${adapter.provider} does not take ${request.currency}`,
          },
        ],
      },
    );
  }
  const max = adapter.limits.maxAmountMinor;
  if (request.amount !== null && request.amount > max) {
    throw new RouterError(
      'VALIDATION_ERROR',
      `data.amount: ${adapter.provider} takes at most ${max} minor units of ${request.currency} in one payment. Split the purchase or lower the amount.`,
      {
        issues: [{ path: 'data.amount', message: `must be at most ${max} at ${adapter.provider}` }],
      },
    );
  }
}
