import type { HostedPageProvider, HostedResultMessage } from '@accrupay/contracts';
import type { SessionKeys } from './scenarios.ts';

/** Card data typed into the hosted page. */
export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  name?: string | undefined;
}

/** Where a hosted session stands, as the hosted page sees it. */
export interface HostedSession {
  provider: HostedPageProvider;
  token: string;
  accountId: string;
  kind: 'payment' | 'setup';
  amount: number | undefined;
  currency: string | undefined;
  open: boolean;
  awaitingChallenge: boolean;
  expired: boolean;
  keys: SessionKeys;
}

/** The outcome the hosted page reports to its parent. */
export interface HostedResult {
  /** The contract's outcomes, plus `requires_action`, which never leaves the page. */
  status: HostedResultMessage['status'] | 'requires_action';
  providerStatus: string;
  providerRef: string;
  error?: { code: string; message: string } | undefined;
}

export interface HostedProvider {
  session(token: string): HostedSession | undefined;
  submitCard(token: string, card: CardInput): HostedResult;
  decideChallenge(token: string, approve: boolean): HostedResult;
}
