import {
  API_SECRET_HEADER,
  CLIENT_ID_HEADER,
  CLIENT_SECRET_HEADER,
  paymentIntentsContract,
} from '@accrupay/contracts';
import { createExpressEndpoints, initServer } from '@ts-rest/express';
import express, { type RequestHandler } from 'express';
import type { IdempotencyKeys } from '../../domain/idempotency.ts';
import { PaymentIntentError } from '../../domain/payment-intents/index.ts';
import type { RateLimiter } from '../../domain/rate-limit.ts';
import type { SandboxService } from '../../domain/service.ts';
import { locals, merchantOf } from '../context.ts';
import { BODY_LIMIT } from '../errors.ts';
import { asyncMiddleware } from '../middleware/async.ts';
import { cardScan } from '../middleware/card-scan.ts';
import { idempotency } from '../middleware/idempotency.ts';
import { inputGuards } from '../middleware/input-guards.ts';
import { merchantRateLimit } from '../middleware/rate-limit.ts';
import { requestShape } from '../middleware/request-shape.ts';
import type { RouteTable } from '../routes.ts';
import { jsonApiErrorHandler, validationError } from './errors.ts';

/** The literal start of a contract path, before its first parameter. */
const literal = (path: string) => (path.includes('/:') ? path.slice(0, path.indexOf('/:')) : path);
const routes = paymentIntentsContract;
const CALLBACKS = literal(routes.receiveNotification.path);
const PAGE = routes.accruePayPage.path;
const CARD_PATTERN = /^\/api\/v1\/payments\/[^/]+\/card\/?$/i;
/** Where document 004's routes live: everything under these answers in its format. */
const MOUNTS = [
  literal(routes.authorize.path),
  literal(routes.capture.path),
  literal(routes.getCard.path),
  CALLBACKS,
  PAGE,
].map((mount) => mount.toLowerCase());

const under = (mount: string, path: string) => path === mount || path.startsWith(`${mount}/`);
/** Whether a request is for document 004's API. */
export function isPaymentIntentPath(path: string): boolean {
  const lower = path.toLowerCase();
  return MOUNTS.some((mount) => under(mount, lower));
}

/** Document 004's media types: JSON:API's and plain JSON. */
const MEDIA_TYPES = ['application/vnd.api+json', 'application/json'];

const contentType: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(MEDIA_TYPES)) {
    return next(
      new PaymentIntentError(
        'invalid_request',
        `The body has Content-Type ${JSON.stringify((req.get('content-type') ?? 'none').slice(0, 60))}: send it as JSON with Content-Type: application/vnd.api+json or application/json.`,
        { source: { header: 'content-type' } },
      ),
    );
  }
  next();
};

/** The API secret, as on the rest of the merchant API; the card API takes its own pair (checked by the use case). */
function authenticate(service: SandboxService): RequestHandler {
  return asyncMiddleware(async (req, res, next) => {
    const path = req.path.toLowerCase();
    if (under(CALLBACKS.toLowerCase(), path) || under(PAGE.toLowerCase(), path)) return next();
    if (CARD_PATTERN.test(req.path)) {
      if (!req.get(CLIENT_ID_HEADER) || !req.get(CLIENT_SECRET_HEADER)) {
        throw new PaymentIntentError(
          'authentication_failed',
          `Missing card API credentials: send ${CLIENT_ID_HEADER} (cid_test_...) and ${CLIENT_SECRET_HEADER} (csk_test_...), the pair printed when the merchant was created; the API secret is not accepted here.`,
          {
            source: { header: req.get(CLIENT_ID_HEADER) ? CLIENT_SECRET_HEADER : CLIENT_ID_HEADER },
          },
        );
      }
      return next();
    }
    const merchant = await service.authenticate(req.get(API_SECRET_HEADER));
    const { log } = locals(res);
    Object.assign(res.locals, { merchant, log: log.child({ merchantId: merchant.id }) });
    next();
  });
}

