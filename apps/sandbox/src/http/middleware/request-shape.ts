import { IDEMPOTENCY_KEY_HEADER, REQUEST_ID_HEADER } from '@accrupay/contracts';
import type { Request, RequestHandler } from 'express';
import { containsCardNumber, findCardData, redactCardNumbers } from '../../domain/card-data.ts';
import { RouterError } from '../../domain/errors.ts';
import type { RouteTable } from '../routes.ts';
import { cardDataRefused } from './card-scan.ts';
import { decodePercent, malformedQueryPart } from './input-guards.ts';
import { refusedRequestId } from './request-id.ts';

/**
 * What is wrong with the shape of a request, found before anything reads it: a path or query
 * string that is not valid percent-encoding (else a 500), and a card number in the path, the
 * query string or the headers the router keeps, echoes or logs (else it slips past the scan).
 */
function requestShapeError(req: Request, routes: RouteTable): RouterError | undefined {
  const decodedPath = decodePercent(req.path);
  if (decodedPath === undefined) {
    return new RouterError(
      'MALFORMED_REQUEST',
      'The request path is not valid percent-encoding: each % must start a %XX escape of UTF-8 bytes. Encode each path segment with encodeURIComponent.',
      { issues: [{ path: 'path', message: 'is not valid percent-encoding' }] },
    );
  }
  const search = req.originalUrl.includes('?')
    ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
    : '';
  const badQuery = malformedQueryPart(search);
  if (badQuery) {
    const where =
      badQuery.name !== undefined ? `query.${redactCardNumbers(badQuery.name)}` : 'query';
    return new RouterError(
      'MALFORMED_REQUEST',
      `${badQuery.name !== undefined ? `Query parameter ${redactCardNumbers(badQuery.name)}` : `Query string part ${badQuery.index}`} is not valid percent-encoding: each % must start a %XX escape of UTF-8 bytes. Encode each value with encodeURIComponent (or URLSearchParams).`,
      { issues: [{ path: where, message: 'is not valid percent-encoding' }] },
    );
  }
  if (refusedRequestId(req)) return cardDataRefused(`headers.${REQUEST_ID_HEADER}`);
  if (containsCardNumber(decodedPath)) return cardDataRefused('path', 'The request path looks');
  for (const header of [IDEMPOTENCY_KEY_HEADER]) {
    const value = req.get(header);
    if (value !== undefined && containsCardNumber(value)) {
      return cardDataRefused(`headers.${header.toLowerCase()}`);
    }
  }
  // A provider's callback carries the provider's own ids, which may be long numbers.
  const inQuery =
    routes.access(req.method, req.path) === 'callback' ? undefined : findCardData(req.query);
  if (inQuery !== undefined) return cardDataRefused(inQuery ? `query.${inQuery}` : 'query');
  // The contract takes each query parameter once; a repeated one arrives as an array.
  for (const [name, value] of Object.entries(req.query as Record<string, unknown>)) {
    if (Array.isArray(value)) {
      const field = `query.${redactCardNumbers(name)}`;
      return new RouterError(
        'VALIDATION_ERROR',
        `${field} is given ${value.length} times; give it once.`,
        { issues: [{ path: field, message: `is given ${value.length} times; give it once` }] },
      );
    }
  }
  return undefined;
}

/** Refuses a request of the wrong shape (see requestShapeError), on every route. */
export function requestShape(routes: RouteTable): RequestHandler {
  return (req, _res, next) => {
    next(requestShapeError(req, routes));
  };
}
