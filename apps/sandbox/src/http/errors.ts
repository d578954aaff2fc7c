import type { ErrorEnvelope } from '@accrupay/contracts';
import type { RequestValidationError } from '@ts-rest/express';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { RouterError } from '../domain/errors.ts';
import { locals } from './context.ts';
import { errorExtensions } from './graphql/errors.ts';
import { GRAPHQL_PATH } from './graphql/paths.ts';

/** Largest request body accepted; larger ones get 413 before parsing. */
export const BODY_LIMIT = '64kb';

/** Answers with the error envelope: code, message, the request id, issues and details. */
export function sendError(res: Response, error: RouterError) {
  const { requestId } = locals(res);
  if (error.extra.retryAfterSeconds !== undefined) {
    res.setHeader('Retry-After', String(error.extra.retryAfterSeconds));
  }
  // On the GraphQL endpoint a refusal before the operation runs is a GraphQL error too.
  if (res.req.path.replace(/\/$/, '').toLowerCase() === GRAPHQL_PATH) {
    res.status(error.status).json({
      errors: [{ message: error.message, extensions: errorExtensions(error, requestId) }],
    });
    return;
  }
  const envelope: ErrorEnvelope = {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.extra.issues ? { issues: error.extra.issues } : {}),
      ...(error.extra.details ? { details: error.extra.details } : {}),
    },
  };
  res.status(error.status).json(envelope);
}

/** The last route: 404 NOT_FOUND naming the method and path. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, new RouterError('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
};

/** ts-rest's refusal of a request the contract does not accept: 400 naming each field. */
export function validationError(err: RequestValidationError, _req: unknown, res: Response): void {
  const issues = [
    ...(['pathParams', 'headers', 'query', 'body'] as const).flatMap((part) =>
      (err[part]?.issues ?? []).map((issue) => ({
        path: [...(part === 'body' || part === 'query' ? [] : [part]), ...issue.path].join('.'),
        message: issue.message,
      })),
    ),
  ];
  sendError(
    res,
    new RouterError(
      'VALIDATION_ERROR',
      issues
        .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
        .join('; '),
      { issues },
    ),
  );
}

/** What the body parsers' own refusals become, by their `type`. */
function parserError(error: unknown): RouterError | undefined {
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') {
    return new RouterError('PAYLOAD_TOO_LARGE', `Request body is larger than ${BODY_LIMIT}.`);
  }
  if (type === 'entity.parse.failed') {
    // The parser takes only an object or an array at the top (strict): name a bare value.
    const raw = String((error as { body?: unknown }).body ?? '').trim();
    const bare = /^("|-?[0-9]|true$|false$|null$)/.test(raw);
    return new RouterError(
      'MALFORMED_REQUEST',
      bare
        ? 'Request body must be a JSON object such as {"data": {...}}; got a bare JSON string, number, boolean or null.'
        : 'Request body is not valid JSON; send application/json.',
      { issues: [{ path: 'body', message: bare ? 'must be a JSON object' : 'is not valid JSON' }] },
    );
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    const charset = type === 'charset.unsupported';
    return new RouterError(
      'MALFORMED_REQUEST',
      charset
        ? 'Content-Type charset is not supported: send the JSON body as UTF-8 (Content-Type: application/json; charset=utf-8).'
        : 'Content-Encoding is not supported: send the body uncompressed (no Content-Encoding, or identity).',
      {
        issues: [
          {
            path: charset ? 'headers.content-type' : 'headers.content-encoding',
            message: 'is not supported',
          },
        ],
      },
    );
  }
  return undefined;
}

/** The last middleware: every error as the envelope; only the router's own faults are 5xx. */
export const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  const { log } = locals(res);
  if (error instanceof RouterError) {
    if (error.status >= 500) log.error({ err: error.cause ?? error }, error.message);
    sendError(res, error);
    return;
  }
  const parsed = parserError(error);
  if (parsed) {
    sendError(res, parsed);
    return;
  }
  // Any other refusal of the request by express or its parsers (an aborted or short body, a
  // path parameter that does not decode): the client's fault, so a 400, never a 500.
  const type = (error as { type?: string }).type;
  const status = (error as { status?: unknown }).status;
  if (error instanceof URIError || (typeof status === 'number' && status >= 400 && status < 500)) {
    log.warn({ type, status }, 'request refused by the HTTP layer');
    sendError(
      res,
      new RouterError(
        'MALFORMED_REQUEST',
        error instanceof URIError
          ? 'The request path is not valid percent-encoding: encode each path segment with encodeURIComponent.'
          : 'The request could not be read: send a complete application/json body of at most 64 KiB, encoded as UTF-8.',
      ),
    );
    return;
  }
  log.error({ err: error }, 'unexpected error');
  sendError(
    res,
    new RouterError(
      'INTERNAL_ERROR',
      'Something went wrong in the sandbox; the request id in this answer is in its log.',
    ),
  );
};
