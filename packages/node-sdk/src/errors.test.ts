import { ERROR_CODE, ERROR_HTTP_STATUS, type ErrorCode } from '@accrupay/contracts';
import { describe, expect, test } from 'vitest';
import {
  AccruPayApiError,
  AccruPayAuthenticationError,
  AccruPayConflictError,
  AccruPayError,
  AccruPayIdempotencyError,
  AccruPayNotFoundError,
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
