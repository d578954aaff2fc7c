/**
 * Checks on the shape of a request that run before anything else reads it: how deep its JSON
 * is, and whether its path and query string are valid percent-encoding.
 */
import { PROVIDER_CALLBACK_PREFIX } from '@accrupay/contracts';
import type { RequestHandler } from 'express';
import { redactCardNumbers } from '../../domain/card-data.ts';
import { RouterError } from '../../domain/errors.ts';
import { API_PREFIX } from '../routes.ts';

/**
 * How deeply a request body (or query) may nest arrays and objects: 32 levels. The deepest body
 * of the API has 3 (`{ data: { billing: { ... } } }`); a deeper one is refused with 400
 * MALFORMED_REQUEST before it is authenticated, scanned or validated.
 */
export const MAX_BODY_DEPTH = 32;

/**
 * The dotted path of the first array or object nested deeper than `limit` levels (the top-level
 * value is level 1), or undefined. Iterative: a body of any depth is measured without recursion.
 * The path is cut after `limit` keys: it says where the nesting starts, not how deep it goes.
 */
export function tooDeep(value: unknown, limit: number = MAX_BODY_DEPTH): string | undefined {
  type Step = { key: string; parent: Step | undefined };
  const stack: Array<{ value: unknown; depth: number; at: Step | undefined }> = [
    { value, depth: 1, at: undefined },
  ];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number; at: Step | undefined };
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > limit) {
      const keys: string[] = [];
      for (let at = item.at; at; at = at.parent) keys.push(at.key);
      return keys.reverse().join('.');
    }
    const children = Array.isArray(item.value)
      ? item.value.map((child, index) => [String(index), child] as const)
      : Object.entries(item.value);
    for (let index = children.length - 1; index >= 0; index--) {
      const [key, child] = children[index] as readonly [string, unknown];
      if (child !== null && typeof child === 'object') {
        stack.push({ value: child, depth: item.depth + 1, at: { key, parent: item.at } });
      }
    }
  }
  return undefined;
}

/** The decoded text, or undefined where it is not valid percent-encoding of UTF-8. */
export function decodePercent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The first part of a query string that is not valid percent-encoding of UTF-8: its index
 * (1-based) and its name when that decodes, or undefined when every part decodes.
 */
export function malformedQueryPart(
  search: string,
): { index: number; name: string | undefined } | undefined {
  const parts = search.split('&');
  for (const [index, part] of parts.entries()) {
    if (part === '') continue;
    if (decodePercent(part.replace(/\+/g, ' ')) === undefined) {
      const name = decodePercent((part.split('=')[0] ?? '').replace(/\+/g, ' '));
      return { index: index + 1, name };
    }
  }
  return undefined;
}

/**
 * Before anything else reads the body: a JSON API body must be JSON (one the JSON parser skipped
 * would read as missing fields), and neither body nor query may nest deeper than MAX_BODY_DEPTH
 * (the scans and the validation walk them; a body 10,000 deep overflowed the stack).
 */
export const inputGuards: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0;
  if (
    hasBody &&
    req.path.startsWith(API_PREFIX) &&
    !req.path.startsWith(PROVIDER_CALLBACK_PREFIX) &&
    !req.is('application/json')
  ) {
    return next(
      new RouterError(
        'MALFORMED_REQUEST',
        `Request body has Content-Type ${redactCardNumbers(JSON.stringify((req.get('content-type') ?? 'none').slice(0, 60)))}; send it as JSON with Content-Type: application/json.`,
        { issues: [{ path: 'headers.content-type', message: 'must be application/json' }] },
      ),
    );
  }
  const deep = tooDeep(req.body, MAX_BODY_DEPTH);
  const deepQuery = deep === undefined ? tooDeep(req.query, MAX_BODY_DEPTH) : undefined;
  if (deepQuery !== undefined) {
    return next(
      new RouterError(
        'MALFORMED_REQUEST',
        `Query string nests deeper than ${MAX_BODY_DEPTH} levels: send flat name=value parameters.`,
        {
          issues: [
            { path: `query.${deepQuery}`, message: `nests deeper than ${MAX_BODY_DEPTH} levels` },
          ],
        },
      ),
    );
  }
  if (deep !== undefined) {
    const where = redactCardNumbers(deep.split('.').slice(0, 6).join('.'));
    return next(
      new RouterError(
        'MALFORMED_REQUEST',
        `Request body nests arrays or objects deeper than ${MAX_BODY_DEPTH} levels${where ? ` (from ${where}...)` : ''}; the API's bodies need at most 3: send the fields as the contract lists them.`,
        { issues: [{ path: where, message: `nests deeper than ${MAX_BODY_DEPTH} levels` }] },
      ),
    );
  }
  next();
};
