import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProviderSim, type ProviderSim, type RunningSim } from '../sim.ts';
import { START, startReceiver, stripe } from '../test-helpers.ts';
import {
  accrue,
  accrueOptions,
  authorize,
  captureBody,
  DAY,
  getPayment,
  newIntent,
} from './test-support.ts';

let dir: string;
let hooks: Awaited<ReturnType<typeof startReceiver>>;
const open: { sim: ProviderSim; server: RunningSim }[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'provider-sim-accrue-'));
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

async function startSim() {
  const sim = createProviderSim({
    ...accrueOptions(hooks.url),
    clock: { start: START.toISOString() },
    db: join(dir, 'sim.db'),
  });
  const server = await sim.start({ port: 0 });
  const entry = { sim, server };
  open.push(entry);
  return {
    sim,
    url: server.url,
    async stop() {
      open.splice(open.indexOf(entry), 1);
      await server.close();
      await sim.close();
    },
  };
}

describe('Accrue Pay across a restart', () => {
  it('intents, payments, cards, idempotency, ledger and the lifecycle clock survive', async () => {
    const a = await startSim();
    const processing = await authorize(a.url, await newIntent(a.url, { method: 'bank' }));
    await accrue(a.url, 'POST', `/payments/${processing.id}/capture`, captureBody(), {
      idem: 'cap-d',
    });
    const held = await authorize(a.url, await newIntent(a.url, { method: 'bank' }));
    const card = (await accrue(a.url, 'GET', `/payments/${held.id}/card`)).body.data;
    const idle = await newIntent(a.url);
    await a.sim.flush();
    const ledger = a.sim.ledger();
    await a.stop();

    const b = await startSim();
    expect(b.sim.ledger()).toEqual(ledger);
    expect((await getPayment(b.url, processing.id)).attributes.status).toBe('processing');
    const replay = await accrue(
      b.url,
      'POST',
      `/payments/${processing.id}/capture`,
      captureBody(),
      { idem: 'cap-d' },
    );
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await accrue(b.url, 'GET', `/payments/${held.id}/card`)).body.data).toEqual(card);

    const charged = await stripe(b.url, 'POST', '/payment_intents', {
      amount: '10000',
      currency: 'usd',
      confirm: 'true',
      'payment_method_data[type]': 'card',
      'payment_method_data[card][number]': card.attributes.number,
      'payment_method_data[card][exp_month]': card.attributes.expirationMonth,
      'payment_method_data[card][exp_year]': card.attributes.expirationYear,
      'payment_method_data[card][cvc]': card.attributes.cvc,
    });
    expect(charged.body.status).toBe('succeeded');
    expect((await getPayment(b.url, held.id)).attributes.status).toBe('succeeded');

    // Timers re-armed from the stored state: the idle intent expires, the transfer succeeds and settles.
    await b.sim.clock.advance(4 * DAY);
    expect(
      (await accrue(b.url, 'GET', `/payment_intents/${idle}`)).body.data.attributes.status,
    ).toBe('canceled');
    expect((await getPayment(b.url, processing.id)).attributes.status).toBe('settled');
    expect(
      b.sim.ledger({ provider: 'accrue', providerRef: processing.id }).map((e) => e.kind),
    ).toEqual(['authorization', 'capture', 'settlement']);
  });
});
