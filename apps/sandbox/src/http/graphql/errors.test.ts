import { ERROR_HTTP_STATUS, type ErrorCode } from '@accrupay/contracts';
import { GraphQLError } from 'graphql';
import { describe, expect, test } from 'vitest';
import { RouterError } from '../../domain/errors.ts';
import {
  GRAPHQL_ERROR_CODE,
  maskExecutionError,
  NOT_SUPPORTED_BY_SANDBOX,
  notSupported,
} from './errors.ts';

const CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];

describe('GraphQL error mapping', () => {
  test.each(CODES)('%s keeps its message, its contract code and the request id', (code) => {
    const error = new RouterError(code, `${code} happened: fix the field`, {
      issues: [{ path: 'data.amount', message: 'must be positive' }],
      retryAfterSeconds: 3,
    });
    // Thrown by a resolver: graphql-js wraps it with the path it was thrown at.
    const wrapped = new GraphQLError(error.message, { path: ['field'], originalError: error });
    const masked = maskExecutionError(wrapped, 'req_1');
    expect(masked.message).toBe(`${code} happened: fix the field`);
    expect(masked.path).toEqual(['field']);
    expect(masked.extensions).toEqual({
      code: GRAPHQL_ERROR_CODE[code],
      accrupayCode: code,
      requestId: 'req_1',
      issues: [{ path: 'data.amount', message: 'must be positive' }],
      retryAfterSeconds: 3,
    });
  });

  test('a client-side code for every 4xx of the contract, a server-side one for every 5xx', () => {
    for (const code of CODES) {
      const serverSide = ['INTERNAL_SERVER_ERROR', 'PROVIDER_ERROR', 'PROVIDER_TIMEOUT'];
      expect(serverSide.includes(GRAPHQL_ERROR_CODE[code]), code).toBe(
        ERROR_HTTP_STATUS[code] >= 500,
      );
    }
    expect(GRAPHQL_ERROR_CODE.AUTHENTICATION_FAILED).toBe('UNAUTHENTICATED');
    expect(GRAPHQL_ERROR_CODE.VALIDATION_ERROR).toBe('BAD_USER_INPUT');
  });

  test('an unexpected error is INTERNAL_SERVER_ERROR and never shows its cause', () => {
    const secret = new Error('password=hunter2 at /srv/sandbox/src/store.ts:12');
    const wrapped = new GraphQLError(secret.message, {
      path: ['merchantApi'],
      originalError: secret,
    });
    const masked = maskExecutionError(wrapped, 'req_2');
    expect(masked.message).not.toContain('hunter2');
    expect(masked.message).toContain('request id');
    expect(masked.extensions).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      accrupayCode: 'INTERNAL_ERROR',
      requestId: 'req_2',
    });
    expect(maskExecutionError('not even an error', 'req_3').extensions.code).toBe(
      'INTERNAL_SERVER_ERROR',
    );
  });

  test("GraphQL's own errors (a bad variable, an unknown field) keep their message as BAD_USER_INPUT", () => {
    const masked = maskExecutionError(new GraphQLError('Cannot query field "nmae"'), 'req_4');
    expect(masked.message).toBe('Cannot query field "nmae"');
    expect(masked.extensions).toEqual({ code: 'BAD_USER_INPUT', requestId: 'req_4' });
    const limited = maskExecutionError(
      new GraphQLError('Syntax Error: Query depth limit of 10 exceeded', {
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      }),
      'req_5',
    );
    expect(limited.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('an operation the sandbox does not implement says so by its code', () => {
    const error = notSupported('merchantApiPaymentPlans', 'payment plans', 'req_6');
    expect(error.extensions).toEqual({ code: NOT_SUPPORTED_BY_SANDBOX, requestId: 'req_6' });
    expect(error.message).toMatch(/^merchantApiPaymentPlans: payment plans are not supported/);
  });
});
