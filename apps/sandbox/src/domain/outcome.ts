import {
  type ClientTransactionSessionStatus,
  TERMINAL_SESSION_STATUSES,
  TERMINAL_TRANSACTION_STATUSES,
  type TransactionStatus,
} from '@accrupay/contracts';
import type { ProviderState } from '../providers/types.ts';

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

export function isTerminalSession(status: string): boolean {
  return (TERMINAL_SESSION_STATUSES as readonly string[]).includes(status);
}

export function isTerminalTransaction(status: string): boolean {
  return (TERMINAL_TRANSACTION_STATUSES as readonly string[]).includes(status);
}

/** Session statuses that hold a merchantInternalTransactionCode: a new start with it must wait or conflict. */
export const LIVE_SESSION_STATUSES: readonly ClientTransactionSessionStatus[] = [
  'PENDING',
  'ACTIVE',
  'COMPLETED',
  'UNKNOWN',
];
