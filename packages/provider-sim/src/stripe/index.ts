import type { SimCore } from '../core.ts';
import type { CardInput, HostedProvider, HostedResult, HostedSession } from '../hosted-types.ts';
import type { SimProvider } from '../provider.ts';
import { decideChallenge, hostedSession, submitCard } from './hosted.ts';
import { armExpiry } from './payment-intents.ts';
import { armRefundChange } from './refunds.ts';
import { stripeRouter } from './routes.ts';
import { ACTIVE_EXPIRABLE, StripeState } from './state.ts';

export { STRIPE_TEST_PAYMENT_METHODS } from './payment-methods.ts';

/** The Stripe-like provider: its state, HTTP routes and hosted-page hooks, as the simulator mounts it. */
export class StripeProvider implements HostedProvider, SimProvider {
  readonly name = 'stripe';
  readonly apiPath = '/stripe/v1';
  readonly hosted: HostedProvider = this;
  private readonly s: StripeState;

  constructor(core: SimCore) {
    const s = new StripeState(core);
    this.s = s;
    core.onLoad(() => {
      const ttl = core.options.ttl.stripe;
      for (const pi of s.intents.values()) {
        s.bySecret.set(pi.client_secret, { kind: 'pi', id: pi.id });
        if (ACTIVE_EXPIRABLE.includes(pi.status))
          armExpiry(s, pi.id, pi.createdMs + ttl.paymentIntentMs);
        if (pi.status === 'requires_capture' && pi.authorizedAtMs !== null) {
          armExpiry(s, pi.id, pi.authorizedAtMs + ttl.authorizationMs);
        }
      }
      for (const si of s.setupIntents.values()) {
        s.bySecret.set(si.client_secret, { kind: 'si', id: si.id });
      }
      for (const refund of s.refunds.values()) {
        if (refund.changesAtMs !== null) armRefundChange(s, refund.id, refund.changesAtMs);
      }
    });
  }

  router() {
    return stripeRouter(this.s);
  }

  setBaseUrl(url: string): void {
    this.s.baseUrl = url;
  }

  reset(): void {
    this.s.bySecret.clear();
  }

  session(token: string): HostedSession | undefined {
    return hostedSession(this.s, token);
  }

  submitCard(token: string, card: CardInput): HostedResult {
    return submitCard(this.s, token, card);
  }

  decideChallenge(token: string, approve: boolean): HostedResult {
    return decideChallenge(this.s, token, approve);
  }
}
