import { STATUS_CODES } from 'node:http';
import {
  type AppRoute,
  type AppRouter,
  extractZodObjectShape,
  isAppRoute,
  isZodObject,
} from '@ts-rest/core';
import { generateOpenApi } from '@ts-rest/open-api';
import { z } from 'zod';
import { API_SECRET_HEADER, DEFAULT_BASE_URL } from './connection.ts';
import { type Contract, contract } from './contract.ts';
import { TRANSACTION_PROVIDER } from './enums.ts';
import { ERROR_HTTP_STATUS, errorEnvelopeSchema } from './errors.ts';
import {
  hoistSharedSchemas,
  isJsonObject,
  type Json,
  type JsonObject,
  mapDocumentSchemas,
  mapSubschemas,
  renderSchema,
  toJson,
} from './openapi-components.ts';

/** The OpenAPI document as `@ts-rest/open-api` types it. */
export type OpenApiDocument = ReturnType<typeof generateOpenApi>;

/** Who may call a route; the same four namespaces the sandbox's route table enforces. */
export type RouteAccess = 'merchant' | 'public' | 'callback' | 'open';

/** The security scheme of the merchant API. */
export const API_SECRET_SCHEME = 'apiSecret';

/**
 * Each namespace of the contract: who may call it (as apps/sandbox/src/http/routes.ts decides)
 * and its tag's description. A new namespace does not compile until it is here.
 */
export const CONTRACT_NAMESPACES = {
  health: { access: 'open', description: 'Readiness of the router; no secret.' },
  clientSessions: {
    access: 'merchant',
    description:
      'Client sessions of the merchant API: start a payment, add-payment-method or authorization session, verify it, look sessions up.',
  },
  transactions: {
    access: 'merchant',
    description:
      'Transactions of the merchant API: look them up, settle or void an authorization, charge a stored payment method.',
  },
  paymentMethods: {
    access: 'merchant',
    description: "A customer's stored payment methods (merchant API).",
  },
  webhookEndpoints: {
    access: 'merchant',
    description:
      'Where the router sends webhooks (Standard Webhooks signatures), their signing secrets, recovery, and the faults the sandbox can apply to its own deliveries.',
  },
  events: {
    access: 'merchant',
    description:
      'Every status change the router recorded, as events: list them, read the delivery log, redeliver.',
  },
  public: {
    access: 'public',
    description:
      'The client public API the browser calls with the merchantPublicId and a session token; no secret.',
  },
  providerCallbacks: {
    access: 'callback',
    description:
      "Where providers post callbacks, checked by the provider's signature or checksum; no secret.",
  },
} as const satisfies Record<keyof Contract, { access: RouteAccess; description: string }>;

/** One route of the contract, with the namespace it belongs to. */
interface NamedRoute {
  namespace: keyof Contract;
  route: AppRoute;
}

/** Every route of a router, depth first, in contract order. */
function routesOf(router: AppRouter): AppRoute[] {
  return Object.values(router).flatMap((value) => (isAppRoute(value) ? [value] : routesOf(value)));
}

/** Every route of the contract with its top-level namespace (a top-level route is its own). */
function contractRoutes(): NamedRoute[] {
  return (Object.keys(CONTRACT_NAMESPACES) as Array<keyof Contract>).flatMap((namespace) => {
    const value: AppRouter | AppRoute = contract[namespace];
    return (isAppRoute(value) ? [value] : routesOf(value)).map((route) => ({ namespace, route }));
  });
}

/** A regular expression that matches the given words in any letter case: `[Ss][Tt]...`. */
function anyCase(words: readonly string[]): string {
  const letters = (word: string) =>
    [...word]
      .map((ch) =>
        ch.toLowerCase() === ch.toUpperCase() ? ch : `[${ch.toUpperCase()}${ch.toLowerCase()}]`,
      )
      .join('');
  return `^(${words.map(letters).join('|')})$`;
}

/**
 * Parameters the contract transforms before it checks them, so the generator cannot render them:
 * their wire form, by route path and parameter name.
 */
const WIRE_PARAMETERS: Readonly<Record<string, Readonly<Record<string, JsonObject>>>> = {
  [contract.providerCallbacks.receive.path]: {
    transactionProvider: {
      type: 'string',
      pattern: anyCase(Object.values(TRANSACTION_PROVIDER)),
      example: 'stripe',
      description: `The provider, in any letter case (${Object.values(TRANSACTION_PROVIDER).join(' or ')}); providerCallbackPath() writes it in lower case.`,
    },
  },
};

