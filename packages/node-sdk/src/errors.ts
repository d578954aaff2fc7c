import {
  ERROR_CODE,
  type ErrorCode,
  type ErrorEnvelope,
  errorEnvelopeSchema,
  type FieldIssue,
  type JsonApiError,
  jsonApiErrorDocumentSchema,
  PAYMENT_INTENT_ERROR_STATUS,
  type PaymentIntentErrorCode,
} from '@accrupay/contracts';

/** Codes of a webhook the SDK refused to trust (`AccruPayWebhookVerificationError`); never sent by the API. */
export const WEBHOOK_ERROR_CODE = {
  WEBHOOK_SECRET_INVALID: 'WEBHOOK_SECRET_INVALID',
  WEBHOOK_RAW_BODY_REQUIRED: 'WEBHOOK_RAW_BODY_REQUIRED',
  WEBHOOK_MISSING_HEADERS: 'WEBHOOK_MISSING_HEADERS',
  WEBHOOK_HEADER_INVALID: 'WEBHOOK_HEADER_INVALID',
  WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE: 'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
  WEBHOOK_SIGNATURE_INVALID: 'WEBHOOK_SIGNATURE_INVALID',
  WEBHOOK_PAYLOAD_INVALID: 'WEBHOOK_PAYLOAD_INVALID',
} as const;
/** A code of `AccruPayWebhookVerificationError`. */
export type WebhookErrorCode = (typeof WEBHOOK_ERROR_CODE)[keyof typeof WEBHOOK_ERROR_CODE];

/** Codes the SDK itself raises, for failures that never got an API answer. */
export const SDK_ERROR_CODE = {
  CONNECTION_ERROR: 'CONNECTION_ERROR',
  TIMEOUT: 'TIMEOUT',
  INVALID_RESPONSE: 'INVALID_RESPONSE',
  CONFIGURATION_ERROR: 'CONFIGURATION_ERROR',
  ...WEBHOOK_ERROR_CODE,
} as const;

/**
 * An error code: one of the API's (`VALIDATION_ERROR`, ...), one of document 004's payment-intent
 * API (`insufficient_funds`, ...), or one of the SDK's own.
 */
export type AccruPayErrorCode =
  | ErrorCode
  | PaymentIntentErrorCode
  | (typeof SDK_ERROR_CODE)[keyof typeof SDK_ERROR_CODE];

interface ErrorFields {
  code: AccruPayErrorCode;
  message: string;
  statusCode?: number | undefined;
  requestId?: string | undefined;
  issues?: FieldIssue[] | undefined;
  details?: Record<string, unknown> | undefined;
  errors?: JsonApiError[] | undefined;
  cause?: unknown;
}

/**
 * The base of every error the SDK throws.
 *
 * @example
 * ```ts
 * try { await accrupay.transactions.clientSessions.payments.verify({ id }); }
 * catch (error) { if (error instanceof AccruPayError) console.log(error.code, error.requestId); }
 * ```
 */
export class AccruPayError extends Error {
  override name = 'AccruPayError';
  /** The API's error code (`VALIDATION_ERROR`, ...) or the SDK's (`CONNECTION_ERROR`, `TIMEOUT`, ...). */
  readonly code: AccruPayErrorCode;
  /** The HTTP status of the answer; undefined when there was none. */
  readonly statusCode: number | undefined;
  /** The request id to quote to support and to find in the sandbox's logs. */
  readonly requestId: string | undefined;
  /** For validation errors: each refused field, by its dotted path, with what is wrong. */
  readonly issues: FieldIssue[];
  /** Extra details the API sent with the error. */
  readonly details: Record<string, unknown> | undefined;
  /** For document 004's payment-intent API: its `errors` array as sent (`status`, `code`, `title`, `detail`, `source`); else empty. */
  readonly errors: JsonApiError[];

  constructor(fields: ErrorFields) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = fields.code;
    this.statusCode = fields.statusCode;
    this.requestId = fields.requestId;
    this.issues = fields.issues ?? [];
    this.details = fields.details;
    this.errors = fields.errors ?? [];
  }
}

/** The input was refused (by the SDK before sending, or by the API): `issues` names each field. */
export class AccruPayValidationError extends AccruPayError {
  override name = 'AccruPayValidationError';
}
/** The API secret is missing, malformed or unknown. */
export class AccruPayAuthenticationError extends AccruPayError {
  override name = 'AccruPayAuthenticationError';
}
/** The secret is valid but may not do this. */
export class AccruPayPermissionError extends AccruPayError {
  override name = 'AccruPayPermissionError';
}
/** No such session, transaction or payment method for this merchant. */
export class AccruPayNotFoundError extends AccruPayError {
  override name = 'AccruPayNotFoundError';
}
/** The request conflicts with the current state: a code reused with other data, a settle after void. */
export class AccruPayConflictError extends AccruPayError {
  override name = 'AccruPayConflictError';
}
/** The Idempotency-Key is still in flight, or was used with another body. */
export class AccruPayIdempotencyError extends AccruPayError {
  override name = 'AccruPayIdempotencyError';
}
/** Too many requests; `retryAfterSeconds` says when to try again. */
export class AccruPayRateLimitError extends AccruPayError {
  override name = 'AccruPayRateLimitError';
  /** The Retry-After the API sent, in seconds. */
  retryAfterSeconds: number | undefined;
  constructor(fields: ErrorFields & { retryAfterSeconds?: number | undefined }) {
    super(fields);
    this.retryAfterSeconds = fields.retryAfterSeconds;
  }
}
/**
 * The payment provider failed or did not answer in time. For a start or verify nothing was
 * recorded; for a settle, void, refund or stored-method charge the provider may have applied it
 * (`details.outcome` is `unknown`): retry the same call, which asks the provider before it sends.
 */
