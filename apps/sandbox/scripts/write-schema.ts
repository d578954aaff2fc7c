import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { graphqlSchema } from '../src/http/graphql/endpoint.ts';

/** Writes apps/sandbox/schema.graphql: the SDL GET /graphql/schema.graphql serves (a test keeps them equal). */
const target = fileURLToPath(new URL('../schema.graphql', import.meta.url));
writeFileSync(target, printSchema(graphqlSchema()));
console.log(`wrote ${target}`);
