import { describe, expect, test } from 'vitest';
import { decodePercent, MAX_BODY_DEPTH, malformedQueryPart, tooDeep } from './input-guards.ts';

describe('input guards', () => {
  const nest = (levels: number, leaf: unknown = 1) => {
    let value: unknown = leaf;
    for (let i = 0; i < levels; i++) value = i % 2 ? { k: value } : [value];
    return value;
  };

  test(`the depth limit is ${MAX_BODY_DEPTH}: that deep passes, one more is refused with where it starts`, () => {
    expect(MAX_BODY_DEPTH).toBe(32);
    expect(tooDeep(nest(MAX_BODY_DEPTH))).toBeUndefined();
    expect(tooDeep(nest(MAX_BODY_DEPTH + 1))?.split('.')).toHaveLength(MAX_BODY_DEPTH);
    const where = tooDeep({ a: 1, b: [nest(MAX_BODY_DEPTH - 1)] });
    expect(where).toMatch(/^b\.0\./);
    expect(where?.split('.')).toHaveLength(MAX_BODY_DEPTH);
    expect(tooDeep('x')).toBeUndefined();
    expect(tooDeep(null)).toBeUndefined();
  });

  test('measures a value nested 100,000 deep without recursion', () => {
    expect(tooDeep(nest(100_000))).toBeDefined();
    expect(tooDeep(nest(100_000), 200_000)).toBeUndefined();
  });

  test('a query as the parser gives it (flat, repeated names as arrays) is never too deep', () => {
    expect(tooDeep({ take: ['1', '2'], id: 'x' })).toBeUndefined();
    expect(tooDeep({ take: ['1'] }, 1)).toBe('take');
  });

  test('percent-encoding: malformed escapes and non-UTF-8 bytes are found, by parameter', () => {
    expect(decodePercent('/v1/transactions/%E0%A4%A')).toBeUndefined();
    expect(decodePercent('/v1/%FF')).toBeUndefined();
    expect(decodePercent('/v1/a%20b')).toBe('/v1/a b');
    expect(malformedQueryPart('take=1&code=%E0%A4%A')).toEqual({ index: 2, name: 'code' });
    expect(malformedQueryPart('%ZZ=1')).toEqual({ index: 1, name: undefined });
    expect(malformedQueryPart('a=b+c&d=%E0%A4%A4&&')).toBeUndefined();
    expect(malformedQueryPart('')).toBeUndefined();
  });
});
