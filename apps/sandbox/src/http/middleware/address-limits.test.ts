import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Request } from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../domain/rate-limit.ts';
import { paymentStart, startTestSandbox, type TestSandbox } from '../../test-support.ts';
import { clientKey } from './address-limits.ts';

const GUESSES = 1500;

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { error?: { code?: string; message?: string } } & Record<string, unknown>;
}

/** A request from a chosen loopback address (any 127.x.y.z reaches the sandbox on 127.0.0.1). */
function call(
  url: string,
  options: { from: string; method?: string; headers?: Record<string, string>; body?: unknown },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        localAddress: options.from,
        agent: false,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            body: text ? (JSON.parse(text) as Answer['body']) : {},
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('rate limits per client address', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox();
  });
  afterEach(async () => {
    await t.close();
  });
  const merchantApi = (from: string, secret: string | undefined, headers = {}) =>
    call(`${t.sandbox.url}/v1/client-sessions`, {
      from,
      headers: { ...(secret === undefined ? {} : { 'accrupay-api-secret': secret }), ...headers },
    });

  it('1,500 bad or missing secrets from one address get 429 early; after the window a good secret works', async () => {
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < GUESSES; i++) {
      // X-Forwarded-For is not trusted unless configured: a new one per guess changes nothing.
      last = await merchantApi(
        '127.0.0.1',
        i % 2 ? `sk_test_${randomBytes(12).toString('hex')}` : undefined,
        { 'x-forwarded-for': `10.0.${i >> 8}.${i & 255}` },
      );
      statuses.push(last.status);
    }
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(first429).toBeLessThanOrEqual(100);
    expect(statuses.slice(0, first429).every((status) => status === 401)).toBe(true);
    expect(statuses.filter((status) => status === 401)).toHaveLength(100);
    expect(last?.body.error?.code).toBe('RATE_LIMITED');
    expect(last?.body.error?.message).toContain('accrupay-api-secret');
    expect(Number(last?.retryAfter)).toBeGreaterThanOrEqual(1);

    // While limited, the good secret waits too: it would otherwise tell a guess apart.
    expect((await merchantApi('127.0.0.1', t.merchant.apiSecret)).status).toBe(429);
    await t.sim.clock.advance(Number(last?.retryAfter) * 1000);
    expect((await merchantApi('127.0.0.1', t.merchant.apiSecret)).status).toBe(200);
  });

  it('1,500 public-API guesses from one address get 429 early; after the window a lookup works', async () => {
    const started = await t.api<{ id: string; token: string }>(
      'POST',
      '/v1/client-sessions/payments',
      { body: paymentStart(t.merchant, 'STRIPE') },
    );
    expect(started.status).toBe(200);
    const lookup = (from: string, publicId: string, token: string) =>
      call(
        `${t.sandbox.url}/v1/public/${publicId}/client-session?token=${encodeURIComponent(token)}`,
        { from },
      );
    const statuses: number[] = [];
    let last: Answer | undefined;
    for (let i = 0; i < GUESSES; i++) {
      const guess = randomBytes(12).toString('hex');
      last = await lookup(
        '127.0.0.1',
        i % 2 ? t.merchant.merchantPublicId : `pk_test_${guess}`,
        `tok_${guess}`,
      );
      statuses.push(last.status);
    }
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(first429).toBeLessThanOrEqual(100);
    expect(statuses.slice(0, first429).every((status) => status === 404)).toBe(true);
    expect(last?.body.error?.code).toBe('RATE_LIMITED');

    expect(
      (await lookup('127.0.0.1', t.merchant.merchantPublicId, started.body.token)).status,
    ).toBe(429);
    await t.sim.clock.advance(Number(last?.retryAfter) * 1000);
    const found = await lookup('127.0.0.1', t.merchant.merchantPublicId, started.body.token);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ id: started.body.id });
  });

  it("another address's guesses do not slow a good merchant or its checkout", async () => {
    for (let i = 0; i < 300; i++) {
      await merchantApi('127.0.0.2', `sk_test_${randomBytes(12).toString('hex')}`);
      await call(
        `${t.sandbox.url}/v1/public/pk_test_${randomBytes(12).toString('hex')}/client-session?token=x`,
        {
          from: '127.0.0.2',
        },
      );
    }
    expect((await merchantApi('127.0.0.2', t.merchant.apiSecret)).status).toBe(429);
    // The good merchant, from its own address, at once: no 429 and no wait.
    for (let i = 0; i < 50; i++) {
      const started = await call(`${t.sandbox.url}/v1/client-sessions/payments`, {
        from: '127.0.0.1',
        method: 'POST',
        headers: { 'accrupay-api-secret': t.merchant.apiSecret },
        body: paymentStart(t.merchant, 'STRIPE', { code: `order-${i}` }),
      });
      expect(started.status).toBe(200);
      const token = String(started.body.token);
      const seen = await call(
        `${t.sandbox.url}/v1/public/${t.merchant.merchantPublicId}/client-session?token=${encodeURIComponent(token)}`,
        { from: '127.0.0.1' },
      );
      expect(seen.status).toBe(200);
    }
  });
});

