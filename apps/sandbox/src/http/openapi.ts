import { generateOpenApiDocument, serializeOpenApiDocument } from '@accrupay/contracts/openapi';
import type { RequestHandler } from 'express';

/** Where the REST API's description is served (open, as the route table says). */
export const OPENAPI_PATH = '/openapi.json';

/**
 * GET /openapi.json: the contract's OpenAPI 3 document, the one `@accrupay/contracts` ships as
 * openapi.json, generated on the first request and kept.
 */
export function openApiDocument(): RequestHandler {
  let text: string | undefined;
  return (_req, res) => {
    text ??= serializeOpenApiDocument(generateOpenApiDocument());
    res.type('application/json').send(text);
  };
}
