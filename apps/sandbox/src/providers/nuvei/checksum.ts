import { createHash, timingSafeEqual } from 'node:crypto';

// Nuvei's checksums, written from its documentation (independently of the simulator's, which
// plays the provider): per call, the fields whose values are concatenated in order, then the
// merchant's secret key, hashed with SHA-256. A dotted name reads a nested field.
const SITE = 'merchantId merchantSiteId';
const RELATED_TRANSACTION = `${SITE} clientRequestId clientUniqueId amount currency relatedTransactionId authCode`;
const NOTIFIED = 'comment urlDetails.notificationUrl timeStamp';

const REQUEST_CHECKSUM_FIELDS = {
  openOrder: `${SITE} clientRequestId amount currency timeStamp`,
  payment: `${SITE} clientRequestId amount currency timeStamp`,
  settleTransaction: `${RELATED_TRANSACTION} descriptorMerchantName descriptorMerchantPhone ${NOTIFIED}`,
  voidTransaction: `${RELATED_TRANSACTION} ${NOTIFIED}`,
  refundTransaction: `${RELATED_TRANSACTION} ${NOTIFIED}`,
  getTransactionDetails: `${SITE} transactionId clientUniqueId timeStamp`,
} as const;
export type SignedMethod = keyof typeof REQUEST_CHECKSUM_FIELDS;

/** A DMN's `advanceResponseChecksum`: the secret key first, then these fields. */
const DMN_CHECKSUM_FIELDS =
  'totalAmount currency responseTimeStamp PPP_TransactionID Status productId';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function valueAt(body: Record<string, unknown>, path: string): string {
  let value: unknown = body;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

export function requestChecksum(
  method: SignedMethod,
  body: Record<string, unknown>,
  secretKey: string,
): string {
  const fields = REQUEST_CHECKSUM_FIELDS[method].split(' ');
  return sha256(fields.map((field) => valueAt(body, field)).join('') + secretKey);
}

/** Whether a DMN's claimed checksum is the one its fields and the secret key give. */
export function dmnChecksumMatches(form: URLSearchParams, claimed: string, secretKey: string) {
  const fields = DMN_CHECKSUM_FIELDS.split(' ');
  const expected = sha256(secretKey + fields.map((field) => form.get(field) ?? '').join(''));
  const given = Buffer.from(claimed.toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, Buffer.from(expected));
}

/** Nuvei's `timeStamp`: UTC as YYYYMMDDHHmmss. */
export function timeStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
