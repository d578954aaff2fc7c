import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GOOD_CARDS, testCard } from '../test-cards.ts';
import { paymentStart, startTestSandbox, type TestSandbox } from '../test-support.ts';

// The sandbox control API (dashboard, CLI) on a real sandbox: across merchants, the timeline of a
// session with the causes of its changes, reconciliation against the simulator's ledger, the
// clock, scenarios, reset; loopback only unless a token is given.

type Json = Record<string, unknown>;

describe('the sandbox control API', () => {
  let t: TestSandbox;
  beforeEach(async () => {
    t = await startTestSandbox({ sandbox: { webhooks: { autoStart: false } } });
  });
  afterEach(async () => {
    await t?.close();
  });
  const admin = <T = Json>(method: string, path: string, body?: unknown) =>
    t.api<T>(method, `/v1/admin${path}`, { body, secret: null });

  async function paid(code: string, card = GOOD_CARDS.STRIPE) {
    t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: code } });
    const started = await t.api<Json & { id: string; token: string }>(
      'POST',
      '/v1/client-sessions/payments',
      { body: paymentStart(t.merchant, 'STRIPE', { code }) },
    );
    await t.pay('STRIPE', started.body.token, card);
    const verified = await t.api<Json & { id: string }>(
      'POST',
      '/v1/client-sessions/payments/verify',
      {
        body: { id: started.body.id },
      },
    );
    return { sessionId: started.body.id, token: started.body.token, transaction: verified.body };
  }

  test('overview and lists span merchants, newest first, with filters', async () => {
    const other = await t.sandbox.createMerchant({ name: 'Other shop' });
    const a = await paid('adm-1');
    await t.sim.clock.advance(1_000);
    await paid('adm-2', testCard('STRIPE', 'generic_decline'));
    const overview = await admin<{ merchants: Json[]; now: string; clockMode: string }>(
      'GET',
      '/overview',
    );
    expect(overview.status).toBe(200);
    expect(overview.body.merchants.map((m) => m.id).sort()).toEqual(
      [t.merchant.merchantId, other.merchantId].sort(),
    );
    expect(overview.body.clockMode).toBe('manual');
    expect(JSON.stringify(overview.body)).not.toContain(t.merchant.apiSecret);
    const sessions = await admin<{ data: { session: Json }[]; total: number }>('GET', '/sessions');
    expect(sessions.body.total).toBe(2);
    expect(sessions.body.data[0]?.session.merchantInternalTransactionCode).toBe('adm-2');
    const completed = await admin<{ data: { session: Json }[] }>(
      'GET',
      '/sessions?status=COMPLETED',
    );
    expect(completed.body.data.map((row) => row.session.id)).toEqual([a.sessionId]);
    const byCode = await admin<{ total: number }>(
      'GET',
      `/sessions?code=adm-1&merchantId=${other.merchantId}`,
    );
    expect(byCode.body.total).toBe(0);
    const declined = await admin<{ data: { transaction: Json }[] }>(
      'GET',
      '/transactions?status=DECLINED',
    );
    expect(declined.body.data).toHaveLength(1);
    expect((await admin('GET', '/sessions?status=NOPE')).status).toBe(400);
  });

  test("a session's timeline names the cause of each change, and its ledger entries", async () => {
    const { sessionId } = await paid('adm-timeline');
    const detail = await admin<{ timeline: Json[]; ledger: Json[]; merchantId: string }>(
      'GET',
      `/sessions/${sessionId}`,
    );
    expect(detail.status).toBe(200);
    expect(detail.body.merchantId).toBe(t.merchant.merchantId);
    const titles = detail.body.timeline.map(
      (entry) => `${entry.kind}: ${entry.title} | ${entry.detail}`,
    );
    expect(titles[0]).toMatch(/^created: session created/);
    expect(titles.some((line) => /status: payment .*-> SUCCEEDED \| by verify/.test(line))).toBe(
      true,
    );
    expect(titles.some((line) => /status: session: .*-> COMPLETED \| by verify/.test(line))).toBe(
      true,
    );
    expect(detail.body.ledger.map((entry) => entry.kind)).toEqual(['charge']);
    expect((await admin('GET', '/sessions/nope')).status).toBe(404);
  });

  test('reconciliation is clean after verify, and flags money the router does not know', async () => {
    await paid('adm-rec-1');
    const clean = await admin<{ mismatches: Json[]; transactions: number }>(
      'GET',
      '/reconciliation',
    );
    expect(clean.body).toMatchObject({ mismatches: [], transactions: 1 });
    // Paid at the provider, never verified, callbacks dropped: the router does not know yet.
    t.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: 'adm-rec-2' } });
    const started = await t.api<Json & { token: string; id: string }>(
      'POST',
      '/v1/client-sessions/payments',
      { body: paymentStart(t.merchant, 'STRIPE', { code: 'adm-rec-2' }) },
    );
    await t.pay('STRIPE', started.body.token, GOOD_CARDS.STRIPE);
    const dirty = await admin<{ mismatches: Json[] }>('GET', '/reconciliation');
    expect(dirty.body.mismatches).toHaveLength(1);
    expect(dirty.body.mismatches[0]).toMatchObject({ kind: 'unknown_to_router' });
    // verify() records it: consistent again.
    await t.api('POST', '/v1/client-sessions/payments/verify', { body: { id: started.body.id } });
    expect((await admin<{ mismatches: Json[] }>('GET', '/reconciliation')).body.mismatches).toEqual(
      [],
    );
  });

  test('the clock moves router and simulator together and says what expired', async () => {
    const started = await t.api<Json & { id: string; expiresAt: string }>(
      'POST',
      '/v1/client-sessions/payments',
      { body: paymentStart(t.merchant, 'STRIPE', { code: 'adm-clock' }) },
    );
    const before = t.sandbox.clock.now();
    const moved = await admin<{ before: string; now: string; expired: Json[] }>(
      'POST',
      '/clock/advance',
      {
        by: '24h',
      },
    );
    expect(moved.status).toBe(200);
    expect(Date.parse(moved.body.now) - before).toBe(86_400_000);
    expect(t.sim.clock.now().getTime()).toBe(Date.parse(moved.body.now));
    expect(moved.body.expired.map((e) => e.sessionId)).toEqual([started.body.id]);
    const again = await admin<{ expired: Json[] }>('POST', '/clock/advance', { by: '20m' });
    expect(again.body.expired).toEqual([]);
    expect((await admin('POST', '/clock/advance', { by: '-5m' })).status).toBe(400);
    expect((await admin('POST', '/clock/advance', { to: '2000-01-01T00:00:00Z' })).status).toBe(
      409,
    );
  });

  test('scenarios armed for one session apply to it only; disarm removes them', async () => {
    const started = await t.api<Json & { id: string; token: string }>(
      'POST',
      '/v1/client-sessions/payments',
      { body: paymentStart(t.merchant, 'STRIPE', { code: 'adm-sc' }) },
    );
    const armed = await admin<Json & { id: string }>('POST', '/scenarios', {
      kind: 'api_error',
      sessionId: started.body.id,
    });
    expect(armed.status).toBe(200);
    expect(armed.body).toMatchObject({ target: { token: started.body.token } });
    expect((await admin<{ data: Json[] }>('GET', '/scenarios')).body.data).toHaveLength(1);
    expect((await admin('DELETE', `/scenarios/${armed.body.id}`)).status).toBe(200);
    expect((await admin<{ data: Json[] }>('GET', '/scenarios')).body.data).toHaveLength(0);
    expect((await admin('POST', '/scenarios', { kind: 'no_such_kind' })).status).toBe(400);
    expect(
      (await admin('POST', '/scenarios', { kind: 'api_error', sessionId: 'nope' })).status,
    ).toBe(404);
  });

  test('merchants: create shows the secret once, origins are editable and checked', async () => {
    const created = await admin<{ merchant: Json & { id: string }; apiSecret: string }>(
      'POST',
      '/merchants',
      {
        name: 'New shop',
      },
    );
    expect(created.body.apiSecret).toMatch(/^sk_test_/);
    const works = await t.api('GET', '/v1/client-sessions', { secret: created.body.apiSecret });
    expect(works.status).toBe(200);
    const set = await admin<Json>('PUT', `/merchants/${created.body.merchant.id}/allowed-origins`, {
      allowedOrigins: ['http://127.0.0.1:5173'],
    });
    expect(set.body).toMatchObject({ allowedOrigins: ['http://127.0.0.1:5173'] });
    const bad = await admin<{ error: { message: string } }>(
      'PUT',
      `/merchants/${created.body.merchant.id}/allowed-origins`,
      {
        allowedOrigins: ['http://127.0.0.1:5173/'],
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('use http://127.0.0.1:5173');
    expect(
      (await admin('PUT', '/merchants/nope/allowed-origins', { allowedOrigins: [] })).status,
    ).toBe(404);
  });

  test('reset deletes activity and keeps merchants working', async () => {
    await paid('adm-reset');
    expect((await admin('POST', '/reset', {})).status).toBe(400);
    expect((await admin('POST', '/reset', { confirm: true })).status).toBe(200);
    expect((await admin<{ total: number }>('GET', '/sessions')).body.total).toBe(0);
    expect(t.sim.ledger()).toEqual([]);
    const again = await paid('adm-reset');
    expect(again.transaction).toMatchObject({ status: 'SUCCEEDED' });
    // The card API's credential pair is the merchant's, not activity: it still authenticates.
    const card = await t.api('GET', '/api/v1/payments/pay_unknown123456/card', {
      secret: null,
      headers: { 'x-client-id': t.merchant.clientId, 'x-client-secret': t.merchant.clientSecret },
    });
    expect(card.status, JSON.stringify(card.body)).toBe(404);
  });

  test('refused from a foreign Host or Origin (DNS rebinding, a page of another site)', async () => {
    const url = new URL(t.sandbox.url);
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: url.hostname, port: url.port, path: '/v1/admin/overview', headers },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status({})).toBe(200);
    expect(await status({ host: 'evil.example:4000' })).toBe(403);
    expect(await status({ origin: 'http://evil.example' })).toBe(403);
    expect(await status({ origin: `http://localhost:${url.port}` })).toBe(200);
  });
});

describe('the sandbox control API with a dashboard token', () => {
  test('a foreign Host passes with the token only', async () => {
    const t = await startTestSandbox({ sandbox: { dashboardToken: 'tok-123456' } });
    try {
      const call = (headers: Record<string, string>) =>
        t.api('GET', '/v1/admin/overview', { secret: null, headers });
      expect((await call({ 'x-accrupay-dashboard-token': 'tok-123456' })).status).toBe(200);
      expect((await call({ origin: 'http://evil.example' })).status).toBe(403);
      expect(
        (await call({ origin: 'http://evil.example', 'x-accrupay-dashboard-token': 'tok-123456' }))
          .status,
      ).toBe(200);
      expect(
        (await call({ origin: 'http://evil.example', 'x-accrupay-dashboard-token': 'wrong' }))
          .status,
      ).toBe(403);
    } finally {
      await t.close();
    }
  });
});