export class AccruPayProviderError extends AccruPayError {
  override name = 'AccruPayProviderError';
}
/**
 * The customer's payment could not be made (document 004's `insufficient_funds`): nothing was
 * reserved or moved. Ask the customer for another way to pay; retrying does not help.
 */
export class AccruPayPaymentError extends AccruPayError {
  override name = 'AccruPayPaymentError';
}
/** The API failed on its side. */
export class AccruPayApiError extends AccruPayError {
  override name = 'AccruPayApiError';
}
/** The SDK could not reach the API. */
export class AccruPayConnectionError extends AccruPayError {
  override name = 'AccruPayConnectionError';
}
/** The API did not answer within the timeout. */
export class AccruPayTimeoutError extends AccruPayConnectionError {
  override name = 'AccruPayTimeoutError';
}

/**
 * A webhook failed verification (missing header, stale timestamp, wrong signature, a body that is
 * not an event, a bad `whsec_` secret): answer it with a 400 and do not act on it.
 */
export class AccruPayWebhookVerificationError extends AccruPayError {
  override name = 'AccruPayWebhookVerificationError';
  declare readonly code: WebhookErrorCode;
  constructor(fields: ErrorFields & { code: WebhookErrorCode }) {
    super(fields);
  }
}

type ErrorClass = new (fields: ErrorFields) => AccruPayError;

/** The class of each API error code. */
export const ERROR_CLASS_BY_CODE: Record<ErrorCode, ErrorClass> = {
  [ERROR_CODE.VALIDATION_ERROR]: AccruPayValidationError,
  [ERROR_CODE.CARD_DATA_REFUSED]: AccruPayValidationError,
  [ERROR_CODE.MALFORMED_REQUEST]: AccruPayValidationError,
  [ERROR_CODE.PAYLOAD_TOO_LARGE]: AccruPayValidationError,
  [ERROR_CODE.CALLBACK_SIGNATURE_INVALID]: AccruPayValidationError,
  [ERROR_CODE.AMOUNT_EXCEEDS_AUTHORIZED]: AccruPayValidationError,
  [ERROR_CODE.AMOUNT_EXCEEDS_REFUNDABLE]: AccruPayValidationError,
  [ERROR_CODE.AUTHENTICATION_FAILED]: AccruPayAuthenticationError,
  [ERROR_CODE.PERMISSION_DENIED]: AccruPayPermissionError,
  [ERROR_CODE.NOT_FOUND]: AccruPayNotFoundError,
  [ERROR_CODE.CONFLICT]: AccruPayConflictError,
  [ERROR_CODE.INVALID_STATE_TRANSITION]: AccruPayConflictError,
  [ERROR_CODE.IDEMPOTENCY_KEY_IN_USE]: AccruPayIdempotencyError,
  [ERROR_CODE.IDEMPOTENCY_KEY_REUSED]: AccruPayIdempotencyError,
  [ERROR_CODE.RATE_LIMITED]: AccruPayRateLimitError,
  [ERROR_CODE.PROVIDER_ERROR]: AccruPayProviderError,
  [ERROR_CODE.PROVIDER_TIMEOUT]: AccruPayProviderError,
  [ERROR_CODE.INTERNAL_ERROR]: AccruPayApiError,
};

/** The class of each error code of document 004's payment-intent API. */
export const ERROR_CLASS_BY_PAYMENT_INTENT_CODE: Record<PaymentIntentErrorCode, ErrorClass> = {
  invalid_request: AccruPayValidationError,
  authentication_failed: AccruPayAuthenticationError,
  permission_denied: AccruPayPermissionError,
  not_found: AccruPayNotFoundError,
  idempotency_key_in_use: AccruPayIdempotencyError,
  insufficient_funds: AccruPayPaymentError,
  amount_mismatch: AccruPayValidationError,
  currency_mismatch: AccruPayValidationError,
  amount_exceeds_authorized: AccruPayValidationError,
  invalid_state: AccruPayConflictError,
  payment_intent_not_authorizable: AccruPayConflictError,
  card_unavailable: AccruPayConflictError,
  idempotency_key_reused: AccruPayIdempotencyError,
  rate_limited: AccruPayRateLimitError,
  internal_error: AccruPayApiError,
  provider_error: AccruPayProviderError,
  provider_timeout: AccruPayProviderError,
};

