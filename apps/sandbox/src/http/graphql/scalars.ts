import { CANONICAL_AMOUNT } from '@accrupay/contracts';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateTimeISOResolver, JSONResolver } from 'graphql-scalars';

/**
 * The scalars of AccruPay's API. `BigInt` carries amounts in minor units: it reads a whole
 * number or a decimal string (the published client sends `"10000"`) and hands the resolvers the
 * decimal string, for the contract's amount rules to judge with their messages; it answers with a
 * JSON number while the amount is a safe integer (as graphql-scalars does), else a string.
 */

const bigIntHelp = 'BigInt must be a whole number of minor units such as 10000 or "10000"';

function readBigInt(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return value;
  throw new GraphQLError(`${bigIntHelp}; got ${JSON.stringify(value) ?? typeof value}`);
}

/** Amounts in minor units. */
export const BigIntScalar = new GraphQLScalarType<string, number | string>({
  name: 'BigInt',
  description:
    'A whole number of minor units (10000 is 100.00 USD): a JSON number or a decimal string on input; a JSON number when it is a safe integer, a decimal string beyond.',
  serialize(value) {
    const text = typeof value === 'bigint' ? value.toString() : String(value);
    if (!CANONICAL_AMOUNT.test(text.replace(/^-/, ''))) {
      throw new GraphQLError(`BigInt cannot represent ${text}`);
    }
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : text;
  },
  parseValue: readBigInt,
  parseLiteral(ast) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return readBigInt(ast.value);
    throw new GraphQLError(`${bigIntHelp}; got a ${ast.kind.toLowerCase()} literal`, {
      nodes: ast,
    });
  },
});

/** Instants as ISO 8601 strings (graphql-scalars' DateTimeISO). */
export const DateTimeISOScalar = DateTimeISOResolver;

/** Any JSON value (provider payloads, document 003's providerData). */
export const JSONScalar = JSONResolver;

/** An opaque page cursor: an endCursor or startCursor this API returned. */
export const ConnectionCursorScalar = new GraphQLScalarType<string, string>({
  name: 'ConnectionCursor',
  description: 'Cursor for pagination: a startCursor or endCursor this API returned.',
  serialize: (value) => String(value),
  parseValue(value) {
    if (typeof value !== 'string') {
      throw new GraphQLError('ConnectionCursor must be a string: a cursor this API returned');
    }
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('ConnectionCursor must be a string: a cursor this API returned', {
        nodes: ast,
      });
    }
    return ast.value;
  },
});
