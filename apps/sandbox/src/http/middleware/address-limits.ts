import { isIP } from 'node:net';
import { API_SECRET_HEADER } from '@accrupay/contracts';
import type { Request, RequestHandler } from 'express';
import type { Clock } from '../../domain/clock.ts';
import { RouterError } from '../../domain/errors.ts';
import { RateLimiter, type RateLimits } from '../../domain/rate-limit.ts';
import { locals } from '../context.ts';
import type { RouteAccess, RouteTable } from '../routes.ts';

/**
 * Limits per client address, against guessing: of API secrets on the merchant API (its 401s),
 * and of merchantPublicIds and session tokens on the public API (its 400, 401 and 404 answers).
 * While an address is over a limit, every such request from it gets 429 with Retry-After, before
 * any lookup; other addresses are not slowed.
 */
export interface AddressRateLimits {
  /** Failed authentications (401) on the merchant API per address. Default 1/s, burst 100. */
  authFailures?: RateLimits;
  /** Failed public-API lookups (400, 401, 404) per address. Default 1/s, burst 100. */
  publicFailures?: RateLimits;
  /** Every public-API request per address (a flood brake). Default 200/s, burst 10000. */
  publicRequests?: RateLimits;
  /**
   * Take the client address from the last X-Forwarded-For entry (what the proxy in front saw).
   * Only behind a proxy that sets it; else anyone can pick an address. Default false: the socket's.
   */
  trustForwardedFor?: boolean;
}

export const ADDRESS_RATE_LIMIT_DEFAULTS = {
  authFailures: { perSecond: 1, burst: 100 },
  publicFailures: { perSecond: 1, burst: 100 },
  publicRequests: { perSecond: 200, burst: 10_000 },
} as const satisfies Required<Omit<AddressRateLimits, 'trustForwardedFor'>>;

/** The key a client is limited by: its IPv4 address, or the /64 network of its IPv6 address. */
export function clientKey(req: Request, trustForwardedFor = false): string {
  const forwarded = trustForwardedFor
    ? req.get('x-forwarded-for')?.split(',').at(-1)?.trim()
    : undefined;
  const address = (forwarded || req.socket.remoteAddress) ?? 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIP(address) !== 6) return address;
  return `${expandIpv6(address).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [''];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((part) =>
    part.toLowerCase().replace(/^0+(?=.)/, ''),
  );
}

type Area = 'merchant' | 'public';

/** The limited areas: the routes behind the secret, and the public API; the rest is not limited. */
function areaOf(access: RouteAccess): Area | undefined {
  if (access === 'graphql') return 'merchant';
  return access === 'merchant' || access === 'public' ? access : undefined;
}

function failed(area: Area, status: number): boolean {
  return area === 'merchant' ? status === 401 : status === 400 || status === 401 || status === 404;
}

/**
 * The middleware of {@link AddressRateLimits}, on the injected clock. Which area a request is in
 * comes from its route: an open route (health, a declared public one) is neither counted nor refused.
 */
export function addressRateLimit(
  clock: Clock,
  routes: RouteTable,
  limits: AddressRateLimits = {},
): RequestHandler {
  const authFailures = new RateLimiter(
    clock,
    limits.authFailures ?? ADDRESS_RATE_LIMIT_DEFAULTS.authFailures,
  );
  const publicFailures = new RateLimiter(
    clock,
    limits.publicFailures ?? ADDRESS_RATE_LIMIT_DEFAULTS.publicFailures,
  );
  const publicRequests = new RateLimiter(
    clock,
    limits.publicRequests ?? ADDRESS_RATE_LIMIT_DEFAULTS.publicRequests,
  );
  return (req, res, next) => {
    const area = areaOf(routes.access(req.method, req.path));
    if (area === undefined) return next();
    const key = clientKey(req, limits.trustForwardedFor);
    if (area === 'public') {
      const wait = publicRequests.take(key);
      if (wait > 0) {
        return next(
          new RouterError(
            'RATE_LIMITED',
            `Too many public-API requests from ${key}; retry after ${wait} s.`,
            { retryAfterSeconds: wait },
          ),
        );
      }
    }
    const failures = area === 'public' ? publicFailures : authFailures;
    const wait = failures.wait(key);
    if (wait > 0) {
      return next(
        new RouterError(
          'RATE_LIMITED',
          area === 'public'
            ? `Too many public-API requests for unknown merchants or sessions from ${key}; retry after ${wait} s. Use the merchantPublicId and the session token or id your backend got from the router.`
            : `Too many requests with a missing or wrong ${API_SECRET_HEADER} header from ${key}; retry after ${wait} s. Send the merchant's API secret.`,
          { retryAfterSeconds: wait },
        ),
      );
    }
    res.once('finish', () => {
      // GraphQL answers a wrong secret with 200 and UNAUTHENTICATED: the refusal is in the locals.
      if (failed(area, res.statusCode) || locals(res).authError) failures.take(key);
    });
    next();
  };
}
