import { timingSafeEqual } from 'node:crypto';
import { DASHBOARD_TOKEN_HEADER } from '@accrupay/contracts';
import type { Request, RequestHandler } from 'express';
import { RouterError } from '../../domain/errors.ts';
import type { RouteTable } from '../routes.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Who may use the sandbox control API (the dashboard, the CLI): a client on this machine, reaching
 * it by a loopback name (a page of another site cannot, whatever its DNS says: its Host and Origin
 * are checked), or anyone with the dashboard token the sandbox was started with.
 */
function allowed(req: Request, token: string | undefined): boolean {
  if (token !== undefined && sameToken(req.get(DASHBOARD_TOKEN_HEADER), token)) return true;
  const address = req.socket.remoteAddress ?? '';
  if (!LOOPBACK.has(address) || !LOOPBACK_HOST.test(req.get('host') ?? '')) return false;
  const origin = req.get('origin');
  if (origin === undefined) return true;
  try {
    return LOOPBACK_HOST.test(new URL(origin).host);
  } catch {
    return false;
  }
}

export function adminAccess(routes: RouteTable, token: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (routes.access(req.method, req.path) !== 'admin') return next();
    if (allowed(req, token)) return next();
    next(
      new RouterError(
        'PERMISSION_DENIED',
        token === undefined
          ? 'The sandbox control API (dashboard) answers on loopback only: open it from this machine at http://127.0.0.1, or start the sandbox with --dashboard-token and send it in x-accrupay-dashboard-token.'
          : 'The sandbox control API (dashboard) needs the dashboard token from this address: send it in x-accrupay-dashboard-token.',
      ),
    );
  };
}
