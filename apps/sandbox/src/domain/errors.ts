import { ERROR_HTTP_STATUS, type ErrorCode, type FieldIssue } from '@accrupay/contracts';

/** An error the router answers with: its code picks the HTTP status, its message says the fix. */
export class RouterError extends Error {
  override readonly name = 'RouterError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      issues?: FieldIssue[];
      details?: Record<string, unknown>;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.status = ERROR_HTTP_STATUS[code];
  }
}

export function notFound(what: string): RouterError {
  return new RouterError('NOT_FOUND', `${what} was not found for this merchant`);
}
