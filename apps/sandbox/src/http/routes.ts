import { adminContract, contract, PROVIDER_CALLBACK_PREFIX } from '@accrupay/contracts';
import type { AppRoute, AppRouter } from '@ts-rest/core';
import type { RequestHandler } from 'express';
import { GRAPHQL_PATH, GRAPHQL_SCHEMA_PATH } from './graphql/paths.ts';
import { OPENAPI_PATH } from './openapi.ts';

/**
 * Who may call a route. Decided from the route, never from how its path looks, and closed by
 * default: a path the table does not know (a new endpoint, a typo) needs the API secret.
 */
export type RouteAccess =
  /** The merchant API: the merchant's API secret. */
  | 'merchant'
  /** The public API: a merchantPublicId and a session token; CORS; limited per address. */
  | 'public'
  /** Provider callbacks: signed by the provider, checked by its adapter. */
  | 'callback'
  /** Anyone: the health check, the index, and the routes the embedder declares public. */
  | 'open'
  /**
   * AccruPay's GraphQL API: one path for both APIs, so each field decides. The merchant's fields
   * need the API secret (checked when sent; missing or wrong, they answer UNAUTHENTICATED), the
   * client public fields take a merchantPublicId.
   */
  | 'graphql'
  /** The sandbox control API (dashboard, CLI): loopback only, or the dashboard token. */
  | 'admin';

/** Each namespace of the contract and who may call it; a new namespace does not compile until it is here. */
const CONTRACT_ACCESS = {
  health: 'open',
  clientSessions: 'merchant',
  transactions: 'merchant',
  paymentMethods: 'merchant',
  webhookEndpoints: 'merchant',
  events: 'merchant',
  public: 'public',
  providerCallbacks: 'callback',
} as const satisfies Record<keyof typeof contract, RouteAccess>;

/** Routes of the sandbox outside the contract. */
const SANDBOX_ROUTES = [
  { method: 'GET', path: '/', access: 'open' },
  { method: 'GET', path: '/favicon.ico', access: 'open' },
  { method: 'GET', path: OPENAPI_PATH, access: 'open' },
  { method: 'GET', path: GRAPHQL_SCHEMA_PATH, access: 'open' },
  { method: 'GET', path: GRAPHQL_PATH, access: 'graphql' },
  { method: 'POST', path: GRAPHQL_PATH, access: 'graphql' },
] as const;

/** Routes an embedder mounts that answer without the API secret (the demo shop). */
export interface PublicRoute {
  /** Where it is mounted: every path under it answers without the API secret. */
  path: string;
  /** What answers there: an express Router or any middleware. */
  handler: RequestHandler;
}

/** Who may call what: every route of the contract, the sandbox's own and the declared public ones. */
export interface RouteTable {
  /** The access of a request; a path the table does not know is 'merchant'. */
  access(method: string, path: string): RouteAccess;
}

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  access: RouteAccess;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches a path as express does: `:name` one segment, any case, an optional trailing slash. */
function pathPattern(path: string): RegExp {
  const segments = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : escapeRegExp(segment)));
  return new RegExp(`^${segments.join('/')}/?$`, 'i');
}

function contractRoutes(router: AppRouter | AppRoute, access: RouteAccess): CompiledRoute[] {
  if ('method' in router && typeof router.method === 'string') {
    const route = router as AppRoute;
    return [{ method: route.method, pattern: pathPattern(route.path), access }];
  }
  return Object.values(router as AppRouter).flatMap((child) => contractRoutes(child, access));
}

const CONTRACT_ROUTES: readonly CompiledRoute[] = [
  ...Object.entries(CONTRACT_ACCESS).flatMap(([namespace, access]) =>
    contractRoutes(contract[namespace as keyof typeof CONTRACT_ACCESS], access),
  ),
  ...contractRoutes(adminContract, 'admin'),
  ...SANDBOX_ROUTES.map(({ method, path, access }) => ({
    method,
    pattern: pathPattern(path),
    access,
  })),
];

/** HEAD is answered by GET routes; a CORS preflight (OPTIONS) asks about any route at the path. */
function methodMatches(route: CompiledRoute, method: string): boolean {
  return (
    route.method === method || method === 'OPTIONS' || (method === 'HEAD' && route.method === 'GET')
  );
}

/** Whether a path is at or under a mount path, as express's `app.use(mount)` matches it. */
export function isUnder(mount: string, path: string): boolean {
  const prefix = mount.replace(/\/+$/, '').toLowerCase();
  const lower = path.toLowerCase();
  return prefix === '' || lower === prefix || lower.startsWith(`${prefix}/`);
}

/** The route table of the contract, the sandbox's own routes and the embedder's public ones. */
export function routeTable(publicRoutes: readonly PublicRoute[] = []): RouteTable {
  const mounts = publicRoutes.map((route) => route.path);
  return {
    access(method, path) {
      const route = CONTRACT_ROUTES.find(
        (candidate) => candidate.pattern.test(path) && methodMatches(candidate, method),
      );
      if (route) return route.access;
      return mounts.some((mount) => isUnder(mount, path)) ? 'open' : 'merchant';
    },
  };
}

/** The literal start of a route's path, before its first parameter: `/v1/provider-callbacks`. */
function literalPrefix(path: string): string {
  return path.slice(0, path.indexOf('/:'));
}

/**
 * Where provider callbacks arrive (the contract's PROVIDER_CALLBACK_PREFIX, as a mount: without
 * its trailing slash); their bodies are kept raw (signatures are over the bytes).
 */
export const CALLBACK_PREFIX = PROVIDER_CALLBACK_PREFIX.replace(/\/$/, '');

/** The public API of one merchant, `/v1/public/:merchantPublicId`: where CORS applies. */
export const PUBLIC_API_MOUNT = contract.public.getSession.path.slice(
  0,
  contract.public.getSession.path.indexOf(
    '/',
    literalPrefix(contract.public.getSession.path).length + 1,
  ),
);

/** The JSON API: the paths whose bodies must be JSON. */
export const API_PREFIX = '/v1/';
