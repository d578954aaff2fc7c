import { generateOpenApiDocument } from '@accrupay/contracts/openapi';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support.ts';

describe('GET /openapi.json', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox();
  });
  afterAll(async () => {
    await t.close();
  });

  test('serves the contract’s OpenAPI document without a secret, and the index names it', async () => {
    const answer = await t.api<Record<string, unknown>>('GET', '/openapi.json', { secret: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(generateOpenApiDocument())));
    const paths = Object.keys(answer.body.paths as Record<string, unknown>);
    expect(paths).toContain('/v1/client-sessions/payments');
    // The merchant API is described behind the secret header, as the server enforces it.
    const start = (answer.body.paths as Record<string, Record<string, { security?: unknown }>>)[
      '/v1/client-sessions/payments'
    ]?.post;
    expect(start?.security).toEqual([{ apiSecret: [] }]);
    const index = await t.api<Record<string, unknown>>('GET', '/', { secret: null });
    expect(index.body).toMatchObject({ openapi: '/openapi.json', graphql: '/graphql' });
  });
});
