import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startSandbox } from './sandbox.ts';
import { GOOD_CARDS } from './test-cards.ts';
import { databases, paymentStart, startTestSandbox } from './test-support.ts';

type Json = Record<string, unknown>;
const DBS = await databases();
const postgres = DBS.find((db) => db.name === 'postgres');

afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

async function post(url: string, secret: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accrupay-api-secret': secret },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** A test sandbox and a second instance on the same PostgreSQL database, simulator and clock. */
async function twoInstances() {
  const url = postgres?.url() ?? '';
  const a = await startTestSandbox({ db: url });
  const b = await startSandbox({
    db: url,
    port: 0,
    logger: false,
    providerUrl: a.sandbox.providerUrl,
    clock: a.sandbox.clock,
  });
  return { a, b };
}

describe.skipIf(!postgres || postgres.skip)(
  'two sandbox instances sharing one PostgreSQL database',
  () => {
    test('concurrent starts, verifies and settles across instances: one winner each', async () => {
      const { a, b } = await twoInstances();
      try {
        const secret = a.merchant.apiSecret;
        const urls = [a.sandbox.url, b.url];
        const body = paymentStart(a.merchant, 'STRIPE', { code: 'auth-shared', amount: '9000' });
        const starts = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            post(`${urls[i % 2]}/v1/client-sessions/authorizations`, secret, body),
          ),
        );
        const sessions = new Set(starts.filter((s) => s.status === 200).map((s) => s.body.id));
        expect(sessions.size).toBe(1);
        const session = starts.find((s) => s.status === 200)?.body as { id: string; token: string };
        await a.pay('STRIPE', session.token, GOOD_CARDS.STRIPE);

        const verifies = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            post(`${urls[i % 2]}/v1/client-sessions/authorizations/verify`, secret, {
              id: session.id,
            }),
          ),
        );
        expect(verifies.every((v) => v.status === 200 && v.body.status === 'SUCCEEDED')).toBe(true);
        expect(new Set(verifies.map((v) => v.body.id)).size).toBe(1);
        const transactionId = verifies[0]?.body.id as string;

        const settles = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            post(`${urls[i % 2]}/v1/transactions/${transactionId}/settle`, secret, {}),
          ),
        );
        expect(settles.filter((s) => s.status === 200)).toHaveLength(1);
        expect(settles.filter((s) => s.status !== 200).every((s) => s.status === 409)).toBe(true);
        expect(a.sim.ledger({ merchantRef: 'auth-shared', kind: 'capture' })).toHaveLength(1);
        expect(a.sim.ledger({ merchantRef: 'auth-shared', kind: 'authorization' })).toHaveLength(1);
      } finally {
        await b.close();
        await a.close();
      }
    });

    test('the GraphQL API and REST, mixed on two instances: one session, one authorization, one capture', async () => {
      const { a, b } = await twoInstances();
      try {
        const secret = a.merchant.apiSecret;
        const urls = [a.sandbox.url, b.url];
        const body = paymentStart(a.merchant, 'NUVEI', { code: 'auth-mixed', amount: '7000' });
        const { customer, ...graphqlData } = body.data;
        const graphql = async (url: string, query: string, variables: Json) => {
          const answer = await post(`${url}/graphql`, secret, { query, variables });
          const errors = answer.body.errors as Array<{ extensions: Json }> | undefined;
          const data = answer.body.data as Record<string, Json> | null | undefined;
          return errors?.length
            ? { status: 0, code: errors[0]?.extensions.code, body: { errors } as Json }
            : { status: 200, code: undefined, body: Object.values(data ?? {})[0] as Json };
        };
        const START = `mutation($m: String, $d: MerchantApiClientTransactionAuthorizationSessionStartSchema!) {
          merchantApiClientTransactionAuthorizationSessionStart(merchantTransactionProviderId: $m, data: $d) { id token }
        }`;
        // Eight identical starts, half over GraphQL, half over REST, on both instances.
        const starts = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            i % 4 < 2
              ? graphql(urls[i % 2] as string, START, {
                  m: body.merchantTransactionProviderId,
                  // The published API names the customer at the top level (document 002 also nests it).
                  d: {
                    ...graphqlData,
                    merchantInternalCustomerCode: customer.merchantInternalCustomerCode,
                  },
                })
              : post(`${urls[i % 2]}/v1/client-sessions/authorizations`, secret, body),
          ),
        );
        // The same purchase in either shape is one request: one session; a start that found it
        // still waiting for the provider is told to retry (409 CONFLICT), never given another.
        const started = starts.filter((s) => s.status === 200);
        expect(started.length).toBeGreaterThanOrEqual(1);
        expect(new Set(started.map((s) => s.body.id)).size).toBe(1);
        for (const refused of starts.filter((s) => s.status !== 200)) {
          expect(refused.status === 409 || ('code' in refused && refused.code === 'CONFLICT')).toBe(
            true,
          );
          expect(JSON.stringify(refused.body)).toContain('retry in a moment');
        }
        const session = started[0]?.body as { id: string; token: string };
        // Retried once the first has its answer, both shapes find that session.
        const again = await Promise.all([
          graphql(b.url, START, {
            m: body.merchantTransactionProviderId,
            d: {
              ...graphqlData,
              merchantInternalCustomerCode: customer.merchantInternalCustomerCode,
            },
          }),
          post(`${a.sandbox.url}/v1/client-sessions/authorizations`, secret, body),
        ]);
        expect(again.map((s) => [s.status, s.body.id])).toEqual([
          [200, session.id],
          [200, session.id],
        ]);
        await a.pay('NUVEI', session.token, GOOD_CARDS.NUVEI);

        const VERIFY = `mutation($id: String) {
          merchantApiClientTransactionAuthorizationSessionVerify(id: $id) { id status }
        }`;
        const verifies = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            graphql(urls[i % 2] as string, VERIFY, { id: session.id }),
          ),
        );
        expect(verifies.map((v) => v.body.status)).toEqual(Array(6).fill('SUCCEEDED'));
        const transactionId = verifies[0]?.body.id as string;

        // Settles by merchant code over GraphQL racing settles by id over REST: one capture.
        const SETTLE = `mutation($code: String) {
          merchantApiTransactionAuthorizationSettle(merchantInternalTransactionCode: $code) { id status amount }
        }`;
        const settles = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            i % 2 === 0
              ? graphql(urls[(i / 2) % 2] as string, SETTLE, { code: 'auth-mixed' })
              : post(
                  `${urls[((i - 1) / 2) % 2]}/v1/transactions/${transactionId}/settle`,
                  secret,
                  {},
                ),
          ),
        );
        const won = settles.filter((s) => s.status === 200);
        expect(won).toHaveLength(1);
        const lost = settles.filter((s) => s.status !== 200);
        expect(lost.every((s) => s.status === 409 || ('code' in s && s.code === 'CONFLICT'))).toBe(
          true,
        );
        expect(a.sim.ledger({ merchantRef: 'auth-mixed', kind: 'capture' })).toHaveLength(1);
        expect(a.sim.ledger({ merchantRef: 'auth-mixed', kind: 'authorization' })).toHaveLength(1);
      } finally {
        await b.close();
        await a.close();
      }
    });

    test('document 004 on two instances: concurrent authorizes are one payment, concurrent captures one capture and one event', async () => {
      const { a, b } = await twoInstances();
      try {
        const secret = a.merchant.apiSecret;
        const urls = [a.sandbox.url, b.url];
        const jsonApi = async (
          url: string,
          body: unknown,
          headers: Record<string, string> = {},
        ) => {
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/vnd.api+json',
              'accrupay-api-secret': secret,
              ...headers,
            },
            body: JSON.stringify(body),
          });
          return { status: response.status, body: (await response.json()) as Json };
        };
        const created = await fetch(`${a.sandbox.providerUrl}/__sim/accrue/payment-intents`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            merchantPublicId: a.merchant.merchantPublicId,
            amount: 7000,
            currency: 'USD',
            method: 'wallet',
          }),
        });
        const intentId = ((await created.json()) as { id: string }).id;
        const authorization = {
          data: {
            type: 'payment_authorizations',
            attributes: { amount: 7000, currency: 'USD', capture_method: 'manual' },
          },
        };
        const authorizes = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            jsonApi(`${urls[i % 2]}/payment-intents/${intentId}/authorize`, authorization),
          ),
        );
        expect(authorizes.map((answer) => answer.status)).toEqual(Array(8).fill(201));
        const ids = new Set(authorizes.map((answer) => (answer.body.data as Json).id));
        expect(ids.size).toBe(1);
        const [paymentId] = [...ids] as string[];

        // Every capture with its own key, half on each instance: the hostile merchant.
        const captures = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            jsonApi(
              `${urls[i % 2]}/payments/${paymentId}/capture`,
              { data: { type: 'payment_captures' } },
              { 'idempotency-key': `two-instances-capture-${i}` },
            ),
          ),
        );
        const statuses = captures.map((answer) => answer.status);
        expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
        expect(statuses.every((status) => status === 200 || status === 422)).toBe(true);
        const moves = a.sim.ledger({ provider: 'accrue', providerRef: paymentId });
        expect(moves.filter((entry) => entry.kind === 'capture')).toHaveLength(1);
        expect(moves.filter((entry) => entry.kind === 'authorization')).toHaveLength(1);

        const events = await fetch(`${b.url}/v1/events?type=payment.captured&take=50`, {
          headers: { 'accrupay-api-secret': secret },
        });
        const listed = (await events.json()) as { data: Json[] };
        expect(
          listed.data.filter((event) => (event.data as { object: Json }).object.id === paymentId),
        ).toHaveLength(1);
      } finally {
        await b.close();
        await a.close();
      }
    });

    test.each(['STRIPE', 'NUVEI'] as const)(
      '%s: concurrent refunds of mixed amounts on two instances never add up to more than was paid',
      async (provider) => {
        const { a, b } = await twoInstances();
        try {
          const secret = a.merchant.apiSecret;
          const code = `refund-shared-${provider}`;
          a.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: code } });
          const body = paymentStart(a.merchant, provider, { code, amount: '10000' });
          const started = await post(`${a.sandbox.url}/v1/client-sessions/payments`, secret, body);
          await a.pay(provider, started.body.token as string, GOOD_CARDS[provider]);
          const paid = await post(`${b.url}/v1/client-sessions/payments/verify`, secret, {
            id: started.body.id,
          });
          expect(paid.body.status).toBe('SUCCEEDED');
          const urls = [a.sandbox.url, b.url];
          const amounts = ['3000', '8000', '3000', '8000', '3000', '8000', '3000', '8000'];
          const answers = await Promise.all(
            amounts.map((amount, i) =>
              post(`${urls[i % 2]}/v1/transactions/${paid.body.id}/refund`, secret, { amount }),
            ),
          );
          expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
          const won = answers.filter((answer) => answer.status === 200);
          expect(won.length).toBeGreaterThanOrEqual(1);
          const refundedByRouter = won.reduce((sum, answer) => sum + Number(answer.body.amount), 0);
          expect(refundedByRouter).toBeLessThanOrEqual(10000);
          for (const lost of answers.filter((answer) => answer.status !== 200)) {
            expect([409, 422]).toContain(lost.status);
          }
          const ledger = a.sim.ledger({ merchantRef: code, kind: 'refund' });
          expect(ledger.reduce((sum, entry) => sum + entry.amount, 0)).toBe(refundedByRouter);
          expect(ledger).toHaveLength(won.length);
          const payment = await fetch(`${b.url}/v1/transactions/${paid.body.id}`, {
            headers: { 'accrupay-api-secret': secret },
          });
          expect(((await payment.json()) as Json).refundedAmount).toBe(String(refundedByRouter));
        } finally {
          await b.close();
          await a.close();
        }
      },
    );

    test.each(['STRIPE', 'NUVEI'] as const)(
      '%s: 50 concurrent identical stored-method charges on two instances: one charge, never a 500',
      async (provider) => {
        const { a, b } = await twoInstances();
        try {
          const secret = a.merchant.apiSecret;
          const body = paymentStart(a.merchant, provider, { code: 'add-pm-shared' });
          const data = body.data as Json;
          delete data.amount;
          delete data.storePaymentMethod;
          const started = await post(
            `${a.sandbox.url}/v1/client-sessions/payment-methods`,
            secret,
            body,
          );
          await a.pay(provider, started.body.token as string, GOOD_CARDS[provider]);
          const added = await post(`${b.url}/v1/client-sessions/payment-methods/verify`, secret, {
            id: started.body.id,
          });
          const method = added.body.paymentMethod as Json;
          const charge = {
            data: {
              customerPaymentMethodId: method.id,
              merchantInternalTransactionCode: 'renewal-shared',
              merchantInternalCustomerCode: 'customer-4421',
              amount: '1500',
              currency: 'USD',
            },
          };
          const urls = [a.sandbox.url, b.url];
          const answers = await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              post(`${urls[i % 2]}/v1/transactions/payment-method-charges`, secret, charge),
            ),
          );
          const statuses = answers.map((answer) => answer.status);
          expect(
            statuses.filter((status) => status !== 200 && status !== 409),
            JSON.stringify(answers.filter((answer) => answer.status >= 500).slice(0, 2)),
          ).toEqual([]);
          const paid = answers.filter((answer) => answer.status === 200);
          expect(paid.length).toBeGreaterThanOrEqual(1);
          expect(new Set(paid.map((answer) => answer.body.id)).size).toBe(1);
          expect(paid.every((answer) => answer.body.status === 'SUCCEEDED')).toBe(true);
          const after = await post(
            `${b.url}/v1/transactions/payment-method-charges`,
            secret,
            charge,
          );
          expect(after).toMatchObject({
            status: 200,
            body: { id: paid[0]?.body.id, status: 'SUCCEEDED' },
          });
          expect(a.sim.ledger({ merchantRef: 'renewal-shared', kind: 'charge' })).toHaveLength(1);
        } finally {
          await b.close();
          await a.close();
        }
      },
    );
  },
);

