import { AsyncLocalStorage } from 'node:async_hooks';
import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  API_SECRET_HEADER,
  type ErrorEnvelope,
  IDEMPOTENCY_KEY_HEADER,
  REQUEST_ID_HEADER,
} from '@accrupay/contracts';
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Logger } from 'pino';
import { containsCardNumber, findCardData, redactCardNumbers } from '../domain/card-data.ts';
import { RouterError } from '../domain/errors.ts';
import type { IdempotencyKeys } from '../domain/idempotency.ts';
import type { RateLimiter } from '../domain/rate-limit.ts';
import type { SandboxService } from '../domain/service.ts';
import type { MerchantRow } from '../store/store.ts';
import { mountContract } from './handlers.ts';
import { decodePercent, MAX_BODY_DEPTH, malformedQueryPart, tooDeep } from './input-guards.ts';

/** The request id of the request being handled, for log lines written outside the HTTP layer. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

/** Log paths never written: secrets and anything that could hold card data. */
export const LOG_REDACT_PATHS = [
  'apiSecret',
  '*.apiSecret',
  'secret',
  '*.secret',
  'headers["accrupay-api-secret"]',
  '*.headers["accrupay-api-secret"]',
  'body',
  '*.body',
  'credentials',
  '*.credentials',
];

/** Largest request body accepted; larger ones get 413 before parsing. */
export const BODY_LIMIT = '64kb';

export interface HttpAppOptions {
  service: SandboxService;
  idempotency: IdempotencyKeys;
  rateLimiter: RateLimiter;
  /** Limits per client address, before any lookup (see address-limits.ts). */
  addressRateLimit?: RequestHandler;
  logger: Logger;
  /** Extra routes mounted before the API (the demo shop, later). */
  extraRoutes?: (app: express.Express) => void;
}

/** Per-request state the middlewares hand to the handlers. */
export interface RequestLocals {
  requestId: string;
  log: Logger;
  merchant?: MerchantRow;
}

export function locals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}

function isMerchantPath(path: string): boolean {
  return (
    path.startsWith('/v1/') &&
    !path.startsWith('/v1/public/') &&
    !path.startsWith('/v1/provider-callbacks/')
  );
}

const asyncMiddleware =
  (fn: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res, next).catch(next);
  };

const CARD_DATA_HELP =
  "Card data must never reach your server or AccruPay: the customer types it into the provider's fields rendered by the React SDK.";

/** The CARD_DATA_REFUSED error for a card-like value at `where`; the value itself is never repeated. */
function cardDataRefused(where: string, what = `${where} looks`): RouterError {
  return new RouterError('CARD_DATA_REFUSED', `${what} like a card number. ${CARD_DATA_HELP}`, {
    issues: [{ path: where, message: 'looks like a card number' }],
  });
}

/** The request's path as the request log writes it: anything card-like in it redacted. */
function loggedPath(path: string): string {
  const decoded = decodePercent(path);
  return decoded !== undefined && containsCardNumber(decoded)
    ? redactCardNumbers(decoded)
    : redactCardNumbers(path);
}

/**
 * Refuses, before anything reads the request, what would otherwise be a 500 or slip card data
 * past the scan: a path or query string that is not valid percent-encoding, and a card number in
 * the path, the query string or the headers the router keeps, echoes or logs.
 */
