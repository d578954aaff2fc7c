import type { MerchantAccount } from '../config.ts';
import type { SessionKeys } from '../scenarios.ts';
import { type AccrueCustomerProfile, accrueCustomer } from './customers.ts';
import { AccrueApiError, invalidState } from './errors.ts';
import {
  ACCRUE_AUTHORIZATION_TTL_MS,
  ACCRUE_BANK_PROCESSING_MS,
  ACCRUE_INTENT_TTL_MS,
  ACCRUE_SETTLEMENT_DELAY_MS,
  ACCRUE_TRANSFER_FAILURE_MS,
  ACCRUE_TRANSFER_RETURN_MS,
  type AccrueIntent,
  type AccrueMethod,
  type AccruePayment,
  type AccrueState,
  intentJson,
  intentKeys,
  intentSubject,
  iso,
  type PaymentStatus,
  paymentJson,
  paymentKeys,
  paymentSubject,
  type Rail,
  type Step,
  type Wallet,
} from './state.ts';

/** The notification types Accrue Pay sends. */
export const ACCRUE_EVENT_TYPES = [
  'payment_intent.created',
  'payment_intent.canceled',
  'payment.authorized',
  'payment.requires_capture',
  'payment.captured',
  'payment.processing',
  'payment.succeeded',
  'payment.settled',
  'payment.canceled',
  'payment.failed',
] as const;

export type AccrueEventType = (typeof ACCRUE_EVENT_TYPES)[number];

/** Queues a signed notification `{ id, type, created_at, data }` to the account's `accrue.webhookUrl` through the delivery pipeline. */
function notify(
  s: AccrueState,
  accountId: string,
  type: AccrueEventType,
  data: unknown,
  keys: SessionKeys,
  forgedSuccess: () => unknown,
): void {
  const cfg = s.core.accounts.peek(accountId)?.accrue;
  const createdAt = iso(s.now());
  const make = (t: string, d: unknown) =>
    JSON.stringify({ id: s.rid('evt'), type: t, created_at: createdAt, data: d });
  const body = make(type, data);
  s.core.emitCallback({
    provider: 'accrue',
    accountId,
    url: cfg?.webhookUrl,
    eventType: type,
    keys,
    contentType: 'application/json; charset=utf-8',
    body,
    signing: { scheme: 'accrue', secret: cfg?.webhookSecret ?? 'whsec_missing' },
    forge: (mode) =>
      mode === 'bad_signature'
        ? { body, signing: { scheme: 'accrue-zero' } }
        : {
            body: make('payment.succeeded', forgedSuccess()),
            signing: { scheme: 'accrue', secret: 'whsec_forger_wrong_secret' },
          },
  });
}

function intentEvent(s: AccrueState, i: AccrueIntent, type: AccrueEventType): void {
  notify(s, i.accountId, type, intentJson(s, i), intentKeys(s, i), () => ({
    ...intentJson(s, i, false),
    attributes: { ...intentJson(s, i, false).attributes, status: 'authorized' },
  }));
}

function paymentEvent(s: AccrueState, p: AccruePayment, type: AccrueEventType): void {
  notify(s, p.accountId, type, paymentJson(s, p), paymentKeys(p), () => {
    const forged = paymentJson(s, p, false);
    return {
      ...forged,
      attributes: {
        ...forged.attributes,
        status: 'succeeded',
        amount_captured: p.amount,
        failure_code: null,
        failure_message: null,
      },
    };
  });
}

/** The customer's wallet, opened with their initial balance on first use; marked changed. */
function walletOf(s: AccrueState, profile: AccrueCustomerProfile): Wallet {
  const existing = s.wallets.get(profile.id);
  if (existing) return existing;
  const w: Wallet = { customerId: profile.id, available: profile.initialWalletBalance };
  s.wallets.set(w.customerId, w);
  return w;
}

