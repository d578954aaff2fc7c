import { dmnTimestamp } from './amounts.ts';
import { envelope, verifiedAccount } from './checksum.ts';
import type { DetailsInput } from './schemas.ts';
import { NuveiApiError, type NuveiOrder, type NuveiState } from './state.ts';

/** getTransactionDetails: one transaction by its id or by the clientUniqueId its request carried (the latest such). */
export function getTransactionDetails(s: NuveiState, input: DetailsInput) {
  const account = verifiedAccount(s, 'getTransactionDetails', input);
  let txn = input.transactionId ? s.txns.peek(input.transactionId) : undefined;
  if (!input.transactionId && input.clientUniqueId) {
    txn = s.txnByClientUniqueId(account.id, input.clientUniqueId);
  }
  if (
    !txn ||
    txn.accountId !== account.id ||
    (input.transactionId && input.clientUniqueId && txn.clientUniqueId !== input.clientUniqueId)
  ) {
    throw new NuveiApiError(
      1140,
      input.transactionId
        ? `Transaction not found: no transaction ${input.transactionId}`
        : `Transaction not found: no transaction with clientUniqueId ${input.clientUniqueId}`,
    );
  }
  const order = s.orders.peek(txn.orderId) as NuveiOrder;
  return {
    transactionDetails: {
      transactionId: txn.transactionId,
      transactionType: txn.type,
      transactionStatus: s.reportedStatus(order, txn.status),
      amount: txn.amount,
      currency: txn.currency,
      relatedTransactionId: txn.relatedTransactionId,
      clientUniqueId: txn.clientUniqueId,
      orderId: txn.orderId,
      authCode: txn.authCode,
      date: dmnTimestamp(txn.createdMs),
      gwErrorCode: txn.gwErrorCode,
      gwErrorReason: txn.gwErrorReason,
      userPaymentOptionId: txn.userPaymentOptionId,
      isVoided: txn.voided,
      isSettled: txn.settled,
    },
    ...envelope(account, input.clientRequestId),
  };
}
