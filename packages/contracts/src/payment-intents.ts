// Document 004: Accrue Pay payment intents. The customer pays from an Accrue wallet or a linked
// bank account; the merchant's backend authorizes the intent (it becomes a Payment), captures it
// (bank rails) or fetches a single-use virtual debit card and charges it through its own gateway
// (card rails). Bodies are JSON:API documents and errors use document 004's `errors` array.
import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import { API_SECRET_HEADER, IDEMPOTENCY_KEY_HEADER } from './connection.ts';
import { currencySchema } from './currency.ts';
import { isoDateTime, strictObject, text } from './fields.ts';
import { amount, positiveAmount } from './money.ts';
import { merchantPublicIdSchema } from './session.ts';

const c = initContract();

/** Lifecycle of a Payment (document 004's table); see {@link PAYMENT_TRANSITIONS}. */
export const PAYMENT_STATUS = {
  authorized: 'authorized',
  requires_capture: 'requires_capture',
  captured: 'captured',
  processing: 'processing',
  succeeded: 'succeeded',
  settled: 'settled',
  canceled: 'canceled',
  failed: 'failed',
} as const;
/** A Payment's status. */
export type PaymentStatus = (typeof PAYMENT_STATUS)[keyof typeof PAYMENT_STATUS];
const P = PAYMENT_STATUS;

/**
 * The Payment state machine: for each status, every status it may be seen in next. The router
 * records what the provider says and may learn of a change late (a dropped notification), so a
 * move may skip the statuses in between. `succeeded` may still fail: a bank transfer returned
 * before settlement. `settled`, `canceled` and `failed` are terminal.
 */
export const PAYMENT_TRANSITIONS = {
  authorized: [P.captured, P.processing, P.succeeded, P.settled, P.canceled, P.failed],
  requires_capture: [P.captured, P.processing, P.succeeded, P.settled, P.canceled, P.failed],
  captured: [P.processing, P.succeeded, P.settled, P.failed],
  processing: [P.succeeded, P.settled, P.failed],
  succeeded: [P.settled, P.failed],
  settled: [],
  canceled: [],
  failed: [],
} as const satisfies Record<PaymentStatus, readonly PaymentStatus[]>;

/** Payment statuses no transition leaves. */
export const TERMINAL_PAYMENT_STATUSES = (
  Object.keys(PAYMENT_TRANSITIONS) as PaymentStatus[]
).filter((status) => PAYMENT_TRANSITIONS[status].length === 0);

/** Whether a Payment may move from one status to another. Staying put is not a transition. */
export function canTransitionPayment(from: PaymentStatus, to: PaymentStatus): boolean {
  return (PAYMENT_TRANSITIONS[from] as readonly PaymentStatus[]).includes(to);
}

/** The statuses a Payment may move to `to` from: the compare-and-set's sources, computed. */
export function paymentSourcesFor(to: PaymentStatus): PaymentStatus[] {
  return (Object.keys(PAYMENT_TRANSITIONS) as PaymentStatus[]).filter((from) =>
    canTransitionPayment(from, to),
  );
}

/** The statuses a capture or a cancel starts from: authorized and not yet captured. */
export const CAPTURABLE_PAYMENT_STATUSES = [
  P.authorized,
  P.requires_capture,
] as const satisfies readonly PaymentStatus[];

/** Lifecycle of a Payment Intent: created by the customer's checkout, consumed by authorize. */
export const PAYMENT_INTENT_STATUS = {
  created: 'created',
  authorized: 'authorized',
  canceled: 'canceled',
  failed: 'failed',
} as const;
/** A Payment Intent's status. */
export type PaymentIntentStatus =
  (typeof PAYMENT_INTENT_STATUS)[keyof typeof PAYMENT_INTENT_STATUS];

/** How an authorized payment is captured: by Accrue at once, or by the merchant's capture call. */
export const CAPTURE_METHOD = { automatic: 'automatic', manual: 'manual' } as const;
/** A capture method. */
export type CaptureMethod = (typeof CAPTURE_METHOD)[keyof typeof CAPTURE_METHOD];

/** What the customer pays from. */
export const ACCRUE_PAYMENT_METHOD = { wallet: 'wallet', bank: 'bank' } as const;
/** An Accrue payment method. */
export type AccruePaymentMethod =
  (typeof ACCRUE_PAYMENT_METHOD)[keyof typeof ACCRUE_PAYMENT_METHOD];

function literalEnum<T extends Record<string, string>>(values: T, what: string) {
  const list = Object.values(values) as [T[keyof T], ...T[keyof T][]];
  return z.enum(list, { errorMap: () => ({ message: `must be ${what}: ${list.join(', ')}` }) });
}

