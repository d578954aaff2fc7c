import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
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
import { findCardData } from '../domain/card-data.ts';
import { RouterError } from '../domain/errors.ts';
import type { IdempotencyKeys } from '../domain/idempotency.ts';
import type { RateLimiter } from '../domain/rate-limit.ts';
import type { SandboxService } from '../domain/service.ts';
import type { MerchantRow } from '../store/store.ts';
import { mountContract } from './handlers.ts';

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
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    const requestId =
      given && /^[\w.-]{8,128}$/.test(given) ? given : `req_${randomBytes(12).toString('hex')}`;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const log = logger.child({ requestId });
    Object.assign(res.locals, { requestId, log } satisfies RequestLocals);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    requestContext.run({ requestId }, next);
  });

  if (options.addressRateLimit) app.use(options.addressRateLimit);

  app.get('/', (_req, res) => {
    res.json({ name: 'AccruPay sandbox', health: '/health' });
  });

  // Callbacks keep their raw bytes: signatures are over the exact body.
  app.use('/v1/provider-callbacks', express.raw({ type: () => true, limit: BODY_LIMIT }));
  app.use(express.json({ limit: BODY_LIMIT }));

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
      const cardPath = findCardData(req.body) ?? findCardData(req.query);
      if (cardPath !== undefined) {
        throw new RouterError(
          'CARD_DATA_REFUSED',
          `${cardPath ? `${cardPath} looks` : 'The request looks'} like a card number. Card data must never reach your server or AccruPay: the customer types it into the provider's fields rendered by the React SDK.`,
          cardPath ? { issues: [{ path: cardPath, message: 'looks like a card number' }] } : {},
        );
      }
      const key = req.get(IDEMPOTENCY_KEY_HEADER);
      if (req.method !== 'POST' || key === undefined) return next();
      if (key.length === 0 || key.length > 255) {
        throw new RouterError('VALIDATION_ERROR', 'Idempotency-Key must be 1 to 255 characters.', {
          issues: [{ path: 'headers.idempotency-key', message: 'must be 1 to 255 characters' }],
        });
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
    if (type === 'entity.parse.failed' || type === 'encoding.unsupported') {
      sendError(
        res,
        new RouterError(
          'MALFORMED_REQUEST',
          'Request body is not valid JSON; send application/json.',
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
