import { API_SECRET_HEADER } from '@accrupay/contracts';
import type { RequestHandler, Response } from 'express';
import { RouterError } from '../../domain/errors.ts';
import type { SandboxService } from '../../domain/service.ts';
import { addLogBindings, locals } from '../context.ts';
import type { RouteTable } from '../routes.ts';
import { asyncMiddleware } from './async.ts';

/**
 * The API secret, on every route the route table does not open (closed by default: an unknown
 * route, or one mounted without being declared public, is refused with 401 without it). The
 * merchant it names is in the locals and in every log line of the request from here on.
 */
export function authenticate(service: SandboxService, routes: RouteTable): RequestHandler {
  return asyncMiddleware(async (req, res, next) => {
    const access = routes.access(req.method, req.path);
    if (access === 'graphql')
      return next(await optionalSecret(service, req.get(API_SECRET_HEADER), res));
    if (access !== 'merchant') return next();
    const merchant = await service.authenticate(req.get(API_SECRET_HEADER));
    res.locals.merchant = merchant;
    addLogBindings(res, { merchantId: merchant.id });
    next();
  });
}

/**
 * On the GraphQL endpoint the secret is checked when it is sent: the merchant goes in the locals
 * (so the limits, the card scan and idempotency apply as on REST), a refusal is kept for the
 * merchant's fields to answer with; the public fields need none.
 */
async function optionalSecret(
  service: SandboxService,
  secret: string | undefined,
  res: Response,
): Promise<undefined> {
  if (secret === undefined) return undefined;
  try {
    const merchant = await service.authenticate(secret);
    res.locals.merchant = merchant;
    addLogBindings(res, { merchantId: merchant.id });
  } catch (error) {
    if (!(error instanceof RouterError)) throw error;
    locals(res).authError = error;
  }
  return undefined;
}