/** Zod schema of {@link PAYMENT_STATUS}. */
export const paymentStatusSchema = literalEnum(PAYMENT_STATUS, 'a payment status');
/** Zod schema of {@link PAYMENT_INTENT_STATUS}. */
export const paymentIntentStatusSchema = literalEnum(
  PAYMENT_INTENT_STATUS,
  'a payment intent status',
);
/** Zod schema of {@link CAPTURE_METHOD}. */
export const captureMethodSchema = literalEnum(CAPTURE_METHOD, 'a capture method');
/** Zod schema of {@link ACCRUE_PAYMENT_METHOD}. */
export const accruePaymentMethodSchema = literalEnum(
  ACCRUE_PAYMENT_METHOD,
  'an Accrue payment method',
);

/** A Payment Intent id, as Accrue issues them. */
export const paymentIntentIdSchema = z
  .string()
  .regex(/^pi_[A-Za-z0-9]{8,64}$/, 'must be a payment intent id such as pi_def456uvw123');
/** A Payment id, as Accrue issues them. */
export const paymentIdSchema = z
  .string()
  .regex(/^pay_[A-Za-z0-9]{8,64}$/, 'must be a payment id such as pay_abc123xyz789');

// ---------------------------------------------------------------------------------------------
// Requests (JSON:API documents; unknown fields are refused by name)

/** `POST /payment-intents/:paymentIntentId/authorize`: the amount and currency must be the intent's. */
export const authorizePaymentIntentSchema = strictObject({
  data: strictObject({
    type: z.literal('payment_authorizations', {
      errorMap: () => ({ message: 'must be "payment_authorizations"' }),
    }),
    attributes: strictObject(
      {
        amount: positiveAmount,
        currency: currencySchema,
        capture_method: captureMethodSchema.default('automatic'),
        description: text(500).optional(),
      },
      { captureMethod: 'write capture_method (snake_case), as document 004 does' },
    ),
  }),
});
/** The body of an authorize, as sent. */
export type AuthorizePaymentIntentInput = z.input<typeof authorizePaymentIntentSchema>;

/** `POST /payments/:paymentId/capture`: without an amount, the whole authorized amount. */
export const capturePaymentSchema = strictObject({
  data: strictObject({
    type: z.literal('payment_captures', {
      errorMap: () => ({ message: 'must be "payment_captures"' }),
    }),
    attributes: strictObject({ amount: positiveAmount.optional() }).default({}),
  }),
});
/** The body of a capture, as sent. */
export type CapturePaymentInput = z.input<typeof capturePaymentSchema>;

/** `POST /payments/:paymentId/cancel`: the body may be empty. */
export const cancelPaymentSchema = strictObject({
  data: strictObject({
    type: z.literal('payment_cancellations', {
      errorMap: () => ({ message: 'must be "payment_cancellations"' }),
    }),
    attributes: strictObject({}).optional(),
  }).optional(),
});

// ---------------------------------------------------------------------------------------------
// Responses

const nullableTime = isoDateTime.nullable();

/** A Payment as a JSON:API resource object; amounts are JSON numbers on the wire, bigint parsed. */
export const paymentResourceSchema = z.object({
  id: z.string(),
  type: z.literal('payments'),
  attributes: z.object({
    amount,
    amount_captured: amount,
    currency: currencySchema,
    status: paymentStatusSchema,
    capture_method: captureMethodSchema,
    payment_method: accruePaymentMethodSchema,
    description: z.string().nullable(),
    failure_code: z.string().nullable(),
    failure_message: z.string().nullable(),
    created_at: isoDateTime,
    authorized_at: nullableTime,
    captured_at: nullableTime,
    succeeded_at: nullableTime,
    settled_at: nullableTime,
    canceled_at: nullableTime,
    failed_at: nullableTime,
  }),
  relationships: z.object({
    payment_intent: z.object({
      data: z.object({ id: z.string(), type: z.literal('payment_intents') }),
    }),
  }),
});
/** A Payment, parsed. */
export type PaymentResource = z.output<typeof paymentResourceSchema>;
/** A Payment on the wire. */
export type PaymentResourceWire = z.input<typeof paymentResourceSchema>;

/** A JSON:API document holding one Payment. */
export const paymentDocumentSchema = z.object({ data: paymentResourceSchema });

