import type { AccrueClient } from '../../providers/accrue/index.ts';
import type { PaymentIntentStore } from '../../store/payment-intents.ts';
import type { DomainContext } from '../context.ts';

/** What document 004's use cases share: the domain context, its store's tables and Accrue. */
export interface PaymentIntentsContext {
  readonly ctx: DomainContext;
  readonly store: PaymentIntentStore;
  /** Undefined where no Accrue is configured (the CLI's offline `merchant create`). */
  readonly accrue: AccrueClient | undefined;
}

const clients = new WeakMap<DomainContext, AccrueClient>();

/** Attaches the Accrue client to a domain context (the service does, once). */
export function attachAccrue(ctx: DomainContext, accrue: AccrueClient | undefined): void {
  if (accrue) clients.set(ctx, accrue);
}

/** Document 004's context of a domain context. */
export function paymentIntentsContext(ctx: DomainContext): PaymentIntentsContext {
  return { ctx, store: ctx.store, accrue: clients.get(ctx) };
}
