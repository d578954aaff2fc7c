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

/**
 * Sets the request's logger, made on first use: most requests never log (the request line is at
 * info, the default level is warn), and a pino child logger costs its bindings' serialisation.
 */
export function setLazyLog(res: Response, make: () => Logger): void {
  let log: Logger | undefined;
  Object.defineProperty(res.locals, 'log', {
    configurable: true,
    enumerable: true,
    get: () => {
      log ??= make();
      return log;
    },
    set: (value: Logger) => {
      log = value;
    },
  });
}

/** The request's logger with more bindings (e.g. the merchant) from here on, made on first use. */
export function addLogBindings(res: Response, bindings: Record<string, unknown>): void {
  const parent = locals(res);
  const before = Object.getOwnPropertyDescriptor(parent, 'log');
  const parentLog = (): Logger => (before?.get ? before.get.call(parent) : before?.value) as Logger;
  setLazyLog(res, () => parentLog().child(bindings));
}
