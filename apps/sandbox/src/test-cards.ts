import { type CardOutcome, NUVEI_TEST_CARDS, STRIPE_TEST_CARDS } from '@accrupay/provider-sim';

/** The number of the simulator's published test card for a provider and outcome (the first one). */
export function testCard(provider: 'STRIPE' | 'NUVEI', outcome: CardOutcome): string {
  const cards = provider === 'STRIPE' ? STRIPE_TEST_CARDS : NUVEI_TEST_CARDS;
  const card = cards.find((candidate) => candidate.outcome === outcome);
  if (!card) throw new Error(`the simulator publishes no ${provider} test card for ${outcome}`);
  return card.number;
}

/** A card each provider's simulator approves. */
export const GOOD_CARDS = {
  STRIPE: testCard('STRIPE', 'success'),
  NUVEI: testCard('NUVEI', 'success'),
} as const;
