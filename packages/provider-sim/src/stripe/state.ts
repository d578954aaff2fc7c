import type { MerchantAccount } from '../config.ts';
import type { SimCore } from '../core.ts';
import { randomAlphanumeric } from '../ids.ts';
import type { LedgerSubject } from '../ledger.ts';
import type { IdempotencyRecord } from '../pipeline.ts';
import type { SessionKeys } from '../scenarios.ts';
import type { Table } from '../store.ts';
import { requireCustomer } from './customers.ts';
import type { StripeErrorBody } from './errors.ts';

/** The Stripe-like provider's records and the state they live in. */

export type PIStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

export interface PaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  created: number;
  customer: string | null;
  billing_details: { name: string | null; email: string | null };
  card: {
    brand: string;
    last4: string;
    exp_month: number;
    exp_year: number;
    fingerprint: string;
    funding: 'credit';
    country: 'US';
  };
  livemode: false;
  metadata: Record<string, string>;
  accountId: string;
  number: string;
}

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  accountId: string;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: PIStatus;
  capture_method: 'automatic' | 'manual';
  client_secret: string;
  created: number;
  createdMs: number;
  customer: string | null;
  payment_method: string | null;
  description: string | null;
  metadata: Record<string, string>;
  setup_future_usage: 'off_session' | 'on_session' | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  last_payment_error: (StripeErrorBody & { payment_method?: unknown }) | null;
  next_action: unknown;
  latest_charge: string | null;
  return_url: string | null;
  authorizedAtMs: number | null;
}

export interface SetupIntent {
  id: string;
  object: 'setup_intent';
  accountId: string;
  status: PIStatus;
  client_secret: string;
  created: number;
  customer: string | null;
  payment_method: string | null;
  usage: 'off_session' | 'on_session';
  description: string | null;
  metadata: Record<string, string>;
  last_setup_error: StripeErrorBody | null;
  next_action: unknown;
  cancellation_reason: string | null;
}

export interface Customer {
  id: string;
  object: 'customer';
  accountId: string;
  created: number;
  email: string | null;
  name: string | null;
  metadata: Record<string, string>;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/** A refund of a PaymentIntent's charge; `pendingChange` is the status it takes at `changesAtMs` on the clock (a test card's later outcome). */
export interface Refund {
  id: string;
  object: 'refund';
  accountId: string;
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string;
  status: RefundStatus;
  failure_reason: string | null;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  metadata: Record<string, string>;
  created: number;
  changesAtMs: number | null;
  pendingChange: 'succeeded' | 'failed' | null;
}

export type Auth = { account: MerchantAccount; mode: 'secret' | 'publishable' };

export const ACTIVE_EXPIRABLE: PIStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

/** Everything the Stripe-like provider keeps: its tables, the index of client secrets, where it is served. */
export class StripeState {
  readonly intents: Table<PaymentIntent>;
  readonly setupIntents: Table<SetupIntent>;
  readonly paymentMethods: Table<PaymentMethod>;
  readonly customers: Table<Customer>;
  readonly refunds: Table<Refund>;
  readonly idempotency: Table<IdempotencyRecord>;
  /** Derived from the intents (rebuilt at load). */
  readonly bySecret = new Map<string, { kind: 'pi' | 'si'; id: string }>();
  baseUrl = '';

  constructor(readonly core: SimCore) {
    this.intents = core.store.table('stripe.payment_intents');
    this.setupIntents = core.store.table('stripe.setup_intents');
    this.paymentMethods = core.store.table('stripe.payment_methods');
    this.customers = core.store.table('stripe.customers');
    this.refunds = core.store.table('stripe.refunds');
    this.idempotency = core.store.table('stripe.idempotency');
  }

  unix(): number {
    return Math.floor(this.core.clock.now() / 1000);
  }

  rid(prefix: string): string {
    return `${prefix}_${randomAlphanumeric(24)}`;
  }

  /** The refunds of a charge, oldest first. */
  refundsOf(chargeId: string): Refund[] {
    return [...this.refunds.values()].filter((r) => r.charge === chargeId);
  }

