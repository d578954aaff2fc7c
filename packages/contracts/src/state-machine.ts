import {
  type ClientTransactionSessionStatus,
  CLIENT_TRANSACTION_SESSION_STATUS as S,
  TRANSACTION_STATUS as T,
  type TransactionStatus,
} from './enums.ts';

/**
 * The session state machine: for each status, the statuses it may move to. A session starts
 * PENDING; ACTIVE when the customer opens the checkout; UNKNOWN when the provider reports a state
 * that cannot be mapped, from which a later verify may still resolve it. The rest are terminal.
 */
export const SESSION_TRANSITIONS = {
  PENDING: [S.ACTIVE, S.COMPLETED, S.CANCELED, S.DECLINED, S.EXPIRED, S.ERROR, S.UNKNOWN],
  ACTIVE: [S.COMPLETED, S.CANCELED, S.DECLINED, S.EXPIRED, S.ERROR, S.UNKNOWN],
  UNKNOWN: [S.COMPLETED, S.CANCELED, S.DECLINED, S.EXPIRED, S.ERROR],
  COMPLETED: [],
  CANCELED: [],
  DECLINED: [],
  EXPIRED: [],
  ERROR: [],
} as const satisfies Record<
  ClientTransactionSessionStatus,
  readonly ClientTransactionSessionStatus[]
>;

/** Session statuses no transition leaves. */
export const TERMINAL_SESSION_STATUSES = [
  S.COMPLETED,
  S.CANCELED,
  S.DECLINED,
  S.EXPIRED,
  S.ERROR,
] as const satisfies readonly ClientTransactionSessionStatus[];

/**
 * The transaction state machine. PENDING before the provider has the payment, STARTED while it
 * processes (3-D Secure, processing); UNKNOWN may still resolve. DECLINED and FAILED may move on
 * while the session stays open: a provider whose session takes another card after a decline
 * (Nuvei) can still approve a later attempt in the same session, and verify reports what the
 * provider did last. The rest are terminal.
 */
export const TRANSACTION_TRANSITIONS = {
  PENDING: [
    T.STARTED,
    T.SUCCEEDED,
    T.DECLINED,
    T.FAILED,
    T.ERROR,
    T.CANCELED,
    T.EXPIRED,
    T.UNKNOWN,
  ],
  STARTED: [T.SUCCEEDED, T.DECLINED, T.FAILED, T.ERROR, T.CANCELED, T.EXPIRED, T.UNKNOWN],
  UNKNOWN: [T.SUCCEEDED, T.DECLINED, T.FAILED, T.ERROR, T.CANCELED, T.EXPIRED],
  DECLINED: [T.STARTED, T.SUCCEEDED, T.FAILED, T.ERROR, T.UNKNOWN],
  FAILED: [T.STARTED, T.SUCCEEDED, T.DECLINED, T.ERROR, T.UNKNOWN],
  SUCCEEDED: [],
  ERROR: [],
  CANCELED: [],
  EXPIRED: [],
} as const satisfies Record<TransactionStatus, readonly TransactionStatus[]>;

/**
 * The one move out of a terminal status: a REFUND the provider reported SUCCEEDED and later
 * failed (Stripe's `refund.failed`: the money came back to the merchant). The refund becomes
 * FAILED and no longer counts in its payment's refunded amount; nothing else ever leaves SUCCEEDED.
 */
export const REFUND_REVERSAL = { action: 'REFUND', from: T.SUCCEEDED, to: T.FAILED } as const;

/** Transaction statuses no transition leaves. */
export const TERMINAL_TRANSACTION_STATUSES = [
  T.SUCCEEDED,
  T.ERROR,
  T.CANCELED,
  T.EXPIRED,
] as const satisfies readonly TransactionStatus[];

/** Whether a session may move from one status to another. Staying put is not a transition. */
export function canTransitionSession(
  from: ClientTransactionSessionStatus,
  to: ClientTransactionSessionStatus,
): boolean {
  return (SESSION_TRANSITIONS[from] as readonly ClientTransactionSessionStatus[]).includes(to);
}

/** Whether a transaction may move from one status to another. */
export function canTransitionTransaction(from: TransactionStatus, to: TransactionStatus): boolean {
  return (TRANSACTION_TRANSITIONS[from] as readonly TransactionStatus[]).includes(to);
}

/** The statuses a session may be in when it moves to `to`: the `WHERE status IN (...)` of a compare-and-set. */
export function sessionStatusesLeadingTo(
  to: ClientTransactionSessionStatus,
): ClientTransactionSessionStatus[] {
  return (Object.keys(SESSION_TRANSITIONS) as ClientTransactionSessionStatus[]).filter((from) =>
    canTransitionSession(from, to),
  );
}

/** The statuses a transaction may be in when it moves to `to`. */
export function transactionStatusesLeadingTo(to: TransactionStatus): TransactionStatus[] {
  return (Object.keys(TRANSACTION_TRANSITIONS) as TransactionStatus[]).filter((from) =>
    canTransitionTransaction(from, to),
  );
}

