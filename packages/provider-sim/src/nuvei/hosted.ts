import type { MerchantAccount } from '../config.ts';
import type { CardInput, HostedResult, HostedSession } from '../hosted-types.ts';
import { nuveiRequestChecksum } from '../signatures.ts';
import { nuveiTimestamp } from './amounts.ts';
import { approve, fail, payment } from './payments.ts';
import { NuveiApiError, type NuveiOrder, type NuveiState } from './state.ts';

/** The hosted page's view of a session token: open while no payment is approved or pending. */
export function hostedSession(s: NuveiState, token: string): HostedSession | undefined {
  const order = s.findByToken(token, false);
  if (!order) return undefined;
  s.expireIfDue(order);
  const last = s.lastPayment(order, true);
  return {
    provider: 'nuvei',
    token,
    accountId: order.accountId,
    kind: order.amountMinor === 0 ? 'setup' : 'payment',
    amount: order.amountMinor,
    currency: order.currency,
    open: !order.expired && (!last || last.status === 'DECLINED' || last.status === 'ERROR'),
    awaitingChallenge: !order.expired && last?.status === 'REDIRECT',
    expired: order.expired,
    keys: s.keys(order),
  };
}

const HOSTED_STATUS: Record<string, HostedResult['status']> = {
  APPROVED: 'approved',
  DECLINED: 'declined',
  ERROR: 'error',
  REDIRECT: 'requires_action',
};

function hostedResult(s: NuveiState, order: NuveiOrder): HostedResult {
  const txn = s.lastPayment(order, true);
  if (order.expired) {
    return {
      status: 'expired',
      providerStatus: 'ERROR',
      providerRef: order.orderId,
      error: { code: '1069', message: 'Session expired' },
    };
  }
  const status = txn?.status ?? 'PENDING';
  return {
    status: HOSTED_STATUS[status] ?? 'error',
    providerStatus: s.reportedStatus(order, status),
    providerRef: txn?.transactionId ?? order.orderId,
    error:
      txn && txn.gwErrorCode !== 0
        ? { code: String(txn.gwErrorCode), message: txn.gwErrorReason }
        : undefined,
  };
}

/** The hosted page's card form: a payment request signed as the merchant's would be. */
export function submitCard(s: NuveiState, token: string, card: CardInput): HostedResult {
  const order = s.orderByToken(token);
  const account = s.core.accounts.peek(order.accountId) as MerchantAccount;
  const secret = account.nuvei?.secretKey ?? '';
  const body = {
    merchantId: account.nuvei?.merchantId ?? '',
    merchantSiteId: account.nuvei?.merchantSiteId ?? '',
    clientRequestId: `hosted-${order.orderId}`,
    sessionToken: token,
    amount: order.amount,
    currency: order.currency,
    timeStamp: nuveiTimestamp(s.core.clock.now()),
    checksum: '',
    paymentOption: {
      card: {
        cardNumber: card.number,
        cardHolderName: card.name || `${order.customer.firstName} ${order.customer.lastName}`,
        expirationMonth: String(card.expMonth),
        expirationYear: String(card.expYear),
        CVV: card.cvc,
      },
    },
  };
  body.checksum = nuveiRequestChecksum('payment', body, secret);
  try {
    payment(s, body);
  } catch (err) {
    if (err instanceof NuveiApiError) {
      const status: HostedResult['status'] = err.errCode === 1069 ? 'expired' : 'declined';
      return {
        status,
        providerStatus: 'ERROR',
        providerRef: order.orderId,
        error: { code: String(err.errCode), message: err.reason },
      };
    }
    throw err;
  }
  return hostedResult(s, order);
}

/** The 3-D Secure page's decision on a REDIRECT payment. */
export function decideChallenge(s: NuveiState, token: string, approved: boolean): HostedResult {
  const order = s.orderByToken(token);
  const txn = s.lastPayment(order);
  if (txn?.status !== 'REDIRECT' || order.expired) return hostedResult(s, order);
  if (approved) approve(s, order, txn);
  else
    fail(s, order, txn, {
      status: 'DECLINED',
      gwErrorCode: -1,
      gwErrorReason: '3D Secure authentication failed',
    });
  return hostedResult(s, order);
}
