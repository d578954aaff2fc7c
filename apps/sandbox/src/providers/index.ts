import type { TransactionProvider } from '@accrupay/contracts';
import { createNuveiAdapter } from './nuvei/index.ts';
import { createStripeAdapter } from './stripe/index.ts';
import type { ProviderAdapter } from './types.ts';

export { createNuveiAdapter, NUVEI_LIMITS } from './nuvei/index.ts';
export { createStripeAdapter, STRIPE_LIMITS } from './stripe/index.ts';
export * from './types.ts';

/** What every built-in adapter is created with (each adapter may take more). */
export interface AdapterOptions {
  /** Where the provider (the embedded simulator) listens. */
  baseUrl: string;
  clock?: { now(): number };
  timeoutMs?: number;
}

/**
 * The one registry of provider adapters: adding a provider is a new folder beside `stripe/` and
 * `nuvei/` and one line here (the compiler asks for it once the provider is in the contract).
 */
export const PROVIDER_ADAPTERS = {
  STRIPE: createStripeAdapter,
  NUVEI: createNuveiAdapter,
} as const satisfies Record<TransactionProvider, (options: AdapterOptions) => ProviderAdapter>;

/** Every built-in adapter, by provider, with the same options. */
export function createProviderAdapters(
  options: AdapterOptions,
): Record<TransactionProvider, ProviderAdapter> {
  const entries = Object.entries(PROVIDER_ADAPTERS).map(([name, create]) => [
    name,
    create(options),
  ]);
  return Object.fromEntries(entries) as Record<TransactionProvider, ProviderAdapter>;
}