/** What the merchant should do after verify(). Only FULFIL means money moved. */
export const MERCHANT_NEXT_STEP = {
  FULFIL: 'FULFIL',
  WAIT: 'WAIT',
  RETRY_WITH_NEW_SESSION: 'RETRY_WITH_NEW_SESSION',
  DO_NOT_FULFIL: 'DO_NOT_FULFIL',
  RECONCILE: 'RECONCILE',
} as const;
/** A merchant next step. */
export type MerchantNextStep = (typeof MERCHANT_NEXT_STEP)[keyof typeof MERCHANT_NEXT_STEP];

/** One row of the table of what a merchant should do for a session and transaction status. */
export interface MerchantNextStepRow {
  sessionStatus: ClientTransactionSessionStatus;
  transactionStatus: TransactionStatus;
  nextStep: MerchantNextStep;
  explanation: string;
}

/** WAIT rows for a session still open (PENDING or ACTIVE) with each of the transaction statuses. */
function waitWhileOpen(
  transactionStatuses: TransactionStatus[],
  explanation: string,
): MerchantNextStepRow[] {
  return [S.PENDING, S.ACTIVE].flatMap((sessionStatus) =>
    transactionStatuses.map((transactionStatus) => ({
      sessionStatus,
      transactionStatus,
      nextStep: MERCHANT_NEXT_STEP.WAIT,
      explanation,
    })),
  );
}

/**
 * What to do for each session and transaction status pair verify() can return (documents 001
 * and 002). A pair not listed is not a state the router produces; treat it as DO_NOT_FULFIL.
 */
export const MERCHANT_NEXT_STEPS: readonly MerchantNextStepRow[] = [
  {
    sessionStatus: S.COMPLETED,
    transactionStatus: T.SUCCEEDED,
    nextStep: 'FULFIL',
    explanation: 'The provider accepted the operation and money moved (or the card was stored).',
  },
  ...waitWhileOpen(
    [T.PENDING, T.STARTED],
    'The customer has not finished (or 3-D Secure is in progress): keep the order pending and verify again later.',
  ),
  ...waitWhileOpen(
    [T.DECLINED, T.FAILED],
    "The last card was declined (or its 3-D Secure failed), but the provider keeps this session open: the customer may try another card in the same form until tokenExpiresAt. Do not fulfil; verify again after the customer's next attempt.",
  ),
  ...[T.DECLINED, T.FAILED].map((transactionStatus) => ({
    sessionStatus: S.EXPIRED,
    transactionStatus,
    nextStep: MERCHANT_NEXT_STEP.RETRY_WITH_NEW_SESSION,
    explanation:
      "The customer's last card was declined and the provider's token has since expired: nothing was charged; start a new session.",
  })),
  ...[T.DECLINED, T.FAILED].map((transactionStatus) => ({
    sessionStatus: S.COMPLETED,
    transactionStatus,
    nextStep: MERCHANT_NEXT_STEP.RETRY_WITH_NEW_SESSION,
    explanation:
      'The provider finished the operation but rejected the payment: ask the customer for another card in a new session.',
  })),
  {
    sessionStatus: S.DECLINED,
    transactionStatus: T.DECLINED,
    nextStep: 'RETRY_WITH_NEW_SESSION',
    explanation:
      'The provider declined the card: ask the customer for another card in a new session.',
  },
  {
    sessionStatus: S.DECLINED,
    transactionStatus: T.FAILED,
    nextStep: 'RETRY_WITH_NEW_SESSION',
    explanation:
      'The customer failed authentication (3-D Secure denied): nothing was charged; a new session may succeed.',
  },
  {
    sessionStatus: S.EXPIRED,
    transactionStatus: T.EXPIRED,
    nextStep: 'RETRY_WITH_NEW_SESSION',
    explanation:
      "The provider's token expired before the customer finished: not an error; start a new session. Verifying again will not recover it.",
  },
  {
    sessionStatus: S.CANCELED,
    transactionStatus: T.CANCELED,
    nextStep: 'DO_NOT_FULFIL',
    explanation: 'The session was canceled before completion; nothing was charged.',
  },
  {
    sessionStatus: S.ERROR,
    transactionStatus: T.ERROR,
    nextStep: 'RETRY_WITH_NEW_SESSION',
    explanation:
      'The provider reported a processing error; nothing was charged. A new session may succeed.',
  },
  {
    sessionStatus: S.UNKNOWN,
    transactionStatus: T.UNKNOWN,
    nextStep: 'RECONCILE',
    explanation:
      'The provider reported a state AccruPay cannot map: neither fulfil nor charge again; verify later or reconcile with the provider.',
  },
];

/** The next step for a session and transaction status pair; DO_NOT_FULFIL for any pair not in the table. */
export function merchantNextStep(
  sessionStatus: ClientTransactionSessionStatus,
  transactionStatus: TransactionStatus,
): MerchantNextStep {
  return (
    MERCHANT_NEXT_STEPS.find(
      (row) => row.sessionStatus === sessionStatus && row.transactionStatus === transactionStatus,
    )?.nextStep ?? MERCHANT_NEXT_STEP.DO_NOT_FULFIL
  );
}
