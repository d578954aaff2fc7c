import {
  type ClientTransactionSessionStatus,
  TERMINAL_SESSION_STATUSES,
  TERMINAL_TRANSACTION_STATUSES,
  type TransactionStatus,
} from '@accrupay/contracts';
import type { ProviderState, ProviderStatus } from '../providers/types.ts';
import type { SessionRow, TransactionRow } from '../store/store.ts';

/**
 * What each provider state means for the session and its transaction. A null session status
 * leaves the session where it is (the customer is still at it).
 */
export const PROVIDER_STATE_OUTCOME: Record<
  ProviderState,
  { session: ClientTransactionSessionStatus | null; transaction: TransactionStatus }
> = {
  awaiting_customer: { session: null, transaction: 'PENDING' },
  processing: { session: null, transaction: 'STARTED' },
  succeeded: { session: 'COMPLETED', transaction: 'SUCCEEDED' },
  declined: { session: 'DECLINED', transaction: 'DECLINED' },
  failed: { session: 'DECLINED', transaction: 'FAILED' },
  error: { session: 'ERROR', transaction: 'ERROR' },
  canceled: { session: 'CANCELED', transaction: 'CANCELED' },
  expired: { session: 'EXPIRED', transaction: 'EXPIRED' },
  unknown: { session: 'UNKNOWN', transaction: 'UNKNOWN' },
};

/**
 * What a provider status means for this session: as the table says, except that a decline or
 * failed authentication in a customer's session the provider keeps open (Nuvei) leaves the
 * session live, so that a later card in the same form can still pay it and a new session for the
 * same code waits until the provider's token expires.
 */
export function outcomeOf(
  session: Pick<SessionRow, 'kind'>,
  status: Pick<ProviderStatus, 'state' | 'sessionOpen'>,
): { session: ClientTransactionSessionStatus | null; transaction: TransactionStatus } {
  const outcome = PROVIDER_STATE_OUTCOME[status.state];
  if (status.sessionOpen && session.kind === 'CLIENT') return { ...outcome, session: null };
  return outcome;
}

/** Whether nothing more can happen to a session's transaction: it, or its session, has ended. */
export function isFinal(
  session: Pick<SessionRow, 'status'>,
  transaction: Pick<TransactionRow, 'status'>,
): boolean {
  return isTerminalSession(session.status) || isTerminalTransaction(transaction.status);
}

export function isTerminalSession(status: ClientTransactionSessionStatus): boolean {
  return (TERMINAL_SESSION_STATUSES as readonly string[]).includes(status);
}

export function isTerminalTransaction(status: TransactionStatus): boolean {
  return (TERMINAL_TRANSACTION_STATUSES as readonly string[]).includes(status);
}
