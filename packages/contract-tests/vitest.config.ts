import { createRequire } from 'node:module';
import { mergeConfig } from 'vitest/config';
import { packageConfig } from '../../vitest.shared.ts';

// graphql 16 ships CommonJS (`main`) and ESM (`module`) builds without an exports map: Node (and
// so graphql-yoga inside the sandbox, and the published client) takes the CommonJS one, Vite
// would take the ESM one, and the schema's types would come from two copies ("Cannot use
// GraphQLEnumType from another realm"). The tests take the one Node takes, as apps/sandbox does.
const graphql = createRequire(import.meta.url).resolve('graphql');

// Each test starts a sandbox and its simulator (on PostgreSQL: a fresh schema, migrated).
export default mergeConfig(packageConfig(), {
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: { testTimeout: 30_000, hookTimeout: 30_000 },
});