/** Whether a code is one of document 004's payment-intent API. */
export function isPaymentIntentErrorCode(code: unknown): code is PaymentIntentErrorCode {
  return typeof code === 'string' && Object.hasOwn(PAYMENT_INTENT_ERROR_STATUS, code);
}

/** `/data/attributes/amount` as the dotted path `data.attributes.amount`. */
function pointerPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** The class of each of the SDK's webhook codes. */
export const ERROR_CLASS_BY_WEBHOOK_CODE: Record<
  WebhookErrorCode,
  typeof AccruPayWebhookVerificationError
> = {
  [WEBHOOK_ERROR_CODE.WEBHOOK_SECRET_INVALID]: AccruPayWebhookVerificationError,
  [WEBHOOK_ERROR_CODE.WEBHOOK_RAW_BODY_REQUIRED]: AccruPayWebhookVerificationError,
  [WEBHOOK_ERROR_CODE.WEBHOOK_MISSING_HEADERS]: AccruPayWebhookVerificationError,
  [WEBHOOK_ERROR_CODE.WEBHOOK_HEADER_INVALID]: AccruPayWebhookVerificationError,
  [WEBHOOK_ERROR_CODE.WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE]: AccruPayWebhookVerificationError,
  [WEBHOOK_ERROR_CODE.WEBHOOK_SIGNATURE_INVALID]: AccruPayWebhookVerificationError,
  [WEBHOOK_ERROR_CODE.WEBHOOK_PAYLOAD_INVALID]: AccruPayWebhookVerificationError,
};

function classByStatus(status: number): ErrorClass {
  if (status === 401) return AccruPayAuthenticationError;
  if (status === 403) return AccruPayPermissionError;
  if (status === 404) return AccruPayNotFoundError;
  if (status === 409) return AccruPayConflictError;
  if (status === 429) return AccruPayRateLimitError;
  if (status === 502 || status === 504) return AccruPayProviderError;
  if (status >= 400 && status < 500) return AccruPayValidationError;
  return AccruPayApiError;
}

/** Reads a Retry-After header (seconds, or an HTTP date) as seconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * The one factory from an API answer to its error: the envelope's code picks the class (the
 * sandbox's `{ error }` envelope, or document 004's `{ errors: [...] }`, by its first error's
 * code); an answer with neither (a proxy's HTML page) is classed by its status.
 */
export function errorFromResponse(answer: {
  status: number;
  body: unknown;
  headers?: Headers | undefined;
  requestId?: string | undefined;
}): AccruPayError {
  const parsed = errorEnvelopeSchema.safeParse(answer.body);
  const retryAfterSeconds = parseRetryAfter(answer.headers?.get('retry-after') ?? null);
  if (parsed.success) {
    const error: ErrorEnvelope['error'] = parsed.data.error;
    const ErrorType = ERROR_CLASS_BY_CODE[error.code];
    const fields: ErrorFields = {
      code: error.code,
      message: error.message,
      statusCode: answer.status,
      requestId: error.requestId,
      issues: error.issues,
      details: error.details,
    };
    return ErrorType === AccruPayRateLimitError
      ? new AccruPayRateLimitError({ ...fields, retryAfterSeconds })
      : new ErrorType(fields);
  }
  const document = jsonApiErrorDocumentSchema.safeParse(answer.body);
  if (document.success) {
    const errors = document.data.errors;
    const first = errors[0] as JsonApiError;
    const ErrorType = ERROR_CLASS_BY_PAYMENT_INTENT_CODE[first.code];
    const issues = errors.flatMap((error) => {
      const where = error.source?.pointer
        ? pointerPath(error.source.pointer)
        : (error.source?.parameter ?? error.source?.header);
      return where === undefined ? [] : [{ path: where, message: error.detail }];
    });
    const fields: ErrorFields = {
      code: first.code,
      message: [...new Set(errors.map((error) => error.detail))].join('; '),
      statusCode: answer.status,
      requestId: first.meta?.requestId ?? answer.requestId,
      issues,
      errors,
    };
    return ErrorType === AccruPayRateLimitError
      ? new AccruPayRateLimitError({ ...fields, retryAfterSeconds })
      : new ErrorType(fields);
  }
  const ErrorType = classByStatus(answer.status);
  const fields: ErrorFields = {
    code: SDK_ERROR_CODE.INVALID_RESPONSE,
    message: `The API answered HTTP ${answer.status} without an AccruPay error envelope${
      typeof answer.body === 'string' && answer.body ? `: ${answer.body.slice(0, 200)}` : ''
    }. Is baseUrl pointing at an AccruPay sandbox?`,
    statusCode: answer.status,
    requestId: answer.requestId,
  };
  return ErrorType === AccruPayRateLimitError
    ? new AccruPayRateLimitError({ ...fields, retryAfterSeconds })
    : new ErrorType(fields);
}
