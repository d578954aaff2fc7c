import {
  type CardIssuer,
  type IssuerCharge,
  type IssuerDecision,
  luhnValid,
  NUVEI_TEST_CARDS,
  STRIPE_TEST_CARDS,
} from '../cards.ts';
import { randomString, uuid } from '../ids.ts';
import { accrueCustomer } from './customers.ts';
import { AccrueApiError } from './errors.ts';
import { advancePayment, capturePayment } from './lifecycle.ts';
import type { AccruePayment, AccrueState, VirtualCard } from './state.ts';

/** The Mastercard-range BIN of every virtual card the simulated Accrue Pay issues. */
export const ACCRUE_VIRTUAL_CARD_BIN = '532610';

/** The Stripe-style decline codes a virtual card answers with at a card acquirer. */
export const ACCRUE_CARD_DECLINES = {
  /** The charge's amount or currency is not exactly the payment's authorized amount and currency. */
  wrongAmount: 'invalid_amount',
  /** The single-use card was already used. */
  alreadyUsed: 'card_velocity_exceeded',
  /** The payment is no longer waiting for its capture (canceled, expired, captured through the API). */
  closed: 'invalid_account',
} as const;

const PUBLISHED = new Set([...STRIPE_TEST_CARDS, ...NUVEI_TEST_CARDS].map((c) => c.number));

function luhnCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${partial}${d}`)) return String(d);
  throw new Error('unreachable: one Luhn check digit always fits');
}

function newCardNumber(s: AccrueState): string {
  for (;;) {
    const partial = ACCRUE_VIRTUAL_CARD_BIN + randomString(9, '0123456789');
    const number = partial + luhnCheckDigit(partial);
    if (!s.cardByNumber.has(number) && !PUBLISHED.has(number)) return number;
  }
}

function issueCard(s: AccrueState, p: AccruePayment): VirtualCard {
  const intent = s.intents.peek(p.intentId);
  const profile = accrueCustomer(intent?.customerPhone ?? '+15550100000');
  const now = new Date(s.now());
  const card: VirtualCard = {
    id: uuid(),
    accountId: p.accountId,
    paymentId: p.id,
    number: newCardNumber(s),
    expirationMonth: String(now.getUTCMonth() + 1),
    expirationYear: String(now.getUTCFullYear() + 3),
    cvc: randomString(3, '0123456789'),
    billingAddress: { ...profile.billingAddress },
    usedMs: null,
    usedBy: null,
  };
  s.cards.set(card.id, card);
  s.indexCard(card);
  return card;
}

/**
 * The payment's virtual debit card (issued on the first call, the same one afterwards); only a
 * manual-capture payment in `requires_capture` whose card is unused has one, else 422 `card_unavailable`.
 */
export function paymentCard(s: AccrueState, p: AccruePayment): VirtualCard {
  advancePayment(s, p.id);
  const unavailable = (why: string) => new AccrueApiError(422, 'card_unavailable', why);
  if (p.captureMethod === 'automatic') {
    throw unavailable(
      `Payment ${p.id} uses automatic capture; a virtual card is issued only for a payment authorized with capture_method manual, while it is in requires_capture.`,
    );
  }
  const cardId = s.cardByPayment.get(p.id);
  const existing = cardId ? s.cards.peek(cardId) : undefined;
  if (existing?.usedMs != null) {
    throw unavailable(
      `The virtual card of payment ${p.id} was already used (charge ${existing.usedBy}); it is single-use.`,
    );
  }
  if (p.status !== 'requires_capture') {
    const why =
      p.status === 'canceled'
        ? `is canceled${p.failureCode === 'authorization_expired' ? ' (its authorization expired)' : ''}`
        : `is ${p.status}: it was already captured`;
    throw unavailable(
      `Payment ${p.id} ${why}; a virtual card is available only while the payment is in requires_capture.`,
    );
  }
  return existing ?? issueCard(s, p);
}

/** Accrue Pay as the issuer of its virtual cards: one charge of exactly the authorized amount and currency, once. */
export function virtualCardIssuer(s: AccrueState): CardIssuer {
  return {
    charge(charge: IssuerCharge): IssuerDecision | undefined {
      const cardId = s.cardByNumber.get(charge.number);
      const card = cardId ? s.cards.get(cardId) : undefined;
      if (!card) return undefined;
      const decline = (declineCode: string): IssuerDecision => ({
        approved: false,
        declineCode,
        message: 'Your card was declined.',
      });
      if (card.usedMs !== null) return decline(ACCRUE_CARD_DECLINES.alreadyUsed);
      advancePayment(s, card.paymentId);
      const p = s.payments.get(card.paymentId);
      if (p?.status !== 'requires_capture') return decline(ACCRUE_CARD_DECLINES.closed);
      if (charge.amount !== p.amount || charge.currency.toUpperCase() !== p.currency) {
        return decline(ACCRUE_CARD_DECLINES.wrongAmount);
      }
      card.usedMs = s.now();
      card.usedBy = charge.reference;
      capturePayment(s, p, undefined, 'card');
      return { approved: true };
    },
  };
}
