import type { Router } from 'express';
import type { SimCore } from '../core.ts';
import type { HostedProvider } from '../hosted-types.ts';
import type { SimProvider } from '../provider.ts';
import { decideChallenge, hostedSession, submitCard } from './hosted.ts';
import { nuveiRouter } from './routes.ts';
import { NuveiState } from './state.ts';

export { nuveiAmountToMinor, nuveiTimestamp } from './amounts.ts';

/** The Nuvei-like provider: its state, the REST API under `/nuvei/ppp/api/v1` and the hosted-page hooks. */
export class NuveiProvider implements SimProvider {
  readonly name = 'nuvei';
  readonly apiPath = '/nuvei/ppp/api/v1';
  readonly hosted: HostedProvider;
  private readonly state: NuveiState;

  constructor(core: SimCore) {
    const s = new NuveiState(core);
    this.state = s;
    this.hosted = {
      session: (token) => hostedSession(s, token),
      submitCard: (token, card) => submitCard(s, token, card),
      decideChallenge: (token, approve) => decideChallenge(s, token, approve),
    };
  }

  router(): Router {
    return nuveiRouter(this.state);
  }

  setBaseUrl(url: string): void {
    this.state.baseUrl = url;
  }

  reset(): void {
    this.state.clearIndexes();
  }
}
