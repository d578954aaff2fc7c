import {
  ERROR_CODE,
  ERROR_HTTP_STATUS,
  type ErrorCode,
  PAYMENT_INTENT_ERROR_STATUS,
  PAYMENT_INTENT_ERROR_TITLE,
  type PaymentIntentErrorCode,
} from '@accrupay/contracts';
import { describe, expect, test } from 'vitest';
import {
  AccruPayApiError,
  AccruPayAuthenticationError,
  AccruPayConflictError,
  AccruPayError,
  AccruPayIdempotencyError,
  AccruPayNotFoundError,
  AccruPayPaymentError,
  AccruPayPermissionError,
  AccruPayProviderError,
  AccruPayRateLimitError,
  AccruPayValidationError,
  AccruPayWebhookVerificationError,
  ERROR_CLASS_BY_WEBHOOK_CODE,
  errorFromResponse,
  parseRetryAfter,
  SDK_ERROR_CODE,
  WEBHOOK_ERROR_CODE,
} from './errors.ts';
import { envelope } from './test-fixtures.ts';

const EXPECTED: Record<ErrorCode, new (...args: never[]) => AccruPayError> = {
  VALIDATION_ERROR: AccruPayValidationError,
  CARD_DATA_REFUSED: AccruPayValidationError,
  MALFORMED_REQUEST: AccruPayValidationError,
  PAYLOAD_TOO_LARGE: AccruPayValidationError,
  CALLBACK_SIGNATURE_INVALID: AccruPayValidationError,
  AMOUNT_EXCEEDS_AUTHORIZED: AccruPayValidationError,
  AMOUNT_EXCEEDS_REFUNDABLE: AccruPayValidationError,
  AUTHENTICATION_FAILED: AccruPayAuthenticationError,
  PERMISSION_DENIED: AccruPayPermissionError,
  NOT_FOUND: AccruPayNotFoundError,
  CONFLICT: AccruPayConflictError,
  INVALID_STATE_TRANSITION: AccruPayConflictError,
  IDEMPOTENCY_KEY_IN_USE: AccruPayIdempotencyError,
  IDEMPOTENCY_KEY_REUSED: AccruPayIdempotencyError,
  RATE_LIMITED: AccruPayRateLimitError,
  PROVIDER_ERROR: AccruPayProviderError,
  PROVIDER_TIMEOUT: AccruPayProviderError,
  INTERNAL_ERROR: AccruPayApiError,
};

describe('errorFromResponse', () => {
  test.each(Object.values(ERROR_CODE))('maps %s to its class with every field', (code) => {
    const status = ERROR_HTTP_STATUS[code];
    const cause = errorFromResponse({
      status,
      body: envelope(code, 'what went wrong', {
        issues: [{ path: 'data.amount', message: 'must be positive' }],
        details: { hint: 1 },
      }),
    });
    expect(cause).toBeInstanceOf(EXPECTED[code]);
    expect(cause).toBeInstanceOf(AccruPayError);
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe(EXPECTED[code].name);
    expect(cause).toMatchObject({
      code,
      statusCode: status,
      requestId: 'req_err',
      message: 'what went wrong',
      issues: [{ path: 'data.amount', message: 'must be positive' }],
      details: { hint: 1 },
    });
  });

  test('a rate limit carries Retry-After', () => {
    const error = errorFromResponse({
      status: 429,
      body: envelope('RATE_LIMITED'),
      headers: new Headers({ 'retry-after': '3' }),
    });
    expect(error).toBeInstanceOf(AccruPayRateLimitError);
    expect((error as AccruPayRateLimitError).retryAfterSeconds).toBe(3);
  });

  test.each([
    [400, AccruPayValidationError],
    [401, AccruPayAuthenticationError],
    [403, AccruPayPermissionError],
    [404, AccruPayNotFoundError],
    [409, AccruPayConflictError],
    [422, AccruPayValidationError],
    [429, AccruPayRateLimitError],
    [500, AccruPayApiError],
    [502, AccruPayProviderError],
    [503, AccruPayApiError],
  ] as const)('an answer %i without an envelope is classed by its status', (status, type) => {
    const error = errorFromResponse({
      status,
      body: '<html>Bad gateway</html>',
      requestId: 'req_x',
    });
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({
      code: 'INVALID_RESPONSE',
      statusCode: status,
      requestId: 'req_x',
    });
    expect(error.message).toContain('<html>Bad gateway</html>');
  });
});

