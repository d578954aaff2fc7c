import { afterEach, describe, expect, it } from 'vitest';
import { freshId, randomAlphanumeric, randomNumeric } from './ids.ts';
import { nuveiOpenOrder, nuveiPay, setup, stripe } from './test-helpers.ts';

const envs: Awaited<ReturnType<typeof setup>>[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((e) => e.close()));
});

/** Every provider reference one round of calls mints: Stripe ids and secrets, Nuvei ids and tokens. */
async function mint(base: string, n: number): Promise<string[]> {
  const refs: string[] = [];
  for (let i = 0; i < n; i++) {
    const pi = await stripe(base, 'POST', '/payment_intents', {
      amount: '1000',
      currency: 'usd',
      confirm: 'true',
      payment_method: 'pm_card_visa',
    });
    expect(pi.status).toBe(200);
    refs.push(pi.body.id, pi.body.client_secret, pi.body.payment_method, pi.body.latest_charge);
    const cus = await stripe(base, 'POST', '/customers', {});
    refs.push(cus.body.id);
    const order = await nuveiOpenOrder(base);
    expect(order.body.status).toBe('SUCCESS');
    refs.push(order.body.orderId, order.body.sessionToken);
    const paid = await nuveiPay(base, order.body.sessionToken, '4761344136141390');
    expect(paid.body.transactionStatus).toBe('APPROVED');
    refs.push(paid.body.transactionId);
  }
  return refs;
}

describe('provider references', () => {
  it('two simulators with the same seed never hand out the same id or token', async () => {
    const a = await setup({ seed: 5 });
    const b = await setup({ seed: 5 });
    envs.push(a, b);
    const fromA = await mint(a.server.url, 15);
    const fromB = await mint(b.server.url, 15);
    expect(new Set(fromA).size).toBe(fromA.length);
    expect(fromB.filter((r) => fromA.includes(r))).toEqual([]);
  });

  it('a reset never makes the simulator repeat an id it handed out before', async () => {
    const t = await setup();
    envs.push(t);
    const before = await mint(t.server.url, 10);
    const ledgerIds = t.sim.ledger().map((e) => e.id);
    t.sim.reset();
    const after = await mint(t.server.url, 10);
    expect(after.filter((r) => before.includes(r))).toEqual([]);
    expect(t.sim.ledger().filter((e) => ledgerIds.includes(e.id))).toEqual([]);
  });

  it('keeps the shapes the adapters expect', async () => {
    const t = await setup();
    envs.push(t);
    const [pi, secret, pm, ch, cus, orderId, token, txnId] = await mint(t.server.url, 1);
    expect(pi).toMatch(/^pi_[A-Za-z0-9]{24}$/);
    expect(secret).toMatch(new RegExp(`^${pi}_secret_[A-Za-z0-9]{25}$`));
    expect(pm).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    expect(ch).toMatch(/^ch_[A-Za-z0-9]{24}$/);
    expect(cus).toMatch(/^cus_[A-Za-z0-9]{24}$/);
    expect(orderId).toMatch(/^[1-9]\d{8}$/);
    expect(token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(txnId).toMatch(/^[1-9]\d{18}$/);
  });

  it('random helpers: exact lengths, alphabets, and a redraw when an id is taken', () => {
    expect(randomNumeric(9)).toMatch(/^[1-9]\d{8}$/);
    expect(randomAlphanumeric(40)).toMatch(/^[A-Za-z0-9]{40}$/);
    const seen = new Set(Array.from({ length: 2000 }, () => randomAlphanumeric(24)));
    expect(seen.size).toBe(2000);
    let calls = 0;
    const id = freshId(
      () => (++calls < 3 ? 'dup' : 'new'),
      (x) => x === 'dup',
    );
    expect(id).toBe('new');
    expect(calls).toBe(3);
  });
});
