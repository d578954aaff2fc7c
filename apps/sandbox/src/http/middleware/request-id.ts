import { randomBytes } from 'node:crypto';
import { REQUEST_ID_HEADER } from '@accrupay/contracts';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { containsCardNumber, redactCardNumbers } from '../../domain/card-data.ts';
import { requestContext, setLazyLog } from '../context.ts';
import { decodePercent } from './input-guards.ts';

/** Log paths never written: secrets and anything that could hold card data. */
export const LOG_REDACT_PATHS = [
  'apiSecret',
  '*.apiSecret',
  'secret',
  '*.secret',
  'headers["accrupay-api-secret"]',
  '*.headers["accrupay-api-secret"]',
  'body',
  '*.body',
  'credentials',
  '*.credentials',
];

/** Whether the request id the client gave is card-like: then it is neither echoed nor logged. */
export function refusedRequestId(req: Request): boolean {
  const given = req.get(REQUEST_ID_HEADER);
  return given !== undefined && containsCardNumber(given);
}

/** The request's path as the request log writes it: anything card-like in it redacted. */
function loggedPath(path: string): string {
  const decoded = decodePercent(path);
  return decoded !== undefined && containsCardNumber(decoded)
    ? redactCardNumbers(decoded)
    : redactCardNumbers(path);
}

/**
 * The first middleware: the request id (the client's when it is a sane one, else a new one) in
 * the answer, the locals and every log line, and one log line per request once it is answered.
 */
export function requestId(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get(REQUEST_ID_HEADER);
    // A card-like request id is neither echoed nor logged: the request gets a new one, and is refused.
    const requestId =
      given && !refusedRequestId(req) && /^[\w.-]{8,128}$/.test(given)
        ? given
        : `req_${randomBytes(12).toString('hex')}`;
    res.setHeader(REQUEST_ID_HEADER, requestId);
    res.locals.requestId = requestId;
    let requestLog: Logger | undefined;
    const log = () => {
      requestLog ??= logger.child({ requestId });
      return requestLog;
    };
    setLazyLog(res, log);
    // A silent logger writes no line: no request line to time, no request id to carry into lines.
    if (!logger.isLevelEnabled('fatal')) return next();
    if (logger.isLevelEnabled('info')) {
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        log().info(
          {
            method: req.method,
            path: loggedPath(req.path),
            status: res.statusCode,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          },
          'request',
        );
      });
    }
    requestContext.run({ requestId }, next);
  };
}
