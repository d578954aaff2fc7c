import express from 'express';
import { afterEach, describe, expect, test } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../../test-support.ts';
import { type RouteAccess, routeTable } from '../routes.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('authentication is decided by the route, closed by default', () => {
  let t: TestSandbox | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const shop = () => {
    const router = express.Router();
    router.get('/', (_req, res) => {
      res.json({ shop: 'open' });
    });
    return router;
  };

  test('an unknown route and an undeclared embedder route are 401 without the secret', async () => {
    t = await startTestSandbox({
      sandbox: {
        extraRoutes: (app) => {
          app.get('/reports', (_req, res) => {
            res.json({ merchantId: res.locals.merchant?.id });
          });
        },
      },
    });
    const refused = [
      await t.api<ErrorBody>('GET', '/nothing-here', { secret: null }),
      await t.api<ErrorBody>('GET', '/v1/public/anyone/nothing-here', { secret: null }),
      await t.api<ErrorBody>('GET', '/reports', { secret: null }),
      await t.api<ErrorBody>('POST', '/graphql/nothing-here', { secret: null }),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('AUTHENTICATION_FAILED');
      expect(answer.body.error.message).toContain('Missing API secret');
    }
    const wrong = await t.api<ErrorBody>('GET', '/reports', { secret: 'sk_test_wrong' });
    expect(wrong.status).toBe(401);

    // With the secret, an unknown route is 404 and the embedder's route answers for the merchant.
    const unknown = await t.api<ErrorBody>('GET', '/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    const reports = await t.api('GET', '/reports');
    expect(reports).toMatchObject({ status: 200, body: { merchantId: t.merchant.merchantId } });
  });

  test('a declared public route answers without the secret, also once the address failed auth too often', async () => {
    t = await startTestSandbox({
      sandbox: {
        addressRateLimit: { authFailures: { perSecond: 1, burst: 3 } },
        publicRoutes: [{ path: '/shop', handler: shop() }],
      },
    });
    const api = t.api.bind(t);
    // Requests to the public route are not counted against the address.
    for (let i = 0; i < 5; i++) {
      expect(await api('GET', '/shop', { secret: null })).toMatchObject({
        status: 200,
        body: { shop: 'open' },
      });
    }
    for (let i = 0; i < 3; i++) {
      expect((await api('GET', '/v1/client-sessions', { secret: null })).status).toBe(401);
    }
    const limited = await api<ErrorBody>('GET', '/v1/client-sessions', { secret: null });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    // Nor refused by it: the public route still answers, and a path under it that it does not
    // serve is 404, not 401 or 429.
    expect(await api('GET', '/shop', { secret: null })).toMatchObject({
      status: 200,
      body: { shop: 'open' },
    });
    expect((await api('GET', '/shop/nothing', { secret: null })).status).toBe(404);
    // An undeclared path is still limited.
    expect((await api('GET', '/shopping', { secret: null })).status).toBe(429);
  });
});

describe('routeTable', () => {
  const routes = routeTable([{ path: '/demo', handler: express.Router() }]);

  const expected: Record<string, RouteAccess> = {
    // Each contract route takes its access from its namespace.
    'GET /health': 'open',
    'GET /': 'open',
    'GET /v1/client-sessions': 'merchant',
    'POST /v1/transactions/tx_1/settle': 'merchant',
    'GET /v1/public/pk_1/client-session': 'public',
    'GET /v1/public/pk_1/client-session/base-config': 'public',
    'POST /v1/provider-callbacks/stripe/mtp_1': 'callback',
    // Matched as express does: any case, a trailing slash, HEAD as GET, OPTIONS as any method.
    'GET /V1/Public/pk_1/CLIENT-SESSION/': 'public',
    'HEAD /health': 'open',
    'OPTIONS /v1/public/pk_1/client-session': 'public',
    'GET /DEMO/checkout.js': 'open',
    // Closed by default: another method, path or prefix needs the secret.
    'POST /v1/public/pk_1/client-session': 'merchant',
    'GET /v1/provider-callbacks/stripe/mtp_1': 'merchant',
    'GET /v1/public/pk_1/client-session/extra': 'merchant',
    // The GraphQL API decides per field (the client public API needs no secret); it answers
    // UNAUTHENTICATED as GraphQL errors, as the published client expects.
    'POST /graphql': 'graphql',
    'GET /graphql': 'graphql',
    'GET /graphql/schema.graphql': 'open',
    'GET /openapi.json': 'open',
    'PUT /graphql': 'merchant',
    'GET /demonstration': 'merchant',
    'GET /favicon.ico': 'open',
    'GET /robots.txt': 'merchant',
  };

  test.each(Object.entries(expected))('%s is %s', (request, access) => {
    const [method = '', path = ''] = request.split(' ');
    expect(routes.access(method, path)).toBe(access);
  });
});
