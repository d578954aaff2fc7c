import type { TransactionProvider } from '@accrupay/contracts';
import type { Logger } from 'pino';
import type { ProviderAdapter } from '../providers/types.ts';
import type { SessionRow, Store } from '../store/store.ts';
import { type Clock, isoAt } from './clock.ts';
import type { WebhookDeliveryOptions } from './webhooks/delivery.ts';

export interface SandboxServiceOptions {
  store: Store;
  clock: Clock;
  adapters: readonly ProviderAdapter[];
  /** The router's own base URL, where providers send callbacks. */
  callbackBaseUrl: () => string;
  logger: Logger;
  /** How long a start may stay unanswered by the provider before it counts as failed. */
  staleStartMs?: number;
  /** How merchant webhooks are delivered (poll interval, lease, fetch); see webhooks/delivery.ts. */
  webhookDelivery?: WebhookDeliveryOptions;
  /** The provider simulator's base URL, for the control API (its `/__sim`). */
  simulatorUrl?: string;
  /** Whether the router's clock is the simulator's (embedded): the control API can move it. */
  clockFollowsSimulator?: boolean;
}

/** What every use case shares: the store, the clock, the adapters, the logger and the options. */
export interface DomainContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly adapters: ReadonlyMap<TransactionProvider, ProviderAdapter>;
  readonly logger: Logger;
  readonly callbackBaseUrl: () => string;
  /** How long a start may stay unanswered, and how long a lease lasts. */
  readonly staleStartMs: number;
  /** Provider records registered at their provider by this process (see provider-accounts.ts). */
  readonly provisioned: Map<string, Promise<void>>;
  /** Tells the webhook dispatcher that deliveries may be due now (set once it exists). */
  readonly webhooks: { kick(): void };
  /** The provider simulator's base URL (the control API reaches its `/__sim`). */
  readonly simulatorUrl: string;
  readonly clockFollowsSimulator: boolean;
}

export function createContext(options: SandboxServiceOptions): DomainContext {
  return {
    store: options.store,
    clock: options.clock,
    adapters: new Map(options.adapters.map((adapter) => [adapter.provider, adapter])),
    logger: options.logger,
    callbackBaseUrl: options.callbackBaseUrl,
    staleStartMs: options.staleStartMs ?? 60_000,
    provisioned: new Map(),
    webhooks: { kick: () => {} },
    simulatorUrl: options.simulatorUrl ?? '',
    clockFollowsSimulator: options.clockFollowsSimulator ?? false,
  };
}

export function nowIso(ctx: DomainContext): string {
  return isoAt(ctx.clock.now());
}

/**
 * A creation time for a new session that sorts after the code's previous one even when the
 * clock has not moved (a manual clock, or the same millisecond), so that a lookup by code
 * always finds the newest.
 */
export function createdAfter(ctx: DomainContext, previous: SessionRow | undefined): string {
  const now = ctx.clock.now();
  return isoAt(previous ? Math.max(now, Date.parse(previous.created_at) + 1) : now);
}
