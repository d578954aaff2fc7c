import express from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.ts';
import type { IdempotencyKeys } from '../domain/idempotency.ts';
import type { RateLimiter } from '../domain/rate-limit.ts';
import type { SandboxService } from '../domain/service.ts';
import { errorHandler, notFound, validationError } from './errors.ts';
import { graphqlEndpoint } from './graphql/endpoint.ts';
import { GRAPHQL_PATH, GRAPHQL_SCHEMA_PATH } from './graphql/paths.ts';
import { mountAdmin, mountContract } from './handlers.ts';
import { type AddressRateLimits, addressRateLimit } from './middleware/address-limits.ts';
import { adminAccess } from './middleware/admin-access.ts';
import { authenticate } from './middleware/auth.ts';
import { bodyParsers } from './middleware/body-parsers.ts';
import { cardScan } from './middleware/card-scan.ts';
import { cors } from './middleware/cors.ts';
import { idempotency } from './middleware/idempotency.ts';
import { inputGuards } from './middleware/input-guards.ts';
import { merchantRateLimit } from './middleware/rate-limit.ts';
import { requestId } from './middleware/request-id.ts';
import { requestShape } from './middleware/request-shape.ts';
import { OPENAPI_PATH, openApiDocument } from './openapi.ts';
import { paymentIntentRoutes } from './payment-intents/index.ts';
import { PUBLIC_API_MOUNT, type PublicRoute, routeTable } from './routes.ts';

export { requestContext } from './context.ts';
export { BODY_LIMIT, sendError } from './errors.ts';
export { LOG_REDACT_PATHS } from './middleware/request-id.ts';

export interface HttpAppOptions {
  service: SandboxService;
  idempotency: IdempotencyKeys;
  rateLimiter: RateLimiter;
  clock: Clock;
  /** Limits per client address, before any lookup (see address-limits.ts); false: none. */
  addressRateLimit?: AddressRateLimits | false;
  logger: Logger;
  /** Routes that answer without the API secret (the demo shop), mounted before it is checked. */
  publicRoutes?: readonly PublicRoute[];
  /** Routes behind the API secret, mounted after every check of the merchant API. */
  extraRoutes?: (app: express.Express) => void;
  /** Lets the control API (dashboard, CLI) answer other addresses than loopback, with this token. */
  dashboardToken?: string | undefined;
}

/**
 * The router's HTTP face: express with the ts-rest contract and the error envelope. Each rule is
 * one middleware of its own file; this is their order.
 */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const { service, logger } = options;
  const routes = routeTable(options.publicRoutes);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestId(logger));
  if (options.addressRateLimit !== false) {
    app.use(addressRateLimit(options.clock, routes, options.addressRateLimit));
  }
  // Document 004's API answers in its own format, every error included: its own chain.
  app.use(
    paymentIntentRoutes({
      service,
      idempotency: options.idempotency,
      rateLimiter: options.rateLimiter,
      routes,
    }),
  );
  // After the per-address limit, so that malformed requests count against it too.
  app.use(requestShape(routes));
  app.get('/', (_req, res) => {
    res.json({
      name: 'AccruPay sandbox',
      health: '/health',
      graphql: GRAPHQL_PATH,
      openapi: OPENAPI_PATH,
    });
  });
  // Browsers ask for it on every page (the demo, the dashboard): no icon, and no 401 either.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use(bodyParsers(options.publicRoutes?.map((route) => route.path)));
  app.use(inputGuards);
  app.use(PUBLIC_API_MOUNT, cors(service));
  for (const route of options.publicRoutes ?? []) app.use(route.path, route.handler);

  // Behind the secret from here on, unless the route table opens the route.
  app.use(authenticate(service, routes));
  app.use(adminAccess(routes, options.dashboardToken));
  app.use(merchantRateLimit(options.rateLimiter));
  app.use(cardScan);
  app.use(idempotency(options.idempotency));
  options.extraRoutes?.(app);

  const graphql = graphqlEndpoint(service);
  app.get(GRAPHQL_SCHEMA_PATH, graphql.sdl);
  app.get(OPENAPI_PATH, openApiDocument());
  app.all(GRAPHQL_PATH, graphql.handler);

  const tsRestOptions = {
    logInitialization: false,
    jsonQuery: false,
    responseValidation: false,
    requestValidationErrorHandler: validationError,
  } as const;
  mountAdmin(app, service, tsRestOptions);
  mountContract(app, service, {
    logInitialization: false,
    jsonQuery: false,
    responseValidation: false,
    requestValidationErrorHandler: validationError,
  });
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
