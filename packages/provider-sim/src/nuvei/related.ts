import type { MerchantAccount } from '../config.ts';
import { nuveiAmountToMinor } from './amounts.ts';
import { envelope, verifiedAccount } from './checksum.ts';
import { sendDmn } from './dmn.ts';
import type { RelatedInput } from './schemas.ts';
import { NuveiApiError, type NuveiOrder, type NuveiState, type NuveiTxn } from './state.ts';

/** The transaction a settle, void or refund names, of this account and in its currency (1140 and 1041 otherwise). */
export function relatedTxn(
  s: NuveiState,
  input: Pick<RelatedInput, 'relatedTransactionId' | 'currency'>,
  account: MerchantAccount,
): { txn: NuveiTxn; order: NuveiOrder } {
  const txn = s.txns.get(input.relatedTransactionId);
  const order = txn ? s.orders.get(txn.orderId) : undefined;
  if (!txn || !order || order.accountId !== account.id) {
    throw new NuveiApiError(
      1140,
      `Invalid relatedTransactionId: no transaction ${input.relatedTransactionId}`,
    );
  }
  if (input.currency !== txn.currency) {
    throw new NuveiApiError(
      1041,
      `Invalid or missing amount currency: the transaction currency is ${txn.currency}`,
    );
  }
  return { txn, order };
}

/** settleTransaction: captures an open approved Auth once, for at most its amount. */
export function settle(s: NuveiState, input: RelatedInput) {
  const account = verifiedAccount(s, 'settleTransaction', input);
  const { txn, order } = relatedTxn(s, input, account);
  if (txn.type === 'Auth' && txn.settled) {
    throw new NuveiApiError(
      1058,
      `Requested operation cannot be performed: transaction ${txn.transactionId} has already been settled`,
    );
  }
  if (txn.type !== 'Auth' || txn.status !== 'APPROVED' || txn.voided) {
    throw new NuveiApiError(
      1058,
      `Requested operation cannot be performed: transaction ${txn.transactionId} is not an open approved Auth`,
    );
  }
  const minor = nuveiAmountToMinor(input.amount, input.currency);
  if (minor <= 0 || minor > txn.amountMinor) {
    throw new NuveiApiError(
      1040,
      `Invalid or missing amount: settle amount must be between 0.01 and ${txn.amount}`,
    );
  }
  txn.settled = true;
  const settled = s.newTxn(order, 'Settle', input.amount, minor, input.clientUniqueId ?? '');
  settled.relatedTransactionId = txn.transactionId;
  settled.authCode = txn.authCode;
  settled.card = txn.card;
  settled.userPaymentOptionId = txn.userPaymentOptionId;
  s.record(order, settled, {
    kind: 'capture',
    amount: minor,
    detail: `settles ${txn.transactionId}`,
  });
  return concluded(s, order, settled, account, input);
}

/** voidTransaction: cancels an approved payment or an Auth not yet settled, once; nothing refunded (a refund is final). */
export function voidTxn(s: NuveiState, input: RelatedInput) {
  const account = verifiedAccount(s, 'voidTransaction', input);
  const { txn, order } = relatedTxn(s, input, account);
  if (
    txn.status !== 'APPROVED' ||
    txn.voided ||
    txn.type === 'Void' ||
    txn.type === 'Credit' ||
    (txn.refundedMinor ?? 0) > 0 ||
    (txn.type === 'Auth' && txn.settled)
  ) {
    throw new NuveiApiError(
      1058,
      `Requested operation cannot be performed: transaction ${txn.transactionId} cannot be voided`,
    );
  }
  txn.voided = true;
  const v = s.newTxn(order, 'Void', txn.amount, txn.amountMinor, input.clientUniqueId ?? '');
  v.relatedTransactionId = txn.transactionId;
  v.authCode = txn.authCode;
  v.card = txn.card;
  s.record(order, v, {
    kind: 'void',
    amount: txn.amountMinor,
    detail: `voids ${txn.transactionId} (${txn.type})`,
  });
  return concluded(s, order, v, account, input);
}

/** Makes a settle or void the order's last transaction, sends its DMN and answers it. */
function concluded(
  s: NuveiState,
  order: NuveiOrder,
  t: NuveiTxn,
  account: MerchantAccount,
  input: RelatedInput,
) {
  order.paymentTxnIds.push(t.transactionId);
  sendDmn(s, order, t);
  return relatedAnswer(t, account, input);
}

/** The answer of a settle, void or refund: its transaction, the gateway's verdict, the envelope. */
export function relatedAnswer(
  t: NuveiTxn,
  account: MerchantAccount,
  input: Pick<RelatedInput, 'clientUniqueId' | 'clientRequestId'>,
) {
  return {
    transactionId: t.transactionId,
    externalTransactionId: '',
    transactionStatus: t.status,
    transactionType: t.type,
    authCode: t.authCode,
    gwErrorCode: t.gwErrorCode,
    gwErrorReason: t.gwErrorReason,
    gwExtendedErrorCode: 0,
    clientUniqueId: input.clientUniqueId ?? '',
    ...envelope(account, input.clientRequestId),
  };
}