/** A Payment Intent as a JSON:API resource object. */
export const paymentIntentResourceSchema = z.object({
  id: z.string(),
  type: z.literal('payment_intents'),
  attributes: z.object({
    amount,
    currency: currencySchema,
    status: paymentIntentStatusSchema,
    payment_method: accruePaymentMethodSchema,
    created_at: isoDateTime,
    expires_at: nullableTime,
  }),
  relationships: z.object({
    payment: z.object({
      data: z.object({ id: z.string(), type: z.literal('payments') }).nullable(),
    }),
  }),
});
/** A Payment Intent, parsed. */
export type PaymentIntentResource = z.output<typeof paymentIntentResourceSchema>;

/** A JSON:API document holding one Payment Intent. */
export const paymentIntentDocumentSchema = z.object({ data: paymentIntentResourceSchema });

/** The single-use virtual debit card of a manually captured payment (document 004, card rails). */
export const virtualDebitCardDocumentSchema = z.object({
  data: z.object({
    id: z.string(),
    type: z.literal('VirtualDebitCard'),
    attributes: z.object({
      number: z.string(),
      expirationMonth: z.string(),
      expirationYear: z.string(),
      cvc: z.string(),
      billingAddress: z.object({
        street: z.string(),
        street2: z.string().nullable(),
        city: z.string(),
        state: z.string(),
        postalCode: z.string(),
        country: z.string(),
      }),
    }),
  }),
});
/** A virtual debit card, parsed. */
export type VirtualDebitCard = z.output<typeof virtualDebitCardDocumentSchema>['data'];

// ---------------------------------------------------------------------------------------------
// Errors (document 004's format)

/** Every error code of the payment-intent API, with its HTTP status. */
export const PAYMENT_INTENT_ERROR_STATUS = {
  invalid_request: 400,
  authentication_failed: 401,
  permission_denied: 403,
  not_found: 404,
  idempotency_key_in_use: 409,
  insufficient_funds: 422,
  amount_mismatch: 422,
  currency_mismatch: 422,
  amount_exceeds_authorized: 422,
  invalid_state: 422,
  payment_intent_not_authorizable: 422,
  card_unavailable: 422,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  provider_error: 502,
  provider_timeout: 504,
} as const;
/** An error code of the payment-intent API. */
export type PaymentIntentErrorCode = keyof typeof PAYMENT_INTENT_ERROR_STATUS;

/** The title each code comes with (document 004: `"title": "Insufficient Funds"`). */
export const PAYMENT_INTENT_ERROR_TITLE = {
  invalid_request: 'Invalid Request',
  authentication_failed: 'Authentication Failed',
  permission_denied: 'Permission Denied',
  not_found: 'Not Found',
  idempotency_key_in_use: 'Idempotency Key In Use',
  insufficient_funds: 'Insufficient Funds',
  amount_mismatch: 'Amount Mismatch',
  currency_mismatch: 'Currency Mismatch',
  amount_exceeds_authorized: 'Amount Exceeds Authorized',
  invalid_state: 'Invalid State',
  payment_intent_not_authorizable: 'Payment Intent Not Authorizable',
  card_unavailable: 'Card Unavailable',
  idempotency_key_reused: 'Idempotency Key Reused',
  rate_limited: 'Rate Limited',
  internal_error: 'Internal Server Error',
  provider_error: 'Provider Error',
  provider_timeout: 'Provider Timeout',
} as const satisfies Record<PaymentIntentErrorCode, string>;

const PAYMENT_INTENT_ERROR_CODES = Object.keys(PAYMENT_INTENT_ERROR_STATUS) as [
  PaymentIntentErrorCode,
  ...PaymentIntentErrorCode[],
];

/** One error object of document 004's `errors` array. */
export const jsonApiErrorSchema = z.object({
  status: z.string().regex(/^[1-5][0-9]{2}$/),
  code: z.enum(PAYMENT_INTENT_ERROR_CODES),
  title: z.string(),
  detail: z.string(),
  source: z
    .object({
      pointer: z.string().optional(),
      parameter: z.string().optional(),
      header: z.string().optional(),
    })
    .optional()
    .describe(
      'What the error is about: a JSON pointer into the body, a query parameter or a header.',
    ),
  meta: z.object({ requestId: z.string().optional() }).passthrough().optional(),
});
/** One error object. */
export type JsonApiError = z.output<typeof jsonApiErrorSchema>;

/** Document 004's error document: `{ errors: [{ status, code, title, detail }] }`. */
export const jsonApiErrorDocumentSchema = z.object({ errors: z.array(jsonApiErrorSchema).min(1) });
/** An error document. */
export type JsonApiErrorDocument = z.output<typeof jsonApiErrorDocumentSchema>;

// ---------------------------------------------------------------------------------------------
// Routes

/** The secure card API's credential pair, issued per merchant (never the API secret). */
export const CLIENT_ID_HEADER = 'x-client-id';
export const CLIENT_SECRET_HEADER = 'x-client-secret';