/** The customer's available wallet balance (initial balance less holds and captures). */
export function walletBalance(s: AccrueState, profile: AccrueCustomerProfile): number {
  return s.wallets.peek(profile.id)?.available ?? profile.initialWalletBalance;
}

function releaseToWallet(s: AccrueState, p: AccruePayment, amount: number): void {
  if (p.paymentMethod !== 'wallet' || amount <= 0) return;
  const intent = s.intents.peek(p.intentId);
  if (!intent) return;
  walletOf(s, accrueCustomer(intent.customerPhone)).available += amount;
}

/** Runs the intent's expiry at `at` on the clock (by id, so that it also works after a restart). */
export function armIntent(s: AccrueState, id: string, at: number): void {
  s.core.scheduler.schedule(at, () => {
    const i = s.intents.peek(id);
    if (i) expireIntentIfDue(s, i);
  });
}

/** Runs the payment's due steps at `at` on the clock. */
export function armPayment(s: AccrueState, id: string, at: number): void {
  s.core.scheduler.schedule(at, () => advancePayment(s, id));
}

export function expireIntentIfDue(s: AccrueState, i: AccrueIntent): void {
  if (i.status !== 'created' || s.now() < i.expiresMs) return;
  s.intents.set(i.id, i);
  i.status = 'canceled';
  intentEvent(s, i, 'payment_intent.canceled');
}

/** A new payment intent of a test customer, as the hosted page (or the test helper) creates it. */
export function createIntent(
  s: AccrueState,
  account: MerchantAccount,
  input: { amount: number; currency: string; method: AccrueMethod; phone: string },
): AccrueIntent {
  const profile = accrueCustomer(input.phone);
  const now = s.now();
  const intent: AccrueIntent = {
    id: s.rid('pi'),
    accountId: account.id,
    merchantPublicId: account.accrue?.publishableKey ?? '',
    amount: input.amount,
    currency: input.currency.toUpperCase(),
    status: 'created',
    paymentMethod: input.method,
    customer: { id: profile.id, name: profile.name, email: profile.email },
    customerPhone: profile.phone,
    customerKey: profile.key,
    createdMs: now,
    expiresMs: now + ACCRUE_INTENT_TTL_MS,
    paymentId: null,
  };
  s.intents.set(intent.id, intent);
  armIntent(s, intent.id, intent.expiresMs);
  intentEvent(s, intent, 'payment_intent.created');
  return intent;
}

export interface AuthorizeInput {
  amount: number;
  currency: string;
  captureMethod: 'automatic' | 'manual';
  description?: string | null | undefined;
  reference?: string | null | undefined;
}

/**
 * Authorizes a created intent into a payment and answers the payment as authorized (automatic
 * capture: `authorized`, then captured at once before the answer leaves; manual: `requires_capture`).
 */
