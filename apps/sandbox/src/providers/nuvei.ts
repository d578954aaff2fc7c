import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import {
  type Billing,
  CURRENCY_MINOR_UNITS,
  type Currency,
  type PaymentMethodBrand,
} from '@accrupay/contracts';
import { z } from 'zod';
import {
  type ProviderAdapter,
  type ProviderLimits,
  type ProviderPaymentMethod,
  type ProviderStatus,
  type ProviderSubject,
  ProviderUnavailableError,
  type StartSessionRequest,
} from './types.ts';

/** The documented field order of each request checksum; the secret key is appended last. */
const CHECKSUM_FIELDS = {
  openOrder: ['merchantId', 'merchantSiteId', 'clientRequestId', 'amount', 'currency', 'timeStamp'],
  payment: ['merchantId', 'merchantSiteId', 'clientRequestId', 'amount', 'currency', 'timeStamp'],
  settleTransaction: [
    'merchantId',
    'merchantSiteId',
    'clientRequestId',
    'clientUniqueId',
    'amount',
    'currency',
    'relatedTransactionId',
    'authCode',
    'descriptorMerchantName',
    'descriptorMerchantPhone',
    'comment',
    'urlDetails.notificationUrl',
    'timeStamp',
  ],
  voidTransaction: [
    'merchantId',
    'merchantSiteId',
    'clientRequestId',
    'clientUniqueId',
    'amount',
    'currency',
    'relatedTransactionId',
    'authCode',
    'comment',
    'urlDetails.notificationUrl',
    'timeStamp',
  ],
  getTransactionDetails: [
    'merchantId',
    'merchantSiteId',
    'transactionId',
    'clientUniqueId',
    'timeStamp',
  ],
} as const;
type SignedMethod = keyof typeof CHECKSUM_FIELDS;

const credentialsSchema = z.object({
  accountId: z.string().min(1),
  merchantId: z.string().min(1),
  merchantSiteId: z.string().min(1),
  secretKey: z.string().min(1),
});
type Credentials = z.infer<typeof credentialsSchema>;

const code = z.union([z.string(), z.number()]).transform(String);
const answerSchema = z
  .object({
    status: z.string(),
    errCode: code.optional(),
    reason: z.string().optional(),
    sessionToken: z.string().optional(),
    orderId: code.optional(),
    transactionStatus: z.string().optional(),
    transactionId: code.optional(),
    transactionType: z.string().optional(),
    gwErrorCode: code.optional(),
    gwErrorReason: z.string().optional(),
    userTokenId: z.string().optional(),
    sessionExpired: z.boolean().optional(),
    amount: code.optional(),
    currency: z.string().optional(),
    clientUniqueId: z.string().optional(),
    transactionDetails: z
      .object({
        transactionId: code.optional(),
        transactionType: z.string().optional(),
        transactionStatus: z.string().optional(),
        amount: code.optional(),
        currency: z.string().optional(),
        relatedTransactionId: code.optional(),
      })
      .optional(),
    paymentOption: z
      .object({
        userPaymentOptionId: code.optional(),
        card: z
          .object({
            ccCardNumber: z.string(),
            bin: z.string(),
            last4Digits: z.string(),
            ccExpMonth: code,
            ccExpYear: code,
          })
          .partial()
          .optional(),
      })
      .optional(),
  })
  .passthrough();
type Answer = z.infer<typeof answerSchema>;

/** The DMN fields of `advanceResponseChecksum`, after the secret key. */
const DMN_CHECKSUM_FIELDS = [
  'totalAmount',
  'currency',
  'responseTimeStamp',
  'PPP_TransactionID',
  'Status',
  'productId',
] as const;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function checksum(method: SignedMethod, body: Record<string, unknown>, secret: string): string {
  const values = CHECKSUM_FIELDS[method].map((field) => {
    const value =
      field === 'urlDetails.notificationUrl'
        ? (body.urlDetails as { notificationUrl?: unknown } | undefined)?.notificationUrl
        : body[field];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  });
  return sha256(values.join('') + secret);
}

function timeStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function digits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
}

/** Minor units to Nuvei's decimal string; the simulator takes at most two decimals. */
/** Nuvei's limits: amounts of at most two decimals, and at most 99,999,999.99 in one payment. */
export const NUVEI_LIMITS: ProviderLimits = {
  maxAmountMinor: 9_999_999_999n,
  refusesCurrency(currency) {
    const exponent = CURRENCY_MINOR_UNITS[currency];
    if (exponent === null || exponent === undefined || exponent > 2) {
      return `Nuvei cannot take currency ${currency}: its amounts have at most two decimals (${currency} has ${exponent ?? 'no'} minor unit digits)`;
    }
    return undefined;
  },
};

