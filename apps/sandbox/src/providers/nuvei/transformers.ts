import type { Billing, PaymentMethodBrand } from '@accrupay/contracts';
import type { ProviderCard, ProviderState, ProviderStatus, ProviderSubject } from '../types.ts';
import { toMinor } from './amounts.ts';
import type { Answer } from './schemas.ts';

/** The router's billing details as Nuvei's `billingAddress`; empty fields are left out. */
export function billingAddress(billing: Billing | null): Record<string, string> | undefined {
  if (!billing) return undefined;
  const address = [billing.billingAddressLine1, billing.billingAddressLine2]
    .filter((line) => line)
    .join(', ');
  const entries: [string, string | undefined][] = [
    ['firstName', billing.billingFirstName],
    ['lastName', billing.billingLastName],
    ['email', billing.billingEmail],
    ['country', billing.billingAddressCountry],
    ['phone', billing.billingPhone],
    ['city', billing.billingAddressCity],
    ['address', address || undefined],
    ['zip', billing.billingAddressPostalCode],
    // Nuvei takes the subdivision part of an ISO 3166-2 code: US-NY -> NY.
    ['state', billing.billingAddressState?.split('-').slice(1).join('-')],
  ];
  return Object.fromEntries(entries.filter((entry): entry is [string, string] => !!entry[1]));
}

function brandOf(bin: string): PaymentMethodBrand {
  const n2 = Number(bin.slice(0, 2));
  const n4 = Number(bin.slice(0, 4));
  if (bin.startsWith('4')) return 'VISA';
  if ((n2 >= 51 && n2 <= 55) || (n4 >= 2221 && n4 <= 2720)) return 'MASTERCARD';
  if (n2 === 34 || n2 === 37) return 'AMEX';
  if (bin.startsWith('6011') || n2 === 65 || (n4 >= 6440 && n4 <= 6499)) return 'DISCOVER';
  if (n2 === 35) return 'JCB';
  if (n2 === 36 || n2 === 38 || (n4 >= 3000 && n4 <= 3059)) return 'DINERS';
  if (n2 === 62) return 'UNIONPAY';
  return 'UNKNOWN';
}

function storedCard(answer: Answer): ProviderCard | undefined {
  const reference = answer.paymentOption?.userPaymentOptionId;
  const card = answer.paymentOption?.card;
  if (!reference || !card) return undefined;
  const year = Number(card.ccExpYear);
  return {
    kind: 'card',
    reference,
    customerReference: answer.userTokenId || null,
    brand: brandOf(card.bin ?? card.ccCardNumber ?? ''),
    last4: card.last4Digits || (card.ccCardNumber ?? '').slice(-4),
    expiryMonth: Number(card.ccExpMonth),
    expiryYear: year < 100 ? 2000 + year : year,
    billingCountry: null,
  };
}

/** The amount, currency and merchant code a Nuvei answer echoes back (getPaymentStatus). */
function subjectOf(answer: Answer): ProviderSubject {
  const currency = answer.currency ? answer.currency.toUpperCase() : undefined;
  // After a settle or void the order's last transaction is that operation, whose amount is its
  // own (a partial settle): only the payment itself carries the session's amount.
  const isPayment =
    answer.transactionType === undefined || /^(Sale|Auth)$/.test(answer.transactionType);
  return {
    amount:
      isPayment && answer.amount !== undefined && currency !== undefined
        ? toMinor(answer.amount, currency)
        : undefined,
    currency,
    merchantInternalTransactionCode: answer.clientUniqueId || undefined,
  };
}

/** Maps a Nuvei payment answer (payment, getPaymentStatus, settle, void) to the router's words. */
export function toStatus(answer: Answer, fallbackCode: string | null): ProviderStatus {
  const nonZero = (value: string | undefined) => (value && value !== '0' ? value : undefined);
  if (answer.status !== 'SUCCESS') {
    const expired = answer.errCode === '1069';
    return {
      state: expired ? 'expired' : 'error',
      rawStatus: `ERROR ${answer.errCode ?? ''}`.trim(),
      providerCode: fallbackCode,
      errorCode: answer.errCode,
      errorMessage: answer.reason,
    };
  }
  const raw = answer.transactionStatus ?? 'PENDING';
  const status: ProviderStatus = {
    state: 'unknown',
    rawStatus: raw,
    providerCode: answer.transactionId || fallbackCode,
    paymentMethod: storedCard(answer),
    subject: subjectOf(answer),
  };
  const failure = {
    errorCode: nonZero(answer.gwErrorCode) ?? nonZero(answer.errCode),
    errorMessage: answer.gwErrorReason || answer.reason || undefined,
  };
  if (answer.sessionExpired && raw !== 'APPROVED') {
    return { ...status, ...failure, state: 'expired', rawStatus: `${raw} (session expired)` };
  }
  switch (raw) {
    case 'PENDING':
      return { ...status, state: 'awaiting_customer' };
    case 'REDIRECT':
      return { ...status, state: 'processing' };
    case 'APPROVED':
      return { ...status, state: 'succeeded' };
    case 'DECLINED': {
      // Nuvei reports a denied 3-D Secure challenge as a decline; only its reason tells.
      const denied3ds = /3-?D ?Secure/i.test(failure.errorMessage ?? '');
      // The order stays payable until its token expires: the customer may try another card.
      return { ...status, ...failure, state: denied3ds ? 'failed' : 'declined', sessionOpen: true };
    }
    case 'ERROR':
      return { ...status, ...failure, state: 'error' };
    default:
      return status;
  }
}

const OPERATION_STATES = new Map<string, ProviderState>([
  ['APPROVED', 'succeeded'],
  ['DECLINED', 'declined'],
  ['ERROR', 'error'],
]);

/** A settle's or void's transaction status (getTransactionDetails) in the router's words. */
export function operationState(raw: string): ProviderState {
  return OPERATION_STATES.get(raw) ?? 'unknown';
}
