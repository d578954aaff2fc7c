import { ProviderUnavailableError } from '../providers/types.ts';
import { RouterError } from './errors.ts';

/**
 * A provider that did not answer, as the merchant must read it: for an operation that moves
 * money the outcome is unknown (the provider may have applied it before its answer was lost),
 * and the retry asks the provider what happened before it sends anything again.
 */
export function providerFailure(
  error: unknown,
  doing: string,
  { moneyMayHaveMoved = false }: { moneyMayHaveMoved?: boolean } = {},
): RouterError {
  if (error instanceof ProviderUnavailableError) {
    return new RouterError(
      error.kind === 'timeout' ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR',
      moneyMayHaveMoved
        ? `The provider did not answer when asked to ${doing} (${error.message}); the outcome is unknown: it may have been applied. Retry the same call: the router first asks the provider what happened and never applies it twice.`
        : `The provider did not answer when asked to ${doing} (${error.message}); nothing changed, it is safe to retry.`,
      { cause: error, ...(moneyMayHaveMoved ? { details: { outcome: 'unknown' } } : {}) },
    );
  }
  if (error instanceof RouterError) return error;
  return new RouterError('INTERNAL_ERROR', `Could not ${doing}.`, { cause: error });
}
