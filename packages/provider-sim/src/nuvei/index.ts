import type { Router } from 'express';
import type { SimCore } from '../core.ts';
import type { CardInput, HostedProvider, HostedResult, HostedSession } from '../hosted-types.ts';
import { decideChallenge, hostedSession, submitCard } from './hosted.ts';
import { nuveiRouter } from './routes.ts';
import { NuveiState } from './state.ts';

export { nuveiAmountToMinor, nuveiTimestamp } from './amounts.ts';

/** The Nuvei-like provider: state, HTTP routes and the hosted-page hooks. */
export class NuveiProvider implements HostedProvider {
  private readonly state: NuveiState;

  constructor(core: SimCore) {
    this.state = new NuveiState(core);
  }

  setBaseUrl(url: string): void {
    this.state.baseUrl = url;
  }

  session(token: string): HostedSession | undefined {
    return hostedSession(this.state, token);
  }

  submitCard(token: string, card: CardInput): HostedResult {
    return submitCard(this.state, token, card);
  }

  decideChallenge(token: string, approve: boolean): HostedResult {
    return decideChallenge(this.state, token, approve);
  }

  router(): Router {
    return nuveiRouter(this.state);
  }
}
