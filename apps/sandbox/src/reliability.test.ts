// Issue 9: the one promise (verify is the truth; never fulfil unpaid, never charge twice) under
// bad amounts, lying providers, several attempts in one session, lost answers and two instances.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { createNuveiAdapter } from './providers/nuvei/index.ts';
import { createStripeAdapter } from './providers/stripe/index.ts';
import type { ProviderAdapter, ProviderSubject } from './providers/types.ts';
import type { SandboxOptions } from './sandbox.ts';
import { GOOD_CARDS, testCard } from './test-cards.ts';
import { databases, paymentStart, startTestSandbox, type TestSandbox } from './test-support.ts';

const CARDS = GOOD_CARDS;

/** A logger whose lines a test can read. */
function capturedLogger() {
  const lines: Json[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

const DBS = await databases();

type Json = Record<string, unknown>;

afterAll(async () => {
  for (const db of DBS) await db.cleanup();
});

describe.each(DBS)('on $name', (db) => {
  let t: TestSandbox;
  const boot = async () => {
    t = await startTestSandbox({ db: db.url() });
  };
  afterEach(async () => {
    await t?.close();
  });

  const sessionCount = async () =>
    (await t.api<{ total: number }>('GET', '/v1/client-sessions?take=1')).body.total;

  describe.skipIf(db.skip)('provider limits are refused at start, with nothing stored', () => {
    test.each([
      ['STRIPE', '100000000', 'USD', 'data.amount', '99999999'],
      ['STRIPE', '9223372036854775807', 'USD', 'data.amount', '99999999'],
      ['NUVEI', '10000000000', 'USD', 'data.amount', '9999999999'],
      ['NUVEI', '9223372036854775807', 'USD', 'data.amount', '9999999999'],
      ['NUVEI', '1000', 'KWD', 'data.currency', 'KWD'],
      ['NUVEI', '1000', 'CLF', 'data.currency', 'CLF'],
    ] as const)(
      '%s, amount %s %s: 400 naming %s',
      async (provider, amount, currency, path, limit) => {
        await boot();
        for (const route of ['payments', 'authorizations'] as const) {
          const body = paymentStart(t.merchant, provider, { amount });
          (body.data as Json).currency = currency;
          const answer = await t.api<{ error: Json }>('POST', `/v1/client-sessions/${route}`, {
            body,
          });
          expect(answer.status, JSON.stringify(answer.body)).toBe(400);
          expect(answer.body.error.code).toBe('VALIDATION_ERROR');
          expect(answer.body.error.message).toContain(limit);
          expect(answer.body.error.issues).toEqual([expect.objectContaining({ path })]);
        }
        expect(await sessionCount()).toBe(0);
        expect(t.sim.ledger()).toEqual([]);
      },
    );

    test('Nuvei refuses a currency it cannot take for add-payment-method too', async () => {
      await boot();
      const body = paymentStart(t.merchant, 'NUVEI');
      const data = body.data as Json;
      delete data.amount;
      delete data.storePaymentMethod;
      data.currency = 'BHD';
      const answer = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payment-methods', {
        body,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.issues).toEqual([
        expect.objectContaining({ path: 'data.currency' }),
      ]);
      expect(await sessionCount()).toBe(0);
    });

    test('the largest amount a provider takes is accepted', async () => {
      await boot();
      const stripe = await t.api('POST', '/v1/client-sessions/payments', {
        body: paymentStart(t.merchant, 'STRIPE', { amount: '99999999' }),
      });
      expect(stripe.status, JSON.stringify(stripe.body)).toBe(200);
    });
  });

  describe.skipIf(db.skip).each(['STRIPE', 'NUVEI'] as const)(
    'verify cross-checks the provider object against the session (%s)',
    (provider) => {
      let tamper: ((subject: ProviderSubject) => ProviderSubject) | undefined;
      let log: ReturnType<typeof capturedLogger>;
      const lying = (adapter: ProviderAdapter): ProviderAdapter => ({
        ...adapter,
        async retrieve(credentials, session) {
          const status = await adapter.retrieve(credentials, session);
          return tamper && status.subject ? { ...status, subject: tamper(status.subject) } : status;
        },
      });
      /** A sandbox whose adapters lie as `tamper` says, and a session paid at the provider. */
      async function paidSession() {
        await setup();
        const session = (
          await t.api<Json>('POST', '/v1/client-sessions/payments', {
            body: paymentStart(t.merchant, provider, { amount: '1000' }),
          })
        ).body as { id: string; token: string };
        await t.pay(provider, session.token, CARDS[provider]);
        return session;
      }
      async function setup() {
        tamper = undefined;
        log = capturedLogger();
        t = await startTestSandbox({
          db: db.url(),
          sandbox: {
            logger: log.logger,
            adapters: (baseUrl, clock) => [
              lying(createStripeAdapter({ baseUrl, clock })),
              lying(createNuveiAdapter({ baseUrl, clock })),
            ],
          },
        });
      }

      test.each([
        ['another amount', (s: ProviderSubject) => ({ ...s, amount: 5000n }), 'amount 5000'],
        ['another currency', (s: ProviderSubject) => ({ ...s, currency: 'EUR' }), 'currency EUR'],
        [
          "another session's back-reference",
          (s: ProviderSubject) =>
            s.sessionId !== undefined
              ? { ...s, sessionId: 'ses_someone_else' }
              : { ...s, merchantInternalTransactionCode: 'order-someone-else' },
          'someone',
        ],
      ] as const)('a paid object with %s is ERROR, never SUCCEEDED', async (_name, lie, says) => {
        const session = await paidSession();
        tamper = lie;
        const verified = await t.api<Json>('POST', '/v1/client-sessions/payments/verify', {
          body: { id: session.id },
        });
        expect(verified.status).toBe(200);
        expect(verified.body).toMatchObject({ status: 'ERROR', errorCode: 'provider_mismatch' });
        expect(verified.body.errorMessage).toContain(says);
        expect(
          (await t.api<Json>('GET', `/v1/client-sessions/lookup?id=${session.id}`)).body,
        ).toMatchObject({ status: 'ERROR' });
        expect(
          log.lines.some(
            (line) =>
              line.level === 50 && line.msg === 'provider object does not match the session',
          ),
        ).toBe(true);
        // The truth told later does not turn it into a payment: it is for a person to reconcile.
        tamper = undefined;
        const again = await t.api<Json>('POST', '/v1/client-sessions/payments/verify', {
          body: { id: session.id },
        });
        expect(again.body).toMatchObject({ status: 'ERROR' });
      });

      test('the honest object verifies SUCCEEDED', async () => {
        const session = await paidSession();
        const verified = await t.api<Json>('POST', '/v1/client-sessions/payments/verify', {
          body: { id: session.id },
        });
        expect(verified.body).toMatchObject({ status: 'SUCCEEDED' });
      });
    },
  );

  describe.skipIf(db.skip)('Nuvei: one purchase code never ends with two charges', () => {
    const DECLINE = testCard('NUVEI', 'generic_decline');
    const start = (amount = '1000') =>
      t.api<Json>('POST', '/v1/client-sessions/payments', {
        body: paymentStart(t.merchant, 'NUVEI', { code: 'C', amount }),
      });
    const verify = async (id: unknown) =>
      (await t.api<Json>('POST', '/v1/client-sessions/payments/verify', { body: { id } })).body;
    const charges = () =>
      t.sim.ledger({ merchantRef: 'C' }).filter((entry) => entry.kind === 'charge');

    test('decline, start again, pay the old form and the new: one charge, and verify says so', async () => {
      await boot();
      const first = (await start()).body as { id: string; token: string };
      await t.pay('NUVEI', first.token, DECLINE);
      expect(await verify(first.id)).toMatchObject({ status: 'DECLINED' });

      const again = await start();
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: first.id, token: first.token });
      const other = await start('1500');
      expect(other.status).toBe(409);
      expect(JSON.stringify(other.body)).toContain('payable until');
      expect((other.body.error as Json).details).toMatchObject({
        sessionId: first.id,
        payableUntil: expect.any(String),
      });

      // The customer tries another card in the same form: that pays the session.
      expect((await t.pay('NUVEI', first.token, CARDS.NUVEI)).status).toBe(200);
      expect(await verify(first.id)).toMatchObject({ status: 'SUCCEEDED', amount: '1000' });
      // Any further attempt in either form is refused by the provider.
      expect((await t.pay('NUVEI', first.token, CARDS.NUVEI)).status).not.toBe(200);
      expect(charges()).toHaveLength(1);
      expect(await verify(first.id)).toMatchObject({ status: 'SUCCEEDED' });
    });

    test('a declined session whose token expired ends DECLINED and frees the code', async () => {
      await boot();
      const first = (await start()).body as { id: string; token: string };
      await t.pay('NUVEI', first.token, DECLINE);
      expect(await verify(first.id)).toMatchObject({ status: 'DECLINED' });
      await t.sim.clock.advance(21 * 60_000);
      expect(await verify(first.id)).toMatchObject({ status: 'DECLINED' });
      expect(
        (await t.api<Json>('GET', `/v1/client-sessions/lookup?id=${first.id}`)).body,
      ).toMatchObject({ status: 'EXPIRED' });
      const second = (await start()).body as { id: string; token: string };
      expect(second.id).not.toBe(first.id);
      expect((await t.pay('NUVEI', first.token, CARDS.NUVEI)).status).not.toBe(200);
      await t.pay('NUVEI', second.token, CARDS.NUVEI);
      expect(await verify(second.id)).toMatchObject({ status: 'SUCCEEDED' });
      expect(charges()).toHaveLength(1);
    });
  });

  describe.skipIf(db.skip).each(['STRIPE', 'NUVEI'] as const)(
    'a settle or void whose answer was lost (%s)',
    (provider) => {
      const code = `auth-lost-${provider}`;
      let log: ReturnType<typeof capturedLogger>;
      async function authorized(sandbox: Partial<SandboxOptions> = {}) {
        t = await startTestSandbox({ db: db.url(), sandbox });
        // No callback may reach the router during the test: only the calls it means.
        t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: code } });
        const session = (
          await t.api<Json>('POST', '/v1/client-sessions/authorizations', {
            body: paymentStart(t.merchant, provider, { code, amount: '9000' }),
          })
        ).body as { id: string; token: string };
        await t.pay(provider, session.token, CARDS[provider]);
        const authorization = (
          await t.api<Json>('POST', '/v1/client-sessions/authorizations/verify', {
            body: { id: session.id },
          })
        ).body;
        expect(authorization).toMatchObject({ status: 'SUCCEEDED' });
        await t.sim.flush();
        return authorization.id as string;
      }
      /** Sends the call while the provider applies it and then never answers. */
      async function lostAnswer(path: string) {
        t.sim.addScenario({
          kind: 'api_timeout',
          applied: true,
          holdMs: 30_000,
          times: 1,
          target: { merchantRef: code },
        });
        const held = new Promise<void>((resolve) =>
          t.sim.events.once('request-held', () => resolve()),
        );
        const answer = t.api<{ error: Json }>('POST', path, { body: {} });
        await held;
        await t.sim.clock.advance(30_001);
        return answer;
      }
      const ledger = (kind: 'capture' | 'void') => t.sim.ledger({ merchantRef: code, kind });

      test('settle: the router says the outcome is unknown; the retry records SETTLED, one capture', async () => {
        const id = await authorized();
        const lost = await lostAnswer(`/v1/transactions/${id}/settle`);
        expect(lost.status).toBeGreaterThanOrEqual(502);
        expect(lost.body.error.message).toContain('outcome is unknown');
        expect(lost.body.error.message).not.toContain('nothing changed');
        expect(lost.body.error.details).toMatchObject({ outcome: 'unknown' });
        expect(ledger('capture')).toHaveLength(1);

        const retried = await t.api<Json>('POST', `/v1/transactions/${id}/settle`, { body: {} });
        expect(retried.status, JSON.stringify(retried.body)).toBe(200);
        expect(retried.body).toMatchObject({
          action: 'SETTLE',
          status: 'SUCCEEDED',
          amount: '9000',
        });
        expect((await t.api<Json>('GET', `/v1/transactions/${id}`)).body).toMatchObject({
          settledAmount: '9000',
        });
        const again = await t.api<{ error: Json }>('POST', `/v1/transactions/${id}/settle`, {
          body: {},
        });
        expect(again.status).toBe(409);
        expect(ledger('capture')).toHaveLength(1);
      });

      test('a verify after a partial settle still matches the session: no mismatch, no error logged', async () => {
        log = capturedLogger();
        const id = await authorized({ logger: log.logger });
        const settled = await t.api<Json>('POST', `/v1/transactions/${id}/settle`, {
          body: { amount: '5000' },
        });
        expect(settled.body).toMatchObject({ status: 'SUCCEEDED', amount: '5000' });
        const session = (await t.api<Json>('GET', `/v1/transactions/${id}`)).body;
        const again = await t.api<Json>('POST', '/v1/client-sessions/authorizations/verify', {
          body: { id: session.sessionId },
        });
        expect(again.body).toMatchObject({ status: 'SUCCEEDED', errorCode: null });
        expect(log.lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
      });

      test('void: the retry records VOIDED, one void, and no settle afterwards', async () => {
        const id = await authorized();
        const lost = await lostAnswer(`/v1/transactions/${id}/void`);
        expect(lost.status).toBeGreaterThanOrEqual(502);
        expect(lost.body.error.details).toMatchObject({ outcome: 'unknown' });
        expect(ledger('void')).toHaveLength(1);

        const retried = await t.api<Json>('POST', `/v1/transactions/${id}/void`, { body: {} });
        expect(retried.status, JSON.stringify(retried.body)).toBe(200);
        expect(retried.body).toMatchObject({ action: 'VOID', status: 'SUCCEEDED' });
        const settle = await t.api<{ error: Json }>('POST', `/v1/transactions/${id}/settle`, {
          body: {},
        });
        expect(settle.status).toBe(409);
        expect(ledger('void')).toHaveLength(1);
        expect(ledger('capture')).toHaveLength(0);
      });
    },
  );

  describe.skipIf(db.skip)('a merchant Idempotency-Key shaped like an internal lease', () => {
    test('changes nothing: the settle it carries goes through, once', async () => {
      await boot();
      const session = (
        await t.api<Json>('POST', '/v1/client-sessions/authorizations', {
          body: paymentStart(t.merchant, 'STRIPE', { code: 'auth-lease', amount: '3000' }),
        })
      ).body as { id: string; token: string };
      await t.pay('STRIPE', session.token, CARDS.STRIPE);
      const authorization = (
        await t.api<Json>('POST', '/v1/client-sessions/authorizations/verify', {
          body: { id: session.id },
        })
      ).body;
      // The first is the settle; the second, with the same key, its replay.
      const answers = [];
      for (let i = 0; i < 2; i++) {
        const settled = await t.api<Json>('POST', `/v1/transactions/${authorization.id}/settle`, {
          body: {},
          headers: { 'idempotency-key': `lease:${authorization.id}` },
        });
        expect(settled.status, JSON.stringify(settled.body)).toBe(200);
        expect(settled.body).toMatchObject({ action: 'SETTLE', status: 'SUCCEEDED' });
        answers.push(settled);
      }
      expect(answers[1]?.headers.get('idempotent-replayed')).toBe('true');
      expect(answers[1]?.body.id).toBe(answers[0]?.body.id);
      expect(t.sim.ledger({ merchantRef: 'auth-lease', kind: 'capture' })).toHaveLength(1);
    });
  });
});
