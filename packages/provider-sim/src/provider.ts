import type { Router } from 'express';
import type { HostedProvider } from './hosted-types.ts';

/** The one list of simulated providers; every `provider` field, enum and route table derives from it. */
export const PROVIDERS = ['stripe', 'nuvei', 'accrue'] as const;

export type Provider = (typeof PROVIDERS)[number];

export function isProvider(value: unknown): value is Provider {
  return (PROVIDERS as readonly unknown[]).includes(value);
}

/** One simulated provider as the simulator mounts it (see sim.ts's registry). */
export interface SimProvider {
  readonly name: Provider;
  /** Where its API starts below its mount point `/<name>` (shown on the index page), e.g. `/stripe/v1`. */
  readonly apiPath: string;
  /** Its HTTP API, mounted at `/<name>`. */
  router(): Router;
  /** Test helpers of its own, mounted at `/__sim/<name>` (e.g. `/__sim/accrue/payment-intents`). */
  control?(): Router;
  /** The hooks of the hosted card page and 3-D Secure challenge, if the provider has a hosted page. */
  readonly hosted?: HostedProvider | undefined;
  /** Where the simulator is served, for the URLs it hands out (3-D Secure redirects, hosted pages). */
  setBaseUrl(url: string): void;
  /** Forgets what is derived from the store (indexes); the store's tables are cleared by the core. */
  reset(): void;
}