/** CORS of the public page route, as the other public routes: the merchant's allowed origins. */
function pageCors(service: SandboxService): RequestHandler {
  return asyncMiddleware(async (req, res, next) => {
    if (!under(PAGE.toLowerCase(), req.path.toLowerCase())) return next();
    const origin = req.get('origin');
    if (origin) {
      const publicId =
        typeof req.query.merchantPublicId === 'string' ? req.query.merchantPublicId : '';
      const merchant = publicId
        ? await service.merchantByPublicId(publicId).catch(() => undefined)
        : undefined;
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
  });
}

export interface PaymentIntentRoutesOptions {
  service: SandboxService;
  idempotency: IdempotencyKeys;
  rateLimiter: RateLimiter;
  routes: RouteTable;
}

/**
 * Document 004's API (the routes of paymentIntentsContract): its own body parsing (JSON:API's
 * media type too), the API secret, the limits, idempotency, and every error in document 004's
 * format. Requests for other paths pass through untouched.
 */
export function paymentIntentRoutes(options: PaymentIntentRoutesOptions): RequestHandler {
  const { service } = options;
  const api = service.paymentIntents;
  const inner = express.Router();
  inner.use(requestShape(options.routes));
  inner.use(pageCors(service));
  inner.use(CALLBACKS, express.raw({ type: () => true, limit: BODY_LIMIT }));
  inner.use((req, res, next) => {
    if (under(CALLBACKS.toLowerCase(), req.path.toLowerCase())) return next();
    contentType(req, res, (error?: unknown) => {
      if (error) return next(error);
      express.json({ limit: BODY_LIMIT, strict: true, type: MEDIA_TYPES })(
        req,
        res,
        (parseError?: unknown) => {
          if (parseError) return next(parseError);
          inputGuards(req, res, next);
        },
      );
    });
  });
  inner.use(authenticate(service));
  inner.use(merchantRateLimit(options.rateLimiter));
  inner.use(cardScan);
  inner.use(idempotency(options.idempotency));

  const s = initServer();
  const router = s.router(paymentIntentsContract, {
    getPaymentIntent: async ({ params, res }) => ({
      status: 200 as const,
      body: await api.getIntent(merchantOf(res), params.paymentIntentId),
    }),
    authorize: async ({ params, body, res }) => ({
      status: 201 as const,
      body: await api.authorize(merchantOf(res), params.paymentIntentId, body.data.attributes),
    }),
    capture: async ({ params, body, headers, res }) => ({
      status: 200 as const,
      body: await api.capture(
        merchantOf(res),
        params.paymentId,
        body.data.attributes.amount,
        headers['idempotency-key'],
      ),
    }),
    cancel: async ({ params, headers, res }) => ({
      status: 200 as const,
      body: await api.cancel(merchantOf(res), params.paymentId, headers['idempotency-key']),
    }),
    getPayment: async ({ params, res }) => ({
      status: 200 as const,
      body: await api.getPayment(merchantOf(res), params.paymentId),
    }),
    getCard: async ({ params, req }) => ({
      status: 200 as const,
      body: await api.card(
        { clientId: req.get(CLIENT_ID_HEADER), clientSecret: req.get(CLIENT_SECRET_HEADER) },
        params.paymentId,
      ),
    }),
    receiveNotification: async ({ params, req }) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      await api.notification(params.merchantTransactionProviderId, raw, req.headers);
      return { status: 200 as const, body: { received: true as const } };
    },
    accruePayPage: async ({ query }) => ({
      status: 200 as const,
      body: await api.payPage(query),
    }),
  });
  createExpressEndpoints(paymentIntentsContract, router, inner, {
    logInitialization: false,
    jsonQuery: false,
    responseValidation: false,
    requestValidationErrorHandler: validationError,
  });
  inner.use((req, _res, next) => {
    next(new PaymentIntentError('not_found', `No route for ${req.method} ${req.path}.`));
  });
  inner.use(jsonApiErrorHandler);
  return (req, res, next) => {
    if (isPaymentIntentPath(req.path)) inner(req, res, next);
    else next();
  };
}
