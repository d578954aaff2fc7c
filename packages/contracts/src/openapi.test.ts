import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import { type AppRoute, type AppRouter, isAppRoute } from '@ts-rest/core';
import { afterAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { DEFAULT_BASE_URL } from './connection.ts';
import { contract } from './contract.ts';
import { COUNTRY_ISO_2 } from './country.ts';
import { CURRENCY } from './currency.ts';
import { errorEnvelopeSchema } from './errors.ts';
import { generateOpenApiDocument, serializeOpenApiDocument } from './openapi.ts';
import {
  canonicalJson,
  hoistSharedSchemas,
  type Json,
  type JsonObject,
  toJson,
} from './openapi-components.ts';

type ApiDocument = Exclude<Parameters<typeof SwaggerParser.validate>[0], string>;

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const document = generateOpenApiDocument('1.2.3');
const serialized = serializeOpenApiDocument(document);
const json = toJson(document);

/** The document's size before this pass, for the record: 1,196,626 bytes (v1.0.0). */
const MAX_BYTES = 300 * 1024;

interface Operation {
  path: string;
  method: string;
  operation: JsonObject;
}

function operations(): Operation[] {
  return Object.entries(json.paths as JsonObject).flatMap(([path, item]) =>
    Object.entries(item as JsonObject).map(([method, operation]) => ({
      path,
      method,
      operation: operation as JsonObject,
    })),
  );
}

function routesOf(router: AppRouter): AppRoute[] {
  return Object.values(router).flatMap((value) => (isAppRoute(value) ? [value] : routesOf(value)));
}

/** Follows one local `$ref` (`#/components/...`). */
function resolve(value: Json | undefined): Json | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const ref = value.$ref;
  if (typeof ref !== 'string') return value;
  return ref
    .slice(2)
    .split('/')
    .reduce<Json | undefined>(
      (node, key) =>
        typeof node === 'object' && node !== null && !Array.isArray(node) ? node[key] : undefined,
      json,
    );
}

function occurrences(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** Who may call a path, decided from the path alone: the oracle the document is checked against. */
function expectedAccess(path: string): 'merchant' | 'none' {
  if (path === '/' || path === '/health') return 'none';
  if (path.startsWith('/v1/public/{merchantPublicId}/')) return 'none';
  if (path.startsWith('/v1/provider-callbacks/')) return 'none';
  if (path.startsWith('/v1/')) return 'merchant';
  throw new Error(`no namespace for ${path}`);
}

describe('the OpenAPI document for tools', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'accrupay-openapi-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('swagger-parser validates it', async () => {
    await expect(
      SwaggerParser.validate(structuredClone(json) as ApiDocument),
    ).resolves.toBeDefined();
  });

  test('redocly lint (redocly.yaml: recommended-strict) reports no errors', () => {
    const file = join(tmp, 'openapi.json');
    writeFileSync(file, serialized);
    const run = spawnSync(
      join(packageDir, 'node_modules/.bin/redocly'),
      ['lint', '--format=json', '--max-problems=1000', '--config', 'redocly.yaml', file],
      {
        cwd: packageDir,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    );
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number; warnings: number };
      problems: Array<{ ruleId: string; severity: string; message: string }>;
    };
    const warnings = report.problems.filter((problem) => problem.severity === 'warn');
    console.info(
      `redocly lint: ${report.totals.errors} errors, ${report.totals.warnings} warnings`,
      warnings.map((problem) => `${problem.ruleId}: ${problem.message}`),
    );
    expect(report.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(run.status).toBe(0);
  }, 60_000);

  test('every operation has the security of its namespace', () => {
    expect(json.components).toMatchObject({
      securitySchemes: { apiSecret: { type: 'apiKey', in: 'header', name: 'accrupay-api-secret' } },
    });
    expect(json.security).toBeUndefined();
    const seen = { merchant: 0, none: 0 };
    for (const { path, method, operation } of operations()) {
      const access = expectedAccess(path);
      seen[access] += 1;
      expect(operation.security, `${method} ${path}`).toEqual(
        access === 'merchant' ? [{ apiSecret: [] }] : [],
      );
    }
    expect(seen.merchant).toBeGreaterThan(0);
    expect(seen.none).toBeGreaterThan(0);
  });

  test('the API secret is the security scheme, not a parameter of each operation', () => {
    for (const { path, operation } of operations()) {
      const names = ((operation.parameters ?? []) as JsonObject[]).map((p) => p.name);
      expect(names, path).not.toContain('accrupay-api-secret');
    }
  });

  test('shared schemas are components, referenced with $ref', () => {
    const schemas = (json.components as JsonObject).schemas as JsonObject;
    for (const name of [
      'Currency',
      'CountryIso2',
      'ClientSession',
      'PublicClientSession',
      'MerchantTransaction',
      'PaymentMethod',
      'ErrorEnvelope',
      'Billing',
      'BaseConfig',
    ]) {
      expect(schemas[name], name).toBeDefined();
      expect(occurrences(serialized, `"#/components/schemas/${name}"`), name).toBeGreaterThan(0);
    }
    expect(schemas.Currency).toEqual({ type: 'string', enum: Object.values(CURRENCY) });
  });

  test('the currency and country enums are written once, and the document is small', () => {
    const compact = JSON.stringify(document);
    expect(occurrences(compact, JSON.stringify(Object.values(CURRENCY)))).toBe(1);
    expect(occurrences(compact, '"XCG"')).toBe(1);
    expect(occurrences(compact, JSON.stringify(Object.values(COUNTRY_ISO_2)))).toBe(1);
    console.info(`dist/openapi.json: ${Buffer.byteLength(serialized)} bytes`);
    expect(Buffer.byteLength(serialized)).toBeLessThan(MAX_BYTES);
  });

  test('every operation has a unique operationId and a summary', () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, operation } of operations()) {
      expect(typeof operation.summary === 'string' && operation.summary.length > 0, path).toBe(
        true,
      );
    }
  });

  test('every error status of the contract is documented with the error envelope', () => {
    const envelope = { $ref: '#/components/schemas/ErrorEnvelope' };
    let checked = 0;
    for (const route of routesOf(contract)) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      const responses = (
        ((json.paths as JsonObject)[path] as JsonObject)[route.method.toLowerCase()] as JsonObject
      ).responses as JsonObject;
      for (const [status, schema] of Object.entries(route.responses)) {
        if (Number(status) < 400) continue;
        expect(schema, `${route.path} ${status}`).toBe(errorEnvelopeSchema);
        const response = resolve(responses[status]) as JsonObject;
        expect(response, `${route.path} ${status}`).toMatchObject({
          description: expect.stringMatching(/\S/),
          content: { 'application/json': { schema: envelope } },
        });
        checked += 1;
      }
      expect(Object.keys(responses).sort()).toEqual(Object.keys(route.responses).sort());
    }
    expect(checked).toBeGreaterThan(20);
  });

  test('the local sandbox is the server', () => {
    expect(json.servers).toEqual([expect.objectContaining({ url: DEFAULT_BASE_URL })]);
    expect(DEFAULT_BASE_URL).toBe('http://127.0.0.1:4000');
  });

  test('is OpenAPI 3.0 throughout: no numeric exclusive bounds, no untyped nullable', () => {
    expect(serialized).not.toMatch(/"exclusive(Minimum|Maximum)": -?\d/);
    const untyped: string[] = [];
    const visit = (value: Json, where: string) => {
      if (typeof value !== 'object' || value === null) return;
      if (Array.isArray(value)) {
        for (const [index, child] of value.entries()) visit(child, `${where}/${index}`);
        return;
      }
      if ('nullable' in value && !('type' in value)) untyped.push(where);
      for (const [key, child] of Object.entries(value)) visit(child, `${where}/${key}`);
    };
    visit(json, '#');
    expect(untyped).toEqual([]);
  });

  test('query parameters piped into integers are typed, with their bounds and default', () => {
    const parameters = (
      ((json.paths as JsonObject)['/v1/client-sessions'] as JsonObject).get as JsonObject
    ).parameters as JsonObject[];
    expect(parameters.find((parameter) => parameter.name === 'take')?.schema).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 100,
      default: 20,
    });
  });

  test('is the same bytes every time', () => {
    expect(serializeOpenApiDocument(generateOpenApiDocument('1.2.3'))).toBe(serialized);
  });
});

