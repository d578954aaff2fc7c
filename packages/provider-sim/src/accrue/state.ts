import type { SimCore } from '../core.ts';
import { freshId, randomAlphanumeric } from '../ids.ts';
import type { LedgerSubject } from '../ledger.ts';
import type { IdempotencyRecord } from '../pipeline.ts';
import type { SessionKeys } from '../scenarios.ts';
import type { Table } from '../store.ts';
import type { AccrueCustomerKey, AccrueCustomerProfile } from './customers.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A payment intent nobody authorizes is `canceled` this long after it was created (30 minutes). */
export const ACCRUE_INTENT_TTL_MS = 30 * MINUTE;
/** A `requires_capture` hold not captured within this time is `canceled` with `authorization_expired` (7 days). */
export const ACCRUE_AUTHORIZATION_TTL_MS = 7 * DAY;
/** A captured bank payment is `processing` this long before it `succeeded` (3 days). */
export const ACCRUE_BANK_PROCESSING_MS = 3 * DAY;
/** A succeeded payment is `settled` this long after it succeeded (1 day). */
export const ACCRUE_SETTLEMENT_DELAY_MS = DAY;
/** The `bank_transfer_fails` customer's transfer fails this long after capture (1 day). */
export const ACCRUE_TRANSFER_FAILURE_MS = DAY;
/** The `bank_transfer_returned` customer's transfer is returned this long after it succeeded, before settlement (12 hours). */
export const ACCRUE_TRANSFER_RETURN_MS = 12 * HOUR;

/** Every duration of the Accrue Pay lifecycle on the simulator's clock, in milliseconds. */
export const ACCRUE_TIMINGS = {
  intentTtlMs: ACCRUE_INTENT_TTL_MS,
  authorizationTtlMs: ACCRUE_AUTHORIZATION_TTL_MS,
  bankProcessingMs: ACCRUE_BANK_PROCESSING_MS,
  settlementDelayMs: ACCRUE_SETTLEMENT_DELAY_MS,
  transferFailureMs: ACCRUE_TRANSFER_FAILURE_MS,
  transferReturnMs: ACCRUE_TRANSFER_RETURN_MS,
} as const;

export type IntentStatus = 'created' | 'authorized' | 'canceled' | 'failed';
export type PaymentStatus =
  | 'authorized'
  | 'requires_capture'
  | 'captured'
  | 'processing'
  | 'succeeded'
  | 'settled'
  | 'canceled'
  | 'failed';
export type AccrueMethod = 'wallet' | 'bank';
/** How a payment's funds moved: the wallet, a bank transfer or the virtual card at a card acquirer. */
export type Rail = 'wallet' | 'bank' | 'card';
/** What a payment's clock does next. */
export type Step =
  | 'expire_authorization'
  | 'succeed'
  | 'settle'
  | 'fail_transfer'
  | 'return_transfer';

export interface AccrueIntent {
  id: string;
  accountId: string;
  merchantPublicId: string;
  amount: number;
  currency: string;
  status: IntentStatus;
  paymentMethod: AccrueMethod;
  customer: { id: string; name: string; email: string };
  customerPhone: string;
  customerKey: AccrueCustomerKey;
  createdMs: number;
  expiresMs: number;
  paymentId: string | null;
}

export interface AccruePayment {
  id: string;
  accountId: string;
  intentId: string;
  amount: number;
  amountCaptured: number;
  currency: string;
  status: PaymentStatus;
  captureMethod: 'automatic' | 'manual';
  paymentMethod: AccrueMethod;
  description: string | null;
  reference: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  customerId: string;
  customerKey: AccrueCustomerKey;
  rail: Rail | null;
  createdMs: number;
  authorizedMs: number;
  capturedMs: number | null;
  succeededMs: number | null;
  settledMs: number | null;
  canceledMs: number | null;
  failedMs: number | null;
  next: { at: number; step: Step } | null;
}

/** A single-use virtual debit card issued for one manual-capture payment. */
export interface VirtualCard {
  id: string;
  accountId: string;
  paymentId: string;
  number: string;
  expirationMonth: string;
  expirationYear: string;
  cvc: string;
  billingAddress: AccrueCustomerProfile['billingAddress'];
  usedMs: number | null;
  /** The acquirer's reference of the charge that used it. */
  usedBy: string | null;
}

/** A customer's wallet: what is available after the holds. */
export interface Wallet {
  customerId: string;
  available: number;
}

/** Everything the Accrue-Pay-like provider keeps, durable in the simulator's store. */
export class AccrueState {
  readonly intents: Table<AccrueIntent>;
  readonly payments: Table<AccruePayment>;
  readonly cards: Table<VirtualCard>;
  readonly wallets: Table<Wallet>;
  readonly idempotency: Table<IdempotencyRecord>;
  /** Derived from the cards (rebuilt at load): card number to card id. */
  readonly cardByNumber = new Map<string, string>();
  /** Derived from the cards (rebuilt at load): payment id to card id. */
  readonly cardByPayment = new Map<string, string>();
  baseUrl = '';

