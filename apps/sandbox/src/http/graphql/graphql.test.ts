import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NUVEI_TEST_CARDS, STRIPE_TEST_CARDS } from '@accrupay/provider-sim';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SHOP_ORIGIN, startTestSandbox, type TestSandbox } from '../../test-support.ts';

type GraphqlAnswer<T = Record<string, unknown>> = {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions: Record<string, unknown> }>;
};

const SUCCESS_CARD = STRIPE_TEST_CARDS.find((card) => card.outcome === 'success')?.number as string;

const START = /* GraphQL */ `
  mutation Start($transactionProvider: TRANSACTION_PROVIDER, $data: MerchantApiClientTransactionPaymentSessionStartSchema!) {
    merchantApiClientTransactionPaymentSessionStartV2(transactionProvider: $transactionProvider, data: $data) {
      id token providerCode status amount currency merchantInternalTransactionCode expiresAt
      transactionProvider { id provider }
    }
  }`;

const VERIFY = /* GraphQL */ `
  mutation Verify($id: String, $merchantInternalTransactionCode: String) {
    merchantApiClientTransactionPaymentSessionVerify(id: $id, merchantInternalTransactionCode: $merchantInternalTransactionCode) {
      id status action amount currency providerCode errorCode errorMessage
    }
  }`;

const billing = {
  billingFirstName: 'Jane',
  billingLastName: 'Smith',
  billingEmail: 'jane@example.com',
  billingAddressCountry: 'US',
};

function startData(code: string, overrides: Record<string, unknown> = {}) {
  return {
    amount: 10000,
    currency: 'USD',
    merchantInternalTransactionCode: code,
    merchantInternalCustomerCode: 'customer-456',
    storePaymentMethod: false,
    billing,
    ...overrides,
  };
}

