import { describe, expect, test } from 'vitest';
import {
  CLIENT_TRANSACTION_SESSION_STATUS,
  type ClientTransactionSessionStatus,
  TRANSACTION_STATUS,
  type TransactionStatus,
} from './enums.ts';
import {
  canTransitionSession,
  canTransitionTransaction,
  MERCHANT_NEXT_STEPS,
  merchantNextStep,
  SESSION_TRANSITIONS,
  sessionStatusesLeadingTo,
  TERMINAL_SESSION_STATUSES,
  TERMINAL_TRANSACTION_STATUSES,
  TRANSACTION_TRANSITIONS,
  transactionStatusesLeadingTo,
} from './state-machine.ts';

const sessionStatuses = Object.values(CLIENT_TRANSACTION_SESSION_STATUS);
const transactionStatuses = Object.values(TRANSACTION_STATUS);

describe('session state machine', () => {
  test('covers every status', () => {
    expect(Object.keys(SESSION_TRANSITIONS).sort()).toEqual([...sessionStatuses].sort());
  });

  test('terminal statuses stay terminal', () => {
    for (const from of TERMINAL_SESSION_STATUSES) {
      for (const to of sessionStatuses)
        expect(canTransitionSession(from, to), `${from}->${to}`).toBe(false);
    }
  });

  test('no status moves back to PENDING, and nothing moves to itself', () => {
    for (const from of sessionStatuses) {
      expect(canTransitionSession(from, 'PENDING')).toBe(false);
      expect(canTransitionSession(from, from)).toBe(false);
    }
  });

  test('every terminal status is reachable from PENDING and from ACTIVE', () => {
    for (const to of TERMINAL_SESSION_STATUSES) {
      expect(canTransitionSession('PENDING', to)).toBe(true);
      expect(canTransitionSession('ACTIVE', to)).toBe(true);
    }
    expect(canTransitionSession('ACTIVE', 'PENDING')).toBe(false);
  });

  test('gives the compare-and-set source statuses', () => {
    expect(sessionStatusesLeadingTo('COMPLETED').sort()).toEqual(['ACTIVE', 'PENDING', 'UNKNOWN']);
    expect(sessionStatusesLeadingTo('ACTIVE')).toEqual(['PENDING']);
    expect(sessionStatusesLeadingTo('PENDING')).toEqual([]);
  });
});

describe('transaction state machine', () => {
  test('covers every status and keeps terminal statuses terminal', () => {
    expect(Object.keys(TRANSACTION_TRANSITIONS).sort()).toEqual([...transactionStatuses].sort());
    for (const from of TERMINAL_TRANSACTION_STATUSES) {
      for (const to of transactionStatuses) expect(canTransitionTransaction(from, to)).toBe(false);
    }
  });

  test('SUCCEEDED is reached from PENDING, STARTED, UNKNOWN, or a decline in a session still open', () => {
    expect(transactionStatusesLeadingTo('SUCCEEDED').sort()).toEqual([
      'DECLINED',
      'FAILED',
      'PENDING',
      'STARTED',
      'UNKNOWN',
    ]);
  });

  test('nothing leaves SUCCEEDED, ERROR, CANCELED or EXPIRED; DECLINED never becomes CANCELED or EXPIRED', () => {
    expect([...TERMINAL_TRANSACTION_STATUSES].sort()).toEqual([
      'CANCELED',
      'ERROR',
      'EXPIRED',
      'SUCCEEDED',
    ]);
    for (const from of ['DECLINED', 'FAILED'] as const) {
      expect(canTransitionTransaction(from, 'CANCELED')).toBe(false);
      expect(canTransitionTransaction(from, 'EXPIRED')).toBe(false);
      expect(canTransitionTransaction(from, 'PENDING')).toBe(false);
    }
  });
});

describe('what the merchant should do', () => {
  test('only COMPLETED with SUCCEEDED says fulfil', () => {
    for (const s of sessionStatuses) {
      for (const t of transactionStatuses) {
        const step = merchantNextStep(s as ClientTransactionSessionStatus, t as TransactionStatus);
        expect(step === 'FULFIL', `${s}/${t}`).toBe(s === 'COMPLETED' && t === 'SUCCEEDED');
      }
    }
  });

  test('has one row per pair, each with an explanation', () => {
    const pairs = MERCHANT_NEXT_STEPS.map((row) => `${row.sessionStatus}/${row.transactionStatus}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    for (const row of MERCHANT_NEXT_STEPS) expect(row.explanation.length).toBeGreaterThan(20);
  });

  test('covers the pairs the documents name', () => {
    expect(merchantNextStep('COMPLETED', 'DECLINED')).toBe('RETRY_WITH_NEW_SESSION');
    expect(merchantNextStep('DECLINED', 'FAILED')).toBe('RETRY_WITH_NEW_SESSION');
    expect(merchantNextStep('EXPIRED', 'EXPIRED')).toBe('RETRY_WITH_NEW_SESSION');
    expect(merchantNextStep('UNKNOWN', 'UNKNOWN')).toBe('RECONCILE');
    expect(merchantNextStep('ACTIVE', 'STARTED')).toBe('WAIT');
    expect(merchantNextStep('CANCELED', 'SUCCEEDED')).toBe('DO_NOT_FULFIL');
  });
});