export function authorizeIntent(
  s: AccrueState,
  intent: AccrueIntent,
  input: AuthorizeInput,
): ReturnType<typeof paymentJson> {
  expireIntentIfDue(s, intent);
  if (intent.status !== 'created') {
    const pay = intent.paymentId ? ` and already has payment ${intent.paymentId}` : '';
    throw new AccrueApiError(
      422,
      'payment_intent_not_authorizable',
      `Payment intent ${intent.id} is ${intent.status}${pay}; only a payment intent in status created can be authorized.`,
    );
  }
  if (input.amount !== intent.amount) {
    throw new AccrueApiError(
      422,
      'amount_mismatch',
      `amount ${input.amount} differs from the payment intent's amount ${intent.amount}; authorize exactly the amount the customer approved.`,
      '/data/attributes/amount',
    );
  }
  if (input.currency.toUpperCase() !== intent.currency) {
    throw new AccrueApiError(
      422,
      'currency_mismatch',
      `currency ${input.currency} differs from the payment intent's currency ${intent.currency}.`,
      '/data/attributes/currency',
    );
  }
  s.intents.set(intent.id, intent);
  const profile = accrueCustomer(intent.customerPhone);
  const now = s.now();
  if (intent.paymentMethod === 'wallet') {
    const wallet = walletOf(s, profile);
    if (wallet.available < intent.amount) {
      intent.status = 'failed';
      s.core.ledger.record(intentSubject(intent), {
        kind: 'decline',
        amount: intent.amount,
        detail: 'insufficient_funds',
      });
      throw new AccrueApiError(
        422,
        'insufficient_funds',
        `The customer's wallet has insufficient funds to complete this payment (available ${wallet.available}, needed ${intent.amount}); payment intent ${intent.id} is now failed.`,
      );
    }
    wallet.available -= intent.amount;
  }
  const manual = input.captureMethod === 'manual';
  const p: AccruePayment = {
    id: s.rid('pay'),
    accountId: intent.accountId,
    intentId: intent.id,
    amount: intent.amount,
    amountCaptured: 0,
    currency: intent.currency,
    status: manual ? 'requires_capture' : 'authorized',
    captureMethod: input.captureMethod,
    paymentMethod: intent.paymentMethod,
    description: input.description ?? null,
    reference: input.reference ?? null,
    failureCode: null,
    failureMessage: null,
    customerId: profile.id,
    customerKey: profile.key,
    rail: null,
    createdMs: now,
    authorizedMs: now,
    capturedMs: null,
    succeededMs: null,
    settledMs: null,
    canceledMs: null,
    failedMs: null,
    next: manual ? { at: now + ACCRUE_AUTHORIZATION_TTL_MS, step: 'expire_authorization' } : null,
  };
  s.payments.set(p.id, p);
  intent.status = 'authorized';
  intent.paymentId = p.id;
  s.core.ledger.record(paymentSubject(p), {
    kind: 'authorization',
    amount: p.amount,
    detail: p.paymentMethod,
  });
  paymentEvent(s, p, manual ? 'payment.requires_capture' : 'payment.authorized');
  if (p.next) armPayment(s, p.id, p.next.at);
  const answer = paymentJson(s, p);
  if (!manual) capturePayment(s, p, undefined, p.paymentMethod);
  return answer;
}

const CAPTURABLE: readonly PaymentStatus[] = ['requires_capture', 'authorized'];

/** Captures `amount` (all when undefined) of an authorized payment over `rail`; the remainder of a partial capture is released. */
export function capturePayment(
  s: AccrueState,
  p: AccruePayment,
  amount: number | undefined,
  rail: Rail,
): void {
  advancePayment(s, p.id);
  if (!CAPTURABLE.includes(p.status)) {
    throw invalidState(
      `Payment ${p.id} is ${p.status}; only a payment in requires_capture can be captured.`,
    );
  }
  const toCapture = amount ?? p.amount;
  if (toCapture > p.amount) {
    throw new AccrueApiError(
      422,
      'amount_exceeds_authorized',
      `amount ${toCapture} exceeds the authorized amount ${p.amount} of payment ${p.id}; capture at most ${p.amount}.`,
      '/data/attributes/amount',
    );
  }
  s.payments.set(p.id, p);
  const now = s.now();
  p.amountCaptured = toCapture;
  p.capturedMs = now;
  p.status = 'captured';
  p.rail = rail;
  p.next = null;
  const subject = paymentSubject(p);
  s.core.ledger.record(subject, { kind: 'capture', amount: toCapture, detail: rail });
  const remainder = p.amount - toCapture;
  if (remainder > 0) {
    s.core.ledger.record(subject, {
      kind: 'void',
      amount: remainder,
      detail: 'remainder released',
    });
    releaseToWallet(s, p, remainder);
  }
  paymentEvent(s, p, 'payment.captured');
  if (rail === 'bank') {
    p.status = 'processing';
    paymentEvent(s, p, 'payment.processing');
    schedule(
      s,
      p,
      p.customerKey === 'bank_transfer_fails'
        ? { at: now + ACCRUE_TRANSFER_FAILURE_MS, step: 'fail_transfer' }
        : { at: now + ACCRUE_BANK_PROCESSING_MS, step: 'succeed' },
    );
  } else {
    succeed(s, p, now);
  }
}