describe('rate limits per client address, configured', () => {
  it('takes the address from X-Forwarded-For only with trustForwardedFor, and can be turned off', async () => {
    const trusting = await startTestSandbox({
      sandbox: {
        addressRateLimit: { trustForwardedFor: true, authFailures: { perSecond: 1, burst: 3 } },
      },
    });
    try {
      const guess = (forwardedFor: string) =>
        call(`${trusting.sandbox.url}/v1/client-sessions`, {
          from: '127.0.0.1',
          headers: { 'accrupay-api-secret': 'sk_test_wrong', 'x-forwarded-for': forwardedFor },
        });
      for (let i = 0; i < 3; i++) expect((await guess('203.0.113.7')).status).toBe(401);
      expect((await guess('203.0.113.7')).status).toBe(429);
      expect((await guess('198.51.100.1, 203.0.113.8')).status).toBe(401);
    } finally {
      await trusting.close();
    }
    const off = await startTestSandbox({ sandbox: { addressRateLimit: false } });
    try {
      for (let i = 0; i < 150; i++) {
        const answer = await call(`${off.sandbox.url}/v1/client-sessions`, { from: '127.0.0.1' });
        expect(answer.status).toBe(401);
      }
    } finally {
      await off.close();
    }
  });
});

describe('clientKey', () => {
  const req = (remoteAddress: string, forwardedFor?: string) =>
    ({
      socket: { remoteAddress },
      get: (name: string) => (name === 'x-forwarded-for' ? forwardedFor : undefined),
    }) as unknown as Request;

  it('is the IPv4 address, also when mapped into IPv6', () => {
    expect(clientKey(req('192.0.2.1'))).toBe('192.0.2.1');
    expect(clientKey(req('::ffff:192.0.2.1'))).toBe('192.0.2.1');
  });

  it('is the /64 network of an IPv6 address, whatever its host part', () => {
    expect(clientKey(req('2001:db8:1:2::1'))).toBe('2001:db8:1:2::/64');
    expect(clientKey(req('2001:db8:1:2:aaaa:bbbb:cccc:dddd'))).toBe('2001:db8:1:2::/64');
    expect(clientKey(req('2001:db8::1'))).toBe('2001:db8:0:0::/64');
    expect(clientKey(req('::1'))).toBe('0:0:0:0::/64');
  });

  it('ignores X-Forwarded-For unless trusted, then takes its last entry', () => {
    expect(clientKey(req('127.0.0.1', '203.0.113.9'))).toBe('127.0.0.1');
    expect(clientKey(req('127.0.0.1', '198.51.100.1, 203.0.113.9'), true)).toBe('203.0.113.9');
    expect(clientKey(req('127.0.0.1'), true)).toBe('127.0.0.1');
  });
});

describe('RateLimiter', () => {
  it('drops refilled buckets once it holds many, and keeps the ones still draining', () => {
    let now = 0;
    const limiter = new RateLimiter({ now: () => now }, { perSecond: 1, burst: 2 });
    limiter.take('drained');
    limiter.take('drained');
    for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBe(10_001);
    now += 1000;
    limiter.take('new');
    expect(limiter.size).toBe(2);
    limiter.take('drained');
    expect(limiter.wait('drained')).toBe(1);
    expect(limiter.wait('unknown')).toBe(0);
  });
});
