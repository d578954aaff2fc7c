import type { Provider } from './provider.ts';
/** What the simulated issuer does with a card. */
export type CardOutcome =
  | 'success'
  | 'generic_decline'
  | 'insufficient_funds'
  | 'lost_card'
  | 'stolen_card'
  | 'expired_card'
  | 'incorrect_cvc'
  | 'processing_error'
  | 'challenge_3ds'
  | 'attach_ok_charge_declines';

/**
 * What a refund of a payment made with a card does, when it is not simply done at once:
 * `pending` (Stripe: `pending`, `succeeded` after `ttl.stripe.refundMs`), `fails` (Stripe:
 * `succeeded`, then `failed` after `ttl.stripe.refundMs`, as Stripe's asynchronous failure;
 * Nuvei: the Credit is `DECLINED` at once).
 */
export type RefundOutcome = 'pending' | 'fails';

/** A published test card and the outcome the simulator gives it. */
export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex';
  outcome: CardOutcome;
  description: string;
  /** What a refund of a payment made with this card does; absent: the refund succeeds at once. */
  refund?: RefundOutcome;
}

/** Stripe's published test card numbers, as the Stripe-like provider treats them. */
export const STRIPE_TEST_CARDS: readonly TestCard[] = [
  { number: '4242424242424242', brand: 'visa', outcome: 'success', description: 'Succeeds' },
  {
    number: '5555555555554444',
    brand: 'mastercard',
    outcome: 'success',
    description: 'Succeeds (Mastercard)',
  },
  {
    number: '4000000000000002',
    brand: 'visa',
    outcome: 'generic_decline',
    description: 'card_declined / generic_decline',
  },
  {
    number: '4000000000009995',
    brand: 'visa',
    outcome: 'insufficient_funds',
    description: 'card_declined / insufficient_funds',
  },
  {
    number: '4000000000009987',
    brand: 'visa',
    outcome: 'lost_card',
    description: 'card_declined / lost_card',
  },
  {
    number: '4000000000009979',
    brand: 'visa',
    outcome: 'stolen_card',
    description: 'card_declined / stolen_card',
  },
  {
    number: '4000000000000069',
    brand: 'visa',
    outcome: 'expired_card',
    description: 'expired_card',
  },
  {
    number: '4000000000000127',
    brand: 'visa',
    outcome: 'incorrect_cvc',
    description: 'incorrect_cvc',
  },
  {
    number: '4000000000000119',
    brand: 'visa',
    outcome: 'processing_error',
    description: 'processing_error',
  },
  {
    number: '4000000000003220',
    brand: 'visa',
    outcome: 'challenge_3ds',
    description: '3-D Secure 2 challenge (requires_action; approve or deny on the hosted page)',
  },
  {
    number: '4000000000000341',
    brand: 'visa',
    outcome: 'attach_ok_charge_declines',
    description: 'Attaching to a customer succeeds, every charge declines (card_declined)',
  },
  {
    number: '4000000000007726',
    brand: 'visa',
    outcome: 'success',
    refund: 'pending',
    description:
      'Succeeds; a refund starts pending and succeeds after ttl.stripe.refundMs (1 h) of clock time',
  },
  {
    number: '4000000000005126',
    brand: 'visa',
    outcome: 'success',
    refund: 'fails',
    description:
      'Succeeds; a refund starts succeeded and fails asynchronously after ttl.stripe.refundMs (1 h): failure_reason expired_or_canceled_card',
  },
];

/** Nuvei's published test numbers where they exist, Stripe's numbers for the outcomes Nuvei triggers by other means. */
export const NUVEI_TEST_CARDS: readonly TestCard[] = [
  {
    number: '4761344136141390',
    brand: 'visa',
    outcome: 'success',
    description: 'APPROVED (Nuvei Visa test card)',
  },
  {
    number: '5101081046006034',
    brand: 'mastercard',
    outcome: 'success',
    description: 'APPROVED (Nuvei Mastercard test card)',
  },
  {
    number: '4000020951595032',
    brand: 'visa',
    outcome: 'success',
    description: 'APPROVED, 3-D Secure frictionless (Nuvei test card)',
  },
  {
    number: '4000027891380961',
    brand: 'visa',
    outcome: 'challenge_3ds',
    description:
      'REDIRECT: 3-D Secure challenge (Nuvei test card); approve or deny on the hosted page',
  },
  {
    number: '4000000000005126',
    brand: 'visa',
    outcome: 'success',
    refund: 'fails',
    description: 'APPROVED; a refundTransaction of it is DECLINED ("Refund Declined")',
  },
  ...STRIPE_TEST_CARDS.filter((c) => c.outcome !== 'success' && c.outcome !== 'challenge_3ds'),
];

/** Each provider's test cards (served at `GET /__sim/cards`); Accrue Pay issues a virtual card per payment instead. */
export const TEST_CARDS = {
  stripe: STRIPE_TEST_CARDS,
  nuvei: NUVEI_TEST_CARDS,
  accrue: [],
} satisfies Record<Provider, readonly TestCard[]>;

/** Tells whether a card number passes the Luhn check. */
export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  let double = false;
  for (let i = number.length - 1; i >= 0; i--) {
    let d = Number(number[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function cardBrand(number: string): TestCard['brand'] {
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  return 'visa';
}

/** Outcome for a card number on a provider; a Luhn-valid number not in the table succeeds. */
export function cardOutcome(provider: Provider, number: string): CardOutcome {
  return TEST_CARDS[provider].find((c) => c.number === number)?.outcome ?? 'success';
}

/**
 * What a refund of a payment made with a card does (undefined: it succeeds at once). Nuvei keeps
 * only a card's first six and last four digits, so a card is matched on those.
 */
export function refundOutcome(
  provider: Provider,
  card: string | { bin: string; last4: string },
): RefundOutcome | undefined {
  const matches = (n: string) =>
    typeof card === 'string' ? n === card : n.startsWith(card.bin) && n.endsWith(card.last4);
  return TEST_CARDS[provider].find((c) => c.refund && matches(c.number))?.refund;
}

export function normalizeCardNumber(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

/** One charge of a card at a simulated acquirer (the Stripe-like provider), as its issuer sees it. */
export interface IssuerCharge {
  number: string;
  /** Minor units. */
  amount: number;
  currency: string;
  acquirer: Provider;
  /** The acquirer's reference of the charge (a PaymentIntent id). */
  reference: string;
}

/** An issuer's answer: approved (the charge is final on the issuer's side) or declined with an acquirer decline code. */
export type IssuerDecision =
  | { approved: true }
  | { approved: false; declineCode: string; message: string };

/** A simulated issuer of card numbers (Accrue Pay's virtual cards); it answers only for the numbers it issued. */
export interface CardIssuer {
  /** The decision on a charge of a number this issuer issued, undefined for any other number. */
  charge(charge: IssuerCharge): IssuerDecision | undefined;
}

/** The issuers an acquirer consults before its test-card table; one per simulator (on the core). */
export class CardIssuers {
  private readonly issuers: CardIssuer[] = [];

  register(issuer: CardIssuer): void {
    this.issuers.push(issuer);
  }

  /** The decision of the issuer of `charge.number`, undefined when no simulated issuer issued it. */
  charge(charge: IssuerCharge): IssuerDecision | undefined {
    for (const issuer of this.issuers) {
      const decision = issuer.charge(charge);
      if (decision) return decision;
    }
    return undefined;
  }
}
