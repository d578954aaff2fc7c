import type { ErrorCode } from '@accrupay/contracts';
import { GraphQLError } from 'graphql';
import { RouterError } from '../../domain/errors.ts';

/**
 * How the contract's error codes read in GraphQL's `extensions.code` (Apollo's names where there
 * is one: UNAUTHENTICATED, BAD_USER_INPUT, FORBIDDEN...). The contract's own code travels beside
 * it as `extensions.accrupayCode`, so a client can tell a refused card number from a bad field.
 */
export const GRAPHQL_ERROR_CODE = {
  VALIDATION_ERROR: 'BAD_USER_INPUT',
  CARD_DATA_REFUSED: 'BAD_USER_INPUT',
  AMOUNT_EXCEEDS_AUTHORIZED: 'BAD_USER_INPUT',
  AMOUNT_EXCEEDS_REFUNDABLE: 'BAD_USER_INPUT',
  IDEMPOTENCY_KEY_REUSED: 'BAD_USER_INPUT',
  CALLBACK_SIGNATURE_INVALID: 'BAD_USER_INPUT',
  MALFORMED_REQUEST: 'BAD_REQUEST',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  AUTHENTICATION_FAILED: 'UNAUTHENTICATED',
  PERMISSION_DENIED: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_STATE_TRANSITION: 'CONFLICT',
  IDEMPOTENCY_KEY_IN_USE: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  PROVIDER_TIMEOUT: 'PROVIDER_TIMEOUT',
  INTERNAL_ERROR: 'INTERNAL_SERVER_ERROR',
} as const satisfies Record<ErrorCode, string>;

/** The code of an operation the sandbox declares (so it validates) but does not implement. */
export const NOT_SUPPORTED_BY_SANDBOX = 'NOT_SUPPORTED_BY_SANDBOX';

/** A GraphQL error's extensions: the code, the contract's code, the request id, what to fix. */
export function errorExtensions(error: RouterError, requestId: string): Record<string, unknown> {
  return {
    code: GRAPHQL_ERROR_CODE[error.code],
    accrupayCode: error.code,
    requestId,
    ...(error.extra.issues ? { issues: error.extra.issues } : {}),
    ...(error.extra.details ? { details: error.extra.details } : {}),
    ...(error.extra.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: error.extra.retryAfterSeconds }
      : {}),
  };
}

/** The router's error as a GraphQL error. */
export function toGraphQLError(error: RouterError, requestId: string): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: errorExtensions(error, requestId),
    originalError: error,
  });
}

/** The answer to an operation the sandbox does not implement. */
export function notSupported(field: string, what: string, requestId: string): GraphQLError {
  return new GraphQLError(
    `${field}: ${what} are not supported by the AccruPay sandbox; see the README's "GraphQL API" section for what is.`,
    { extensions: { code: NOT_SUPPORTED_BY_SANDBOX, requestId } },
  );
}

/**
 * What an error thrown while executing becomes: the router's errors keep their code and message,
 * GraphQL's own (validation, a bad variable) keep theirs with the request id, anything else is an
 * INTERNAL_SERVER_ERROR whose message names the request id, never the cause.
 */
export function maskExecutionError(error: unknown, requestId: string): GraphQLError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof RouterError) {
    const base = toGraphQLError(original, requestId);
    return error instanceof GraphQLError
      ? new GraphQLError(base.message, {
          nodes: error.nodes,
          path: error.path,
          extensions: base.extensions,
          originalError: original,
        })
      : base;
  }
  if (error instanceof GraphQLError && original instanceof GraphQLError) {
    // GraphQL's own refusals (a bad variable, validation, a limit) and the errors a resolver
    // raised as GraphQL errors (not supported): their message, where it happened, a code (the
    // one they carry, else BAD_USER_INPUT: the client sent something this schema refuses), and
    // the request id.
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: {
        code: 'BAD_USER_INPUT',
        ...original.extensions,
        ...error.extensions,
        requestId,
      },
    });
  }
  return new GraphQLError(
    'Something went wrong in the sandbox; the request id in this answer is in its log.',
    {
      ...(error instanceof GraphQLError ? { nodes: error.nodes, path: error.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', accrupayCode: 'INTERNAL_ERROR', requestId },
    },
  );
}
