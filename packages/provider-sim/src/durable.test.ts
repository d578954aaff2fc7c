import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimOptions } from './config.ts';
import { createProviderSim, type ProviderSim, type RunningSim } from './sim.ts';
import { SimStoreError } from './store.ts';
import {
  ACCOUNT,
  type Loose,
  nuvei,
  nuveiOpenOrder,
  nuveiPay,
  START,
  startReceiver,
  stripe,
  testOptions,
} from './test-helpers.ts';

const ORIGIN = 'https://shop.example';
let dir: string;
let file: string;
let hooks: Awaited<ReturnType<typeof startReceiver>>;
const open: { sim: ProviderSim; server: RunningSim }[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'provider-sim-'));
  file = join(dir, 'sim.db');
  hooks = await startReceiver();
});
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.server.close();
    await o.sim.close();
  }
  await hooks.close();
  rmSync(dir, { recursive: true, force: true });
});

function options(extra: SimOptions = {}): SimOptions {
  return testOptions(hooks.url, { db: file, ...extra });
}

async function startSim(extra: SimOptions = {}) {
  const sim = createProviderSim(options(extra));
  const server = await sim.start({ port: 0 });
  const entry = { sim, server };
  open.push(entry);
  return {
    sim,
    url: server.url,
    /** Closes the server and the database, as a clean shutdown does. */
    async stop() {
      open.splice(open.indexOf(entry), 1);
      await server.close();
      await sim.close();
    },
  };
}

async function mintMany(url: string, n: number): Promise<string[]> {
  const refs: string[] = [];
  for (let i = 0; i < n; i++) {
    const pi = (
      await stripe(url, 'POST', '/payment_intents', {
        amount: '500',
        currency: 'usd',
        confirm: 'true',
        payment_method: 'pm_card_visa',
      })
    ).body;
    refs.push(pi.id, pi.client_secret, pi.payment_method, pi.latest_charge);
    const order = (await nuveiOpenOrder(url)).body;
    const paid = (await nuveiPay(url, order.sessionToken, '4761344136141390')).body;
    refs.push(order.orderId, order.sessionToken, paid.transactionId, paid.authCode);
  }
  return refs;
}

