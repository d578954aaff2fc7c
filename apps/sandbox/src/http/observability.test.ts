import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger } from '../sandbox.ts';
import { paymentStart, SHOP_ORIGIN, startTestSandbox, type TestSandbox } from '../test-support.ts';

type Json = Record<string, unknown>;

/** A log destination that keeps every line written to it. */
function lineSink() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, sink };
}

describe('logs', () => {
  let t: TestSandbox | undefined;
  afterEach(async () => {
    await t?.close();
  });

  test('every line written during a request carries its request id; no secret or card number', async () => {
    const { lines, sink } = lineSink();
    t = await startTestSandbox({ sandbox: { logger: createLogger('debug', sink) } });
    const before = lines.length;
    const started = await t.api<Json>('POST', '/v1/client-sessions/payments', {
      body: paymentStart(t.merchant, 'STRIPE'),
    });
    expect(started.status).toBe(200);
    const body = paymentStart(t.merchant, 'STRIPE', { code: 'order-9' });
    const refused = await t.api<{ error: Json }>('POST', '/v1/client-sessions/payments', {
      body: {
        ...body,
        data: { ...body.data, merchantInternalTransactionCode: '4242 4242 4242 4242' },
      },
    });
    expect(refused.status).toBe(400);
    await t.api('GET', '/v1/client-sessions', { secret: 'sk_test_wrong' });
    const written = lines.slice(before).map((line) => JSON.parse(line) as Json);
    expect(written.length).toBeGreaterThanOrEqual(3);
    for (const line of written) expect(line.requestId, JSON.stringify(line)).toMatch(/^req_/);
    // Once per line: JSON.parse keeps the last of two equal keys, so count them in the text.
    for (const line of lines.slice(before)) {
      expect(line.match(/"requestId":/g), line).toHaveLength(1);
    }
    const requestIds = new Set(written.map((line) => line.requestId));
    expect(requestIds).toContain(refused.body.error.requestId);
    const text = lines.join('\n');
    expect(text).not.toContain('4242 4242 4242 4242');
    expect(text).not.toContain(t.merchant.apiSecret);
  });
});

describe('a refused CORS origin', () => {
  test('is logged at warn once, with the origin and the command that allows it', async () => {
    const { lines, sink } = lineSink();
    const t = await startTestSandbox({ sandbox: { logger: createLogger('info', sink) } });
    try {
      const path = `/v1/public/${t.merchant.merchantPublicId}/client-session?token=x`;
      for (let i = 0; i < 3; i++) {
        const answer = await t.api('GET', path, {
          secret: null,
          headers: { origin: 'http://127.0.0.1:5999' },
        });
        expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      }
      const allowed = await t.api('GET', path, { secret: null, headers: { origin: SHOP_ORIGIN } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
      const warnings = lines
        .map((line) => JSON.parse(line) as Json)
        .filter((line) => line.level === 40 && String(line.msg).startsWith('CORS'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({
        origin: 'http://127.0.0.1:5999',
        merchantId: t.merchant.merchantId,
      });
      expect(warnings[0]?.msg).toContain(
        `accrupay-sandbox merchant origins add http://127.0.0.1:5999 --merchant ${t.merchant.merchantId}`,
      );
    } finally {
      await t.close();
    }
  });
});

describe('lists and provider configuration', () => {
  let t: TestSandbox;
  afterEach(async () => {
    await t.close();
  });

  test('offset and cursor pages walk every session once, newest first, with filters', async () => {
    t = await startTestSandbox();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const answer = await t.api<Json>('POST', '/v1/client-sessions/payments', {
        body: paymentStart(t.merchant, i % 2 ? 'NUVEI' : 'STRIPE', { code: `order-${i}` }),
      });
      ids.push(answer.body.id as string);
      await t.sim.clock.advance(1_000);
    }
    const newestFirst = [...ids].reverse();
    const offset: string[] = [];
    for (let skip = 0; skip < 7; skip += 3) {
      const page = await t.api<{ data: Json[]; total: number }>(
        'GET',
        `/v1/client-sessions?take=3&skip=${skip}`,
      );
      expect(page.body.total).toBe(7);
      offset.push(...page.body.data.map((s) => s.id as string));
    }
    expect(offset).toEqual(newestFirst);

    const cursor: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 5; guard++) {
      const page: {
        body: { edges: Array<{ node: Json; cursor: string }>; pageInfo: Json; totalCount: number };
      } = await t.api('GET', `/v1/client-sessions/cursor?first=3${after ? `&after=${after}` : ''}`);
      expect(page.body.totalCount).toBe(7);
      cursor.push(...page.body.edges.map((edge) => edge.node.id as string));
      if (!page.body.pageInfo.hasNextPage) break;
      after = page.body.pageInfo.endCursor as string;
    }
    expect(cursor).toEqual(newestFirst);

    const filtered = await t.api<{ data: Json[]; total: number }>(
      'GET',
      '/v1/client-sessions?merchantInternalTransactionCode=order-3',
    );
    expect(filtered.body.data.map((s) => s.id)).toEqual([ids[3]]);
    await t.api('GET', `/v1/public/${t.merchant.merchantPublicId}/client-session?id=${ids[0]}`, {
      secret: null,
    });
    const active = await t.api<{ total: number }>('GET', '/v1/client-sessions?status=ACTIVE');
    expect(active.body.total).toBe(1);

    const tooBig = await t.api<{ error: Json }>('GET', '/v1/client-sessions?take=101');
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toContain('take must be at most 100');
    const mixed = await t.api<{ error: Json }>('GET', '/v1/client-sessions?take=3&first=3');
    expect(mixed.status).toBe(400);
    const badCursor = await t.api<{ error: Json }>('GET', '/v1/client-sessions/cursor?after=nope');
    expect(badCursor.status).toBe(400);
  });

  test('base configuration by provider, by session, and through the public API, without secrets', async () => {
    t = await startTestSandbox();
    const byProvider = await t.api<Json>(
      'GET',
      '/v1/client-sessions/base-config?transactionProvider=NUVEI',
    );
    expect(byProvider.body).toMatchObject({
      id: null,
      transactionProvider: 'NUVEI',
      merchantTransactionProviderId: t.merchant.merchantTransactionProviderIds.NUVEI,
    });
    const session = await t.api<Json>('POST', '/v1/client-sessions/payments', {
      body: paymentStart(t.merchant, 'STRIPE'),
    });
    const bySession = await t.api<Json>(
      'GET',
      `/v1/client-sessions/base-config?id=${session.body.id}`,
    );
    expect(bySession.body).toMatchObject({ id: session.body.id, transactionProvider: 'STRIPE' });
    const publicConfig = await t.api<Json>(
      'GET',
      `/v1/public/${t.merchant.merchantPublicId}/client-session/base-config?token=${encodeURIComponent(session.body.token as string)}`,
      { secret: null, headers: { origin: SHOP_ORIGIN } },
    );
    expect(publicConfig.status).toBe(200);
    expect(publicConfig.body).toMatchObject({ id: session.body.id, transactionProvider: 'STRIPE' });
    const providerData = JSON.stringify(publicConfig.body.providerData);
    expect(providerData).toContain('hostedFieldsUrl');
    expect(providerData).not.toMatch(/sk_test_|whsec_|secretKey/);
    const none = await t.api<{ error: Json }>('GET', '/v1/client-sessions/base-config');
    expect(none.status).toBe(400);
  });
});
