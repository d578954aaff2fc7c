import { type CardOutcome, cardOutcome, luhnValid, normalizeCardNumber } from '../cards.ts';
import type { MerchantAccount } from '../config.ts';
import { randomUpperAlphanumeric } from '../ids.ts';
import { checkLimits, nuveiAmountToMinor } from './amounts.ts';
import { envelope, verifiedAccount } from './checksum.ts';
import { sendDmn } from './dmn.ts';
import type { PaymentInput } from './schemas.ts';
import {
  type CardSource,
  maskedCard,
  NuveiApiError,
  type NuveiOrder,
  type NuveiState,
  type NuveiTxn,
  type TxnStatus,
  type Upo,
} from './state.ts';

export interface FailReason {
  status: TxnStatus;
  gwErrorCode: number;
  gwErrorReason: string;
}

/** What each declining test card's payment answers. */
const DECLINE_REASONS: Record<Exclude<CardOutcome, 'success' | 'challenge_3ds'>, FailReason> = {
  generic_decline: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Decline' },
  attach_ok_charge_declines: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Decline' },
  insufficient_funds: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Insufficient Funds' },
  lost_card: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Lost Card, Pick Up' },
  stolen_card: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Stolen Card, Pick Up' },
  expired_card: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Expired Card' },
  incorrect_cvc: { status: 'DECLINED', gwErrorCode: -1, gwErrorReason: 'Invalid CVV2' },
  processing_error: { status: 'ERROR', gwErrorCode: -1100, gwErrorReason: 'Processing error' },
};

/** Refuses a payment on an expired order or one that already has an approved or pending payment. */
function ensurePayable(s: NuveiState, order: NuveiOrder): void {
  if (order.expired) throw new NuveiApiError(1069, 'Session expired');
  const last = s.lastPayment(order);
  if (last && (last.status === 'APPROVED' || last.status === 'REDIRECT')) {
    throw new NuveiApiError(
      1058,
      'Requested operation cannot be performed on this order: it already has an approved or pending payment',
    );
  }
}

/** payment: pays the order of a session token with a card (stored as a UPO for a user token) or a stored UPO. */
export function payment(s: NuveiState, input: PaymentInput) {
  const account = verifiedAccount(s, 'payment', input);
  const order = s.orderByToken(input.sessionToken, account.id);
  checkLimits(input.amount, input.currency);
  ensurePayable(s, order);
  const cuid = input.clientUniqueId ?? order.clientUniqueId;
  if (
    input.amount !== order.amount &&
    nuveiAmountToMinor(input.amount, input.currency) !== order.amountMinor
  ) {
    throw new NuveiApiError(1040, `Invalid or missing amount: the order amount is ${order.amount}`);
  }
  if (input.currency !== order.currency) {
    throw new NuveiApiError(
      1041,
      `Invalid or missing amount currency: the order currency is ${order.currency}`,
    );
  }
  if (input.userTokenId && !order.userTokenId) order.userTokenId = input.userTokenId;
  const option = input.paymentOption;
  const txn =
    'card' in option
      ? pay(s, order, typedCard(s, order, account, option.card), false, cuid)
      : pay(
          s,
          order,
          storedCard(s, order, account, option.userPaymentOptionId, input.userTokenId),
          true,
          cuid,
        );
  return paymentResponse(s, order, txn, account, input.clientRequestId);
}

/** A typed-in card, checked (Luhn, expiry) and stored as a UPO when the order has a user token and the card is good. */
function typedCard(
  s: NuveiState,
  order: NuveiOrder,
  account: MerchantAccount,
  c: Extract<PaymentInput['paymentOption'], { card: unknown }>['card'],
): CardSource {
  const number = normalizeCardNumber(c.cardNumber);
  if (!luhnValid(number))
    throw new NuveiApiError(
      1004,
      'Missing or invalid CardData data: card number fails the Luhn check',
    );
  const year =
    c.expirationYear.length === 2 ? 2000 + Number(c.expirationYear) : Number(c.expirationYear);
  const now = new Date(s.core.clock.now());
  if (
    year < now.getUTCFullYear() ||
    (year === now.getUTCFullYear() && Number(c.expirationMonth) < now.getUTCMonth() + 1)
  ) {
    throw new NuveiApiError(1029, 'Invalid expired date');
  }
  let upoId = '';
  if (order.userTokenId) {
    const upo: Upo = {
      userPaymentOptionId: s.freshNumeric(8, s.upos),
      userTokenId: order.userTokenId,
      accountId: account.id,
      number,
      expMonth: c.expirationMonth,
      expYear: c.expirationYear,
      name: c.cardHolderName,
    };
    upoId = upo.userPaymentOptionId;
    const outcome = cardOutcome('nuvei', number);
    if (
      outcome === 'success' ||
      outcome === 'attach_ok_charge_declines' ||
      outcome === 'challenge_3ds'
    ) {
      s.upos.set(upoId, upo);
    } else upoId = '';
  }
  return {
    number,
    expMonth: c.expirationMonth,
    expYear: c.expirationYear,
    name: c.cardHolderName,
    upoId,
  };
}

