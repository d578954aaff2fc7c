import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { luhnValid, NUVEI_TEST_CARDS, STRIPE_TEST_CARDS } from './cards.ts';
import { loadConfigFile, SimConfigError } from './config.ts';
import { createProviderSim } from './sim.ts';
import { type Loose, setup, stripe } from './test-helpers.ts';

let t: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => {
  t = await setup();
});
afterEach(async () => {
  await t.close();
});

const control = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${t.server.url}/__sim${path}`, {
    method,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
      : {}),
  });
  return { status: res.status, body: (await res.json()) as Loose };
};

describe('control API', () => {
  it('reads, advances and sets the clock; never backwards', async () => {
    expect((await control('GET', '/clock')).body.now).toBe('2030-01-15T12:00:00.000Z');
    expect((await control('POST', '/clock/advance', { hours: 2 })).body.now).toBe(
      '2030-01-15T14:00:00.000Z',
    );
    expect((await control('POST', '/clock/set', { now: '2030-02-01T00:00:00Z' })).body.now).toBe(
      '2030-02-01T00:00:00.000Z',
    );
    expect((await control('POST', '/clock/set', { now: '2029-01-01T00:00:00Z' })).status).toBe(409);
    const bad = await control('POST', '/clock/advance', { ms: -5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^ms/);
  });

  it('expires a PaymentIntent through the control API clock', async () => {
    const pi = (
      await stripe(t.server.url, 'POST', '/payment_intents', { amount: '100', currency: 'usd' })
    ).body;
    await control('POST', '/clock/advance', { days: 1 });
    expect((await stripe(t.server.url, 'GET', `/payment_intents/${pi.id}`)).body.status).toBe(
      'canceled',
    );
  });

  it('adds, lists and removes scenarios; refuses a bad one by field', async () => {
    const added = await control('POST', '/scenarios', {
      kind: 'api_error',
      target: { merchantRef: 'o-1' },
      times: 2,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ kind: 'api_error', remaining: 2, status: 500 });
    expect((await control('GET', '/scenarios')).body.data).toHaveLength(1);
    expect((await control('DELETE', `/scenarios/${added.body.id}`)).status).toBe(200);
    expect((await control('DELETE', `/scenarios/${added.body.id}`)).status).toBe(404);
    const bad = await control('POST', '/scenarios', { kind: 'delay_callback' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/delayMs/);
  });

  it('ledger filters by merchant reference and kind; deliveries are listed; reset empties everything', async () => {
    await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '700',
      currency: 'usd',
      confirm: 'true',
      payment_method: 'pm_card_visa',
      'metadata[order_id]': 'o-7',
    });
    await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '800',
      currency: 'usd',
      confirm: 'true',
      payment_method: 'pm_card_visa',
      'metadata[order_id]': 'o-8',
    });
    const ledger = await control('GET', '/ledger?merchantRef=o-7&kind=charge');
    expect(ledger.body.data.map((e: Loose) => [e.kind, e.amount, e.merchantRef])).toEqual([
      ['charge', 700, 'o-7'],
    ]);
    expect((await control('GET', '/ledger?colour=red')).status).toBe(400);
    const deliveries = await control('POST', '/deliveries/flush');
    expect(deliveries.body.data.length).toBe(4);
    expect(deliveries.body.data.every((d: Loose) => d.state === 'delivered')).toBe(true);
    expect((await control('POST', '/reset')).body.ok).toBe(true);
    expect((await control('GET', '/ledger')).body.data).toEqual([]);
  });

  it('adds a merchant account at run time with its callback URL and origins', async () => {
    const put = await control('PUT', '/accounts/acct_two', {
      stripe: {
        secretKey: 'sk_test_two',
        publishableKey: 'pk_test_two',
        webhookSecret: 'whsec_two',
        webhookUrl: 'http://127.0.0.1:1/x',
      },
      allowedOrigins: ['https://two.example'],
    });
    expect(put.status).toBe(200);
    const pi = await stripe(
      t.server.url,
      'POST',
      '/payment_intents',
      { amount: '100', currency: 'usd' },
      'sk_test_two',
    );
    expect(pi.status).toBe(200);
    const bad = await control('PUT', '/accounts/acct_three', {
      allowedOrigins: ['https://x.example/path'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/allowedOrigins/);
  });

  it('lists the test cards; unknown routes and bad JSON are clean 4xx', async () => {
    const cards = await control('GET', '/cards');
    expect(cards.body.stripe.length).toBe(STRIPE_TEST_CARDS.length);
    expect((await control('GET', '/nope')).status).toBe(404);
    const res = await fetch(`${t.server.url}/__sim/scenarios`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(res.status).toBe(400);
  });
});

describe('cards and config', () => {
  it('every published test card passes Luhn; a changed digit does not', () => {
    for (const c of [...STRIPE_TEST_CARDS, ...NUVEI_TEST_CARDS])
      expect(luhnValid(c.number)).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('42424242')).toBe(false);
  });

  it('loads a JSON config file and names bad fields', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-'));
    const good = join(dir, 'good.json');
    await writeFile(
      good,
      JSON.stringify({
        seed: 7,
        ttl: { nuvei: { sessionTokenMs: 60000 } },
        chaos: { callbackDropRate: 0.1 },
      }),
    );
    const opts = await loadConfigFile(good);
    expect(opts.seed).toBe(7);
    expect(opts.ttl.nuvei.sessionTokenMs).toBe(60000);
    expect(opts.ttl.stripe.paymentIntentMs).toBe(86_400_000);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ chaos: { callbackDropRate: 2 }, colour: 'red' }));
    await expect(loadConfigFile(bad)).rejects.toThrow(SimConfigError);
    await expect(loadConfigFile(bad)).rejects.toThrow(/chaos\.callbackDropRate/);
    await expect(loadConfigFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
    expect(() => createProviderSim({ accounts: [] })).toThrow(/accounts/);
  });

  it('the library works in-process without a server', async () => {
    const sim = createProviderSim({ clock: { start: '2030-01-01T00:00:00Z' } });
    await sim.clock.advance(1000);
    expect(sim.clock.now().toISOString()).toBe('2030-01-01T00:00:01.000Z');
    expect(sim.accounts()[0]?.id).toBe('acct_default');
    const running = await sim.start({ port: 0 });
    const res = await fetch(`${running.url}/__sim/health`);
    expect(res.status).toBe(200);
    await sim.close();
  });
});