describe('hoistSharedSchemas', () => {
  const color = z.enum(['RED', 'GREEN']);
  const shared = [['Color', color]] as const;

  function documentWith(schemas: JsonObject): JsonObject {
    return {
      openapi: '3.0.3',
      paths: {
        '/x': {
          get: {
            responses: {
              '200': {
                description: 'OK',
                content: {
                  'application/json': { schema: { type: 'object', properties: schemas } },
                },
              },
            },
          },
        },
      },
    };
  }

  test('replaces equal subschemas by a $ref, whatever their key order, and emits the component', () => {
    const document = documentWith({
      a: { type: 'string', enum: ['RED', 'GREEN'] },
      b: { enum: ['RED', 'GREEN'], type: 'string' },
      c: { type: 'string', enum: ['GREEN', 'RED'] },
    });
    expect(hoistSharedSchemas(document, shared)).toEqual(['Color']);
    expect(canonicalJson(document)).toBe(
      canonicalJson({
        ...documentWith({
          a: { $ref: '#/components/schemas/Color' },
          b: { $ref: '#/components/schemas/Color' },
          c: { type: 'string', enum: ['GREEN', 'RED'] },
        }),
        components: { schemas: { Color: { type: 'string', enum: ['RED', 'GREEN'] } } },
      }),
    );
  });

  test('spells a nullable use as a typed allOf, and emits nothing unused', () => {
    const document = documentWith({
      a: { type: 'string', enum: ['RED', 'GREEN'], nullable: true },
    });
    hoistSharedSchemas(document, shared);
    expect(JSON.stringify(document)).toContain(
      '"a":{"type":"string","nullable":true,"allOf":[{"$ref":"#/components/schemas/Color"}]}',
    );
    const defaulted = documentWith({
      b: { type: 'string', enum: ['RED', 'GREEN'], nullable: true, default: null },
    });
    hoistSharedSchemas(defaulted, shared);
    expect(JSON.stringify(defaulted)).toContain(
      '"b":{"type":"string","nullable":true,"default":null,"allOf":[{"$ref":"#/components/schemas/Color"}]}',
    );
    const untouched = documentWith({ a: { type: 'string' } });
    expect(hoistSharedSchemas(untouched, shared)).toEqual([]);
    expect(untouched.components).toBeUndefined();
  });
});
