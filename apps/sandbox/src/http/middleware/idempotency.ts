import { IDEMPOTENCY_KEY_HEADER } from '@accrupay/contracts';
import type { RequestHandler } from 'express';
import { RouterError } from '../../domain/errors.ts';
import type { IdempotencyKeys } from '../../domain/idempotency.ts';
import { locals } from '../context.ts';
import { asyncMiddleware } from './async.ts';

/**
 * The Idempotency-Key of a merchant's POST: the first request with a key does the work and its
 * answer is kept; a repeat gets that answer again (Idempotent-Replayed: true).
 */
export function idempotency(keys: IdempotencyKeys): RequestHandler {
  return asyncMiddleware(async (req, res, next) => {
    const { merchant, log } = locals(res);
    const key = req.get(IDEMPOTENCY_KEY_HEADER);
    if (!merchant || req.method !== 'POST' || key === undefined) return next();
    // Printable ASCII only: other bytes arrive as Latin-1 and would be kept garbled.
    if (key.length === 0 || key.length > 255 || !/^[\x20-\x7e]+$/.test(key)) {
      throw new RouterError(
        'VALIDATION_ERROR',
        'Idempotency-Key must be 1 to 255 printable ASCII characters; a UUID is a good key.',
        {
          issues: [
            {
              path: 'headers.idempotency-key',
              message: 'must be 1 to 255 printable ASCII characters',
            },
          ],
        },
      );
    }
    const claim = await keys.claim(merchant.id, key, {
      method: req.method,
      path: req.path,
      body: req.body,
    });
    if (claim.kind === 'replay') {
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(claim.status).type('application/json').send(claim.body);
      return;
    }
    const send = res.send.bind(res);
    // res.json sends its text through res.send: every answer passes here once, as text.
    res.send = (body?: unknown) => {
      const text =
        typeof body === 'string'
          ? body
          : Buffer.isBuffer(body)
            ? body.toString('utf8')
            : JSON.stringify(body);
      // Only answers that did the work are replayed; errors leave the key free for a retry.
      const settle =
        res.statusCode < 300 && !locals(res).answerFailed
          ? claim.complete(res.statusCode, text)
          : claim.release();
      res.send = send;
      settle
        .catch((error: unknown) =>
          log.error({ err: error }, 'could not store the idempotent response'),
        )
        .finally(() => send(body));
      return res;
    };
    next();
  });
}