const errorResponses = {
  400: jsonApiErrorDocumentSchema,
  401: jsonApiErrorDocumentSchema,
  403: jsonApiErrorDocumentSchema,
  404: jsonApiErrorDocumentSchema,
  409: jsonApiErrorDocumentSchema,
  413: jsonApiErrorDocumentSchema,
  422: jsonApiErrorDocumentSchema,
  429: jsonApiErrorDocumentSchema,
  500: jsonApiErrorDocumentSchema,
  502: jsonApiErrorDocumentSchema,
  504: jsonApiErrorDocumentSchema,
};

const secretHeaders = z.object({
  [API_SECRET_HEADER]: z.string().describe('The API secret, sk_test_...; backend only.'),
});
const postHeaders = secretHeaders.extend({
  [IDEMPOTENCY_KEY_HEADER]: text(255)
    .optional()
    .describe('Makes the POST safe to retry: the same key and body replays the first answer.'),
});
const paymentIntentParams = z.object({ paymentIntentId: paymentIntentIdSchema });
const paymentParams = z.object({ paymentId: paymentIdSchema });

/** The query of the hosted Accrue Pay page's address (the React SDK's button asks for it). */
export const accruePayPageQuerySchema = strictObject({
  merchantPublicId: merchantPublicIdSchema,
  amount: positiveAmount,
  currency: currencySchema,
  origin: text(512).describe("The merchant page's origin, which the hosted page reports to."),
});

/** Document 004's API as the sandbox serves it, plus the address of the hosted Accrue Pay page. */
export const paymentIntentsContract = c.router(
  {
    getPaymentIntent: {
      method: 'GET',
      path: '/payment-intents/:paymentIntentId',
      pathParams: paymentIntentParams,
      headers: secretHeaders,
      responses: { 200: paymentIntentDocumentSchema },
      summary: 'A Payment Intent, as the provider has it now.',
    },
    authorize: {
      method: 'POST',
      path: '/payment-intents/:paymentIntentId/authorize',
      pathParams: paymentIntentParams,
      headers: postHeaders,
      body: authorizePaymentIntentSchema,
      responses: { 201: paymentDocumentSchema },
      summary: 'Authorizes a Payment Intent: reserves the funds and answers the Payment.',
    },
    capture: {
      method: 'POST',
      path: '/payments/:paymentId/capture',
      pathParams: paymentParams,
      headers: postHeaders,
      body: capturePaymentSchema,
      responses: { 200: paymentDocumentSchema },
      summary: 'Captures an authorized Payment, in full or in part (once).',
    },
    cancel: {
      method: 'POST',
      path: '/payments/:paymentId/cancel',
      pathParams: paymentParams,
      headers: postHeaders,
      body: cancelPaymentSchema,
      responses: { 200: paymentDocumentSchema },
      summary: 'Cancels an authorized Payment before capture and releases the funds.',
    },
    getPayment: {
      method: 'GET',
      path: '/payments/:paymentId',
      pathParams: paymentParams,
      headers: secretHeaders,
      responses: { 200: paymentDocumentSchema },
      summary: 'A Payment: the router asks the provider each time, as verify() does.',
    },
    getCard: {
      method: 'GET',
      path: '/api/v1/payments/:paymentId/card',
      pathParams: paymentParams,
      headers: z.object({ [CLIENT_ID_HEADER]: z.string(), [CLIENT_SECRET_HEADER]: z.string() }),
      responses: { 200: virtualDebitCardDocumentSchema },
      summary: 'The single-use virtual debit card of a manually captured Payment (card rails).',
    },
    receiveNotification: {
      method: 'POST',
      path: '/v1/accrue-pay/callbacks/:merchantTransactionProviderId',
      pathParams: z.object({ merchantTransactionProviderId: text(128) }),
      contentType: 'application/json',
      body: z.unknown().describe("Accrue's notification, verified by its accrue-signature header."),
      responses: { 200: z.object({ received: z.literal(true) }) },
      summary:
        'Where Accrue sends notifications. A notification is a hint: the router asks Accrue for the truth.',
    },
    accruePayPage: {
      method: 'GET',
      path: '/v1/public/accrue-pay/page',
      query: accruePayPageQuerySchema,
      responses: { 200: z.object({ url: z.string().url() }) },
      summary: 'The address of the hosted Accrue Pay page for this merchant, amount and origin.',
    },
  },
  { strictStatusCodes: true, commonResponses: errorResponses },
);

/** The type of document 004's contract. */
export type PaymentIntentsContract = typeof paymentIntentsContract;
