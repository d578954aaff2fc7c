import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Builds a `Stripe-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + '.' + rawBody)>`. */
export function stripeSignatureHeader(
  secret: string,
  timestampSeconds: number,
  rawBody: string,
): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/** Checks a `Stripe-Signature` header against the raw body and the endpoint secret. */
export function verifyStripeSignature(secret: string, header: string, rawBody: string): boolean {
  const parts = Object.fromEntries(
    header.split(',').map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  const t = Number(parts.t);
  const v1 = parts.v1;
  if (!Number.isInteger(t) || typeof v1 !== 'string') return false;
  const expected = stripeSignatureHeader(secret, t, rawBody).split('v1=')[1] ?? '';
  return expected.length === v1.length && timingSafeEqual(Buffer.from(expected), Buffer.from(v1));
}

/** Nuvei's request checksum: SHA-256 hex of the field values concatenated in the documented order, then the merchant secret key. */
export function nuveiChecksum(
  values: readonly (string | number | undefined)[],
  secretKey: string,
): string {
  return sha256Hex(values.map((v) => (v === undefined ? '' : String(v))).join('') + secretKey);
}

/** Nuvei's DMN `advanceResponseChecksum`: SHA-256 hex of secret + totalAmount + currency + responseTimeStamp + PPP_TransactionID + Status + productId. */
export function nuveiDmnChecksum(
  secretKey: string,
  dmn: {
    totalAmount: string;
    currency: string;
    responseTimeStamp: string;
    PPP_TransactionID: string;
    Status: string;
    productId: string;
  },
): string {
  return sha256Hex(
    secretKey +
      dmn.totalAmount +
      dmn.currency +
      dmn.responseTimeStamp +
      dmn.PPP_TransactionID +
      dmn.Status +
      dmn.productId,
  );
}

/** The fields a settle, a void and a refund checksum start with, in order. */
const RELATED_FIELDS = [
  'merchantId',
  'merchantSiteId',
  'clientRequestId',
  'clientUniqueId',
  'amount',
  'currency',
  'relatedTransactionId',
  'authCode',
] as const;

/** The field orders Nuvei documents for each request checksum (the secret key is appended last). */
export const NUVEI_CHECKSUM_FIELDS = {
  getSessionToken: ['merchantId', 'merchantSiteId', 'clientRequestId', 'timeStamp'],
  openOrder: ['merchantId', 'merchantSiteId', 'clientRequestId', 'amount', 'currency', 'timeStamp'],
  payment: ['merchantId', 'merchantSiteId', 'clientRequestId', 'amount', 'currency', 'timeStamp'],
  settleTransaction: [
    ...RELATED_FIELDS,
    'descriptorMerchantName',
    'descriptorMerchantPhone',
    'comment',
    'urlDetails',
    'timeStamp',
  ],
  voidTransaction: [...RELATED_FIELDS, 'comment', 'urlDetails', 'timeStamp'],
  refundTransaction: [...RELATED_FIELDS, 'comment', 'urlDetails', 'timeStamp'],
  getTransactionDetails: [
    'merchantId',
    'merchantSiteId',
    'transactionId',
    'clientUniqueId',
    'timeStamp',
  ],
} as const;

/** Computes the checksum of a Nuvei request body for `method`, reading fields in the documented order (`urlDetails` contributes its `notificationUrl`). */
export function nuveiRequestChecksum(
  method: keyof typeof NUVEI_CHECKSUM_FIELDS,
  body: Record<string, unknown>,
  secretKey: string,
): string {
  const values = NUVEI_CHECKSUM_FIELDS[method].map((field) => {
    const v = body[field];
    if (field === 'urlDetails') {
      const url = (v as { notificationUrl?: unknown } | undefined)?.notificationUrl;
      return typeof url === 'string' ? url : '';
    }
    return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  });
  return nuveiChecksum(values, secretKey);
}

export function sha256Hex(input: string): string {
  return createHash('sha256').update(input, 'utf8').digest('hex');
}

export function safeEqualHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
