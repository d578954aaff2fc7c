import type { RequestHandler } from 'express';
import { RouterError } from '../../domain/errors.ts';
import type { RateLimiter } from '../../domain/rate-limit.ts';
import { locals } from '../context.ts';

/** Requests per merchant, behind the secret: 429 with Retry-After once over the limit. */
export function merchantRateLimit(rateLimiter: RateLimiter): RequestHandler {
  return (_req, res, next) => {
    const { merchant } = locals(res);
    const wait = merchant ? rateLimiter.take(merchant.id) : 0;
    if (wait <= 0) return next();
    next(
      new RouterError(
        'RATE_LIMITED',
        `Too many requests for this merchant; retry after ${wait} s.`,
        {
          retryAfterSeconds: wait,
        },
      ),
    );
  };
}
