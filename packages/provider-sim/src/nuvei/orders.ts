import type { MerchantAccount } from '../config.ts';
import { uuid } from '../ids.ts';
import { checkLimits, nuveiAmountToMinor, ZERO_DECIMAL_CURRENCIES } from './amounts.ts';
import { envelope, verifiedAccount } from './checksum.ts';
import { paymentResponse } from './payments.ts';
import type { OpenOrderInput, SessionTokenInput, StatusInput } from './schemas.ts';
import { NuveiApiError, type NuveiOrder, type NuveiState } from './state.ts';

/** getSessionToken: a token for the merchant, tied to no order. */
export function getSessionToken(s: NuveiState, input: SessionTokenInput) {
  const account = verifiedAccount(s, 'getSessionToken', input);
  return { sessionToken: uuid(), ...envelope(account, input.clientRequestId) };
}

/** openOrder: an order with its session token, for an amount the payment must match. */
export function openOrder(s: NuveiState, input: OpenOrderInput): Record<string, unknown> {
  const account = verifiedAccount(s, 'openOrder', input);
  const type = input.transactionType ?? 'Sale';
  checkLimits(input.amount, input.currency);
  if (ZERO_DECIMAL_CURRENCIES.has(input.currency.toUpperCase()) && input.amount.includes('.')) {
    throw new NuveiApiError(1040, `Invalid amount: ${input.currency} takes no decimals`);
  }
  const amountMinor = nuveiAmountToMinor(input.amount, input.currency);
  if (amountMinor === 0 && type !== 'Auth') {
    throw new NuveiApiError(
      1040,
      'Invalid or missing amount: a zero amount needs transactionType "Auth"',
    );
  }
  const f = s.core.faker;
  const firstName = input.billingAddress?.firstName ?? f.person.firstName();
  const lastName = input.billingAddress?.lastName ?? f.person.lastName();
  const order: NuveiOrder = {
    orderId: s.freshNumeric(9, s.orders),
    sessionToken: uuid(),
    accountId: account.id,
    clientRequestId: input.clientRequestId ?? '',
    clientUniqueId: input.clientUniqueId ?? '',
    amount: input.amount,
    amountMinor,
    currency: input.currency,
    transactionType: type,
    userTokenId: input.userTokenId ?? '',
    notificationUrl: input.urlDetails?.notificationUrl ?? account.nuvei?.notificationUrl,
    productId: input.productId ?? '',
    customer: {
      firstName,
      lastName,
      email: input.billingAddress?.email ?? f.internet.email({ firstName, lastName }),
    },
    createdMs: s.core.clock.now(),
    expired: false,
    paymentTxnIds: [],
    pending: undefined,
  };
  s.addOrder(order);
  return {
    sessionToken: order.sessionToken,
    orderId: order.orderId,
    clientUniqueId: order.clientUniqueId,
    ...envelope(account, input.clientRequestId),
  };
}

/** getPaymentStatus: the order's last payment, or PENDING before any (unsigned, by session token). */
export function getPaymentStatus(s: NuveiState, input: StatusInput) {
  const order = s.orderByToken(input.sessionToken, undefined, true);
  const account = s.core.accounts.peek(order.accountId) as MerchantAccount;
  const txn = s.lastPayment(order, true);
  if (!txn) {
    if (order.expired) throw new NuveiApiError(1069, 'Session expired');
    return {
      transactionStatus: s.reportedStatus(order, 'PENDING'),
      sessionToken: order.sessionToken,
      clientUniqueId: order.clientUniqueId,
      amount: order.amount,
      currency: order.currency,
      ...envelope(account, input.clientRequestId),
    };
  }
  const res = paymentResponse(s, order, txn, account, input.clientRequestId);
  return {
    ...res,
    amount: txn.amount,
    currency: txn.currency,
    ...(order.expired ? { sessionExpired: true } : {}),
  };
}