  constructor(readonly core: SimCore) {
    this.intents = core.store.table('accrue.payment_intents');
    this.payments = core.store.table('accrue.payments');
    this.cards = core.store.table('accrue.cards');
    this.wallets = core.store.table('accrue.wallets');
    this.idempotency = core.store.table('accrue.idempotency');
  }

  rebuildIndexes(): void {
    this.clearIndexes();
    for (const c of this.cards.values()) this.indexCard(c);
  }

  clearIndexes(): void {
    this.cardByNumber.clear();
    this.cardByPayment.clear();
  }

  indexCard(c: VirtualCard): void {
    this.cardByNumber.set(c.number, c.id);
    this.cardByPayment.set(c.paymentId, c.id);
  }

  /** A fresh id `<prefix>_<24 letters and digits>`, never one the store holds. */
  rid(prefix: 'pi' | 'pay' | 'evt'): string {
    return freshId(
      () => `${prefix}_${randomAlphanumeric(24)}`,
      (id) => this.intents.has(id) || this.payments.has(id),
    );
  }

  now(): number {
    return this.core.clock.now();
  }
}

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The keys a scenario targets an intent by: `{ token }` or `{ providerRef }` of its id, or of its payment's id. */
export function intentKeys(s: AccrueState, intent: AccrueIntent): SessionKeys {
  const payment = intent.paymentId ? s.payments.peek(intent.paymentId) : undefined;
  return {
    provider: 'accrue',
    tokens: [intent.id],
    providerRefs: [intent.id, ...(intent.paymentId ? [intent.paymentId] : [])],
    merchantRef: payment?.reference ?? undefined,
  };
}

/** The keys a scenario targets a payment by: its id, its intent's id, its `reference` as the merchant reference. */
export function paymentKeys(p: AccruePayment): SessionKeys {
  return {
    provider: 'accrue',
    tokens: [p.intentId],
    providerRefs: [p.id, p.intentId],
    merchantRef: p.reference ?? undefined,
  };
}

/** What every ledger entry about a payment repeats: the payment as provider reference, its intent as token. */
export function paymentSubject(p: AccruePayment): LedgerSubject {
  return {
    provider: 'accrue',
    accountId: p.accountId,
    currency: p.currency,
    providerRef: p.id,
    merchantRef: p.reference ?? undefined,
    token: p.intentId,
  };
}

export function intentSubject(i: AccrueIntent): LedgerSubject {
  return {
    provider: 'accrue',
    accountId: i.accountId,
    currency: i.currency,
    providerRef: i.id,
    merchantRef: undefined,
    token: i.id,
  };
}

/** The PaymentIntent resource (JSON:API). */
export function intentJson(s: AccrueState, i: AccrueIntent, reportStatus = true) {
  const status =
    (reportStatus ? s.core.unmappableStatus('accrue', intentKeys(s, i)) : undefined) ?? i.status;
  return {
    id: i.id,
    type: 'payment_intents' as const,
    attributes: {
      amount: i.amount,
      currency: i.currency,
      status,
      payment_method: i.paymentMethod,
      merchant_public_id: i.merchantPublicId,
      customer: { ...i.customer },
      created_at: iso(i.createdMs),
      expires_at: iso(i.expiresMs),
    },
    relationships: {
      payment: { data: i.paymentId ? { id: i.paymentId, type: 'payments' as const } : null },
    },
  };
}

/** The Payment resource (JSON:API). */
export function paymentJson(s: AccrueState, p: AccruePayment, reportStatus = true) {
  const status =
    (reportStatus ? s.core.unmappableStatus('accrue', paymentKeys(p)) : undefined) ?? p.status;
  return {
    id: p.id,
    type: 'payments' as const,
    attributes: {
      amount: p.amount,
      amount_captured: p.amountCaptured,
      currency: p.currency,
      status,
      capture_method: p.captureMethod,
      payment_method: p.paymentMethod,
      description: p.description,
      reference: p.reference,
      failure_code: p.failureCode,
      failure_message: p.failureMessage,
      created_at: iso(p.createdMs),
      authorized_at: iso(p.authorizedMs),
      captured_at: iso(p.capturedMs),
      succeeded_at: iso(p.succeededMs),
      settled_at: iso(p.settledMs),
      canceled_at: iso(p.canceledMs),
      failed_at: iso(p.failedMs),
    },
    relationships: {
      payment_intent: { data: { id: p.intentId, type: 'payment_intents' as const } },
    },
  };
}

/** The VirtualDebitCard resource, exactly as document 004 shows it. */
export function cardJson(c: VirtualCard) {
  return {
    id: c.id,
    type: 'VirtualDebitCard' as const,
    attributes: {
      number: c.number,
      expirationMonth: c.expirationMonth,
      expirationYear: c.expirationYear,
      cvc: c.cvc,
      billingAddress: { ...c.billingAddress },
    },
  };
}
