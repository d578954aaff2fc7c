import type { MerchantAccount } from '../config.ts';
import { nuveiDmnChecksum } from '../signatures.ts';
import { dmnTimestamp } from './amounts.ts';
import { maskedCard, type NuveiOrder, type NuveiState, type NuveiTxn } from './state.ts';

interface DmnContext {
  order: NuveiOrder;
  account: MerchantAccount | undefined;
  /** When the DMN was sent (a forged copy made later keeps it). */
  nowMs: number;
}

/** The form fields of a DMN (direct merchant notification) for a transaction reported with status `st`, signed with `key`. */
function dmnFields(
  { order, account, nowMs }: DmnContext,
  st: string,
  tx: NuveiTxn,
  key: string,
): Record<string, string> {
  const fields: Record<string, string> = {
    ppp_status: st === 'APPROVED' ? 'OK' : 'FAIL',
    Status: st,
    ExErrCode: String(tx.gwErrorCode === 0 ? 0 : -1),
    ErrCode: String(tx.gwErrorCode),
    errApmCode: '0',
    errApmDescription: '',
    Reason: st === 'APPROVED' ? '' : tx.gwErrorReason,
    ReasonCode: String(tx.gwErrorCode === 0 ? 0 : 1),
    PPP_TransactionID: order.orderId,
    userid: order.userTokenId,
    user_token_id: order.userTokenId,
    merchant_unique_id: order.clientUniqueId,
    clientUniqueId: order.clientUniqueId,
    clientRequestId: order.clientRequestId,
    customData: '',
    productId: order.productId,
    first_name: order.customer.firstName,
    last_name: order.customer.lastName,
    email: order.customer.email,
    currency: tx.currency,
    totalAmount: tx.amount,
    TransactionID: tx.transactionId,
    relatedTransactionId: tx.relatedTransactionId,
    AuthCode: tx.authCode,
    transactionType: tx.type,
    payment_method: 'cc_card',
    nameOnCard: tx.card?.name ?? '',
    cardNumber: maskedCard(tx.card),
    bin: tx.card?.bin ?? '',
    expMonth: tx.card?.expMonth ?? '',
    expYear: tx.card?.expYear ?? '',
    userPaymentOptionId: tx.userPaymentOptionId,
    responseTimeStamp: dmnTimestamp(nowMs),
    message: st,
    merchant_id: account?.nuvei?.merchantId ?? '',
    merchant_site_id: account?.nuvei?.merchantSiteId ?? '',
    requestVersion: '4.0.0',
    type: 'DEPOSIT',
  };
  fields.advanceResponseChecksum = nuveiDmnChecksum(key, {
    totalAmount: fields.totalAmount ?? '',
    currency: fields.currency ?? '',
    responseTimeStamp: fields.responseTimeStamp ?? '',
    PPP_TransactionID: fields.PPP_TransactionID ?? '',
    Status: fields.Status ?? '',
    productId: fields.productId ?? '',
  });
  return fields;
}

/** Queues the DMN of a transaction to the order's notification URL; a forged one has a bad checksum or claims an approval signed with the wrong secret. */
export function sendDmn(s: NuveiState, order: NuveiOrder, txn: NuveiTxn): void {
  const ctx: DmnContext = {
    order,
    account: s.core.accounts.peek(order.accountId),
    nowMs: s.core.clock.now(),
  };
  const secret = ctx.account?.nuvei?.secretKey ?? '';
  const status = s.reportedStatus(order, txn.status);
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  s.core.emitCallback({
    provider: 'nuvei',
    accountId: order.accountId,
    url: order.notificationUrl,
    eventType: `${txn.type}:${status}`,
    keys: s.keys(order),
    contentType: 'application/x-www-form-urlencoded',
    body: form(dmnFields(ctx, status, txn, secret)),
    signing: { scheme: 'none' },
    forge: (mode) => {
      if (mode === 'bad_signature') {
        const f = dmnFields(ctx, status, txn, secret);
        f.advanceResponseChecksum = '0'.repeat(64);
        return { body: form(f), signing: { scheme: 'none' } };
      }
      const forgedTxn: NuveiTxn = {
        ...txn,
        status: 'APPROVED',
        gwErrorCode: 0,
        gwErrorReason: '',
        authCode: txn.authCode || '111111',
      };
      return {
        body: form(dmnFields(ctx, 'APPROVED', forgedTxn, 'forger-wrong-secret')),
        signing: { scheme: 'none' },
      };
    },
  });
}
