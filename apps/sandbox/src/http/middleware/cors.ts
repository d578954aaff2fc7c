import type { RequestHandler } from 'express';
import type { SandboxService } from '../../domain/service.ts';
import { asyncMiddleware } from './async.ts';

/**
 * CORS, mounted on the public API only (`/v1/public/:merchantPublicId`): allowed for the
 * merchant's configured origins; a preflight is answered here.
 */
export function cors(service: SandboxService): RequestHandler {
  return asyncMiddleware(async (req, res, next) => {
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
  });
}