describe('a file-backed simulator', () => {
  it('restarted on the same file: sessions stay payable, the card page answers, ledger and deliveries survive, new ids are new', async () => {
    const a = await startSim();
    const pi = (
      await stripe(a.url, 'POST', '/payment_intents', {
        amount: '4200',
        currency: 'usd',
        'metadata[order_id]': 'order-before',
      })
    ).body as Loose;
    const order = (await nuveiOpenOrder(a.url, { clientUniqueId: 'nuvei-before' })).body as Loose;
    const idem = await stripe(
      a.url,
      'POST',
      '/customers',
      { email: 'a@example.com' },
      ACCOUNT.stripe.secretKey,
      { 'idempotency-key': 'cus-key-1' },
    );
    const scenario = a.sim.addScenario({ kind: 'drop_callback', target: { merchantRef: 'x-1' } });
    const before = await mintMany(a.url, 20);
    await a.sim.flush();
    await a.sim.clock.advance(5 * 60_000);
    const ledgerBefore = a.sim.ledger();
    const deliveriesBefore = a.sim.deliveries();
    expect(ledgerBefore.length).toBeGreaterThanOrEqual(40);
    await a.stop();

    const b = await startSim();
    expect(b.sim.clock.now().toISOString()).toBe(new Date(+START + 5 * 60_000).toISOString());
    expect(b.sim.ledger()).toEqual(ledgerBefore);
    expect(b.sim.deliveries()).toEqual(deliveriesBefore);
    expect(b.sim.scenarios()).toEqual([scenario]);

    const page = await fetch(
      `${b.url}/hosted/card?provider=stripe&token=${encodeURIComponent(pi.client_secret)}&origin=${encodeURIComponent(ORIGIN)}`,
    );
    expect(page.status).toBe(200);
    const nuveiPage = await fetch(
      `${b.url}/hosted/card?provider=nuvei&token=${encodeURIComponent(order.sessionToken)}&origin=${encodeURIComponent(ORIGIN)}`,
    );
    expect(nuveiPage.status).toBe(200);

    const confirmed = await stripe(
      b.url,
      'POST',
      `/payment_intents/${pi.id}/confirm`,
      { payment_method: 'pm_card_visa', client_secret: pi.client_secret },
      ACCOUNT.stripe.publishableKey,
    );
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('succeeded');
    const paid = await nuveiPay(b.url, order.sessionToken, '4761344136141390');
    expect(paid.body).toMatchObject({ status: 'SUCCESS', transactionStatus: 'APPROVED' });
    const status = await nuvei(b.url, 'getPaymentStatus', { sessionToken: order.sessionToken });
    expect(status.body).toMatchObject({
      transactionStatus: 'APPROVED',
      clientUniqueId: 'nuvei-before',
    });

    const replay = await stripe(
      b.url,
      'POST',
      '/customers',
      { email: 'a@example.com' },
      ACCOUNT.stripe.secretKey,
      { 'idempotency-key': 'cus-key-1' },
    );
    expect(replay.body.id).toBe(idem.body.id);

    const after = await mintMany(b.url, 20);
    expect(new Set(after).size).toBe(after.length);
    expect(after.filter((ref) => before.includes(ref))).toEqual([]);
    expect(
      b.sim.ledger({ merchantRef: 'order-before' }).map((e) => [e.kind, e.amount, e.providerRef]),
    ).toEqual([['charge', 4200, pi.id]]);
  });

  it('a webhook scheduled before the restart is delivered after it, when the clock gets there', async () => {
    const a = await startSim();
    a.sim.addScenario({ kind: 'delay_callback', delayMs: 60_000 });
    const pi = (await stripe(a.url, 'POST', '/payment_intents', { amount: '900', currency: 'usd' }))
      .body as Loose;
    await a.sim.flush();
    expect(hooks.received).toHaveLength(0);
    await a.stop();

    const b = await startSim();
    expect(b.sim.deliveries().map((d) => d.state)).toEqual(['scheduled']);
    await b.sim.clock.advance(59_000);
    expect(hooks.received).toHaveLength(0);
    await b.sim.clock.advance(1_000);
    expect(hooks.received).toHaveLength(1);
    const event = JSON.parse(hooks.received[0]?.body ?? '{}') as Loose;
    expect(event).toMatchObject({
      type: 'payment_intent.created',
      data: { object: { id: pi.id } },
    });
    expect(hooks.received[0]?.headers['stripe-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(b.sim.deliveries()[0]?.state).toBe('delivered');
  });

  it('a retrying DMN and a PaymentIntent TTL are re-armed after the restart', async () => {
    const a = await startSim();
    hooks.replies.push(500);
    const order = (await nuveiOpenOrder(a.url)).body as Loose;
    await nuveiPay(a.url, order.sessionToken, '4761344136141390');
    const pi = (await stripe(a.url, 'POST', '/payment_intents', { amount: '700', currency: 'usd' }))
      .body as Loose;
    await a.sim.flush();
    expect(hooks.received).toHaveLength(2);
    expect(a.sim.deliveries().map((d) => d.state)).toEqual(['retrying', 'delivered']);
    await a.stop();

    const b = await startSim();
    await b.sim.clock.advance(10_000);
    expect(b.sim.deliveries()[0]?.state).toBe('delivered');
    expect(b.sim.deliveries()[0]?.attempts).toHaveLength(2);
    await b.sim.clock.advance(24 * 3_600_000);
    const canceled = b.sim.deliveries().find((d) => d.eventType === 'payment_intent.canceled');
    expect(canceled?.state).toBe('delivered');
    expect(JSON.parse(canceled?.body ?? '{}').data.object).toMatchObject({
      id: pi.id,
      cancellation_reason: 'abandoned',
    });
  });

  it('expiries (PaymentIntent TTL, Nuvei session token) are saved and stay after a restart', async () => {
    const a = await startSim({ ttl: { nuvei: { sessionTokenMs: 60_000 } } });
    const pi = (await stripe(a.url, 'POST', '/payment_intents', { amount: '700', currency: 'usd' }))
      .body as Loose;
    const order = (await nuveiOpenOrder(a.url)).body as Loose;
    await a.sim.clock.set(new Date(+START + 25 * 3_600_000));
    expect((await stripe(a.url, 'GET', `/payment_intents/${pi.id}`)).body.status).toBe('canceled');
    await a.stop();
    const b = await startSim({ ttl: { nuvei: { sessionTokenMs: 60_000 } } });
    expect((await stripe(b.url, 'GET', `/payment_intents/${pi.id}`)).body).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'abandoned',
    });
    expect(
      (await nuvei(b.url, 'getPaymentStatus', { sessionToken: order.sessionToken })).body,
    ).toMatchObject({ status: 'ERROR', errCode: 1069 });
    expect(
      b.sim.deliveries().filter((d) => d.eventType === 'payment_intent.canceled'),
    ).toHaveLength(1);
  });

  it('reset empties the file too; the clock keeps its time', async () => {
    const a = await startSim();
    const pi = (await stripe(a.url, 'POST', '/payment_intents', { amount: '700', currency: 'usd' }))
      .body as Loose;
    await a.sim.clock.advance(1_000);
    a.sim.reset();
    await a.stop();
    const b = await startSim();
    expect(b.sim.ledger()).toEqual([]);
    expect(b.sim.deliveries()).toEqual([]);
    expect((await stripe(b.url, 'GET', `/payment_intents/${pi.id}`)).status).toBe(404);
    expect(+b.sim.clock.now()).toBe(+START + 1_000);
  });

  it('a system clock keeps its advance across a restart', async () => {
    const a = createProviderSim({ db: file, clock: { mode: 'system' } });
    await a.clock.advance(3_600_000);
    await a.close();
    const b = createProviderSim({ db: file, clock: { mode: 'system' } });
    const drift = +b.clock.now() - (Date.now() + 3_600_000);
    await b.close();
    expect(Math.abs(drift)).toBeLessThan(5_000);
  });

  it('a second simulator on the same file is refused with a message naming the file', async () => {
    await startSim();
    let error: unknown;
    try {
      createProviderSim(options());
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SimStoreError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/locked/);
  });

  it('refuses a file that is not a simulator database, naming it', () => {
    const bad = join(dir, 'not-a-db.txt');
    writeFileSync(bad, 'hello, this is not SQLite'.repeat(100));
    expect(() => createProviderSim({ db: bad })).toThrow(bad);
  });
});