function schedule(s: AccrueState, p: AccruePayment, next: { at: number; step: Step }): void {
  p.next = next;
  armPayment(s, p.id, next.at);
}

function succeed(s: AccrueState, p: AccruePayment, at: number): void {
  p.status = 'succeeded';
  p.succeededMs = at;
  paymentEvent(s, p, 'payment.succeeded');
  schedule(
    s,
    p,
    p.rail === 'bank' && p.customerKey === 'bank_transfer_returned'
      ? { at: at + ACCRUE_TRANSFER_RETURN_MS, step: 'return_transfer' }
      : { at: at + ACCRUE_SETTLEMENT_DELAY_MS, step: 'settle' },
  );
}

/** Cancels an authorized payment and releases its hold. */
export function cancelPayment(s: AccrueState, p: AccruePayment): void {
  advancePayment(s, p.id);
  if (!CAPTURABLE.includes(p.status)) {
    throw invalidState(
      `Payment ${p.id} is ${p.status}; only a payment in authorized or requires_capture can be canceled.`,
    );
  }
  release(s, p, s.now(), false);
}

function release(s: AccrueState, p: AccruePayment, at: number, expired: boolean): void {
  s.payments.set(p.id, p);
  p.status = 'canceled';
  p.canceledMs = at;
  p.next = null;
  if (expired) {
    p.failureCode = 'authorization_expired';
    p.failureMessage = `The authorization was not captured within ${ACCRUE_AUTHORIZATION_TTL_MS / 86_400_000} days and expired.`;
  }
  s.core.ledger.record(paymentSubject(p), {
    kind: 'void',
    amount: p.amount,
    detail: expired ? 'authorization expired' : 'canceled',
  });
  releaseToWallet(s, p, p.amount);
  paymentEvent(s, p, 'payment.canceled');
}

function fail(
  s: AccrueState,
  p: AccruePayment,
  at: number,
  code: 'transfer_failed' | 'transfer_returned',
): void {
  p.status = 'failed';
  p.failedMs = at;
  p.failureCode = code;
  p.failureMessage =
    code === 'transfer_failed'
      ? 'The bank transfer failed while processing.'
      : 'The bank transfer was returned by the customer’s bank.';
  s.core.ledger.record(paymentSubject(p), { kind: code, amount: p.amountCaptured, detail: code });
  paymentEvent(s, p, 'payment.failed');
}

/** Applies every step of the payment's clock that is due (each at its own time), by id; a step already applied is not applied again. */
export function advancePayment(s: AccrueState, id: string): void {
  const p = s.payments.peek(id);
  if (!p) return;
  while (p.next && p.next.at <= s.now()) {
    s.payments.set(p.id, p);
    const { at, step } = p.next;
    p.next = null;
    if (step === 'expire_authorization' && CAPTURABLE.includes(p.status)) {
      release(s, p, at, true);
    } else if (step === 'succeed' && p.status === 'processing') {
      succeed(s, p, at);
    } else if (step === 'fail_transfer' && p.status === 'processing') {
      fail(s, p, at, 'transfer_failed');
    } else if (step === 'return_transfer' && p.status === 'succeeded') {
      fail(s, p, at, 'transfer_returned');
    } else if (step === 'settle' && p.status === 'succeeded') {
      p.status = 'settled';
      p.settledMs = at;
      s.core.ledger.record(paymentSubject(p), {
        kind: 'settlement',
        amount: p.amountCaptured,
        detail: p.rail ?? undefined,
      });
      paymentEvent(s, p, 'payment.settled');
    }
  }
}