/** A stored UPO of this account and user token (1011 otherwise). */
function storedCard(
  s: NuveiState,
  order: NuveiOrder,
  account: MerchantAccount,
  userPaymentOptionId: string,
  userTokenId: string | undefined,
): CardSource {
  const upo = s.upos.get(userPaymentOptionId);
  if (
    !upo ||
    upo.accountId !== account.id ||
    upo.userTokenId !== (userTokenId ?? order.userTokenId)
  ) {
    throw new NuveiApiError(1011, 'Missing or invalid UserPaymentOption data');
  }
  return {
    number: upo.number,
    expMonth: upo.expMonth,
    expYear: upo.expYear,
    name: upo.name,
    upoId: upo.userPaymentOptionId,
  };
}

/** The payment's transaction, as the test card decides: approved, declined, or REDIRECT for a 3-D Secure challenge (never on a stored card). */
function pay(
  s: NuveiState,
  order: NuveiOrder,
  source: CardSource,
  viaUpo: boolean,
  clientUniqueId: string,
): NuveiTxn {
  const outcome = cardOutcome('nuvei', source.number);
  const txn = s.newTxn(
    order,
    order.transactionType,
    order.amount,
    order.amountMinor,
    clientUniqueId,
    source,
  );
  order.paymentTxnIds.push(txn.transactionId);
  if (outcome === 'challenge_3ds' && !viaUpo) {
    txn.status = 'REDIRECT';
    order.pending = { number: source.number, upoId: txn.userPaymentOptionId };
    return txn;
  }
  if (
    outcome === 'success' ||
    outcome === 'challenge_3ds' ||
    (outcome === 'attach_ok_charge_declines' && order.amountMinor === 0)
  ) {
    approve(s, order, txn);
  } else fail(s, order, txn, DECLINE_REASONS[outcome]);
  return txn;
}

/** Approves a payment: an auth code, the ledger entry (verification, authorization or charge) and a DMN. */
export function approve(s: NuveiState, order: NuveiOrder, txn: NuveiTxn): void {
  txn.status = 'APPROVED';
  txn.authCode = randomUpperAlphanumeric(6);
  order.pending = undefined;
  const kind =
    order.amountMinor === 0 ? 'verification' : txn.type === 'Auth' ? 'authorization' : 'charge';
  s.record(order, txn, {
    kind,
    amount: txn.amountMinor,
    detail: `orderId ${order.orderId}`,
  });
  sendDmn(s, order, txn);
}

/** Declines or fails a payment: the gateway's error, the ledger entry and a DMN. */
export function fail(s: NuveiState, order: NuveiOrder, txn: NuveiTxn, reason: FailReason): void {
  txn.status = reason.status;
  txn.gwErrorCode = reason.gwErrorCode;
  txn.gwErrorReason = reason.gwErrorReason;
  order.pending = undefined;
  s.record(order, txn, {
    kind: reason.status === 'ERROR' ? 'error' : 'decline',
    amount: txn.amountMinor,
    detail: reason.gwErrorReason,
  });
  sendDmn(s, order, txn);
}

/** The answer of payment.do and getPaymentStatus.do for a payment transaction. */
export function paymentResponse(
  s: NuveiState,
  order: NuveiOrder,
  txn: NuveiTxn,
  account: MerchantAccount,
  crid?: string,
) {
  return {
    orderId: order.orderId,
    userTokenId: order.userTokenId,
    paymentOption: {
      userPaymentOptionId: txn.userPaymentOptionId,
      card: {
        ccCardNumber: maskedCard(txn.card),
        bin: txn.card?.bin ?? '',
        last4Digits: txn.card?.last4 ?? '',
        ccExpMonth: txn.card?.expMonth ?? '',
        ccExpYear: txn.card?.expYear ?? '',
        threeD:
          txn.status === 'REDIRECT'
            ? {
                acsUrl: `${s.baseUrl}/hosted/3ds?provider=nuvei&token=${encodeURIComponent(order.sessionToken)}`,
                cReq: Buffer.from(txn.transactionId).toString('base64'),
                version: '2.2.0',
              }
            : {},
      },
    },
    transactionStatus: s.reportedStatus(order, txn.status),
    gwErrorCode: txn.gwErrorCode,
    gwErrorReason: txn.gwErrorReason,
    gwExtendedErrorCode: 0,
    transactionType: txn.type,
    transactionId: txn.transactionId,
    externalTransactionId: '',
    authCode: txn.authCode,
    sessionToken: order.sessionToken,
    clientUniqueId: order.clientUniqueId,
    ...envelope(account, crid),
  };
}
