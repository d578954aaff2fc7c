import type { ErrorCode, JsonApiError, PaymentIntentErrorCode } from '@accrupay/contracts';
import type { RequestValidationError } from '@ts-rest/express';
import type { ErrorRequestHandler, Response } from 'express';
import { RouterError } from '../../domain/errors.ts';
import { type ErrorSource, PaymentIntentError } from '../../domain/payment-intents/index.ts';
import { locals } from '../context.ts';
import { BODY_LIMIT } from '../errors.ts';

/** Answers with document 004's error document: `{ errors: [{ status, code, title, detail }] }`. */
export function sendJsonApiError(res: Response, error: PaymentIntentError, retryAfter?: number) {
  const { requestId } = locals(res);
  if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
  const object: JsonApiError = {
    status: String(error.status),
    code: error.code,
    title: error.title,
    detail: error.detail,
    ...(error.extra.source ? { source: error.extra.source } : {}),
    meta: { requestId },
  };
  res.status(error.status).json({ errors: [object] });
}

const CODE_OF: Partial<Record<ErrorCode, PaymentIntentErrorCode>> = {
  VALIDATION_ERROR: 'invalid_request',
  CARD_DATA_REFUSED: 'invalid_request',
  MALFORMED_REQUEST: 'invalid_request',
  CALLBACK_SIGNATURE_INVALID: 'authentication_failed',
  AUTHENTICATION_FAILED: 'authentication_failed',
  PERMISSION_DENIED: 'permission_denied',
  NOT_FOUND: 'not_found',
  IDEMPOTENCY_KEY_IN_USE: 'idempotency_key_in_use',
  IDEMPOTENCY_KEY_REUSED: 'idempotency_key_reused',
  AMOUNT_EXCEEDS_AUTHORIZED: 'amount_exceeds_authorized',
  RATE_LIMITED: 'rate_limited',
  PROVIDER_ERROR: 'provider_error',
  PROVIDER_TIMEOUT: 'provider_timeout',
};

/** Where a router issue path (`headers.x`, `query.x`, `data.amount`) points, in JSON:API terms. */
function sourceOf(path: string | undefined): ErrorSource | undefined {
  if (path === undefined || path === '' || path === 'body' || path === 'path') return undefined;
  if (path.startsWith('headers.')) return { header: path.slice(8) };
  if (path.startsWith('query.')) return { parameter: path.slice(6) };
  return { pointer: `/${path.split('.').join('/')}` };
}

/** A RouterError of the shared middlewares (auth, limits, idempotency...) in document 004's terms. */
export function fromRouterError(error: RouterError): PaymentIntentError {
  const code = CODE_OF[error.code] ?? (error.status >= 500 ? 'internal_error' : 'invalid_request');
  const source = sourceOf(error.extra.issues?.[0]?.path);
  return new PaymentIntentError(code, error.message, {
    ...(source ? { source } : {}),
    ...(error.status === 413 ? { status: 413 } : {}),
    cause: error,
  });
}

/** ts-rest's refusal of a request: 400 invalid_request per field, pointing at it. */
export function validationError(err: RequestValidationError, _req: unknown, res: Response): void {
  const parts = [
    ['pathParams', err.pathParams],
    ['headers', err.headers],
    ['query', err.query],
    ['body', err.body],
  ] as const;
  const errors: JsonApiError[] = [];
  for (const [part, zodError] of parts) {
    for (const issue of zodError?.issues ?? []) {
      const path = issue.path.map(String);
      const source: ErrorSource =
        part === 'body'
          ? { pointer: `/${path.join('/')}` }
          : part === 'headers'
            ? { header: path.join('.') }
            : { parameter: path.join('.') };
      const where =
        part === 'body' ? (path.length ? path.join('.') : 'the body') : path.join('.') || part;
      errors.push({
        status: '400',
        code: 'invalid_request',
        title: 'Invalid Request',
        detail: `${where}: ${issue.message === 'Required' ? 'is required' : issue.message}`,
        source,
        meta: { requestId: locals(res).requestId },
      });
    }
  }
  if (errors.length === 0) {
    errors.push({
      status: '400',
      code: 'invalid_request',
      title: 'Invalid Request',
      detail: 'The request does not match document 004.',
      meta: { requestId: locals(res).requestId },
    });
  }
  res.status(400).json({ errors });
}

/** The body parsers' refusals, by their `type`. */
function parserError(error: unknown): PaymentIntentError | undefined {
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') {
    return new PaymentIntentError(
      'invalid_request',
      `The request body is larger than ${BODY_LIMIT}.`,
      { status: 413 },
    );
  }
  if (type === 'entity.parse.failed') {
    return new PaymentIntentError(
      'invalid_request',
      'The request body is not valid JSON: send a JSON:API document such as {"data": {"type": "...", "attributes": {...}}} with Content-Type: application/vnd.api+json or application/json.',
    );
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new PaymentIntentError('invalid_request', 'The body must be UTF-8 JSON, uncompressed.', {
      source: { header: type === 'charset.unsupported' ? 'content-type' : 'content-encoding' },
    });
  }
  return undefined;
}

/** The last middleware of document 004's routes: every error in its format; only the router's own faults are 5xx. */
export const jsonApiErrorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  const { log } = locals(res);
  if (error instanceof PaymentIntentError) {
    if (error.status >= 500) log.error({ err: error.cause ?? error }, error.detail);
    sendJsonApiError(res, error);
    return;
  }
  if (error instanceof RouterError) {
    if (error.status >= 500) log.error({ err: error.cause ?? error }, error.message);
    sendJsonApiError(res, fromRouterError(error), error.extra.retryAfterSeconds);
    return;
  }
  const parsed = parserError(error);
  if (parsed) {
    sendJsonApiError(res, parsed);
    return;
  }
  const status = (error as { status?: unknown }).status;
  if (error instanceof URIError || (typeof status === 'number' && status >= 400 && status < 500)) {
    sendJsonApiError(
      res,
      new PaymentIntentError(
        'invalid_request',
        'The request could not be read: send a complete JSON body of at most 64 KiB, encoded as UTF-8, and percent-encode each path segment.',
      ),
    );
    return;
  }
  log.error({ err: error }, 'unexpected error');
  sendJsonApiError(
    res,
    new PaymentIntentError(
      'internal_error',
      'Something went wrong in the sandbox; the request id in meta.requestId is in its log.',
    ),
  );
};
