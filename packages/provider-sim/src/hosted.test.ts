import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { type HostedPageMessage, hostedPageMessageSchema } from '@accrupay/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNT, type Loose, nuvei, setup, stripe } from './test-helpers.ts';

let t: Awaited<ReturnType<typeof setup>>;
beforeEach(async () => {
  t = await setup();
});
afterEach(async () => {
  await t.close();
});

const ORIGIN = 'https://shop.example';

async function newPI() {
  return (
    await stripe(t.server.url, 'POST', '/payment_intents', {
      amount: '4200',
      currency: 'usd',
      'metadata[order_id]': 'order-h',
    })
  ).body;
}

function submit(body: Record<string, unknown>) {
  return fetch(`${t.server.url}/hosted/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Loose }));
}

const cardFields = (number: string) => ({
  number,
  expMonth: '12',
  expYear: '2034',
  cvc: '123',
  name: 'Jane Smith',
});

/** Posts `number` for the session `token` as the page does (a Stripe session from ORIGIN unless told). */
const submitCard = (
  token: string,
  number: string,
  options: { provider?: string; origin?: string; scenario?: string } = {},
) => submit({ provider: 'stripe', token, origin: ORIGIN, ...options, ...cardFields(number) });

/**
 * Runs the card page's inline script against a fake window and document, with fetch going to the
 * simulator, and returns what it posts to its parent and the form's submit handler.
 */
async function drivePage(token: string, provider = 'stripe') {
  const html = await (
    await fetch(
      `${t.server.url}/hosted/card?provider=${provider}&token=${encodeURIComponent(token)}&origin=${encodeURIComponent(ORIGIN)}`,
    )
  ).text();
  const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const posted: { msg: unknown; origin: string }[] = [];
  const listeners = new Map<string, (e: unknown) => void>();
  const elements = new Map<string, Loose>();
  const sent: Loose[] = [];
  const element = (id: string) => {
    let el = elements.get(id);
    if (!el) {
      const attributes: Record<string, string> = {};
      el = {
        id,
        value: '',
        textContent: '',
        hidden: false,
        attributes,
        setAttribute: (name: string, value: string) => {
          attributes[name] = value;
        },
        focus: () => {},
        addEventListener: (event: string, fn: (e: unknown) => void) =>
          listeners.set(`${id}:${event}`, fn),
      };
      elements.set(id, el);
    }
    return el;
  };
  runInNewContext(script, {
    window: {
      parent: { postMessage: (msg: unknown, origin: string) => posted.push({ msg, origin }) },
    },
    document: { getElementById: element, activeElement: null },
    fetch: (path: string, init: RequestInit) => {
      sent.push(JSON.parse(String(init.body)));
      return fetch(`${t.server.url}/hosted/${path}`, init);
    },
  });
  const type = (id: string, value: string) => {
    element(id).value = value;
    listeners.get(`${id}:input`)?.({});
  };
  const submitForm = async (number: string, options: { expiry?: string; posts?: number } = {}) => {
    const before = posted.length;
    type('number', number);
    type('expiry', options.expiry ?? '12 / 34');
    type('cvc', '123');
    element('name').value = 'Jane Smith';
    element('scenario').value = 'none';
    listeners.get('card:submit')?.({ preventDefault: () => {} });
    // ready/submitting are posted at once; the result after the page's fetch answers.
    await expect.poll(() => posted.length).toBe(before + (options.posts ?? 2));
  };
  const click = (id: string) => listeners.get(`${id}:click`)?.({});
  return { posted, sent, submitForm, element, click, type };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Opens a Nuvei order (3.00 EUR) for `clientRequestId`, signed as a merchant's backend does. */
function openNuveiOrder(clientRequestId: string) {
  const { merchantId, merchantSiteId, secretKey } = ACCOUNT.nuvei;
  return nuvei(t.server.url, 'openOrder', {
    merchantId,
    merchantSiteId,
    clientRequestId,
    amount: '3.00',
    currency: 'EUR',
    timeStamp: '20300115120000',
    checksum: sha(
      `${merchantId}${merchantSiteId}${clientRequestId}3.00EUR20300115120000${secretKey}`,
    ),
  });
}

describe('hosted card page', () => {
  it('serves the page with frame-ancestors limited to the merchant origins and postMessage to the exact parent origin', async () => {
    const pi = await newPI();
    const res = await fetch(
      `${t.server.url}/hosted/card?provider=stripe&token=${encodeURIComponent(pi.client_secret)}&origin=${encodeURIComponent(ORIGIN)}`,
    );
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`frame-ancestors ${ORIGIN}`);
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    const html = await res.text();
    expect(html).toContain('postMessage(msg,cfg.origin)');
    expect(html).toContain(`"origin":"${ORIGIN}"`);
    expect(html).not.toMatch(/postMessage\([^)]*['"]\*['"]/);
    expect(html).toContain("type:'accrupay:result'");
    expect(html).toContain(
      '<legend>Sandbox: simulate an outcome</legend>\n<label for="scenario">Simulator scenario</label><select id="scenario" name="scenario">',
    );
    // Everything is inline: no external stylesheet, font or script.
    expect(html).not.toMatch(/<link|@import|@font-face|src=|url\(/i);
  });

  it('the page refuses a card its inline checks fail: nothing is posted or charged, and the field says why', async () => {
    const pi = await newPI();
    const page = await drivePage(pi.client_secret);
    await page.submitForm('4242 4242 4242', { posts: 0 });
    expect(page.element('number-error').textContent).toBe('Your card number is incomplete.');
    expect(page.element('number').attributes).toMatchObject({ 'aria-invalid': 'true' });
    await page.submitForm('4242424242424241', { posts: 0 });
    expect(page.element('number-error').textContent).toBe('Your card number is invalid.');
    // The simulator's clock is at January 2030: December 2029 is past by its clock.
    await page.submitForm('4242424242424242', { expiry: '12 / 29', posts: 0 });
    expect(page.element('number-error').hidden).toBe(true);
    expect(page.element('expiry-error').textContent).toBe(
      "Your card's expiration date is in the past.",
    );
    expect(page.posted.map((p) => (p.msg as Loose).type)).toEqual(['accrupay:ready']);
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(0);
    await page.submitForm('4242424242424242', { expiry: '01 / 30' });
    expect(page.posted.at(-1)?.msg).toMatchObject({ status: 'approved' });
  });

  it('the page formats the number as typed, shows the brand and sends expMonth/expYear from one MM / YY field', async () => {
    const pi = await newPI();
    const page = await drivePage(pi.client_secret);
    page.type('number', '378282246310005');
    expect(page.element('number').value).toBe('3782 822463 10005');
    expect(page.element('brand').textContent).toBe('AMEX');
    page.type('number', '42424242424242424242');
    expect(page.element('number').value).toBe('4242 4242 4242 4242 424');
    expect(page.element('brand').textContent).toBe('VISA');
    page.type('expiry', '1');
    expect(page.element('expiry').value).toBe('1');
    page.type('expiry', '12');
    expect(page.element('expiry').value).toBe('12 / ');
    await page.submitForm('5555 5555 5555 4444', { expiry: '1/2034' });
    expect(page.sent.at(-1)).toMatchObject({
      number: '5555555555554444',
      expMonth: '1',
      expYear: '2034',
      cvc: '123',
      name: 'Jane Smith',
    });
    // The page forgets the number and CVC once sent.
    expect(page.element('number').value).toBe('');
    expect(page.element('brand').hidden).toBe(true);
    expect(page.posted.at(-1)?.msg).toMatchObject({ status: 'approved' });
  });

  it('a Nuvei decline leaves the page open: another card in the same session pays it', async () => {
    const order = (await openNuveiOrder('h2')).body;
    const page = await drivePage(order.sessionToken, 'nuvei');
    await page.submitForm('4000000000000002');
    expect(page.posted.at(-1)?.msg).toMatchObject({ status: 'declined' });
    expect(page.element('notice').textContent).toBe('Your card was declined. Try another card.');
    expect(page.element('card').hidden).toBe(false);
    await page.submitForm('4761344136141390');
    expect(page.posted.at(-1)?.msg).toMatchObject({ status: 'approved' });
    expect(page.element('card').hidden).toBe(true);
  });

  it('a 3-D Secure denial on the page says so plainly', async () => {
    const pi = await newPI();
    const page = await drivePage(pi.client_secret);
    await page.submitForm('4000000000003220', { posts: 1 });
    await expect.poll(() => page.element('card').hidden).toBe(true);
    expect(page.element('challenge').hidden).toBe(false);
    page.click('deny');
    await expect.poll(() => page.posted.length).toBe(3);
    expect(page.posted.at(-1)?.msg).toMatchObject({ status: 'declined' });
    expect(page.element('notice').textContent).toBe(
      'The authentication was not completed. Try again or use another card.',
    );
  });

  it('styles the page with the theme and variables of its query, and refuses a value that is not allow-listed CSS', async () => {
    const pi = await newPI();
    const url = (extra: string) =>
      `${t.server.url}/hosted/card?provider=stripe&token=${encodeURIComponent(pi.client_secret)}&origin=${encodeURIComponent(ORIGIN)}&${extra}`;
    const styled = await fetch(
      url(`theme=night&colorPrimary=${encodeURIComponent('#ff5a5f')}&borderRadius=10px`),
    );
    expect(styled.status).toBe(200);
    const css = /<style>([^<]*)<\/style>/.exec(await styled.text())?.[1] ?? '';
    expect(css).toContain('--ap-primary:#ff5a5f');
    expect(css).toContain('--ap-bg:#30313d');
    expect(css).toContain('--ap-radius:10px');
    for (const hostile of [
      `colorPrimary=${encodeURIComponent('red;}body{display:none')}`,
      `colorText=${encodeURIComponent('</style><script>alert(1)</script>')}`,
      `fontFamily=${encodeURIComponent('x;background:url(https://evil.example/a)')}`,
      `borderRadius=${encodeURIComponent('1px;}*{color:red')}`,
      'theme=evil',
      'colorPrimary=red&colorPrimary=blue',
    ]) {
      const res = await fetch(url(hostile));
      expect(res.status, hostile).toBe(400);
      const body = await res.text();
      expect(body).toContain('appearance');
      expect(body).not.toContain('<script>alert');
    }
    const named = await (await fetch(url('colorDanger=rebeccapurple'))).text();
    expect(named).toContain('--ap-danger:rebeccapurple');
    const refused = await (await fetch(url('colorDanger=banana'))).text();
    expect(refused).toContain('appearance.variables.colorDanger must be a CSS colour');
  });

  it('every message the page script posts (ready, submitting, result) parses with the contract schema', async () => {
    const pi = await newPI();
    const page = await drivePage(pi.client_secret);
    await page.submitForm('4242424242424242');
    // A second submit on the paid session: the page reports the closed session to its parent.
    await page.submitForm('4242424242424242');
    expect(page.posted.every((p) => p.origin === ORIGIN)).toBe(true);
    const messages: HostedPageMessage[] = page.posted.map((p) =>
      hostedPageMessageSchema.parse(p.msg),
    );
    expect(messages.map((m) => m.type)).toEqual([
      'accrupay:ready',
      'accrupay:submitting',
      'accrupay:result',
      'accrupay:submitting',
      'accrupay:result',
    ]);
    expect(messages[0]).toEqual({
      type: 'accrupay:ready',
      version: 1,
      provider: 'stripe',
      session: pi.client_secret,
      state: 'open',
    });
    expect(messages[2]).toEqual({
      type: 'accrupay:result',
      version: 1,
      provider: 'stripe',
      session: pi.client_secret,
      status: 'approved',
      providerStatus: 'succeeded',
      providerRef: pi.id,
    });
    expect(messages[4]).toMatchObject({
      type: 'accrupay:result',
      status: 'error',
      providerStatus: 'session_closed',
      error: { code: 'session_closed' },
    });
  });

  it('refuses an origin the merchant has not configured, and an unknown token', async () => {
    const pi = await newPI();
    const evil = await fetch(
      `${t.server.url}/hosted/card?provider=stripe&token=${encodeURIComponent(pi.client_secret)}&origin=${encodeURIComponent('https://evil.example')}`,
    );
    expect(evil.status).toBe(403);
    expect(evil.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const unknown = await fetch(
      `${t.server.url}/hosted/card?provider=stripe&token=nope&origin=${encodeURIComponent(ORIGIN)}`,
    );
    expect(unknown.status).toBe(404);
    const posted = await submitCard(pi.client_secret, '4242424242424242', {
      origin: 'https://evil.example',
    });
    expect(posted.status).toBe(403);
  });

  it('a card posted from the page pays the PaymentIntent; the result never carries the card number', async () => {
    const pi = await newPI();
    const res = await submitCard(pi.client_secret, '4242 4242 4242 4242');
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({
      status: 'approved',
      providerStatus: 'succeeded',
      providerRef: pi.id,
    });
    expect(JSON.stringify(res.body)).not.toContain('4242424242424242');
    const again = await submitCard(pi.client_secret, '4242424242424242');
    expect(again.status).toBe(409);
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(1);
  });

  it('declines, Luhn failures and 3-D Secure with approve/deny from the page', async () => {
    const declined = await newPI();
    const d = await submitCard(declined.client_secret, '4000000000009995');
    expect(d.body.result).toMatchObject({
      status: 'declined',
      error: { code: 'insufficient_funds' },
    });
    const luhn = await submitCard(declined.client_secret, '4000000000009996');
    expect(luhn.body.result).toMatchObject({
      status: 'declined',
      error: { code: 'incorrect_number' },
    });
    const pi = await newPI();
    const challenge = await submitCard(pi.client_secret, '4000000000003220');
    expect(challenge.body.result.status).toBe('requires_action');
    const denied = await fetch(`${t.server.url}/hosted/challenge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'stripe',
        token: pi.client_secret,
        origin: ORIGIN,
        decision: 'deny',
      }),
    });
    expect(((await denied.json()) as Loose).result).toMatchObject({
      status: 'declined',
      error: { code: 'payment_intent_authentication_failure' },
    });
  });

  it('the scenario picked on the page targets only that session', async () => {
    const pi = await newPI();
    await t.sim.flush();
    t.hooks.received.length = 0;
    const res = await submitCard(pi.client_secret, '4242424242424242', { scenario: 'drop' });
    expect(res.body.result.status).toBe('approved');
    await t.sim.flush();
    expect(t.hooks.received).toHaveLength(0);
    expect(t.sim.scenarios()[0]?.target).toEqual({ token: pi.client_secret });
    const bad = await submitCard(pi.client_secret, '4242424242424242', { scenario: 'explode' });
    expect(bad.status).toBe(400);
  });

  it('works for a Nuvei session token, and refuses it once expired', async () => {
    const open = () => openNuveiOrder('h1');
    const order = (await open()).body;
    const page = await fetch(
      `${t.server.url}/hosted/card?provider=nuvei&token=${order.sessionToken}&origin=${encodeURIComponent(ORIGIN)}`,
    );
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('3.00 EUR');
    const paid = await submitCard(order.sessionToken, '4761344136141390', { provider: 'nuvei' });
    expect(paid.body.result).toMatchObject({ status: 'approved', providerStatus: 'APPROVED' });
    const late = (await open()).body;
    await t.sim.clock.advance(20 * 60_000);
    const expired = await submitCard(late.sessionToken, '4761344136141390', { provider: 'nuvei' });
    expect(expired.status).toBe(409);
    expect(expired.body.error.code).toBe('session_expired');
  });

  it('bad input on the page endpoints is a 400 naming the field', async () => {
    const res = await submit({
      provider: 'stripe',
      token: 'x',
      origin: ORIGIN,
      number: 'abcd',
      expMonth: '1',
      expYear: '2030',
      cvc: '1',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^number/);
  });
});
