/** Where AccruPay's GraphQL API answers (document 003). */
export const GRAPHQL_PATH = '/graphql';
/** Where its SDL is published. */
export const GRAPHQL_SCHEMA_PATH = '/graphql/schema.graphql';
