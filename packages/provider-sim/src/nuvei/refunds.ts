import { refundOutcome } from '../cards.ts';
import { randomUpperAlphanumeric } from '../ids.ts';
import { checkLimits, nuveiAmountToMinor } from './amounts.ts';
import { verifiedAccount } from './checksum.ts';
import { sendDmn } from './dmn.ts';
import type { FailReason } from './payments.ts';
import { relatedAnswer, relatedTxn } from './related.ts';
import type { RefundInput } from './schemas.ts';
import { NuveiApiError, type NuveiOrder, type NuveiState, type NuveiTxn } from './state.ts';

/** The gateway's refusal of a refund asking more than the transaction has left. */
const EXCEEDS: FailReason = {
  status: 'DECLINED',
  gwErrorCode: -1,
  gwErrorReason: 'Credit Amount Exceed Total Charges',
};

/** The issuer's refusal of a refund of a payment made with the refund-failure test card (4000000000005126). */
const REFUND_DECLINED: FailReason = {
  status: 'DECLINED',
  gwErrorCode: -1,
  gwErrorReason: 'Refund Declined',
};

/** Refuses (1058) what cannot be refunded: only an approved, unvoided Sale or Settle can; an Auth is refunded through its Settle. */
function assertRefundable(txn: NuveiTxn): void {
  if (txn.type === 'Auth') {
    throw new NuveiApiError(
      1058,
      `Requested operation cannot be performed: transaction ${txn.transactionId} is an Auth; refund its Settle transaction`,
    );
  }
  if ((txn.type !== 'Sale' && txn.type !== 'Settle') || txn.status !== 'APPROVED' || txn.voided) {
    throw new NuveiApiError(
      1058,
      `Requested operation cannot be performed: transaction ${txn.transactionId} cannot be refunded`,
    );
  }
}

/**
 * refundTransaction: a Credit of an approved Sale or Settle, for at most what it has left (all
 * Credits together never exceed it). Approved: the money goes back (a `refund` entry). Asking more
 * than is left, or refunding a payment made with the refund-failure test card, is a DECLINED
 * Credit (a `decline` entry, nothing moved). Either way the Credit has a DMN.
 */
export function refund(s: NuveiState, input: RefundInput) {
  const account = verifiedAccount(s, 'refundTransaction', input);
  const { txn, order } = relatedTxn(s, input, account);
  assertRefundable(txn);
  checkLimits(input.amount, input.currency);
  const minor = nuveiAmountToMinor(input.amount, input.currency);
  if (minor <= 0) {
    throw new NuveiApiError(1040, 'Invalid or missing amount: a refund amount must be above 0');
  }
  const credit = s.newTxn(order, 'Credit', input.amount, minor, input.clientUniqueId ?? '');
  credit.relatedTransactionId = txn.transactionId;
  credit.card = txn.card;
  credit.userPaymentOptionId = txn.userPaymentOptionId;
  order.creditTxnIds = [...(order.creditTxnIds ?? []), credit.transactionId];
  const left = txn.amountMinor - (txn.refundedMinor ?? 0);
  const refused =
    minor > left
      ? EXCEEDS
      : txn.card && refundOutcome('nuvei', txn.card) === 'fails'
        ? REFUND_DECLINED
        : undefined;
  if (refused) declineCredit(s, order, credit, refused);
  else approveCredit(s, order, txn, credit);
  sendDmn(s, order, credit);
  return relatedAnswer(credit, account, input);
}

/** An approved Credit: the refunded amount is counted on the original and goes back to the customer. */
function approveCredit(s: NuveiState, order: NuveiOrder, original: NuveiTxn, credit: NuveiTxn) {
  credit.authCode = randomUpperAlphanumeric(6);
  original.refundedMinor = (original.refundedMinor ?? 0) + credit.amountMinor;
  s.record(order, credit, {
    kind: 'refund',
    amount: credit.amountMinor,
    detail: `refunds ${original.transactionId} (${original.type})`,
  });
}

/** A declined Credit: the gateway's reason on it, nothing moved. */
function declineCredit(s: NuveiState, order: NuveiOrder, credit: NuveiTxn, reason: FailReason) {
  credit.status = reason.status;
  credit.gwErrorCode = reason.gwErrorCode;
  credit.gwErrorReason = reason.gwErrorReason;
  s.record(order, credit, {
    kind: 'decline',
    amount: credit.amountMinor,
    detail: `refund of ${credit.relatedTransactionId}: ${reason.gwErrorReason}`,
  });
}
