import { describe, expect, it } from 'vitest';
import type { Loose } from '../test-helpers.ts';
import { ACCRUE_TEST_CUSTOMERS } from './customers.ts';
import { ACCRUE, accrue, accruePerTest, ORIGIN } from './test-support.ts';

const t = accruePerTest();

const pageUrl = (q: Record<string, string>) =>
  `${t.url}/accrue/pay?${new URLSearchParams({
    merchantPublicId: ACCRUE.publishableKey,
    amount: '10000',
    currency: 'USD',
    origin: ORIGIN,
    ...q,
  })}`;

const post = (path: string, body: Record<string, unknown>) =>
  fetch(`${t.url}/accrue/pay/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ merchantPublicId: ACCRUE.publishableKey, origin: ORIGIN, ...body }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Loose }));

describe('the hosted Accrue Pay page', () => {
  it('serves the page with its labels, the amount, a nonce script and frame-ancestors of the allowed origins', async () => {
    const res = await fetch(pageUrl({}));
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`frame-ancestors ${ORIGIN}`);
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    const html = await res.text();
    for (const label of [
      '<label for="phone">Phone number</label>',
      '<label for="code">Code</label>',
      '>Sign in</button>',
      '>Accrue wallet</button>',
      '>Bank account</button>',
      '>Pay</button>',
      '>Cancel</button>',
    ]) {
      expect(html).toContain(label);
    }
    expect(html).toContain('$100.00');
    expect(html).toContain("source:'accrue-pay',type:'payment_intent.created'");
    expect(html).toContain('window.opener||window.parent');
    expect(html).toContain(JSON.stringify(ORIGIN));
  });

  it('refuses an origin the account does not allow, an unknown merchant and a bad amount with a clear page', async () => {
    const evil = await fetch(pageUrl({ origin: 'https://evil.example' }));
    expect(evil.status).toBe(403);
    expect(evil.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await evil.text()).toContain('https://evil.example is not an allowed origin');
    const unknown = await fetch(pageUrl({ merchantPublicId: 'pk_test_nobody' }));
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('pk_test_nobody');
    const bad = await fetch(pageUrl({ amount: '12.50' }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('amount');
  });

  it('sign in with a test number and code 000000, then pay: a payment intent of the customer', async () => {
    const wrong = await post('sign-in', { phone: '+1 555 010 0000', code: '123456' });
    expect(wrong.status).toBe(401);
    const notTest = await post('sign-in', { phone: '+1 212 555 1234', code: '000000' });
    expect(notTest.status).toBe(422);
    const ok = await post('sign-in', { phone: '(555) 010-4242', code: '000000' });
    expect(ok.status).toBe(200);
    expect(ok.body.wallet).toEqual({ balance: 100_000_000, display: '$1,000,000.00' });
    expect(ok.body.bank.masked).toMatch(/^•••• \d{4}$/);
    const poor = await post('sign-in', {
      phone: ACCRUE_TEST_CUSTOMERS.insufficient_funds.phone,
      code: '000000',
    });
    expect(poor.body.wallet.display).toBe('$5.00');

    const paid = await post('confirm', {
      phone: '(555) 010-4242',
      code: '000000',
      amount: 10_000,
      currency: 'USD',
      method: 'bank',
    });
    expect(paid.status).toBe(201);
    const intent = (await accrue(t.url, 'GET', `/payment_intents/${paid.body.paymentIntentId}`))
      .body.data;
    expect(intent.attributes).toMatchObject({
      status: 'created',
      amount: 10_000,
      payment_method: 'bank',
      customer: ok.body.customer,
    });
  });

  it('the abandons customer: canceled, no intent; another origin is refused', async () => {
    const gone = await post('confirm', {
      phone: ACCRUE_TEST_CUSTOMERS.abandons.phone,
      code: '000000',
      amount: 10_000,
      currency: 'USD',
      method: 'wallet',
    });
    expect(gone.body).toEqual({ canceled: true });
    const evil = await post('confirm', {
      origin: 'https://evil.example',
      phone: '+15550100000',
      code: '000000',
      amount: 10_000,
      currency: 'USD',
      method: 'wallet',
    });
    expect(evil.status).toBe(403);
    expect(t.sim.deliveries()).toEqual([]);
  });
});