const EXPECTED_004: Record<PaymentIntentErrorCode, new (...args: never[]) => AccruPayError> = {
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

describe("errorFromResponse with document 004's errors array", () => {
  test.each(Object.keys(PAYMENT_INTENT_ERROR_STATUS) as PaymentIntentErrorCode[])(
    'maps %s to its class, keeping the code, status, detail and errors',
    (code) => {
      const status = PAYMENT_INTENT_ERROR_STATUS[code];
      const errors = [
        {
          status: String(status),
          code,
          title: PAYMENT_INTENT_ERROR_TITLE[code],
          detail: `${code} explained`,
        },
      ];
      const error = errorFromResponse({
        status,
        body: { errors },
        requestId: 'req_004',
        headers: new Headers({ 'retry-after': '2' }),
      });
      expect(error).toBeInstanceOf(EXPECTED_004[code]);
      expect(error.name).toBe(EXPECTED_004[code].name);
      expect(error).toMatchObject({
        code,
        statusCode: status,
        requestId: 'req_004',
        message: `${code} explained`,
        errors,
        issues: [],
      });
      if (error instanceof AccruPayRateLimitError) expect(error.retryAfterSeconds).toBe(2);
    },
  );

  test('several errors: the first picks the class, every detail is in the message and issues', () => {
    const error = errorFromResponse({
      status: 400,
      body: {
        errors: [
          {
            status: '400',
            code: 'invalid_request',
            title: 'Invalid Request',
            detail: 'amount: must be positive',
            source: { pointer: '/data/attributes/amount' },
          },
          {
            status: '400',
            code: 'invalid_request',
            title: 'Invalid Request',
            detail: 'idempotency-key: too long',
            source: { header: 'idempotency-key' },
          },
        ],
      },
    });
    expect(error).toBeInstanceOf(AccruPayValidationError);
    expect(error.message).toBe('amount: must be positive; idempotency-key: too long');
    expect(error.issues).toEqual([
      { path: 'data.attributes.amount', message: 'amount: must be positive' },
      { path: 'idempotency-key', message: 'idempotency-key: too long' },
    ]);
    expect(error.errors).toHaveLength(2);
  });

  test('an unknown code is not trusted as a 004 document: classed by status', () => {
    const error = errorFromResponse({
      status: 422,
      body: { errors: [{ status: '422', code: 'teleported', title: 'x', detail: 'y' }] },
    });
    expect(error).toBeInstanceOf(AccruPayValidationError);
    expect(error.code).toBe('INVALID_RESPONSE');
  });
});

describe('parseRetryAfter', () => {
  test('reads seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfter('2')).toBe(2);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2030-01-15T12:00:00Z');
    expect(parseRetryAfter('Tue, 15 Jan 2030 12:00:05 GMT', now)).toBe(5);
  });
});

describe('webhook codes', () => {
  test.each(Object.values(WEBHOOK_ERROR_CODE))(
    '%s is an AccruPayWebhookVerificationError, an SDK code',
    (code) => {
      const ErrorType = ERROR_CLASS_BY_WEBHOOK_CODE[code];
      expect(ErrorType).toBe(AccruPayWebhookVerificationError);
      const error = new ErrorType({ code, message: 'refused' });
      expect(error).toBeInstanceOf(AccruPayError);
      expect(error).toMatchObject({
        name: 'AccruPayWebhookVerificationError',
        code,
        statusCode: undefined,
      });
      expect(Object.values(SDK_ERROR_CODE)).toContain(code);
      expect(Object.values(ERROR_CODE)).not.toContain(code);
    },
  );
});
