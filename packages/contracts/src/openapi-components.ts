import { initContract } from '@ts-rest/core';
import { generateOpenApi } from '@ts-rest/open-api';
import { z } from 'zod';
import { countryIso2Schema } from './country.ts';
import { currencySchema } from './currency.ts';
import {
  clientTransactionSessionKindSchema,
  clientTransactionSessionStatusSchema,
  clientTransactionSessionTypeSchema,
  paymentMethodBrandSchema,
  transactionActionSchema,
  transactionProviderSchema,
  transactionStatusSchema,
} from './enums.ts';
import { ERROR_CODE, errorEnvelopeSchema } from './errors.ts';
import {
  baseConfigSchema,
  clientSessionSchema,
  merchantTransactionSchema,
  paymentMethodSchema,
  publicClientSessionSchema,
} from './session.ts';
import {
  billingSchema,
  customerSchema,
  deviceSchema,
  shippingSchema,
  userSchema,
} from './start.ts';
import {
  WEBHOOK_EVENT_VARIANTS,
  WEBHOOK_FAULT_VARIANTS,
  webhookDeliverySchema,
  webhookEndpointSchema,
} from './webhooks.ts';

/**
 * Hoisting the contract's shared schemas into `components.schemas`.
 *
 * `@ts-rest/open-api` renders every zod schema inline wherever a route uses it, so the 178 ISO
 * 4217 codes appeared once per session, transaction and start body, and the document weighed
 * over a megabyte. Tools (SDK generators, docs) also want named types. The contract's zod
 * schemas stay as they are (no OpenAPI metadata in them, no change to what they parse); instead
 * this pass rewrites the generated document:
 *
 * 1. Each schema of `SHARED_SCHEMAS` is rendered by the same generator the document comes from
 *    (a one-route contract per schema: its request body gives the input form, its response the
 *    output form), so a rendering and its uses in the document are identical JSON.
 * 2. Every schema position of the document (parameters, bodies, responses, components) is walked
 *    top down; a subschema whose canonical JSON (object keys sorted) equals a rendering becomes
 *    `{ $ref }`. Top down means the largest named schema wins: a session becomes one `$ref`, and
 *    the payment method and currency inside it are hoisted when the session's component is.
 * 3. A use that only adds `nullable`, `description` or `default` to a named schema becomes
 *    `{ type, nullable, description, default, allOf: [{ $ref }] }`, the OpenAPI 3.0 spelling (3.0
 *    ignores siblings of `$ref`; `type` is there because `nullable` means nothing without it).
 * 4. Only components something refers to are emitted, sorted by name.
 *
 * The output depends only on the contract and this table: the same contract gives the same bytes.
 */