  /** What a charge has given back or is giving back (pending and succeeded refunds; a failed one gave it back to the merchant). */
  amountRefunded(chargeId: string): number {
    return this.refundsOf(chargeId)
      .filter((r) => r.status !== 'failed')
      .reduce((sum, r) => sum + r.amount, 0);
  }

  /** The PaymentIntent whose latest charge is `chargeId`, if any. */
  intentOfCharge(chargeId: string): PaymentIntent | undefined {
    for (const pi of this.intents.values()) if (pi.latest_charge === chargeId) return pi;
    return undefined;
  }
}

export function piKeys(pi: PaymentIntent): SessionKeys {
  return {
    provider: 'stripe',
    tokens: [pi.client_secret],
    providerRefs: [pi.id, ...(pi.latest_charge ? [pi.latest_charge] : [])],
    merchantRef: merchantRef(pi.metadata),
  };
}

export function siKeys(si: SetupIntent): SessionKeys {
  return {
    provider: 'stripe',
    tokens: [si.client_secret],
    providerRefs: [si.id],
    merchantRef: merchantRef(si.metadata),
  };
}

/** What each ledger entry about the intent repeats. */
export function piSubject(pi: PaymentIntent): LedgerSubject {
  return {
    provider: 'stripe',
    accountId: pi.accountId,
    currency: pi.currency,
    providerRef: pi.id,
    merchantRef: merchantRef(pi.metadata),
    token: pi.client_secret,
  };
}

/** A refund's session keys: its PaymentIntent's, and the refund's own id as a provider reference. */
export function refundKeys(pi: PaymentIntent, refundId: string): SessionKeys {
  const keys = piKeys(pi);
  return { ...keys, providerRefs: [...keys.providerRefs, refundId] };
}

/** A refund's ledger entries: the PaymentIntent's merchant reference and token, the refund's id, the intent as the payment refunded. */
export function refundSubject(pi: PaymentIntent, refundId: string): LedgerSubject {
  return { ...piSubject(pi), providerRef: refundId, relatedRef: pi.id };
}

/** A SetupIntent's ledger entries are in USD, of amount 0. */
export function siSubject(si: SetupIntent): LedgerSubject {
  return {
    provider: 'stripe',
    accountId: si.accountId,
    currency: 'usd',
    providerRef: si.id,
    merchantRef: merchantRef(si.metadata),
    token: si.client_secret,
  };
}

interface IntentInput {
  customer?: string | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/** The fields every new PaymentIntent or SetupIntent starts with; its customer must exist. */
function intentBase(s: StripeState, prefix: 'pi' | 'seti', auth: Auth, input: IntentInput) {
  const accountId = auth.account.id;
  if (input.customer) requireCustomer(s, accountId, input.customer);
  const id = s.rid(prefix);
  return {
    id,
    accountId,
    status: 'requires_payment_method' as PIStatus,
    client_secret: `${id}_secret_${randomAlphanumeric(25)}`,
    created: s.unix(),
    customer: input.customer ?? null,
    payment_method: null,
    description: input.description ?? null,
    metadata: input.metadata ?? {},
    next_action: null,
    cancellation_reason: null,
  };
}

/**
 * A new intent: the common fields and its own, filed in its table and in the client-secret index.
 */
export function openIntent<T extends PaymentIntent | SetupIntent>(
  s: StripeState,
  auth: Auth,
  input: IntentInput,
  fields: Omit<T, keyof ReturnType<typeof intentBase>>,
): T {
  const isPayment = (fields as { object: string }).object === 'payment_intent';
  const intent = { ...intentBase(s, isPayment ? 'pi' : 'seti', auth, input), ...fields } as T;
  if (intent.object === 'payment_intent') s.intents.set(intent.id, intent);
  else s.setupIntents.set(intent.id, intent);
  s.bySecret.set(intent.client_secret, { kind: isPayment ? 'pi' : 'si', id: intent.id });
  return intent;
}

export function merchantRef(metadata: Record<string, string>): string | undefined {
  return metadata.merchant_reference ?? metadata.order_id;
}
