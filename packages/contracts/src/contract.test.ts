import { type AppRoute, type AppRouter, isAppRoute } from '@ts-rest/core';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { API_SECRET_HEADER } from './connection.ts';
import { contract } from './contract.ts';
import { generateOpenApiDocument } from './openapi.ts';

function routesOf(router: AppRouter, prefix = ''): Array<[string, AppRoute]> {
  return Object.entries(router).flatMap(([key, value]) =>
    isAppRoute(value)
      ? [[`${prefix}${key}`, value] as [string, AppRoute]]
      : routesOf(value, `${prefix}${key}.`),
  );
}
const routes = new Map(routesOf(contract));

function headerKeys(route: AppRoute): string[] {
  return route.headers instanceof z.ZodObject ? Object.keys(route.headers.shape) : [];
}

// Every method of the Node SDK in document 002, and the route that serves it.
const SDK_METHODS = {
  'transactions.clientSessions.getBaseConfig': 'clientSessions.getBaseConfig',
  'transactions.clientSessions.getOne': 'clientSessions.getOne',
  'transactions.clientSessions.getMany': 'clientSessions.getMany',
  'transactions.clientSessions.payments.start': 'clientSessions.payments.start',
  'transactions.clientSessions.payments.verify': 'clientSessions.payments.verify',
  'transactions.clientSessions.paymentMethod.add.start': 'clientSessions.paymentMethodAdd.start',
  'transactions.clientSessions.paymentMethod.add.verify': 'clientSessions.paymentMethodAdd.verify',
  'transactions.clientSessions.authorizations.start': 'clientSessions.authorizations.start',
  'transactions.clientSessions.authorizations.verify': 'clientSessions.authorizations.verify',
  'transactions.authorizations.settle': 'transactions.settle',
  'transactions.authorizations.void': 'transactions.void',
  'transactions.payments.paymentMethod.charge': 'transactions.chargePaymentMethod',
} as const;

// Every GraphQL operation of document 003, and the route that serves it.
const GRAPHQL_OPERATIONS = {
  merchantApiClientTransactionSessions: 'clientSessions.getConnection',
  merchantApiClientTransactionSession: 'clientSessions.getOne',
  merchantApiClientTransactionSessionBaseConfig: 'clientSessions.getBaseConfig',
  merchantApiClientTransactionPaymentSessionStartV2: 'clientSessions.payments.start',
  merchantApiClientTransactionPaymentSessionVerify: 'clientSessions.payments.verify',
  merchantApiClientTransactionAddPaymentMethodSessionStart: 'clientSessions.paymentMethodAdd.start',
  merchantApiClientTransactionAddPaymentMethodSessionVerify:
    'clientSessions.paymentMethodAdd.verify',
  merchantApiClientTransactionAuthorizationSessionStart: 'clientSessions.authorizations.start',
  merchantApiClientTransactionAuthorizationSessionVerify: 'clientSessions.authorizations.verify',
  merchantApiCustomerPaymentMethods: 'paymentMethods.getMany',
  clientPublicTransactionSession: 'public.getSession',
  clientPublicTransactionSessionBaseConfig: 'public.getBaseConfig',
} as const;

describe('the contract', () => {
  test.each(Object.entries({ ...SDK_METHODS, ...GRAPHQL_OPERATIONS }))(
    '%s has a route (%s)',
    (_operation, route) => {
      expect(routes.get(route)).toBeDefined();
    },
  );

  test('no two routes share a method and path', () => {
    const keys = [...routes.values()].map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('the merchant API needs the secret header; the public API and callbacks do not', () => {
    for (const [name, route] of routes) {
      const needsSecret = !/^(public\.|providerCallbacks\.|health$)/.test(name);
      expect(headerKeys(route).includes(API_SECRET_HEADER), name).toBe(needsSecret);
    }
  });

  test('every route declares its status codes strictly, with error envelopes', () => {
    for (const [name, route] of routes) {
      expect(route.strictStatusCodes, name).toBe(true);
      const statuses = Object.keys(route.responses).map(Number);
      expect(
        statuses.some((status) => status >= 200 && status < 300),
        name,
      ).toBe(true);
      if (name !== 'health') expect(statuses, name).toContain(400);
    }
  });

  test('every POST of the merchant API takes an Idempotency-Key', () => {
    for (const [name, route] of routes) {
      if (route.method === 'POST' && headerKeys(route).includes(API_SECRET_HEADER)) {
        expect(headerKeys(route), name).toContain('idempotency-key');
      }
    }
  });
});

describe('the OpenAPI document', () => {
  const document = generateOpenApiDocument('1.2.3');
  const json = JSON.stringify(document);

  test('has every route', () => {
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item ?? {}));
    expect(operations).toHaveLength(routes.size);
    expect(Object.keys(document.paths)).toContain('/v1/client-sessions/payments');
    expect(document.info.version).toBe('1.2.3');
  });

  test('describes amounts as canonical decimal strings', () => {
    const requestBody = document.paths['/v1/client-sessions/payments']?.post?.requestBody as {
      content: Record<string, { schema: unknown }>;
    };
    const body = requestBody.content['application/json']?.schema as {
      properties: { data: { properties: { amount: Record<string, unknown> } } };
    };
    expect(body.properties.data.properties.amount).toMatchObject({
      type: 'string',
      pattern: '^(0|[1-9][0-9]*)$',
    });
    expect(json).not.toContain('"type":"bigint"');
  });

  test('lists the currencies and the error codes', () => {
    expect(json).toContain('"XCG"');
    expect(json).toContain('"AMOUNT_EXCEEDS_AUTHORIZED"');
  });
});
