import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { Request, RequestHandler, Response } from 'express';
import { GraphQLError, type GraphQLSchema, printSchema } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import type { SandboxService } from '../../domain/service.ts';
import { locals } from '../context.ts';
import { asyncMiddleware } from '../middleware/async.ts';
import { type GraphqlContext, graphqlContext } from './context.ts';
import { maskExecutionError } from './errors.ts';
import { GRAPHQL_PATH } from './paths.ts';
import { resolvers } from './resolvers.ts';
import { BigIntScalar, ConnectionCursorScalar, DateTimeISOScalar, JSONScalar } from './scalars.ts';
import { TYPE_DEFS } from './sdl.ts';

/**
 * The limits on an operation, checked before it runs: depth (with fragments spread), aliases,
 * tokens, directives and cost. The published client's largest operation (the transaction list)
 * is 7 deep and about 1,000 tokens; the limits leave room for it and refuse what is far beyond.
 */
export const GRAPHQL_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 5_000,
  maxDirectives: 50,
  maxCost: 20_000,
} as const;

/** The executable schema: the SDL of sdl.ts with the resolvers of resolvers.ts. */
export function graphqlSchema(): GraphQLSchema {
  return createSchema<GraphqlContext>({
    typeDefs: TYPE_DEFS,
    resolvers: {
      ...resolvers,
      BigInt: BigIntScalar,
      DateTimeISO: DateTimeISOScalar,
      JSON: JSONScalar,
      ConnectionCursor: ConnectionCursorScalar,
    } as never,
  });
}

interface ServerContext {
  req: Request;
  res: Response;
}

/**
 * The GraphQL endpoint: GraphQL Yoga over the schema, one operation per request (no batching),
 * GraphiQL for a browser's GET. It runs behind the same middlewares as REST (request id, body
 * limit, rate limits, card scan, idempotency); the answer goes out through express, so that the
 * idempotency middleware keeps it like any other.
 */
export function graphqlEndpoint(service: SandboxService): {
  handler: RequestHandler;
  sdl: RequestHandler;
} {
  const schema = graphqlSchema();
  const printed = printSchema(schema);
  const yoga = createYoga<ServerContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    graphiql: {
      title: 'AccruPay sandbox GraphQL API',
      defaultQuery: '{ merchantApi { id name publicId } }',
    },
    batching: false,
    logging: false,
    // Errors are rewritten below, where the request id is known.
    maskedErrors: false,
    context: ({ res }) => {
      const { requestId, merchant, authError } = locals(res);
      return graphqlContext({ service, requestId, merchant, authError });
    },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: GRAPHQL_LIMITS.maxDepth, flattenFragments: true, exposeLimits: true },
        maxAliases: { n: GRAPHQL_LIMITS.maxAliases, exposeLimits: true },
        maxTokens: { n: GRAPHQL_LIMITS.maxTokens, exposeLimits: true },
        maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives, exposeLimits: true },
        costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, exposeLimits: true },
        // A sandbox helps: "Did you mean ...?" stays on.
        blockFieldSuggestion: { enabled: false },
      }),
      {
        // Every error of the request (validation or execution) as errors.ts says, with the request id.
        onResultProcess: ({ result, setResult, serverContext }) => {
          if (Array.isArray(result) || !('errors' in result) || !result.errors?.length) return;
          const answer = locals((serverContext as unknown as ServerContext).res);
          // An answer with errors did no work the idempotency middleware should keep.
          answer.answerFailed = true;
          const { requestId, log } = answer;
          const errors = result.errors.map((error) => {
            const masked = maskExecutionError(error, requestId);
            // As on REST: what the client cannot fix is logged with its cause.
            const code = masked.extensions.code;
            if (code === 'INTERNAL_SERVER_ERROR' || String(code).startsWith('PROVIDER_')) {
              const cause = error instanceof GraphQLError ? (error.originalError ?? error) : error;
              log.error({ err: cause }, masked.message);
            }
            return masked;
          });
          setResult({ ...result, errors });
        },
      },
    ],
  });

  const handler = asyncMiddleware(async (req, res) => {
    const url = `http://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) headers.set(name, value.join(', '));
    }
    headers.delete('content-length');
    const body = req.method === 'POST' ? JSON.stringify(req.body ?? {}) : undefined;
    const response = await yoga.fetch(
      url,
      { method: req.method, headers, ...(body !== undefined ? { body } : {}) },
      { req, res },
    );
    const text = await response.text();
    response.headers.forEach((value, name) => {
      if (name !== 'content-length') res.setHeader(name, value);
    });
    res.status(response.status).send(text);
  });

  const sdl: RequestHandler = (_req, res) => {
    res.type('text/plain; charset=utf-8').send(printed);
  };
  return { handler, sdl };
}
