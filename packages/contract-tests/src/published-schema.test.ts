// Compatibility of the sandbox's GraphQL schema with AccruPay's published client, `@accrupay/node`
// 0.15.1 from the npm registry. The client's bundle carries every operation it sends, as
// precompiled DocumentNode literals (`{kind:"Document",definitions:[...]}`, fragments inlined),
// and the introspection of AccruPay's real schema (`{__schema:{...}}`), which its scalar link
// reads. Both are read out of the installed bundle at test time, never copied into this repo.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { startTestSandbox, type TestSandbox } from '@accrupay/sandbox/testing';
import * as published from 'accrupay-node-published';
import {
  buildClientSchema,
  buildSchema,
  type DocumentNode,
  type FieldNode,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  type IntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  type OperationDefinitionNode,
  TypeInfo,
  type TypeNode,
  validate,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const BUNDLE = readFileSync(
  createRequire(import.meta.url).resolve('accrupay-node-published'),
  'utf8',
);

/**
 * Deliberate differences from the published types, by schema coordinate, each with its reason.
 * Empty: every field the client selects is as nullable as, or stricter than, the published one.
 */
const NULLABILITY_EXCEPTIONS: Readonly<Record<string, string>> = {};

/**
 * The end of the JavaScript value literal that opens at `start` (a `{`): brackets are counted
 * outside string literals ("...", '...', `...`, with their escapes).
 */
function literalEnd(text: string, start: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'" || char === '`') {
      quote = char;
    } else if (char === '{' || char === '[') {
      depth++;
    } else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new Error(`the literal at ${start} of the bundle never closes`);
}

/**
 * Every value literal of the bundle that starts with `opening`, evaluated. The minified literals
 * are JavaScript (bare keys, `!0` for true), not JSON: each is evaluated alone, in a context
 * with no globals, so a literal that named anything outside itself would throw.
 */
function literalsStartingWith(opening: string): unknown[] {
  const values: unknown[] = [];
  for (let at = BUNDLE.indexOf(opening); at !== -1; at = BUNDLE.indexOf(opening, at + 1)) {
    const source = BUNDLE.slice(at, literalEnd(BUNDLE, at));
    values.push(runInNewContext(`(${source})`, Object.create(null)));
  }
  return values;
}

const DOCUMENTS = literalsStartingWith('{kind:"Document",') as DocumentNode[];
const OPERATIONS = DOCUMENTS.flatMap((document) =>
  document.definitions
    .filter(
      (definition): definition is OperationDefinitionNode =>
        definition.kind === Kind.OPERATION_DEFINITION,
    )
    .map((operation) => ({ name: operation.name?.value ?? '(anonymous)', operation, document })),
);
const [INTROSPECTION, ...OTHER_INTROSPECTIONS] = literalsStartingWith(
  '{__schema:',
) as IntrospectionQuery[];
if (!INTROSPECTION || OTHER_INTROSPECTIONS.length > 0) {
  throw new Error('the published bundle should embed exactly one introspection');
}
const PUBLISHED_SCHEMA = buildClientSchema(INTROSPECTION);

/** Each selected field of a document with its definition's type in a schema, by AST node. */
function selectedFields(schema: GraphQLSchema, document: DocumentNode) {
  const typeInfo = new TypeInfo(schema);
  const fields = new Map<FieldNode, { coordinate: string; type: GraphQLOutputType | undefined }>();
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        fields.set(node, {
          coordinate: `${parent?.name ?? '?'}.${node.name.value}`,
          type: typeInfo.getFieldDef()?.type,
        });
      },
    }),
  );
  return fields;
}

/**
 * Why a field of ours does not answer what the client expects, or undefined when it does: the
 * same named type after lists and non-null are unwrapped, non-null wherever the client's is
 * (ours may be stricter, never looser), a list exactly where the client's is one.
 */
function outputMismatch(ours: GraphQLOutputType, theirs: GraphQLOutputType): string | undefined {
  if (isNonNullType(theirs)) {
    if (!isNonNullType(ours)) return `nullable ${ours} where the client has ${theirs}`;
    return outputMismatch(ours.ofType, theirs.ofType);
  }
  if (isNonNullType(ours)) return outputMismatch(ours.ofType, theirs);
  if (isListType(theirs) !== isListType(ours)) return `${ours} where the client has ${theirs}`;
  if (isListType(theirs) && isListType(ours)) return outputMismatch(ours.ofType, theirs.ofType);
  const [named, expected] = [getNamedType(ours), getNamedType(theirs)];
  return named.name === expected.name ? undefined : `${named} where the client has ${expected}`;
}

/**
 * Why an input type of ours would refuse what the client sends, or undefined: the same named
 * type, and never non-null where the client's is nullable (the client may leave it out).
 */
function inputMismatch(ours: GraphQLInputType, theirs: GraphQLInputType): string | undefined {
  if (isNonNullType(ours) && !isNonNullType(theirs)) {
    return `required ${ours} where the client may omit it (${theirs})`;
  }
  const [a, b] = [
    isNonNullType(ours) ? ours.ofType : ours,
    isNonNullType(theirs) ? theirs.ofType : theirs,
  ];
  if (isListType(a) !== isListType(b)) return `${ours} where the client sends ${theirs}`;
  if (isListType(a) && isListType(b)) return inputMismatch(a.ofType, b.ofType);
  const [named, expected] = [getNamedType(a), getNamedType(b)];
  return named.name === expected.name ? undefined : `${named} where the client sends ${expected}`;
}

/** The name of the named type inside a type reference such as `[String!]!`. */
function namedTypeOf(node: TypeNode): string {
  return node.kind === Kind.NAMED_TYPE ? node.name.value : namedTypeOf(node.type);
}

/** The input object types an operation's variables reach, through nested input fields. */
function inputObjectsOf(operation: OperationDefinitionNode): Set<string> {
  const seen = new Set<string>();
  const pending = (operation.variableDefinitions ?? []).flatMap((definition) => {
    const type = PUBLISHED_SCHEMA.getType(namedTypeOf(definition.type));
    return type ? [type] : [];
  });
  for (let type = pending.pop(); type; type = pending.pop()) {
    if (!isInputObjectType(type) || seen.has(type.name)) continue;
    seen.add(type.name);
    for (const field of Object.values(type.getFields())) pending.push(getNamedType(field.type));
  }
  return seen;
}

/**
 * The enum types an operation can meet: those of its variables, of the fields it selects and of
 * the input fields its variables reach (in the published schema).
 */
function enumsOf(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const named = new Set<string>();
  visit(operation, {
    NamedType(node) {
      named.add(node.name.value);
    },
  });
  for (const field of selectedFields(PUBLISHED_SCHEMA, document).values()) {
    if (field.type) named.add(getNamedType(field.type).name);
  }
  for (const typeName of inputObjectsOf(operation)) {
    const type = PUBLISHED_SCHEMA.getType(typeName);
    if (!isInputObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) named.add(getNamedType(field.type).name);
  }
  return new Set([...named].filter((name) => isEnumType(PUBLISHED_SCHEMA.getType(name))));
}

describe("the published client's operations against the schema the sandbox serves", () => {
  let t: TestSandbox;
  let ours: GraphQLSchema;
  const counts = { operations: 0, fields: 0, inputFields: 0, enums: 0 };
  beforeAll(async () => {
    t = await startTestSandbox();
    const answer = await fetch(`${t.sandbox.url}/graphql/schema.graphql`);
    expect(answer.status).toBe(200);
    ours = buildSchema(await answer.text());
  });
  afterAll(async () => {
    console.info(
      `published-schema: ${counts.operations} operations validated, ${counts.fields} selected fields, ` +
        `${counts.inputFields} input fields and ${counts.enums} enum types checked against the sandbox's SDL`,
    );
    await t.close();
  });

  test('the bundle yields every operation the client exports, each valid against its own introspection', () => {
    const exported = Object.entries(published).filter(
      ([name, value]) =>
        name.endsWith('Document') && (value as { kind?: unknown } | null)?.kind === Kind.DOCUMENT,
    );
    // 30 operations in 0.15.1; fragments travel inside each operation's document.
    expect(OPERATIONS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(OPERATIONS.map((one) => one.name)).size).toBe(OPERATIONS.length);
    expect(exported.map(([name]) => name.replace(/Document$/, '')).sort()).toEqual(
      OPERATIONS.map((one) => one.name).sort(),
    );
    for (const [, document] of exported) expect(DOCUMENTS).toContainEqual(document);
    for (const { name, document } of OPERATIONS) {
      expect(validate(PUBLISHED_SCHEMA, document).map(String), name).toEqual([]);
    }
  });

  describe.each(OPERATIONS)('$name', ({ name, operation, document }) => {
    test('validates against the sandbox schema', () => {
      expect(validate(ours, document).map((error) => error.message)).toEqual([]);
      counts.operations++;
    });

    test('every selected field has the published type, as non-null wherever the client has it', () => {
      const theirs = selectedFields(PUBLISHED_SCHEMA, document);
      const mine = selectedFields(ours, document);
      const mismatches: string[] = [];
      for (const [node, expected] of theirs) {
        const found = mine.get(node);
        if (!expected.type)
          throw new Error(`${name}: ${expected.coordinate} is not in the introspection`);
        counts.fields++;
        if (!found?.type) {
          mismatches.push(`${expected.coordinate}: missing`);
          continue;
        }
        const why = outputMismatch(found.type, expected.type);
        if (why && !NULLABILITY_EXCEPTIONS[expected.coordinate]) {
          mismatches.push(`${expected.coordinate}: ${why}`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    test('every input the client sends is accepted, and every enum value it knows exists', () => {
      const mismatches: string[] = [];
      for (const typeName of inputObjectsOf(operation)) {
        const theirs = PUBLISHED_SCHEMA.getType(typeName);
        const mine = ours.getType(typeName);
        if (!isInputObjectType(theirs)) continue;
        if (!isInputObjectType(mine)) {
          mismatches.push(`${typeName}: not an input type in the sandbox`);
          continue;
        }
        const myFields = mine.getFields();
        for (const field of Object.values(theirs.getFields())) {
          counts.inputFields++;
          const found = myFields[field.name];
          const why = found ? inputMismatch(found.type, field.type) : 'missing';
          if (why) mismatches.push(`${typeName}.${field.name}: ${why}`);
        }
        for (const field of Object.values(myFields)) {
          if (isNonNullType(field.type) && !theirs.getFields()[field.name]) {
            mismatches.push(`${typeName}.${field.name}: required, and the client cannot send it`);
          }
        }
      }
      for (const typeName of enumsOf(document, operation)) {
        const theirs = PUBLISHED_SCHEMA.getType(typeName);
        if (!isEnumType(theirs)) continue;
        counts.enums++;
        const mine = ours.getType(typeName);
        const values = new Set(isEnumType(mine) ? mine.getValues().map((value) => value.name) : []);
        for (const value of theirs.getValues()) {
          if (!values.has(value.name)) mismatches.push(`${typeName}.${value.name}: missing`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  });
});