/**
 * The wire schema of a parameter the generator rendered without a type: the output side of its
 * pipeline (`take` is a string or number piped into an integer 1..100), with its default.
 */
function pipelineSchema(schema: z.ZodTypeAny): JsonObject | null {
  let current = schema;
  let defaultValue: Json | undefined;
  for (;;) {
    if (current instanceof z.ZodOptional) current = current.unwrap();
    else if (current instanceof z.ZodDefault) {
      defaultValue = current._def.defaultValue() as Json;
      current = current.removeDefault();
    } else if (current instanceof z.ZodPipeline) current = current._def.out;
    else break;
  }
  if (current === schema) return null;
  const { description: _description, ...rendered } = renderSchema(current).input;
  return defaultValue === undefined ? rendered : { ...rendered, default: defaultValue };
}

/** The zod schema of each query and path parameter of a route, by name. */
function parameterSchemas(route: AppRoute): Map<string, z.ZodTypeAny> {
  const shapes = [route.pathParams, route.query];
  const result = new Map<string, z.ZodTypeAny>();
  for (const shape of shapes) {
    if (!isZodObject(shape)) continue;
    for (const [name, schema] of Object.entries(extractZodObjectShape(shape))) {
      if (schema instanceof z.ZodType) result.set(name, schema);
    }
  }
  return result;
}

/**
 * The parameters of an operation: without the API secret header where the security scheme
 * carries it, and with a typed schema where the generator could not render one.
 */
function fixParameters(parameters: Json | undefined, named: NamedRoute): Json[] {
  const wire = WIRE_PARAMETERS[named.route.path] ?? {};
  const schemas = parameterSchemas(named.route);
  const merchant = CONTRACT_NAMESPACES[named.namespace].access === 'merchant';
  return (Array.isArray(parameters) ? parameters : []).flatMap<Json>((parameter) => {
    if (!isJsonObject(parameter)) return [parameter];
    const name = String(parameter.name);
    if (merchant && parameter.in === 'header' && name === API_SECRET_HEADER) return [];
    const override = wire[name];
    if (override) return [{ ...parameter, schema: override }];
    const rendered = parameter.schema;
    const zod = schemas.get(name);
    if (isJsonObject(rendered) && !('type' in rendered) && zod) {
      const schema = pipelineSchema(zod);
      if (schema) return [{ ...parameter, schema }];
    }
    return [parameter];
  });
}

/** A reason phrase as a component name: `Payload Too Large` is `PayloadTooLarge`. */
function responseName(status: number): string {
  return (STATUS_CODES[status] ?? `Status ${status}`).replace(/[^A-Za-z0-9]/g, '');
}

/** What an error status means: its reason phrase and the error codes that come with it. */
function errorDescription(status: number): string {
  const codes = Object.entries(ERROR_HTTP_STATUS)
    .filter(([, code]) => code === status)
    .map(([name]) => name);
  const phrase = STATUS_CODES[status] ?? `Status ${status}`;
  return codes.length === 0
    ? `${phrase}, with the error envelope.`
    : `${phrase}: the error envelope, with error.code ${codes.join(', ')}.`;
}

/**
 * The responses of an operation: each error status the contract answers with the envelope
 * refers to a shared response (collected in `shared`); each other keeps its schema and says
 * its reason phrase instead of repeating the status.
 */
function fixResponses(
  responses: Json | undefined,
  route: AppRoute,
  shared: Set<number>,
): JsonObject {
  const result: JsonObject = {};
  for (const [key, response] of Object.entries(isJsonObject(responses) ? responses : {})) {
    const status = Number(key);
    const declared = (route.responses as Record<number, unknown>)[status];
    if (status >= 400 && declared === errorEnvelopeSchema) {
      shared.add(status);
      result[key] = { $ref: `#/components/responses/${responseName(status)}` };
    } else if (isJsonObject(response) && response.description === key) {
      result[key] = { ...response, description: STATUS_CODES[status] ?? key };
    } else {
      result[key] = response;
    }
  }
  return result;
}

/** The generated operation of a route. */
function operationOf(paths: JsonObject, route: AppRoute): JsonObject {
  const operation = at(paths, route.path.replace(/:(\w+)/g, '{$1}'), route.method.toLowerCase());
  if (!isJsonObject(operation)) throw new Error(`no operation for ${route.method} ${route.path}`);
  return operation;
}

/** A path through JSON objects. */
function at(value: Json | undefined, ...keys: string[]): Json | undefined {
  let current = value;
  for (const key of keys) current = isJsonObject(current) ? current[key] : undefined;
  return current;
}

