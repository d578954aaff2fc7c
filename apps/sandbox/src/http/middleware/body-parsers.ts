import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { redactCardNumbers } from '../../domain/card-data.ts';
import { RouterError } from '../../domain/errors.ts';
import { BODY_LIMIT } from '../errors.ts';
import { CALLBACK_PREFIX, isUnder } from '../routes.ts';

/** Content-Type charsets a JSON body may come in: JSON is UTF-8 (RFC 8259). */
const JSON_CHARSETS = new Set(['utf-8', 'utf8']);

/** Called by the JSON parser with the raw bytes, before they are decoded and parsed. */
function verifyJsonBytes(req: IncomingMessage, _res: unknown, bytes: Buffer): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !JSON_CHARSETS.has(charset.toLowerCase())) {
    throw new RouterError(
      'MALFORMED_REQUEST',
      `Content-Type charset ${redactCardNumbers(JSON.stringify(charset.slice(0, 40)))} is not supported: send the JSON body as UTF-8 (Content-Type: application/json; charset=utf-8, or no charset).`,
      { issues: [{ path: 'headers.content-type', message: 'charset must be utf-8' }] },
    );
  }
  if (!isUtf8(bytes)) {
    throw new RouterError(
      'MALFORMED_REQUEST',
      'Request body is not valid UTF-8: send the JSON body encoded as UTF-8.',
      { issues: [{ path: 'body', message: 'is not valid UTF-8' }] },
    );
  }
}

/**
 * The body parsers: callbacks keep their raw bytes (signatures are over the exact body), public
 * routes (the demo shop) parse their own bodies (its webhook receiver needs the raw bytes), the
 * rest is UTF-8 JSON of at most BODY_LIMIT.
 */
export function bodyParsers(publicMounts: readonly string[] = []): express.Router {
  const router = express.Router();
  router.use(CALLBACK_PREFIX, express.raw({ type: () => true, limit: BODY_LIMIT }));
  const json = express.json({ limit: BODY_LIMIT, verify: verifyJsonBytes });
  router.use((req, res, next) => {
    if (publicMounts.some((mount) => isUnder(mount, req.path))) next();
    else json(req, res, next);
  });
  return router;
}