describe('the GraphQL API at /graphql', () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox();
  });
  afterAll(async () => {
    await t.close();
  });

  const gql = async <T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    options: { secret?: string | null; headers?: Record<string, string> } = {},
  ) => t.api<GraphqlAnswer<T>>('POST', '/graphql', { body: { query, variables }, ...options });

  test('document 003 start, pay at the provider, verify: SUCCEEDED and one charge in the ledger', async () => {
    const started = await gql<{
      merchantApiClientTransactionPaymentSessionStartV2: Record<string, unknown>;
    }>(START, {
      transactionProvider: 'STRIPE',
      data: startData('gql-flow-1'),
    });
    expect(started.status).toBe(200);
    expect(started.body.errors).toBeUndefined();
    const session = started.body.data?.merchantApiClientTransactionPaymentSessionStartV2 as Record<
      string,
      unknown
    >;
    expect(session).toMatchObject({
      status: 'PENDING',
      amount: 10000,
      currency: 'USD',
      transactionProvider: { provider: 'STRIPE' },
    });
    expect((await t.pay('STRIPE', session.token as string, SUCCESS_CARD)).status).toBe(200);
    const verified = await gql<{
      merchantApiClientTransactionPaymentSessionVerify: Record<string, unknown>;
    }>(VERIFY, { id: session.id });
    expect(verified.body.errors).toBeUndefined();
    expect(verified.body.data?.merchantApiClientTransactionPaymentSessionVerify).toMatchObject({
      status: 'SUCCEEDED',
      action: 'PAYMENT',
      amount: 10000,
    });
    const charges = t.sim.ledger({ merchantRef: 'gql-flow-1' });
    expect(charges.filter((entry) => entry.kind === 'charge')).toHaveLength(1);
  });

  test("document 003's billing spellings are accepted, a bare state becomes the country's subdivision", async () => {
    const answer = await gql(START, {
      transactionProvider: 'NUVEI',
      data: startData('gql-003-billing', {
        billing: {
          ...billing,
          billingPhone: '+15555550100',
          billingAddress: '123 Main St',
          billingCity: 'New York',
          billingState: 'NY',
          billingZip: '10001',
        },
      }),
    });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data).toMatchObject({
      merchantApiClientTransactionPaymentSessionStartV2: { status: 'PENDING' },
    });
  });

  test('a refused field is BAD_USER_INPUT naming the field as it was sent, with the request id', async () => {
    const answer = await gql(START, {
      transactionProvider: 'STRIPE',
      data: startData('gql-bad-1', {
        billing: { ...billing, billingEmail: 'not-an-email', billingState: 'New York' },
      }),
    });
    expect(answer.status).toBe(200);
    const [error] = answer.body.errors ?? [];
    expect(error?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      accrupayCode: 'VALIDATION_ERROR',
    });
    expect(error?.extensions.requestId).toBe(answer.headers.get('x-request-id'));
    const paths = ((error?.extensions.issues ?? []) as Array<{ path: string }>).map(
      (issue) => issue.path,
    );
    expect(paths).toEqual(
      expect.arrayContaining(['data.billing.billingEmail', 'data.billing.billingState']),
    );
    expect(error?.message).toContain('data.billing.billingEmail');
  });

  test('a wrong or missing secret is UNAUTHENTICATED (status 200, as the published client expects)', async () => {
    for (const secret of [null, 'sk_test_0000000000000000000000000000000000000a']) {
      const answer = await gql('{ merchantApi { id } }', {}, { secret });
      expect(answer.status).toBe(200);
      expect(answer.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
    const ok = await gql<{ merchantApi: { publicId: string } }>(
      '{ merchantApi { id publicId name status } }',
    );
    expect(ok.body.data?.merchantApi.publicId).toBe(t.merchant.merchantPublicId);
  });

  test('an unknown session is NOT_FOUND naming what was looked for', async () => {
    const answer = await gql(VERIFY, { merchantInternalTransactionCode: 'no-such-order' });
    expect(answer.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(answer.body.errors?.[0]?.message).toContain('no-such-order');
  });

  test('payment plans and ACH validate and answer NOT_SUPPORTED_BY_SANDBOX', async () => {
    const plans = await gql('{ merchantApiPaymentPlans(take: 1) { totalCount } }');
    expect(plans.body.errors?.[0]?.extensions.code).toBe('NOT_SUPPORTED_BY_SANDBOX');
    const sync = await gql(
      'mutation { merchantApiCustomerPaymentMethodSyncOne(merchantInternalCustomerCode: "c", merchantTransactionProviderId: "m", providerCode: "p") { id } }',
    );
    expect(sync.body.errors?.[0]?.extensions.code).toBe('NOT_SUPPORTED_BY_SANDBOX');
  });

  test('a refund by merchant code: the REFUND transaction, the payment refunded, one refund in the ledger', async () => {
    const started = await gql<{
      merchantApiClientTransactionPaymentSessionStartV2: { id: string; token: string };
    }>(START, { transactionProvider: 'NUVEI', data: startData('gql-refund-1') });
    const session = started.body.data?.merchantApiClientTransactionPaymentSessionStartV2;
    if (!session) throw new Error(JSON.stringify(started.body));
    const nuveiCard = NUVEI_TEST_CARDS.find((card) => card.outcome === 'success')?.number as string;
    expect((await t.pay('NUVEI', session.token, nuveiCard)).status).toBe(200);
    expect((await gql(VERIFY, { id: session.id })).body.errors).toBeUndefined();
    const REFUND = `mutation($code: String, $amount: BigInt!) {
      merchantApiTransactionRefund(merchantInternalTransactionCode: $code, amount: $amount) {
        id action status amount relatedTransactionId relatedTransaction { refundedAmount refundedAt }
      }
    }`;
    const refunded = await gql<{ merchantApiTransactionRefund: Record<string, unknown> }>(REFUND, {
      code: 'gql-refund-1',
      amount: '2500',
    });
    expect(refunded.body.errors).toBeUndefined();
    expect(refunded.body.data?.merchantApiTransactionRefund).toMatchObject({
      action: 'REFUND',
      status: 'SUCCEEDED',
      amount: 2500,
      relatedTransaction: { refundedAmount: 2500 },
    });
    const above = await gql(REFUND, { code: 'gql-refund-1', amount: '7501' });
    expect(above.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      accrupayCode: 'AMOUNT_EXCEEDS_REFUNDABLE',
    });
    const refunds = t.sim.ledger({ merchantRef: 'gql-refund-1', kind: 'refund' });
    expect(refunds.map((entry) => entry.amount)).toEqual([2500]);
    const SYNC = `mutation($m: String!, $id: String) {
      merchantApiTransactionSyncOne(merchantTransactionProviderId: $m, id: $id) { id status action }
    }`;
    const refundId = refunded.body.data?.merchantApiTransactionRefund.id as string;
    const synced = await gql<{ merchantApiTransactionSyncOne: Record<string, unknown> }>(SYNC, {
      m: t.merchant.merchantTransactionProviderIds.NUVEI,
      id: refundId,
    });
    expect(synced.body.data?.merchantApiTransactionSyncOne).toMatchObject({
      id: refundId,
      status: 'SUCCEEDED',
      action: 'REFUND',
    });
    const elsewhere = await gql(SYNC, {
      m: t.merchant.merchantTransactionProviderIds.STRIPE,
      id: refundId,
    });
    expect(elsewhere.body.errors?.[0]?.message).toMatch(/^merchantTransactionProviderId: /);
  });

  test('a card number anywhere in the request is refused before it runs, as a GraphQL error', async () => {
    const answer = await gql(START, {
      transactionProvider: 'STRIPE',
      data: startData('gql-card-1', { merchantInternalCustomerCode: SUCCESS_CARD }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      accrupayCode: 'CARD_DATA_REFUSED',
    });
    expect(JSON.stringify(answer.body)).not.toContain(SUCCESS_CARD);
    expect(t.sim.ledger({ merchantRef: 'gql-card-1' })).toHaveLength(0);
  });

  test('an Idempotency-Key replays the first answer and starts one session only', async () => {
    const headers = { 'idempotency-key': 'gql-idem-1' };
    const variables = { transactionProvider: 'STRIPE', data: startData('gql-idem-1') };
    const first = await gql(START, variables, { headers });
    const second = await gql(START, variables, { headers });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const again = await gql(
      'query { merchantApiClientTransactionSessions(merchantInternalTransactionCode: "gql-idem-1") { totalCount } }',
    );
    expect(again.body.data).toEqual({ merchantApiClientTransactionSessions: { totalCount: 1 } });
  });

  test('an answer with errors leaves the Idempotency-Key free for a corrected retry', async () => {
    const headers = { 'idempotency-key': 'gql-idem-2' };
    const bad = await gql(
      START,
      { transactionProvider: 'STRIPE', data: startData('gql-idem-2', { currency: 'XXX' }) },
      { headers },
    );
    expect(bad.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const good = await gql(
      START,
      { transactionProvider: 'STRIPE', data: startData('gql-idem-2', { currency: 'XXX' }) },
      { headers },
    );
    expect(good.headers.get('idempotent-replayed')).toBeNull();
  });

  test('the browser reads its session by token or by id with the merchantPublicId, without a secret', async () => {
    const started = await gql<{
      merchantApiClientTransactionPaymentSessionStartV2: { id: string; token: string };
    }>(START, {
      transactionProvider: 'NUVEI',
      data: startData('gql-public-1'),
    });
    const session = started.body.data?.merchantApiClientTransactionPaymentSessionStartV2 as {
      id: string;
      token: string;
    };
    const byToken = await gql(
      'query($m: String!, $t: String!) { clientPublicTransactionSession(merchantPublicId: $m, token: $t) { id token status kind expiresAt provider transactionSession { id } baseConfig { ... on MerchantClientTransactionSessionNuveiBaseConfig { merchantId merchantSiteId env } } } }',
      { m: t.merchant.merchantPublicId, t: session.token },
      { secret: null },
    );
    expect(byToken.body.errors).toBeUndefined();
    expect(byToken.body.data).toMatchObject({
      clientPublicTransactionSession: {
        id: session.id,
        status: 'ACTIVE',
        kind: 'CLIENT',
        provider: 'NUVEI',
      },
    });
    const byId = await gql(
      'query($m: String!, $s: String!) { clientPublicTransactionSessionBaseConfig(merchantPublicId: $m, transactionSessionId: $s) { id provider providerData } }',
      { m: t.merchant.merchantPublicId, s: session.id },
      { secret: null },
    );
    expect(byId.body.data).toMatchObject({
      clientPublicTransactionSessionBaseConfig: { id: session.id, provider: 'NUVEI' },
    });
    const neither = await gql(
      'query($m: String!) { clientPublicTransactionSession(merchantPublicId: $m) { id } }',
      { m: t.merchant.merchantPublicId },
      { secret: null },
    );
    expect(neither.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  test('lists page by offset and by Relay cursors both ways, sorted and filtered, in the merchant’s own rows', async () => {
    const shop = await t.sandbox.createMerchant({
      name: 'List shop',
      allowedOrigins: [SHOP_ORIGIN],
    });
    const as = { secret: shop.apiSecret };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const started = await gql<{
        merchantApiClientTransactionPaymentSessionStartV2: { id: string; token: string };
      }>(
        START,
        {
          transactionProvider: 'STRIPE',
          data: startData(`gql-list-${i}`, { storePaymentMethod: i === 0 }),
        },
        as,
      );
      const session = started.body.data?.merchantApiClientTransactionPaymentSessionStartV2;
      if (!session) throw new Error(JSON.stringify(started.body));
      ids.push(session.id);
      if (i < 2) {
        expect((await t.pay('STRIPE', session.token, SUCCESS_CARD)).status).toBe(200);
        expect((await gql(VERIFY, { id: session.id }, as)).body.errors).toBeUndefined();
      }
    }
    type Page = {
      edges: Array<{ cursor: string; node: { id: string } }>;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
      totalCount: number;
    };
    const SESSIONS = `query($take: Int, $skip: Int, $first: Int, $after: ConnectionCursor, $last: Int, $before: ConnectionCursor, $sorting: [SortingFieldSchema!], $completed: Boolean, $providerStatus: CLIENT_TRANSACTION_SESSION_STATUS) {
      merchantApiClientTransactionSessions(take: $take, skip: $skip, first: $first, after: $after, last: $last, before: $before, sorting: $sorting, completed: $completed, providerStatus: $providerStatus) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount
      }
    }`;
    const sessions = async (variables: Record<string, unknown>) => {
      const answer = await gql<{ merchantApiClientTransactionSessions: Page }>(
        SESSIONS,
        variables,
        as,
      );
      if (!answer.body.data) throw new Error(JSON.stringify(answer.body.errors));
      return answer.body.data.merchantApiClientTransactionSessions;
    };
    const idsOf = (page: Page) => page.edges.map((edge) => edge.node.id);

    const all = await sessions({ take: 100 });
    expect(all.totalCount).toBe(5);
    expect([...idsOf(all)].sort()).toEqual([...ids].sort());
    const offset = await sessions({ take: 2, skip: 1 });
    expect(idsOf(offset)).toEqual(idsOf(all).slice(1, 3));
    expect(offset.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const forwards: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page = await sessions({ first: 2, ...(after ? { after } : {}) });
      forwards.push(...idsOf(page));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      after = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) break;
    }
    expect(forwards).toEqual(idsOf(all));

    const backwards: string[][] = [];
    let before: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page = await sessions({ last: 2, ...(before ? { before } : {}) });
      backwards.unshift(idsOf(page));
      expect(page.pageInfo.hasNextPage).toBe(before !== null);
      before = page.pageInfo.startCursor;
      if (!page.pageInfo.hasPreviousPage) break;
    }
    expect(backwards.flat()).toEqual(idsOf(all));
    expect(backwards[0]).toHaveLength(1);

    const ascending = await sessions({
      take: 100,
      sorting: [{ field: 'createdAt', order: 'ASC' }],
    });
    expect(idsOf(ascending)).toEqual([...idsOf(all)].reverse());
    const completed = await sessions({ completed: true });
    expect([...idsOf(completed)].sort()).toEqual(ids.slice(0, 2).sort());
    const pending = await sessions({ providerStatus: 'PENDING' });
    expect([...idsOf(pending)].sort()).toEqual(ids.slice(2).sort());

    const mixed = await gql(SESSIONS, { take: 2, first: 2 }, as);
    expect(mixed.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(mixed.body.errors?.[0]?.message).toMatch(/^first: take .*cannot be mixed/);
    const wrongSort = await gql(SESSIONS, { sorting: [{ field: 'amount', order: 'ASC' }] }, as);
    expect(wrongSort.body.errors?.[0]?.message).toContain('sorts by createdAt only');
    const forged = await gql(SESSIONS, { first: 2, after: 'bm90LWEtY3Vyc29y' }, as);
    expect(forged.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const tooMany = await gql(SESSIONS, { first: 101 }, as);
    expect(tooMany.body.errors?.[0]?.message).toContain(
      'first: must be a whole number from 1 to 100',
    );

    const transactions = await gql<{
      merchantApiTransactions: {
        totalCount: number;
        edges: Array<{
          node: { code: string; status: string; clientTransactionSessionId: string };
        }>;
      };
    }>(
      '{ merchantApiTransactions(succeeded: true, take: 10) { totalCount edges { node { code status clientTransactionSessionId } } } }',
      {},
      as,
    );
    expect(transactions.body.data?.merchantApiTransactions.totalCount).toBe(2);
    expect(
      transactions.body.data?.merchantApiTransactions.edges
        .map((edge) => edge.node.clientTransactionSessionId)
        .sort(),
    ).toEqual(ids.slice(0, 2).sort());

    const methods = await gql<{
      merchantApiCustomerPaymentMethods: {
        totalCount: number;
        edges: Array<{ node: { id: string; providerCode: string } }>;
      };
    }>(
      '{ merchantApiCustomerPaymentMethods(merchantInternalCustomerCode: "customer-456") { totalCount edges { node { id providerCode } } } }',
      {},
      as,
    );
    expect(methods.body.data?.merchantApiCustomerPaymentMethods.totalCount).toBe(1);
    const method = methods.body.data?.merchantApiCustomerPaymentMethods.edges[0]?.node;
    const byCode = await gql<{ merchantApiCustomerPaymentMethods: { totalCount: number } }>(
      'query($c: String) { merchantApiCustomerPaymentMethods(providerCode: $c) { totalCount } }',
      { c: method?.providerCode },
      as,
    );
    expect(byCode.body.data?.merchantApiCustomerPaymentMethods.totalCount).toBe(1);
    const elsewhere = await gql(
      'query($id: String!) { merchantApiCustomerPaymentMethod(merchantCustomerPaymentMethodId: $id) { id } }',
      { id: method?.id },
    );
    expect(elsewhere.body.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });

    const providers = await gql<{
      merchantApiTransactionProviders: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean };
        edges: Array<{ node: { id: string; provider: string } }>;
      };
    }>(
      '{ merchantApiTransactionProviders(first: 1, sorting: [{ field: "createdAt", order: ASC }]) { totalCount pageInfo { hasNextPage } edges { node { id provider } } } }',
      {},
      as,
    );
    expect(providers.body.data?.merchantApiTransactionProviders).toMatchObject({
      totalCount: 2,
      pageInfo: { hasNextPage: true },
    });
    const nuvei = await gql<{
      merchantApiTransactionProviders: { edges: Array<{ node: { id: string } }> };
    }>('{ merchantApiTransactionProviders(provider: NUVEI) { edges { node { id } } } }', {}, as);
    expect(
      nuvei.body.data?.merchantApiTransactionProviders.edges.map((edge) => edge.node.id),
    ).toEqual([shop.merchantTransactionProviderIds.NUVEI]);
  });

  test('an over-deep, over-aliased or unknown-field query is refused before it runs', async () => {
    const deep = await gql(
      `{ merchantApiTransactions { edges { node { ${'relatedTransaction { '.repeat(9)}id${' }'.repeat(9)} } } } }`,
    );
    expect(deep.body.errors?.[0]?.message).toMatch(/depth/i);
    expect(deep.body.data ?? undefined).toBeUndefined();
    const aliases = Array.from({ length: 20 }, (_v, i) => `a${i}: merchantApi { id }`).join(' ');
    const aliased = await gql(`{ ${aliases} }`);
    expect(aliased.body.errors?.[0]?.message).toMatch(/alias/i);
    const typo = await gql('{ merchantApi { nmae } }');
    expect(typo.body.errors?.[0]?.message).toContain('Did you mean "name"');
  });

  test('a variable of the wrong shape is BAD_USER_INPUT with the request id, not a bare error', async () => {
    const answer = await gql(START, {
      transactionProvider: 'STRIPE',
      data: { ...startData('gql-bad-variable'), customer: { merchantInternalCustomerCode: 'c' } },
    });
    // As Apollo Server answers a variable it cannot coerce (the request never ran).
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.message).toContain('Field "customer" is not defined');
    expect(answer.body.errors?.[0]?.extensions).not.toHaveProperty('http');
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      requestId: answer.headers.get('x-request-id'),
    });
  });

  test('batching is off: an array of operations is refused', async () => {
    const answer = await t.api<GraphqlAnswer>('POST', '/graphql', {
      body: [{ query: '{ merchantApi { id } }' }, { query: '{ merchantApi { id } }' }],
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
  });

  test('GraphiQL answers a browser at GET /graphql; the SDL is published and equals the checked-in schema.graphql', async () => {
    const page = await fetch(`${t.sandbox.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
    const served = await fetch(`${t.sandbox.url}/graphql/schema.graphql`);
    const text = await served.text();
    expect(text).toContain('merchantApiClientTransactionPaymentSessionStartV2');
    const checkedIn = readFileSync(
      fileURLToPath(new URL('../../../schema.graphql', import.meta.url)),
      'utf8',
    );
    expect(
      text,
      'apps/sandbox/schema.graphql is stale: run `pnpm --filter @accrupay/sandbox schema:write`',
    ).toBe(checkedIn);
  });
});