/**
 * Rewrites each operation in place: one tag (its namespace), the security of its namespace,
 * fixed parameters and responses, a required body; returns the error statuses in use.
 */
function fixOperations(paths: JsonObject): Set<number> {
  const shared = new Set<number>();
  for (const named of contractRoutes()) {
    const operation = operationOf(paths, named.route);
    const { access } = CONTRACT_NAMESPACES[named.namespace];
    operation.tags = [named.namespace];
    operation.security = access === 'merchant' ? [{ [API_SECRET_SCHEME]: [] }] : [];
    operation.parameters = fixParameters(operation.parameters, named);
    if (operation.parameters.length === 0) delete operation.parameters;
    if (isJsonObject(operation.requestBody)) {
      const { description: _generic, ...body } = operation.requestBody;
      operation.requestBody = { ...body, required: true };
    }
    operation.responses = fixResponses(operation.responses, named.route, shared);
  }
  return shared;
}

/** The shared error responses, in status order, each with the (not yet hoisted) envelope. */
function errorResponses(statuses: Set<number>): JsonObject {
  const envelope = renderSchema(errorEnvelopeSchema).output;
  const result: JsonObject = {};
  for (const status of [...statuses].sort((a, b) => a - b)) {
    result[responseName(status)] = {
      description: errorDescription(status),
      content: { 'application/json': { schema: structuredClone(envelope) } },
    };
  }
  return result;
}

/**
 * Spells a schema and its subschemas in OpenAPI 3.0, in place. The generator writes two JSON
 * Schema 2020 forms 3.0 refuses: a numeric `exclusiveMinimum` (3.0: a boolean next to
 * `minimum`) and `nullable` on a schema without a type (z.unknown(); 3.0 gives it no meaning). `nullable: false`
 * is the default and is dropped.
 */
function toOpenApi30(schema: JsonObject): JsonObject {
  for (const [exclusive, inclusive] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const bound = schema[exclusive];
    if (typeof bound !== 'number') continue;
    const current = schema[inclusive];
    const stricter =
      typeof current !== 'number' ||
      (exclusive === 'exclusiveMinimum' ? bound >= current : bound <= current);
    if (stricter) {
      schema[inclusive] = bound;
      schema[exclusive] = true;
    } else {
      delete schema[exclusive];
    }
  }
  if (schema.nullable === false || ('nullable' in schema && !('type' in schema))) {
    delete schema.nullable;
  }
  mapSubschemas(schema, toOpenApi30);
  return schema;
}

/**
 * The OpenAPI 3.0 document of the contract, for tools: every operation with its namespace's
 * security (the merchant API takes the `accrupay-api-secret` header; the public API, callbacks
 * and health take none), shared schemas and error responses as components, amounts described as
 * decimal strings. Lint-clean under Redocly's recommended rules and valid for swagger-parser.
 */
export function generateOpenApiDocument(version = '0.0.0'): OpenApiDocument {
  const generated = toJson(
    generateOpenApi(
      contract,
      { info: { title: 'AccruPay sandbox API', version } },
      { setOperationId: 'concatenated-path', jsonQuery: false },
    ),
  );
  const paths = isJsonObject(generated.paths) ? generated.paths : {};
  const statuses = fixOperations(paths);
  // A fresh tree: the passes below rewrite it in place and must not meet a node twice.
  const document = toJson({
    openapi: '3.0.3',
    info: {
      title: 'AccruPay sandbox API',
      version,
      description:
        'The merchant API (header accrupay-api-secret), the client public API (merchantPublicId, no secret) and the provider callback endpoint of the AccruPay sandbox.',
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    servers: [{ url: DEFAULT_BASE_URL, description: 'The local AccruPay sandbox.' }],
    tags: Object.entries(CONTRACT_NAMESPACES).map(([name, { description }]) => ({
      name,
      description,
    })),
    paths,
    components: {
      securitySchemes: {
        [API_SECRET_SCHEME]: {
          type: 'apiKey',
          in: 'header',
          name: API_SECRET_HEADER,
          description: 'The merchant API secret, sk_test_...; send it from the backend only.',
        },
      },
      responses: errorResponses(statuses),
    },
  });
  hoistSharedSchemas(document);
  mapDocumentSchemas(document, toOpenApi30);
  // The JSON built above is an OpenAPI 3.0 document; the cast restores the generator's type.
  return document as unknown as OpenApiDocument;
}

/** The document as `dist/openapi.json` holds it: two-space indented, one trailing newline. */
export function serializeOpenApiDocument(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
