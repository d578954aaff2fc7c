import { API_SECRET_HEADER } from '@accrupay/contracts';
import type { RequestHandler } from 'express';
import type { SandboxService } from '../../domain/service.ts';
import { locals } from '../context.ts';
import type { RouteTable } from '../routes.ts';
import { asyncMiddleware } from './async.ts';

/**
 * The API secret, on every route the route table does not open (closed by default: an unknown
 * route, or one mounted without being declared public, is refused with 401 without it). The
 * merchant it names is in the locals and in every log line of the request from here on.
 */
export function authenticate(service: SandboxService, routes: RouteTable): RequestHandler {
  return asyncMiddleware(async (req, res, next) => {
    if (routes.access(req.method, req.path) !== 'merchant') return next();
    const merchant = await service.authenticate(req.get(API_SECRET_HEADER));
    const { log } = locals(res);
    Object.assign(res.locals, { merchant, log: log.child({ merchantId: merchant.id }) });
    next();
  });
}
