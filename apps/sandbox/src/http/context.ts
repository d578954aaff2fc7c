import { AsyncLocalStorage } from 'node:async_hooks';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { RouterError } from '../domain/errors.ts';
import type { MerchantRow } from '../store/store.ts';

/** The request id of the request being handled, for log lines written outside the HTTP layer. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** Per-request state the middlewares hand to the handlers. */
export interface RequestLocals {
  requestId: string;
  log: Logger;
  /** The authenticated merchant: set by the auth middleware on every route behind the secret. */
  merchant?: MerchantRow;
  /** On the GraphQL endpoint: why the API secret sent was refused (its fields answer UNAUTHENTICATED). */
  authError?: RouterError;
  /** The answer is an error though its status is 200 (GraphQL): not kept for an idempotent replay. */
  answerFailed?: boolean;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

/** The authenticated merchant of a request; a handler behind the secret never runs without one. */
export function merchantOf(res: Response): MerchantRow {
  const { merchant } = locals(res);
  if (!merchant) throw new RouterError('AUTHENTICATION_FAILED', 'Missing API secret.');
  return merchant;
}
