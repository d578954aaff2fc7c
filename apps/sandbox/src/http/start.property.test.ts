// Property: no start body, however wrong, gets a 5xx. Arbitrary JSON values and mutations of a
// valid start body (wrong types, huge, negative or fractional amounts, long strings, any Unicode,
// missing and extra fields, deep nesting) are posted to the three start routes, on both providers,
// against a real sandbox on port 0. A fixed seed and 200 runs per route keep it deterministic and
// quick (a few seconds); a failure prints the seed and the shrunk body.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { paymentStart, startTestSandbox, type TestSandbox } from '../test-support.ts';
import { MAX_BODY_DEPTH } from './middleware/input-guards.ts';

const SEED = 20_261_202;
const RUNS = 200;
const ROUTES = ['payments', 'authorizations', 'payment-methods'] as const;
type Route = (typeof ROUTES)[number];
type Json = Record<string, unknown>;

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox({
    sandbox: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } },
  });
});
afterAll(async () => {
  await t?.close();
});

function validBody(route: Route, provider: 'STRIPE' | 'NUVEI', code: string): Json {
  const body = paymentStart(t.merchant, provider, { code }) as unknown as Json;
  if (route === 'payment-methods') {
    const data = body.data as Json;
    delete data.amount;
    delete data.storePaymentMethod;
  }
  return body;
}

/** Any Unicode, lone surrogates and control characters included. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 100, maxLength: 3_000 }),
  fc.constantFrom('', ' ', 'x'.repeat(129), '\ud800', '\u0000', '４１１１', 'XXX', '0x10'),
);

const anyAmount = fc.oneof(
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String),
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  fc.double(),
  fc.constantFrom('1e3', '00', '1.5', '-0', ' 1', '9223372036854775807', '9223372036854775808'),
);

/**
 * A JSON value nested around the limit (as a value), or far beyond it, up to 20,000 levels (as a
 * placeholder that `post` writes out as text: such a value overflows the stack of the tools).
 */
const deep = fc.oneof(
  fc.integer({ min: 2, max: MAX_BODY_DEPTH * 3 }).map((depth) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = i % 7 ? [value] : { a: value };
    return value;
  }),
  fc.integer({ min: 1_000, max: 20_000 }).map((depth) => `__deep_${depth}__`),
);

const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: anyText },
  { weight: 2, arbitrary: anyAmount },
  { weight: 1, arbitrary: deep },
);

/** A dotted path into a start body: a field that exists, or one that does not. */
const FIELDS = [
  '',
  'merchantTransactionProviderId',
  'transactionProvider',
  'data',
  'data.amount',
  'data.currency',
  'data.storePaymentMethod',
  'data.merchantInternalTransactionCode',
  'data.merchantInternalCustomerCode',
  'data.customerPaymentMethodId',
  'data.customer',
  'data.customer.merchantInternalCustomerCode',
  'data.billing',
  'data.billing.billingFirstName',
  'data.billing.billingLastName',
  'data.billing.billingEmail',
  'data.billing.billingAddressCountry',
  'data.billing.billingAddressState',
  'data.billing.billingPhone',
  'data.billing.billingAddressLine1',
  'data.shipping',
  'data.user',
  'data.user.userLocale',
  'data.device',
  'data.device.deviceIpAddress',
  'data.device.deviceScreenWidth',
  'data.extra',
  'extra',
];

type Mutation =
  | { kind: 'set'; path: string; value: unknown }
  | { kind: 'delete'; path: string }
  | { kind: 'amount'; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    path: fc.constantFrom(...FIELDS),
    value: anyValue,
  }),
  fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...FIELDS) }),
  fc.record({ kind: fc.constant('amount' as const), value: anyAmount }),
);

function apply(body: Json, change: Mutation): unknown {
  if (change.kind === 'amount')
    return apply(body, { kind: 'set', path: 'data.amount', value: change.value });
  if (change.path === '') return change.kind === 'set' ? change.value : undefined;
  const keys = change.path.split('.');
  const last = keys.pop() as string;
  let parent: unknown = body;
  for (const key of keys) {
    if (parent === null || typeof parent !== 'object') return body;
    const next = (parent as Json)[key];
    if (next === null || typeof next !== 'object') {
      (parent as Json)[key] = {};
    }
    parent = (parent as Json)[key];
  }
  if (parent === null || typeof parent !== 'object') return body;
  if (change.kind === 'delete') delete (parent as Json)[last];
  else (parent as Json)[last] = change.value;
  return body;
}

const startBodies = (route: Route) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }) },
    {
      weight: 4,
      arbitrary: fc
        .record({
          provider: fc.constantFrom('STRIPE' as const, 'NUVEI' as const),
          code: fc.stringMatching(/^order-[a-z0-9]{1,12}$/),
          changes: fc.array(mutation, { minLength: 1, maxLength: 4 }),
        })
        .map(({ provider, code, changes }) =>
          changes.reduce<unknown>(
            (body, change) =>
              body !== null && typeof body === 'object' && !Array.isArray(body)
                ? apply(body as Json, change)
                : body,
            validBody(route, provider, `${route}-${code}`),
          ),
        ),
    },
  );

async function post(route: Route, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${t.sandbox.url}/v1/client-sessions/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accrupay-api-secret': t.merchant.apiSecret },
    body:
      body === undefined
        ? ''
        : JSON.stringify(body).replace(
            /"__deep_(\d+)__"/g,
            (_text, depth: string) => `${'['.repeat(Number(depth))}1${']'.repeat(Number(depth))}`,
          ),
  });
  return { status: response.status, text: await response.text() };
}

describe('no start body gives a 5xx', () => {
  test.each(ROUTES)('POST /v1/client-sessions/%s', async (route) => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(startBodies(route), async (body) => {
        const answer = await post(route, body);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500) {
          throw new Error(`${answer.status} ${answer.text.slice(0, 300)}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The bodies reach every stage: some are refused, and some start a session.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  });
});