describe('a restart on the same database', () => {
  test('keeps every merchant, session and transaction', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'accrupay-sandbox-'));
    const db = join(dir, 'nested', 'sandbox.db');
    try {
      const first = await startTestSandbox({ db });
      const session = await post(
        `${first.sandbox.url}/v1/client-sessions/payments`,
        first.merchant.apiSecret,
        paymentStart(first.merchant, 'NUVEI'),
      );
      expect(session.status).toBe(200);
      await first.pay('NUVEI', session.body.token as string, '4761344136141390');
      const verified = await post(
        `${first.sandbox.url}/v1/client-sessions/payments/verify`,
        first.merchant.apiSecret,
        { id: session.body.id },
      );
      expect(verified.body.status).toBe('SUCCEEDED');
      await first.close();

      const second = await startSandbox({ db, port: 0, logger: false });
      try {
        expect(await second.store.listMerchants()).toHaveLength(1);
        const answer = await fetch(
          `${second.url}/v1/client-sessions/lookup?id=${session.body.id as string}`,
          { headers: { 'accrupay-api-secret': first.merchant.apiSecret } },
        );
        const kept = (await answer.json()) as Json & { transactions: Json[] };
        expect(kept).toMatchObject({ status: 'COMPLETED', transactionId: verified.body.id });
        expect(kept.transactions).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