function requestShapeError(req: Request, refusedRequestId: boolean): RouterError | undefined {
  const decodedPath = decodePercent(req.path);
  if (decodedPath === undefined) {
    return new RouterError(
      'MALFORMED_REQUEST',
      'The request path is not valid percent-encoding: each % must start a %XX escape of UTF-8 bytes. Encode each path segment with encodeURIComponent.',
      { issues: [{ path: 'path', message: 'is not valid percent-encoding' }] },
    );
  }
  const search = req.originalUrl.includes('?')
    ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
    : '';
  const badQuery = malformedQueryPart(search);
  if (badQuery) {
    const where =
      badQuery.name !== undefined ? `query.${redactCardNumbers(badQuery.name)}` : 'query';
    return new RouterError(
      'MALFORMED_REQUEST',
      `${badQuery.name !== undefined ? `Query parameter ${redactCardNumbers(badQuery.name)}` : `Query string part ${badQuery.index}`} is not valid percent-encoding: each % must start a %XX escape of UTF-8 bytes. Encode each value with encodeURIComponent (or URLSearchParams).`,
      { issues: [{ path: where, message: 'is not valid percent-encoding' }] },
    );
  }
  if (refusedRequestId) return cardDataRefused(`headers.${REQUEST_ID_HEADER}`);
  if (containsCardNumber(decodedPath)) return cardDataRefused('path', 'The request path looks');
  for (const header of [IDEMPOTENCY_KEY_HEADER]) {
    const value = req.get(header);
    if (value !== undefined && containsCardNumber(value)) {
      return cardDataRefused(`headers.${header.toLowerCase()}`);
    }
  }
  // A provider's callback carries the provider's own ids, which may be long numbers.
  const inQuery = req.path.startsWith('/v1/provider-callbacks/')
    ? undefined
    : findCardData(req.query);
  if (inQuery !== undefined) return cardDataRefused(inQuery ? `query.${inQuery}` : 'query');
  // The contract takes each query parameter once; a repeated one arrives as an array.
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      const field = `query.${redactCardNumbers(name)}`;
      return new RouterError(
        'VALIDATION_ERROR',
        `${field} is given ${value.length} times; give it once.`,
        { issues: [{ path: field, message: `is given ${value.length} times; give it once` }] },
      );
    }
  }
  return undefined;
}
/** Content-Type charsets a JSON body may come in: JSON is UTF-8 (RFC 8259). */
const JSON_CHARSETS = new Set(['utf-8', 'utf8']);

/** Called by the JSON parser with the raw bytes, before they are decoded and parsed. */
function verifyJsonBytes(req: IncomingMessage, _res: unknown, bytes: Buffer): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !JSON_CHARSETS.has(charset.toLowerCase())) {
    throw new RouterError(
      'MALFORMED_REQUEST',
      `Content-Type charset ${redactCardNumbers(JSON.stringify(charset.slice(0, 40)))} is not supported: send the JSON body as UTF-8 (Content-Type: application/json; charset=utf-8, or no charset).`,
      { issues: [{ path: 'headers.content-type', message: 'charset must be utf-8' }] },
    );
  }
  if (!isUtf8(bytes)) {
    throw new RouterError(
      'MALFORMED_REQUEST',
      'Request body is not valid UTF-8: send the JSON body encoded as UTF-8.',
      { issues: [{ path: 'body', message: 'is not valid UTF-8' }] },
    );
  }
}

export function sendError(res: Response, error: RouterError) {
  const { requestId } = locals(res);
  const envelope: ErrorEnvelope = {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.extra.issues ? { issues: error.extra.issues } : {}),
      ...(error.extra.details ? { details: error.extra.details } : {}),
    },
  };
  if (error.extra.retryAfterSeconds !== undefined) {
    res.setHeader('Retry-After', String(error.extra.retryAfterSeconds));
  }
  res.status(error.status).json(envelope);
}