/** A JSON value, as the generated document is made of. */
export type Json = string | number | boolean | null | Json[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/**
 * The shared schemas and the component name each gets, in priority order: when two render
 * identically (the payment currency only adds a refinement JSON Schema cannot say), the first
 * name wins.
 */
export const SHARED_SCHEMAS: ReadonlyArray<readonly [string, z.ZodTypeAny]> = [
  ['ClientSession', clientSessionSchema],
  ...Object.entries(WEBHOOK_EVENT_VARIANTS),
  ...Object.entries(WEBHOOK_FAULT_VARIANTS),
  ['WebhookEndpoint', webhookEndpointSchema],
  ['WebhookDelivery', webhookDeliverySchema],
  ['PublicClientSession', publicClientSessionSchema],
  ['MerchantTransaction', merchantTransactionSchema],
  ['PaymentMethod', paymentMethodSchema],
  ['BaseConfig', baseConfigSchema],
  ['ErrorEnvelope', errorEnvelopeSchema],
  ['Billing', billingSchema],
  ['Shipping', shippingSchema],
  ['User', userSchema],
  ['Device', deviceSchema],
  ['Customer', customerSchema],
  ['Currency', currencySchema],
  ['CountryIso2', countryIso2Schema],
  ['ErrorCode', z.nativeEnum(ERROR_CODE)],
  ['TransactionProvider', transactionProviderSchema],
  ['TransactionStatus', transactionStatusSchema],
  ['TransactionAction', transactionActionSchema],
  ['ClientTransactionSessionStatus', clientTransactionSessionStatusSchema],
  ['ClientTransactionSessionKind', clientTransactionSessionKindSchema],
  ['ClientTransactionSessionType', clientTransactionSessionTypeSchema],
  ['PaymentMethodBrand', paymentMethodBrandSchema],
];

/** The keys a use may add to a named schema and still be a use of it. */
const WRAPPER_KEYS = ['nullable', 'description', 'default'] as const;

/** Whether a JSON value is an object (not an array, not null). */
export function isJsonObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON with object keys sorted: equal for two schemas exactly when they say the same thing.
 * With a cache (one per pass, as the walk asks for a node before it rewrites the node's children,
 * never after), each subtree is serialized once instead of once per ancestor.
 */
export function canonicalJson(value: Json, cache?: WeakMap<object, string>): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const cached = cache?.get(value);
  if (cached !== undefined) return cached;
  const text = Array.isArray(value)
    ? `[${value.map((item) => canonicalJson(item, cache)).join(',')}]`
    : `{${Object.keys(value)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json, cache)}`)
        .join(',')}}`;
  cache?.set(value, text);
  return text;
}

/** A deep copy of a generated value as plain JSON (drops the `undefined` fields the generator leaves). */
export function toJson(value: unknown): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** A path through JSON objects, or undefined where it leaves them. */
function at(value: Json | undefined, ...keys: string[]): Json | undefined {
  let current = value;
  for (const key of keys) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

const probeContract = initContract();

/**
 * How the generator renders one zod schema: as a request body (input) and as a response (output).
 * Rendered through a one-route contract so it is exactly what the document holds.
 */
export function renderSchema(schema: z.ZodTypeAny): { input: JsonObject; output: JsonObject } {
  const router = probeContract.router({
    probe: { method: 'POST', path: '/probe', body: schema, responses: { 200: schema } },
  });
  const operation = at(
    toJson(generateOpenApi(router, { info: { title: 'probe', version: '0' } })),
    'paths',
    '/probe',
    'post',
  );
  const input = at(operation, 'requestBody', 'content', 'application/json', 'schema');
  const output = at(operation, 'responses', '200', 'content', 'application/json', 'schema');
  if (!isJsonObject(input) || !isJsonObject(output)) {
    throw new Error('@ts-rest/open-api rendered no schema for the probe route');
  }
  return { input, output };
}

/** The named renderings: canonical JSON to component name, and each component's raw schema. */
interface Registry {
  names: Map<string, string>;
  schemas: Map<string, JsonObject>;
  /** Canonical JSON of the nodes this pass has looked at. */
  cache: WeakMap<object, string>;
}

/**
 * Renders every shared schema. The output form is the component; an input form that differs
 * (a default, a transform) gets its own component, `<name>Input`.
 */
function buildRegistry(shared: ReadonlyArray<readonly [string, z.ZodTypeAny]>): Registry {
  const registry: Registry = { names: new Map(), schemas: new Map(), cache: new WeakMap() };
  const add = (name: string, schema: JsonObject) => {
    const key = canonicalJson(schema);
    if (registry.names.has(key)) return;
    registry.names.set(key, name);
    registry.schemas.set(name, schema);
  };
  for (const [name, schema] of shared) {
    const { input, output } = renderSchema(schema);
    add(name, output);
    if (canonicalJson(input) !== canonicalJson(output)) add(`${name}Input`, input);
  }
  return registry;
}

/** The reference to a component schema. */
export function schemaRef(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

/** The named schema a subschema is, as a `$ref` (or a 3.0 nullable/described wrapper of one). */
function asReference(node: JsonObject, registry: Registry, used: Set<string>): JsonObject | null {
  const exact = registry.names.get(canonicalJson(node, registry.cache));
  if (exact !== undefined) {
    used.add(exact);
    return schemaRef(exact);
  }
  if (!WRAPPER_KEYS.some((key) => key in node)) return null;
  const rest: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (!(WRAPPER_KEYS as readonly string[]).includes(key)) rest[key] = value;
  }
  const name = registry.names.get(canonicalJson(rest, registry.cache));
  const type = name === undefined ? undefined : registry.schemas.get(name)?.type;
  if (name === undefined || type === undefined) return null;
  used.add(name);
  const wrapper: JsonObject = { type };
  for (const key of WRAPPER_KEYS) {
    const value = node[key];
    if (value !== undefined) wrapper[key] = value;
  }
  wrapper.allOf = [schemaRef(name)];
  return wrapper;
}

/** The keys of a schema object whose values are schemas, and those whose values are lists or maps of them. */
const SCHEMA_KEYS = ['items', 'not', 'additionalProperties'] as const;
const SCHEMA_LIST_KEYS = ['allOf', 'anyOf', 'oneOf'] as const;

/** Applies `visit` to the direct subschemas of a schema, in place. */
export function mapSubschemas(schema: JsonObject, visit: (child: JsonObject) => JsonObject): void {
  for (const key of SCHEMA_KEYS) {
    const child = schema[key];
    if (isJsonObject(child)) schema[key] = visit(child);
  }
  for (const key of SCHEMA_LIST_KEYS) {
    const list = schema[key];
    if (Array.isArray(list)) {
      schema[key] = list.map((child) => (isJsonObject(child) ? visit(child) : child));
    }
  }
  const properties = schema.properties;
  if (isJsonObject(properties)) {
    for (const [name, child] of Object.entries(properties)) {
      if (isJsonObject(child)) properties[name] = visit(child);
    }
  }
}

/** A schema with its named subschemas (itself included) replaced by references. */
function hoistSchema(schema: JsonObject, registry: Registry, used: Set<string>): JsonObject {
  const reference = asReference(schema, registry, used);
  if (reference) return reference;
  mapSubschemas(schema, (child) => hoistSchema(child, registry, used));
  return schema;
}

/** Applies `visit` to every schema that sits in a parameter, media type or header object. */
function mapContentSchemas(holder: Json | undefined, visit: (schema: JsonObject) => JsonObject) {
  if (!isJsonObject(holder)) return;
  if (isJsonObject(holder.schema)) holder.schema = visit(holder.schema);
  for (const group of ['content', 'headers'] as const) {
    const entries = holder[group];
    if (isJsonObject(entries)) {
      for (const entry of Object.values(entries)) mapContentSchemas(entry, visit);
    }
  }
}

/**
 * Applies `visit` to every top-level schema position of an OpenAPI 3.0 document, in place:
 * parameters, request bodies, responses (paths and components) and component schemas.
 */
export function mapDocumentSchemas(
  document: JsonObject,
  visit: (schema: JsonObject) => JsonObject,
): void {
  const operations = Object.values(isJsonObject(document.paths) ? document.paths : {}).flatMap(
    (item) => (isJsonObject(item) ? [item, ...Object.values(item)] : []),
  );
  for (const operation of operations) {
    if (!isJsonObject(operation)) continue;
    const parameters = operation.parameters;
    if (Array.isArray(parameters))
      for (const parameter of parameters) mapContentSchemas(parameter, visit);
    mapContentSchemas(operation.requestBody, visit);
    const responses = operation.responses;
    if (isJsonObject(responses))
      for (const response of Object.values(responses)) mapContentSchemas(response, visit);
  }
  const components = document.components;
  if (!isJsonObject(components)) return;
  for (const group of ['responses', 'parameters', 'requestBodies', 'headers'] as const) {
    const entries = components[group];
    if (isJsonObject(entries))
      for (const entry of Object.values(entries)) mapContentSchemas(entry, visit);
  }
  const schemas = components.schemas;
  if (isJsonObject(schemas)) {
    for (const [name, schema] of Object.entries(schemas)) {
      if (isJsonObject(schema)) schemas[name] = visit(schema);
    }
  }
}

/**
 * Hoists the shared schemas of a generated document into `components.schemas`, in place, and
 * returns the names of the components it added.
 */
export function hoistSharedSchemas(
  document: JsonObject,
  shared: ReadonlyArray<readonly [string, z.ZodTypeAny]> = SHARED_SCHEMAS,
): string[] {
  const registry = buildRegistry(shared);
  const used = new Set<string>();
  mapDocumentSchemas(document, (schema) => hoistSchema(schema, registry, used));
  // A component's own subschemas are hoisted too; that may bring in more components.
  const components = new Map<string, JsonObject>();
  for (
    let pending = [...used];
    pending.length > 0;
    pending = [...used].filter((name) => !components.has(name))
  ) {
    for (const name of pending) {
      const schema = structuredClone(registry.schemas.get(name) as JsonObject);
      mapSubschemas(schema, (child) => hoistSchema(child, registry, used));
      components.set(name, schema);
    }
  }
  const existing = isJsonObject(document.components) ? document.components : {};
  const schemas: JsonObject = isJsonObject(existing.schemas) ? { ...existing.schemas } : {};
  const names = [...components.keys()].sort();
  for (const name of names) schemas[name] = components.get(name) as JsonObject;
  if (Object.keys(schemas).length > 0) document.components = { ...existing, schemas };
  return names;
}