function toMajor(minor: bigint, currency: Currency): string {
  const refused = NUVEI_LIMITS.refusesCurrency(currency);
  if (refused) throw new Error(refused);
  const exponent = CURRENCY_MINOR_UNITS[currency] as number;
  if (minor < 0n) throw new Error(`Nuvei amount must not be negative: ${minor} ${currency}`);
  if (exponent === 0) return minor.toString();
  const text = minor.toString().padStart(exponent + 1, '0');
  return `${text.slice(0, -exponent)}.${text.slice(-exponent)}`;
}

function billingAddress(billing: Billing | null): Record<string, string> | undefined {
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

function storedCard(answer: Answer): ProviderPaymentMethod | undefined {
  const reference = answer.paymentOption?.userPaymentOptionId;
  const card = answer.paymentOption?.card;
  if (!reference || !card) return undefined;
  const year = Number(card.ccExpYear);
  return {
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

/** A Nuvei decimal amount ("10.00") in minor units; undefined when it is not one. */
function toMinor(major: string, currency: string): bigint | undefined {
  const exponent = CURRENCY_MINOR_UNITS[currency as Currency];
  const match = /^(\d+)(?:\.(\d+))?$/.exec(major);
  if (exponent === null || exponent === undefined || !match) return undefined;
  const fraction = (match[2] ?? '').padEnd(exponent, '0');
  if (fraction.length > exponent) return undefined;
  return BigInt(`${match[1]}${fraction}`);
}

/** Maps a Nuvei payment answer (payment, getPaymentStatus, settle, void) to the router's words. */
function toStatus(answer: Answer, fallbackCode: string | null): ProviderStatus {
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

/**
 * The Nuvei adapter: speaks Nuvei's REST API (openOrder, payment, getPaymentStatus, settle,
 * void; SHA-256 checksums) to `${baseUrl}/nuvei/ppp/api/v1` and checks DMN callbacks.
 * `clock` stamps requests and session expiry (the sandbox passes the simulator's clock);
 * `timeoutMs` (10 s) bounds each HTTP call in real time; `sessionTtlMs` (20 min) only
 * estimates the token's expiry, which the provider decides.
 */
export function createNuveiAdapter(options: {
  baseUrl: string;
  clock?: { now(): number };
  timeoutMs?: number;
  sessionTtlMs?: number;
}): ProviderAdapter {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const api = `${baseUrl}/nuvei/ppp/api/v1`;
  const clock = options.clock ?? { now: () => Date.now() };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const sessionTtlMs = options.sessionTtlMs ?? 20 * 60_000;

  const credentialsOf = (credentials: Record<string, unknown>): Credentials => {
    const parsed = credentialsSchema.safeParse(credentials);
    if (!parsed.success) {
      throw new Error(
        `Nuvei credentials are incomplete: ${parsed.error.issues[0]?.path.join('.')}`,
      );
    }
    return parsed.data;
  };

  async function send(url: string, method: 'POST' | 'PUT', body: unknown) {
    try {
      const response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      const aborted =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new ProviderUnavailableError(
        aborted
          ? `Nuvei did not answer ${url} within ${timeoutMs} ms`
          : `Nuvei unreachable at ${url}: ${error instanceof Error ? error.message : String(error)}`,
        aborted ? 'timeout' : 'error',
        { cause: error },
      );
    }
  }

  /** One Nuvei API call: signs the body when the method has a checksum, parses the answer. */
  async function call(
    method: SignedMethod | 'getPaymentStatus',
    credentials: Credentials,
    fields: Record<string, unknown>,
  ): Promise<Answer> {
    let body: Record<string, unknown> = fields;
    if (method !== 'getPaymentStatus') {
      body = {
        merchantId: credentials.merchantId,
        merchantSiteId: credentials.merchantSiteId,
        ...fields,
        timeStamp: timeStamp(clock.now()),
      };
      body.checksum = checksum(method, body, credentials.secretKey);
    }
    const url = `${api}/${method}.do`;
    const { status, text } = await send(url, 'POST', body);
    if (status >= 500) {
      throw new ProviderUnavailableError(`Nuvei ${method}.do answered HTTP ${status}`, 'error');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ProviderUnavailableError(
        `Nuvei ${method}.do answered HTTP ${status} with a body that is not JSON`,
        'error',
        { cause: error },
      );
    }
    const parsed = answerSchema.safeParse(json);
    if (!parsed.success) {
      throw new ProviderUnavailableError(
        `Nuvei ${method}.do answered HTTP ${status} with an unexpected body: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`,
        'error',
      );
    }
    return parsed.data;
  }

  const refused = (method: string, answer: Answer) =>
    new Error(
      `Nuvei ${method}.do refused: errCode ${answer.errCode ?? '?'} ${answer.reason ?? ''}`,
    );

  const openOrder = async (credentials: Credentials, fields: Record<string, unknown>) => {
    const answer = await call('openOrder', credentials, fields);
    if (answer.status !== 'SUCCESS' || !answer.sessionToken || !answer.orderId) {
      throw refused('openOrder', answer);
    }
    return { sessionToken: answer.sessionToken, orderId: answer.orderId };
  };

  const retrieve: ProviderAdapter['retrieve'] = async (credentials, session) => {
    const answer = await call('getPaymentStatus', credentialsOf(credentials), {
      sessionToken: session.token,
    });
    if (answer.status !== 'SUCCESS' && answer.errCode !== '1069') {
      throw refused('getPaymentStatus', answer);
    }
    return toStatus(answer, answer.orderId ?? session.providerCode);
  };

  const related =
    (method: 'settleTransaction' | 'voidTransaction'): ProviderAdapter['capture'] =>
    async (credentials, request) => {
      const answer = await call(method, credentialsOf(credentials), {
        clientRequestId: request.idempotencyKey,
        clientUniqueId: request.idempotencyKey,
        amount: toMajor(request.amount, request.currency),
        currency: request.currency,
        relatedTransactionId: request.providerCode,
        // The simulator does not check authCode (and has no call to read it back): sent empty.
        authCode: '',
        ...(method === 'settleTransaction'
          ? { descriptorMerchantName: '', descriptorMerchantPhone: '' }
          : {}),
        comment: '',
      });
      return toStatus(answer, null);
    };

  const findOperation: ProviderAdapter['findOperation'] = async (credentials, op) => {
    const answer = await call('getTransactionDetails', credentialsOf(credentials), {
      clientUniqueId: op.idempotencyKey,
    });
    const details = answer.transactionDetails;
    if (answer.status !== 'SUCCESS' || !details) {
      // 1140: Nuvei has no transaction that this request created; anything else is no answer.
      if (answer.errCode === '1140') return null;
      throw new ProviderUnavailableError(
        `Nuvei getTransactionDetails.do could not say what happened to ${op.idempotencyKey}: errCode ${answer.errCode ?? '?'} ${answer.reason ?? ''}`,
        'error',
      );
    }
    const type = op.action === 'SETTLE' ? 'Settle' : 'Void';
    if (details.transactionType !== type || details.relatedTransactionId !== op.providerCode) {
      return null;
    }
    const amount =
      details.amount !== undefined && details.currency !== undefined
        ? toMinor(details.amount, details.currency)
        : undefined;
    const raw = details.transactionStatus ?? 'UNKNOWN';
    return {
      state:
        raw === 'APPROVED'
          ? 'succeeded'
          : raw === 'DECLINED'
            ? 'declined'
            : raw === 'ERROR'
              ? 'error'
              : 'unknown',
      rawStatus: raw,
      providerCode: details.transactionId ?? null,
      ...(amount === undefined ? {} : { amount }),
    };
  };

  return {
    provider: 'NUVEI',
    limits: NUVEI_LIMITS,
    findOperation,

    newCredentials() {
      return {
        accountId: `acct_${randomBytes(8).toString('hex')}`,
        merchantId: digits(16),
        merchantSiteId: digits(6),
        secretKey: randomBytes(32).toString('hex'),
      };
    },

    async provisionAccount(credentials, setup) {
      const { accountId, merchantId, merchantSiteId, secretKey } = credentialsOf(credentials);
      const url = `${baseUrl}/__sim/accounts/${encodeURIComponent(accountId)}`;
      const { status, text } = await send(url, 'PUT', {
        nuvei: { merchantId, merchantSiteId, secretKey, notificationUrl: setup.callbackUrl },
        allowedOrigins: setup.allowedOrigins,
      });
      if (status >= 500) {
        throw new ProviderUnavailableError(
          `Nuvei account setup at ${url}: HTTP ${status}`,
          'error',
        );
      }
      if (status >= 400) {
        throw new Error(`Nuvei account setup at ${url} refused (HTTP ${status}): ${text}`);
      }
    },

    async startSession(credentials, request: StartSessionRequest) {
      const creds = credentialsOf(credentials);
      const addMethod = request.type === 'add-payment-method';
      if (!addMethod && request.amount === null) {
        throw new Error(`A Nuvei ${request.type} session needs an amount`);
      }
      // Refuses a currency Nuvei cannot take, even for the zero-amount card verification.
      const major = toMajor(request.amount ?? 0n, request.currency);
      const amount = addMethod ? '0' : major;
      const storesOrUsesCard =
        addMethod || request.storePaymentMethod || request.storedPaymentMethod !== null;
      const userTokenId =
        request.storedPaymentMethod?.customerReference ??
        (storesOrUsesCard ? request.merchantInternalCustomerCode : null);
      const billing = billingAddress(request.billing);
      const { sessionToken, orderId } = await openOrder(creds, {
        clientRequestId: `${request.sessionId}-openOrder`,
        clientUniqueId: request.merchantInternalTransactionCode,
        amount,
        currency: request.currency,
        transactionType: request.type === 'payment' ? 'Sale' : 'Auth',
        ...(userTokenId ? { userTokenId } : {}),
        ...(billing ? { billingAddress: billing } : {}),
      });
      return {
        token: sessionToken,
        providerCode: orderId,
        expiresAt: new Date(clock.now() + sessionTtlMs),
        payload: {
          provider: 'NUVEI',
          sessionToken,
          merchantId: creds.merchantId,
          merchantSiteId: creds.merchantSiteId,
          orderId,
          hostedFieldsUrl: `${baseUrl}/hosted/card?provider=nuvei&token=${encodeURIComponent(sessionToken)}`,
        },
      };
    },

    retrieve,

    // Nuvei has no cancel for an open order: its status is all there is.
    close: retrieve,

    async prepareCharge(credentials, request) {
      const creds = credentialsOf(credentials);
      const { sessionToken, orderId } = await openOrder(creds, {
        clientRequestId: `${request.idempotencyKey}-openOrder`,
        clientUniqueId: request.merchantInternalTransactionCode,
        amount: toMajor(request.amount, request.currency),
        currency: request.currency,
        transactionType: 'Sale',
        userTokenId: request.paymentMethod.customerReference ?? '',
      });
      return { providerCode: orderId, token: sessionToken };
    },

    async confirmCharge(credentials, request) {
      const creds = credentialsOf(credentials);
      const answer = await call('payment', creds, {
        clientRequestId: request.idempotencyKey,
        clientUniqueId: request.merchantInternalTransactionCode,
        sessionToken: request.token,
        amount: toMajor(request.amount, request.currency),
        currency: request.currency,
        userTokenId: request.paymentMethod.customerReference ?? '',
        paymentOption: { userPaymentOptionId: request.paymentMethod.reference },
      });
      return toStatus(answer, request.providerCode);
    },

    capture: related('settleTransaction'),
    void: related('voidTransaction'),

    verifyCallback(credentials, rawBody, headers) {
      const { secretKey } = credentialsOf(credentials);
      const header = headers['content-type'];
      const contentType = (Array.isArray(header) ? header[0] : header) ?? '';
      const text = rawBody.toString('utf8');
      if (
        (contentType && !/^application\/x-www-form-urlencoded\b/i.test(contentType)) ||
        /^\s*[{[<]/.test(text)
      ) {
        return {
          ok: false,
          reason: `not a form-encoded DMN (content-type ${contentType || 'missing'})`,
        };
      }
      const form = new URLSearchParams(text);
      const claimed = form.get('advanceResponseChecksum');
      if (!claimed) return { ok: false, reason: 'missing advanceResponseChecksum' };
      const orderId = form.get('PPP_TransactionID');
      if (!orderId) return { ok: false, reason: 'missing PPP_TransactionID' };
      const expected = sha256(
        secretKey + DMN_CHECKSUM_FIELDS.map((field) => form.get(field) ?? '').join(''),
      );
      const given = Buffer.from(claimed.toLowerCase());
      if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
        return { ok: false, reason: 'advanceResponseChecksum mismatch' };
      }
      return {
        ok: true,
        hint: {
          providerCode: orderId,
          token: null,
          eventType: `${form.get('transactionType') ?? ''}:${form.get('Status') ?? ''}`,
        },
      };
    },

    baseConfig(credentials) {
      const { merchantId, merchantSiteId } = credentialsOf(credentials);
      return {
        provider: 'NUVEI',
        merchantId,
        merchantSiteId,
        hostedFieldsUrl: `${baseUrl}/hosted/card`,
      };
    },
  };
}
