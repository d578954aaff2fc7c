// Inputs that answered 500 or let card data in before: each is a 4xx naming the field and the
// fix, and leaves no session behind.
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createLogger } from '../sandbox.ts';
import { paymentStart, startTestSandbox, type TestSandbox } from '../test-support.ts';
import { MAX_BODY_DEPTH } from './middleware/input-guards.ts';

/**
 * The text with the sandbox's generated request ids (`req_` and 24 random hex digits) masked:
 * they are not input, and a random one may hold "1111" by chance.
 */
const withoutRequestIds = (text: string) => text.replace(/req_[0-9a-f]{24}/g, 'req_…');

type Json = Record<string, unknown>;
type ErrorBody = { error: { code: string; message: string; requestId: string; issues?: Json[] } };

const CARD = '4111111111111111';
const START_ROUTES = ['payments', 'authorizations', 'payment-methods'] as const;

describe('input hardening of the HTTP layer', () => {
  let t: TestSandbox;
  let lines: string[];
  beforeEach(async () => {
    lines = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestSandbox({ sandbox: { logger: createLogger('info', sink) } });
  });
  afterEach(async () => {
    await t.close();
  });

  const sessionCount = async () =>
    (await t.api<{ total: number }>('GET', '/v1/client-sessions?take=1')).body.total;

  /** Sends raw bytes: fetch would re-encode a path or a body. */
  function raw(
    method: string,
    path: string,
    options: { body?: string | Buffer; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: ErrorBody; headers: Record<string, unknown> }> {
    const url = new URL(t.sandbox.url);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            'accrupay-api-secret': t.merchant.apiSecret,
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...options.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({
              status: res.statusCode ?? 0,
              body: (text ? JSON.parse(text) : undefined) as ErrorBody,
              headers: res.headers,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(options.body);
    });
  }

  const startBody = (route: (typeof START_ROUTES)[number], provider: 'STRIPE' | 'NUVEI') => {
    const body = paymentStart(t.merchant, provider);
    if (route === 'payment-methods') {
      const data = body.data as Json;
      delete data.amount;
      delete data.storePaymentMethod;
    }
    return body;
  };

  describe('deep nesting', () => {
    test.each([
      ['arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
      ['objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
    ])(
      'a body of %s nested 10,000 deep is 400 on every start route, before authentication',
      async (_name, body) => {
        for (const route of START_ROUTES) {
          const answer = await raw('POST', `/v1/client-sessions/${route}`, { body });
          expect(answer.status).toBe(400);
          expect(answer.body.error.code).toBe('MALFORMED_REQUEST');
          expect(answer.body.error.message).toContain(`deeper than ${MAX_BODY_DEPTH} levels`);
        }
        const unauthenticated = await raw('POST', '/v1/client-sessions/payments', {
          body,
          headers: { 'accrupay-api-secret': '' },
        });
        expect(unauthenticated.status).toBe(400);
        expect(unauthenticated.body.error.code).toBe('MALFORMED_REQUEST');
        expect(await sessionCount()).toBe(0);
      },
    );

    test(`a body ${MAX_BODY_DEPTH} levels deep is validated; ${MAX_BODY_DEPTH + 1} is refused`, async () => {
      const nested = (levels: number) => {
        let value: unknown = 1;
        for (let i = 0; i < levels; i++) value = [value];
        return value;
      };
      const body = startBody('payments', 'STRIPE');
      // body (1) > data (2) > extra (3) > ... arrays
      const at = (depth: number) => ({ ...body, data: { ...body.data, extra: nested(depth - 2) } });
      const allowed = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments', {
        body: at(MAX_BODY_DEPTH),
      });
      expect(allowed.status).toBe(400);
      expect(allowed.body.error.code).toBe('VALIDATION_ERROR');
      const refused = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments', {
        body: at(MAX_BODY_DEPTH + 1),
      });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('MALFORMED_REQUEST');
      expect(refused.body.error.message).toContain('(from data.extra.0');
    });
  });

  describe('percent-encoding', () => {
    test.each([
      ['GET', '/v1/transactions/%E0%A4%A'],
      ['GET', '/v1/transactions/%E0%A4%A/settle'],
      ['GET', '/v1/public/%E0%A4%A/client-session?id=0b6f1c1e-5d7a-4b7e-9c55-1a2b3c4d5e6f'],
      ['GET', '/v1/public/%E0%A4%A/client-session/base-config'],
      ['POST', '/v1/provider-callbacks/stripe/%E0%A4%A'],
      ['POST', '/v1/provider-callbacks/%FF/mtp_1'],
      ['GET', '/v1/nothing-here/%'],
    ])('%s %s is 400 MALFORMED_REQUEST naming the path', async (method, path) => {
      const answer = await raw(method, path, method === 'POST' ? { body: '{}' } : {});
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('MALFORMED_REQUEST');
      expect(answer.body.error.message).toContain('path is not valid percent-encoding');
      expect(answer.body.error.message).toContain('encodeURIComponent');
    });

    test('a query value that is not valid percent-encoding is 400 naming the parameter', async () => {
      const answer = await raw(
        'GET',
        '/v1/client-sessions?merchantInternalTransactionCode=%E0%A4%A',
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('MALFORMED_REQUEST');
      expect(answer.body.error.message).toContain(
        'Query parameter merchantInternalTransactionCode is not valid percent-encoding',
      );
      const good = await raw(
        'GET',
        '/v1/client-sessions?merchantInternalTransactionCode=order%20%E0%A4%A4',
      );
      expect(good.status).toBe(200);
    });
  });

  describe('card numbers in other shapes', () => {
    test.each([
      ['underscores', '4111_1111_1111_1111'],
      ['dots', '4111.1111.1111.1111'],
      ['slashes', '4111/1111/1111/1111'],
      ['double spaces', '4111  1111  1111  1111'],
      ['no-break spaces', '4111\u00a01111\u00a01111\u00a01111'],
      ['narrow no-break spaces', '4111\u202f1111\u202f1111\u202f1111'],
      ['full-width digits', '４１１１１１１１１１１１１１１１'],
      ['a letter before', `x${CARD}`],
      ['letters around', `order${CARD}abc`],
    ])('a code with %s is refused without a session, and not echoed', async (_name, code) => {
      for (const provider of ['STRIPE', 'NUVEI'] as const) {
        const body = startBody('payments', provider);
        for (const [field, data] of [
          [
            'data.merchantInternalTransactionCode',
            { ...body.data, merchantInternalTransactionCode: code },
          ],
          [
            'data.customer.merchantInternalCustomerCode',
            { ...body.data, customer: { merchantInternalCustomerCode: code } },
          ],
          [
            'data.billing.billingLastName',
            { ...body.data, billing: { ...body.data.billing, billingLastName: code } },
          ],
        ] as const) {
          const answer = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments', {
            body: { ...body, data },
          });
          expect(answer.status, field).toBe(400);
          expect(answer.body.error.code).toBe('CARD_DATA_REFUSED');
          expect(answer.body.error.message).toContain(field);
          expect(withoutRequestIds(JSON.stringify(answer.body))).not.toContain('1111');
        }
      }
      expect(await sessionCount()).toBe(0);
    });

    test('an amount written like a card number is card data; one of digits is an amount the provider limits refuse', async () => {
      for (const provider of ['STRIPE', 'NUVEI'] as const) {
        const body = startBody('payments', provider);
        const grouped = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments', {
          body: { ...body, data: { ...body.data, amount: '4111 1111 1111 1111' } },
        });
        expect(grouped.status).toBe(400);
        expect(grouped.body.error.code).toBe('CARD_DATA_REFUSED');
        expect(grouped.body.error.message).toContain('data.amount');
        expect(grouped.body.error.message).not.toContain('1111');
        const digits = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments', {
          body: { ...body, data: { ...body.data, amount: CARD } },
        });
        expect(digits.status).toBe(400);
        expect(digits.body.error.issues).toEqual([
          expect.objectContaining({ path: 'data.amount' }),
        ]);
      }
      expect(await sessionCount()).toBe(0);
    });

    test('an Idempotency-Key holding a card number is refused and nothing is kept; ids, UUIDs and phone numbers pass', async () => {
      for (const key of [CARD, '4111-1111-1111-1111', `key${CARD}`]) {
        const answer = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments', {
          body: startBody('payments', 'STRIPE'),
          headers: { 'idempotency-key': key },
        });
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe('CARD_DATA_REFUSED');
        expect(answer.body.error.message).toContain('headers.idempotency-key');
        expect(answer.body.error.message).not.toContain('1111');
      }
      expect(await sessionCount()).toBe(0);
      // The router's own ids, UUIDs and phone numbers still pass everywhere.
      const body = startBody('payments', 'STRIPE');
      const started = await t.api<Json>('POST', '/v1/client-sessions/payments', {
        body: {
          ...body,
          data: {
            ...body.data,
            merchantInternalTransactionCode: '0b6f1c1e-5d7a-4b7e-9c55-1a2b3c4d5e6f',
            billing: { ...body.data.billing, billingPhone: '+14111111111111' },
          },
        },
        headers: {
          'idempotency-key': '9f8e7d6c-4111-4111-8111-111111111111',
          'x-request-id': 'a1b2c3d4-4111-1111-1111-111111111111',
        },
      });
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      expect(started.headers.get('x-request-id')).toBe('a1b2c3d4-4111-1111-1111-111111111111');
      const id = started.body.id as string;
      expect((await t.api('GET', `/v1/client-sessions/lookup?id=${id}`)).status).toBe(200);
      const token = started.body.token as string;
      const pub = await t.api(
        'GET',
        `/v1/public/${t.merchant.merchantPublicId}/client-session?token=${encodeURIComponent(token)}`,
        { secret: null },
      );
      expect(pub.status).toBe(200);
      // A Nuvei transaction id (19 digits, here Luhn-valid) is a provider code, not a card.
      const byProviderCode = await t.api<ErrorBody>(
        'GET',
        '/v1/client-sessions/lookup?providerCode=6011000990139424009',
      );
      expect(byProviderCode.status).toBe(404);
      const verify = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments/verify', {
        body: { providerCode: '6011000990139424009' },
      });
      expect(verify.status).toBe(404);
      expect(await sessionCount()).toBe(1);
    });

    test('an x-request-id holding a card number is refused, not echoed and not logged', async () => {
      for (const id of [CARD, '4111_1111_1111_1111', '4111.1111.1111.1111']) {
        for (const path of ['/v1/client-sessions', '/health']) {
          const answer = await t.api<ErrorBody>('GET', path, { headers: { 'x-request-id': id } });
          expect(answer.status).toBe(400);
          expect(answer.body.error.code).toBe('CARD_DATA_REFUSED');
          expect(answer.body.error.message).toContain('headers.x-request-id');
          expect(answer.headers.get('x-request-id')).toMatch(/^req_/);
          expect(answer.body.error.requestId).toMatch(/^req_/);
        }
      }
      const text = lines.join('\n');
      expect(withoutRequestIds(text)).not.toContain('1111');
      expect(lines.some((line) => line.includes('"status":400'))).toBe(true);
    });

    test('a card number in the path is refused and redacted in the request log', async () => {
      for (const path of [
        `/v1/transactions/${CARD}`,
        `/v1/transactions/${encodeURIComponent('4111 1111 1111 1111')}`,
        `/v1/transactions/${[...CARD].map((d) => `%3${d}`).join('')}/settle`,
        `/v1/public/${CARD}/client-session`,
      ]) {
        const answer = await raw('GET', path);
        expect(answer.status, path).toBe(400);
        expect(answer.body.error.code).toBe('CARD_DATA_REFUSED');
        expect(answer.body.error.message).toContain('request path');
        expect(withoutRequestIds(JSON.stringify(answer.body))).not.toContain('1111');
      }
      const requests = lines.filter((line) => line.includes('"msg":"request"'));
      expect(requests.length).toBeGreaterThanOrEqual(4);
      // Request ids are random hex: one may hold "1111" by chance.
      expect(withoutRequestIds(lines.join('\n'))).not.toMatch(/1111|%31%31/);
      expect(
        requests.some((line) => line.includes('/v1/transactions/[card number redacted]')),
      ).toBe(true);
    });
  });

  describe('contract refusals that reach the router', () => {
    test('a lone UTF-16 surrogate in any text field is a VALIDATION_ERROR naming it; nothing is stored', async () => {
      const body = JSON.stringify(startBody('payments', 'STRIPE'));
      for (const [field, edited] of [
        ['data.billing.billingFirstName', body.replace('"Jane"', '"\\ud800"')],
        ['data.billing.billingLastName', body.replace('"Smith"', '"Sm\\udfffith"')],
        ['data.merchantInternalTransactionCode', body.replace('"order-8821"', '"order-\\ud83d"')],
        [
          'data.customer.merchantInternalCustomerCode',
          body.replace('"customer-4421"', '"\\udc00"'),
        ],
      ] as const) {
        expect(edited).not.toBe(body);
        for (const route of ['payments', 'authorizations'] as const) {
          const answer = await raw('POST', `/v1/client-sessions/${route}`, { body: edited });
          expect(answer.status, field).toBe(400);
          expect(answer.body.error.code).toBe('VALIDATION_ERROR');
          expect(answer.body.error.message).toContain(`${field}: must be well-formed Unicode`);
        }
      }
      expect(await sessionCount()).toBe(0);
    });

    test('a currency that is not money (XXX, XTS, metals, funds codes) is refused on both providers', async () => {
      for (const provider of ['STRIPE', 'NUVEI'] as const) {
        for (const currency of ['XXX', 'XTS', 'XAU', 'XAG', 'XPT', 'XPD', 'USN', 'BOV']) {
          for (const route of START_ROUTES) {
            const body = startBody(route, provider);
            (body.data as Json).currency = currency;
            const answer = await t.api<ErrorBody>('POST', `/v1/client-sessions/${route}`, { body });
            expect(answer.status, `${provider} ${currency} ${route}`).toBe(400);
            expect(answer.body.error.code).toBe('VALIDATION_ERROR');
            expect(answer.body.error.message).toContain(`data.currency: ${currency} is`);
            expect(answer.body.error.message).toContain('not money');
          }
        }
      }
      expect(await sessionCount()).toBe(0);
    });
  });

  describe('other inputs that answered 500', () => {
    test('a JSON body in another charset is 400 naming Content-Type; bytes that are not UTF-8 are 400', async () => {
      const body = JSON.stringify(startBody('payments', 'STRIPE'));
      for (const charset of ['latin1', 'iso-8859-1', 'utf-16', 'koi8-r']) {
        const answer = await raw('POST', '/v1/client-sessions/payments', {
          body,
          headers: { 'content-type': `application/json; charset=${charset}` },
        });
        expect(answer.status, charset).toBe(400);
        expect(answer.body.error.code).toBe('MALFORMED_REQUEST');
        expect(answer.body.error.message).toContain('charset');
        expect(answer.body.error.message).toContain('UTF-8');
      }
      const latin1 = Buffer.from(body.replace('"Jane"', '"Jos\u00e9"'), 'latin1');
      const answer = await raw('POST', '/v1/client-sessions/payments', { body: latin1 });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain('not valid UTF-8');
      expect(await sessionCount()).toBe(0);
    });

    test('a body sent without Content-Type: application/json says so, not that data is missing', async () => {
      const body = JSON.stringify(startBody('payments', 'STRIPE'));
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset',
      ]) {
        const answer = await raw('POST', '/v1/client-sessions/payments', {
          body,
          headers: { 'content-type': type },
        });
        expect(answer.status, type).toBe(400);
        expect(answer.body.error.code).toBe('MALFORMED_REQUEST');
        expect(answer.body.error.message).toContain('Content-Type: application/json');
      }
      const carded = await raw('POST', '/v1/client-sessions/payments', {
        body,
        headers: { 'content-type': `text/plain; x=${CARD}` },
      });
      expect(carded.body.error.message).toContain('[card number redacted]');
      expect(carded.body.error.message).not.toContain('1111');
      const none = await raw('POST', '/v1/client-sessions/payments', {
        body,
        headers: { 'content-type': '' },
      });
      expect(none.body.error.message).toContain('Content-Type: application/json');
      // A POST without a body needs no Content-Type.
      const empty = await raw('POST', '/v1/transactions/txn_missing/void');
      expect(empty.status).toBe(404);
      expect(await sessionCount()).toBe(0);
    });

    test('a bare JSON string, number or null as the body says it must be an object', async () => {
      for (const body of ['"abc"', '12', 'null', 'true']) {
        const answer = await raw('POST', '/v1/client-sessions/payments', { body });
        expect(answer.status).toBe(400);
        expect(answer.body.error.code).toBe('MALFORMED_REQUEST');
        expect(answer.body.error.message).toContain('must be a JSON object');
      }
    });

    test('a query parameter given twice is 400 saying to give it once', async () => {
      for (const path of [
        '/v1/client-sessions?take=1&take=2',
        '/v1/client-sessions/lookup?id=a&id=b',
        '/v1/transactions?status=SUCCEEDED&status=FAILED',
        `/v1/public/${t.merchant.merchantPublicId}/client-session?token=a&token=b`,
      ]) {
        const answer = await raw('GET', path);
        expect(answer.status, path).toBe(400);
        expect(answer.body.error.code).toBe('VALIDATION_ERROR');
        expect(answer.body.error.message).toMatch(/query\.\w+ is given 2 times; give it once/);
      }
    });

    test('an Idempotency-Key with bytes outside printable ASCII is 400 and nothing is kept', async () => {
      for (const key of ['caf\u00e9-key', 'key\u00ff\u00fe', 'a\u0085b']) {
        const answer = await raw('POST', '/v1/client-sessions/payments', {
          body: JSON.stringify(startBody('payments', 'STRIPE')),
          headers: { 'idempotency-key': key },
        });
        expect(answer.status, key).toBe(400);
        expect(answer.body.error.code).toBe('VALIDATION_ERROR');
        expect(answer.body.error.message).toContain('Idempotency-Key');
        expect(answer.body.error.message).toContain('printable ASCII');
      }
      expect(await sessionCount()).toBe(0);
    });
  });
});

describe('malformed requests and the per-address limits', () => {
  test('a malformed public-API request counts against the address limit: no flood past the brake', async () => {
    const t = await startTestSandbox({
      sandbox: { addressRateLimit: { publicRequests: { perSecond: 1, burst: 3 } } },
    });
    try {
      const statuses: number[] = [];
      for (const path of [
        '/v1/public/%E0%A4%A/client-session',
        `/v1/public/${'4111111111111111'}/client-session`,
        '/v1/public/%FF/client-session/base-config',
        '/v1/public/%E0%A4%A/client-session',
      ]) {
        statuses.push((await fetch(`${t.sandbox.url}${path}`)).status);
      }
      expect(statuses).toEqual([400, 400, 400, 429]);
    } finally {
      await t.close();
    }
  });
});