/** The router's HTTP face: express with the ts-rest contract, auth, limits and the error envelope. */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const { service, idempotency, rateLimiter, logger } = options;
  const app = express();
  // What the first middleware found wrong with the shape of a request (see requestShapeError).
  const shapeErrors = new WeakMap<Request, RouterError>();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    // A card-like request id is neither echoed nor logged: the request gets a new one, and is refused.
    const refusedRequestId = given !== undefined && containsCardNumber(given);
    const requestId =
      given && !refusedRequestId && /^[\w.-]{8,128}$/.test(given)
        ? given
        : `req_${randomBytes(12).toString('hex')}`;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const log = logger.child({ requestId });
    Object.assign(res.locals, { requestId, log } satisfies RequestLocals);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.info(
        {
          method: req.method,
          path: loggedPath(req.path),
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    const refused = requestShapeError(req, refusedRequestId);
    if (refused) shapeErrors.set(req, refused);
    requestContext.run({ requestId }, next);
  });

  if (options.addressRateLimit) app.use(options.addressRateLimit);
  // After the per-address limit, so that malformed requests count against it too.
  app.use((req, _res, next) => {
    next(shapeErrors.get(req));
  });

  app.get('/', (_req, res) => {
    res.json({ name: 'AccruPay sandbox', health: '/health' });
  });

  // Callbacks keep their raw bytes: signatures are over the exact body.
  app.use('/v1/provider-callbacks', express.raw({ type: () => true, limit: BODY_LIMIT }));
  app.use(express.json({ limit: BODY_LIMIT, verify: verifyJsonBytes }));

  // Before anything else reads the body: no deeper than MAX_BODY_DEPTH (the scans and the
  // validation walk it; a body 10,000 deep overflowed the stack).
  app.use((req, _res, next) => {
    // A body the JSON parser skipped (no or another Content-Type) would read as a missing field.
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0;
    if (
      hasBody &&
      req.path.startsWith('/v1/') &&
      !req.path.startsWith('/v1/provider-callbacks/') &&
      !req.is('application/json')
    ) {
      next(
        new RouterError(
          'MALFORMED_REQUEST',
          `Request body has Content-Type ${redactCardNumbers(JSON.stringify((req.get('content-type') ?? 'none').slice(0, 60)))}; send it as JSON with Content-Type: application/json.`,
          { issues: [{ path: 'headers.content-type', message: 'must be application/json' }] },
        ),
      );
      return;
    }
    const deep = tooDeep(req.body, MAX_BODY_DEPTH);
    const deepQuery = deep === undefined ? tooDeep(req.query, MAX_BODY_DEPTH) : undefined;
    if (deepQuery !== undefined) {
      next(
        new RouterError(
          'MALFORMED_REQUEST',
          `Query string nests deeper than ${MAX_BODY_DEPTH} levels: send flat name=value parameters.`,
          {
            issues: [
              { path: `query.${deepQuery}`, message: `nests deeper than ${MAX_BODY_DEPTH} levels` },
            ],
          },
        ),
      );
      return;
    }
    if (deep !== undefined) {
      const where = redactCardNumbers(deep.split('.').slice(0, 6).join('.'));
      next(
        new RouterError(
          'MALFORMED_REQUEST',
          `Request body nests arrays or objects deeper than ${MAX_BODY_DEPTH} levels${where ? ` (from ${where}...)` : ''}; the API's bodies need at most 3: send the fields as the contract lists them.`,
          { issues: [{ path: where, message: `nests deeper than ${MAX_BODY_DEPTH} levels` }] },
        ),
      );
      return;
    }
    next();
  });

  // CORS: only the public API, only for the merchant's configured origins.
  app.use(
    '/v1/public/:merchantPublicId',
    asyncMiddleware(async (req, res, next) => {
      const origin = req.get('origin');
      if (origin) {
        const merchant = await service
          .merchantByPublicId(req.params.merchantPublicId ?? '')
          .catch(() => undefined);
        if (merchant && service.allowedOrigins(merchant).includes(origin)) {
          res.setHeader('Access-Control-Allow-Origin', origin);
          res.setHeader('Access-Control-Allow-Methods', 'GET, OPTIONS');
          res.setHeader('Access-Control-Allow-Headers', 'content-type');
          res.setHeader('Access-Control-Max-Age', '600');
        }
        res.setHeader('Vary', 'Origin');
      }
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      next();
    }),
  );

  options.extraRoutes?.(app);

  // The merchant API: secret, rate limit, no card data, Idempotency-Key.
  app.use(
    asyncMiddleware(async (req, res, next) => {
      if (!isMerchantPath(req.path)) return next();
      const merchant = await service.authenticate(req.get(API_SECRET_HEADER));
      const { log } = locals(res);
      Object.assign(res.locals, { merchant, log: log.child({ merchantId: merchant.id }) });
      const wait = rateLimiter.take(merchant.id);
      if (wait > 0) {
        throw new RouterError(
          'RATE_LIMITED',
          `Too many requests for this merchant; retry after ${wait} s.`,
          { retryAfterSeconds: wait },
        );
      }
      const cardPath = findCardData(req.body);
      if (cardPath !== undefined) {
        throw cardPath
          ? cardDataRefused(cardPath)
          : cardDataRefused('body', 'The request body looks');
      }
      const key = req.get(IDEMPOTENCY_KEY_HEADER);
      if (req.method !== 'POST' || key === undefined) return next();
      // Printable ASCII only: other bytes arrive as Latin-1 and would be kept garbled.
      if (key.length === 0 || key.length > 255 || !/^[\x20-\x7e]+$/.test(key)) {
        throw new RouterError(
          'VALIDATION_ERROR',
          'Idempotency-Key must be 1 to 255 printable ASCII characters; a UUID is a good key.',
          {
            issues: [
              {
                path: 'headers.idempotency-key',
                message: 'must be 1 to 255 printable ASCII characters',
              },
            ],
          },
        );
      }
      const claim = await idempotency.claim(merchant.id, key, {
        method: req.method,
        path: req.path,
        body: req.body,
      });
      if (claim.kind === 'replay') {
        res.setHeader('Idempotent-Replayed', 'true');
        res.status(claim.status).type('application/json').send(claim.body);
        return;
      }
      const send = res.json.bind(res);
      res.json = (body: unknown) => {
        const text = JSON.stringify(body);
        // Only answers that did the work are replayed; errors leave the key free for a retry.
        const settle =
          res.statusCode < 300 ? claim.complete(res.statusCode, text) : claim.release();
        settle
          .catch((error: unknown) =>
            log.error({ err: error }, 'could not store the idempotent response'),
          )
          .finally(() => send(body));
        return res;
      };
      next();
    }),
  );

  mountContract(app, service, {
    logInitialization: false,
    jsonQuery: false,
    responseValidation: false,
    requestValidationErrorHandler: (err, _req, res) => {
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
    },
  });

  app.use((req, res) => {
    sendError(res, new RouterError('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
  });

  const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
    const { log } = locals(res);
    if (error instanceof RouterError) {
      if (error.status >= 500) log.error({ err: error.cause ?? error }, error.message);
      sendError(res, error);
      return;
    }
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      sendError(
        res,
        new RouterError('PAYLOAD_TOO_LARGE', `Request body is larger than ${BODY_LIMIT}.`),
      );
      return;
    }
    if (type === 'entity.parse.failed') {
      // The parser takes only an object or an array at the top (strict): name a bare value.
      const raw = String((error as { body?: unknown }).body ?? '').trim();
      const bare = /^("|-?[0-9]|true$|false$|null$)/.test(raw);
      sendError(
        res,
        new RouterError(
          'MALFORMED_REQUEST',
          bare
            ? 'Request body must be a JSON object such as {"data": {...}}; got a bare JSON string, number, boolean or null.'
            : 'Request body is not valid JSON; send application/json.',
          {
            issues: [
              { path: 'body', message: bare ? 'must be a JSON object' : 'is not valid JSON' },
            ],
          },
        ),
      );
      return;
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      sendError(
        res,
        new RouterError(
          'MALFORMED_REQUEST',
          type === 'charset.unsupported'
            ? 'Content-Type charset is not supported: send the JSON body as UTF-8 (Content-Type: application/json; charset=utf-8).'
            : 'Content-Encoding is not supported: send the body uncompressed (no Content-Encoding, or identity).',
          {
            issues: [
              {
                path:
                  type === 'charset.unsupported'
                    ? 'headers.content-type'
                    : 'headers.content-encoding',
                message: 'is not supported',
              },
            ],
          },
        ),
      );
      return;
    }
    // Any other refusal of the request by express or its parsers (an aborted or short body, a
    // path parameter that does not decode): the client's fault, so a 400, never a 500.
    const status = (error as { status?: unknown }).status;
    if (
      error instanceof URIError ||
      (typeof status === 'number' && status >= 400 && status < 500)
    ) {
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
  app.use(errorHandler);
  return app;
}
