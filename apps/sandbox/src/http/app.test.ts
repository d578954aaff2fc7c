import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { paymentStart, SHOP_ORIGIN, startTestSandbox, type TestSandbox } from '../test-support.ts';

type Json = Record<string, unknown>;
type ErrorBody = { error: { code: string; message: string; requestId: string; issues?: Json[] } };

describe('the HTTP face of the router', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox({ sandbox: { rateLimit: { perSecond: 5, burst: 20 } } });
  });
  afterEach(async () => {
    await t.close();
  });

  const start = (body: unknown, headers: Record<string, string> = {}) =>
    t.api<Json>('POST', '/v1/client-sessions/payments', { body, headers });

  test('answers /health and carries a request id in every answer and error', async () => {
    const health = await t.api('GET', '/health', { secret: null });
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(health.headers.get('x-request-id')).toMatch(/^req_/);
    const missing = await t.api<ErrorBody>('GET', '/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.requestId).toBe(missing.headers.get('x-request-id'));
  });

  describe('authentication', () => {
    test.each([
      ['no secret', null, 'Missing API secret'],
      ['a wrong secret', 'sk_test_0000000000000000000000000000000000000a', 'Invalid API secret'],
      ['a malformed secret', 'hello', 'Invalid API secret'],
    ])('%s is 401', async (_name, secret, message) => {
      const answer = await t.api<ErrorBody>('GET', '/v1/client-sessions', { secret });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('AUTHENTICATION_FAILED');
      expect(answer.body.error.message).toContain(message);
    });

    test('the merchantPublicId never works as a secret', async () => {
      const answer = await t.api<ErrorBody>('GET', '/v1/client-sessions', {
        secret: t.merchant.merchantPublicId,
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error.message).toContain('merchantPublicId');
    });

    test('a secret with a wrong checksum is refused without a lookup', async () => {
      const secret = t.merchant.apiSecret;
      const tampered = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
      expect((await t.api('GET', '/v1/client-sessions', { secret: tampered })).status).toBe(401);
      expect((await t.api('GET', '/v1/client-sessions')).status).toBe(200);
    });
  });

  describe('bad input', () => {
    test('a validation error is 400 and names each field', async () => {
      const body = paymentStart(t.merchant, 'STRIPE');
      const answer = await start({
        ...body,
        data: { ...body.data, currency: 'XYZ', amount: '0x10' },
      });
      expect(answer.status).toBe(400);
      const error = (answer.body as unknown as ErrorBody).error;
      expect(error.code).toBe('VALIDATION_ERROR');
      expect(error.message).toContain('data.currency: must be an ISO 4217 currency code');
      expect(error.issues).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: 'data.amount' })]),
      );
    });

    test('two verify identifiers are refused', async () => {
      const answer = await t.api<ErrorBody>('POST', '/v1/client-sessions/payments/verify', {
        body: { id: '0b6f1c1e-5d7a-4b7e-9c55-1a2b3c4d5e6f', token: 'x' },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain('got 2: id and token');
    });

    test('malformed JSON is 400, a body over 64 KiB is 413', async () => {
      const malformed = await fetch(`${t.sandbox.url}/v1/client-sessions/payments`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'accrupay-api-secret': t.merchant.apiSecret,
        },
        body: '{"data":',
      });
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as ErrorBody).error.code).toBe('MALFORMED_REQUEST');
      const huge = await start({ padding: 'x'.repeat(70 * 1024) });
      expect(huge.status).toBe(413);
      expect((huge.body as unknown as ErrorBody).error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    test('card-like data is refused and names where it was', async () => {
      const body = paymentStart(t.merchant, 'STRIPE');
      const answer = await start({
        ...body,
        data: { ...body.data, merchantInternalTransactionCode: 'order 4242 4242 4242 4242' },
      });
      expect(answer.status).toBe(400);
      const error = (answer.body as unknown as ErrorBody).error;
      expect(error.code).toBe('CARD_DATA_REFUSED');
      expect(error.message).toContain('data.merchantInternalTransactionCode');
      expect(error.message).toContain('React SDK');
      // A number that fails the Luhn check is not card-like.
      const notCard = await start({
        ...body,
        data: { ...body.data, merchantInternalTransactionCode: 'order-4242424242424241' },
      });
      expect(notCard.status).toBe(200);
    });
  });

  test('rate limiting is per merchant, with 429 and Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 21; i++) answers.push(await t.api('GET', '/v1/client-sessions'));
    expect(answers.slice(0, 20).every((a) => a.status === 200)).toBe(true);
    const limited = answers[20];
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await t.sandbox.createMerchant();
    expect((await t.api('GET', '/v1/client-sessions', { secret: other.apiSecret })).status).toBe(
      200,
    );
    await t.sim.clock.advance(1_000);
    expect((await t.api('GET', '/v1/client-sessions')).status).toBe(200);
  });

  describe('Idempotency-Key', () => {
    test('the same key and body replays; another body is 422', async () => {
      const body = paymentStart(t.merchant, 'STRIPE');
      const first = await start(body, { 'idempotency-key': 'key-1' });
      expect(first.status).toBe(200);
      const replay = await start(body, { 'idempotency-key': 'key-1' });
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(first.body);
      const other = await start(paymentStart(t.merchant, 'STRIPE', { code: 'order-2' }), {
        'idempotency-key': 'key-1',
      });
      expect(other.status).toBe(422);
      expect((other.body as unknown as ErrorBody).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    test('keys are per merchant and forgotten after 24 hours', async () => {
      const body = paymentStart(t.merchant, 'STRIPE');
      await start(body, { 'idempotency-key': 'key-2' });
      const other = await t.sandbox.createMerchant();
      const otherStart = await t.api('POST', '/v1/client-sessions/payments', {
        secret: other.apiSecret,
        body: paymentStart(other, 'STRIPE'),
        headers: { 'idempotency-key': 'key-2' },
      });
      expect(otherStart.status).toBe(200);
      await t.sim.clock.advance(24 * 3_600_000 + 1);
      const reused = await start(paymentStart(t.merchant, 'STRIPE', { code: 'order-3' }), {
        'idempotency-key': 'key-2',
      });
      expect(reused.status).toBe(200);
    });

    test('a request still in flight with the key is 409', async () => {
      t.sim.addScenario({
        kind: 'api_timeout',
        holdMs: 60_000,
        times: 1,
        target: { merchantRef: 'order-8821' },
      });
      const held = new Promise<void>((resolve) =>
        t.sim.events.once('request-held', () => resolve()),
      );
      const body = paymentStart(t.merchant, 'STRIPE');
      const first = start(body, { 'idempotency-key': 'key-3' });
      await held;
      const second = await start(body, { 'idempotency-key': 'key-3' });
      expect(second.status).toBe(409);
      expect((second.body as unknown as ErrorBody).error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
      await t.sim.clock.advance(60_000);
      expect([502, 504]).toContain((await first).status);
    });
  });

  describe('CORS', () => {
    const publicPath = () =>
      `/v1/public/${t.merchant.merchantPublicId}/client-session?id=0b6f1c1e-5d7a-4b7e-9c55-1a2b3c4d5e6f`;

    test('the public API allows only the merchant’s origins', async () => {
      const allowed = await t.api('GET', publicPath(), {
        secret: null,
        headers: { origin: SHOP_ORIGIN },
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
      const other = await t.api('GET', publicPath(), {
        secret: null,
        headers: { origin: 'https://evil.example' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${t.sandbox.url}${publicPath()}`, {
        method: 'OPTIONS',
        headers: { origin: SHOP_ORIGIN, 'access-control-request-method': 'GET' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN);
    });

    test('the merchant API sends no CORS headers', async () => {
      const answer = await t.api('GET', '/v1/client-sessions', {
        headers: { origin: SHOP_ORIGIN },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  test('a callback whose signature does not verify is 400 and changes nothing', async () => {
    const mtp = t.merchant.merchantTransactionProviderIds.STRIPE;
    const answer = await fetch(`${t.sandbox.url}/v1/provider-callbacks/stripe/${mtp}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=deadbeef' },
      body: JSON.stringify({ type: 'payment_intent.succeeded', data: { object: { id: 'pi_1' } } }),
    });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as ErrorBody).error.code).toBe('CALLBACK_SIGNATURE_INVALID');
    const unknown = await fetch(`${t.sandbox.url}/v1/provider-callbacks/stripe/mtp_nope`, {
      method: 'POST',
      body: '{}',
    });
    expect(unknown.status).toBe(404);
  });
});
