import type { RequestHandler } from 'express';
import type { SandboxService } from '../../domain/service.ts';
import { locals } from '../context.ts';
import { asyncMiddleware } from './async.ts';

/**
 * CORS, mounted on the public API only (`/v1/public/:merchantPublicId`): allowed for the
 * merchant's configured origins; a preflight is answered here.
 */
export function cors(service: SandboxService): RequestHandler {
  // Each refused (merchant, origin) is logged once: a page retries, and every preflight would repeat it.
  const warned = new Set<string>();
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
      } else if (merchant && !warned.has(`${merchant.id} ${origin}`)) {
        if (warned.size < 1000) warned.add(`${merchant.id} ${origin}`);
        locals(res).log.warn(
          { origin, merchantId: merchant.id },
          `CORS: ${origin} is not an allowed origin of merchant ${merchant.name} (${merchant.id}), so the browser refuses its answers; allow it with: accrupay-sandbox merchant origins add ${origin} --merchant ${merchant.id} (or the dashboard's Merchants page)`,
        );
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
