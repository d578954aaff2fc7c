// End-to-end: the demo shop in headless Chromium against the sandbox and its simulator.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProviderSim } from '@accrupay/provider-sim';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createLogger, type RunningSandbox } from '../sandbox.ts';
import { browserTestsRun, launchChromium, requireChromium } from '../test-browser.ts';
import { GOOD_CARDS, testCard } from '../test-cards.ts';
import { startDemoSandbox } from './demo-sandbox.ts';

const HOUR = 3_600_000;
const CARDS = {
  stripe: GOOD_CARDS.STRIPE,
  nuvei: GOOD_CARDS.NUVEI,
  decline: testCard('STRIPE', 'generic_decline'),
  stripe3ds: testCard('STRIPE', 'challenge_3ds'),
} as const;
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

const runsHere = browserTestsRun('the demo shop browser tests');

describe.skipIf(!runsHere)('the demo shop in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser;
  let sandbox: RunningSandbox;
  let sim: ProviderSim;
  let dir: string;
  const logs: string[] = [];
  const sandboxRequests: string[] = [];
  const typedCards = new Set<string>();
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    dir = join(tmpdir(), `accrupay-demo-${process.pid}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    mkdirSync(RESULTS, { recursive: true });
    ({ sandbox, sim } = await startDemoSandbox({
      db: join(dir, 'sandbox.db'),
      logger: createLogger('trace', { write: (line: string) => logs.push(line) }),
    }));
    browser = await launchChromium();
    // Launching Chromium and bundling the page take seconds on a loaded two-core machine.
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    context.on('request', (request) => {
      if (request.url().startsWith(sandbox.url)) {
        sandboxRequests.push(`${request.method()} ${request.url()} ${request.postData() ?? ''}`);
      }
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
  });

  afterEach(async () => {
    await context.close();
  });

  async function checkout(options: { item?: string; provider?: 'STRIPE' | 'NUVEI' } = {}) {
    await page.goto(`${sandbox.url}/demo`);
    await page.getByLabel(options.item ?? 'T-shirt').check();
    await page.getByLabel(options.provider ?? 'STRIPE').check();
    await page.getByRole('button', { name: 'Checkout' }).click();
    return cardFields();
  }

  async function cardFields(): Promise<FrameLocator> {
    await page.locator('[data-form-status="ready"]').waitFor();
    return page.frameLocator('iframe[title="Secure card fields"]');
  }

  async function typeCard(fields: FrameLocator, number: string, scenario?: string) {
    typedCards.add(number);
    await fields.getByLabel('Card number').fill(number);
    await fields.getByLabel('Expiry').fill('12 / 34');
    await fields.getByLabel('CVC').fill('123');
    if (scenario) await fields.getByLabel('Simulator scenario').selectOption(scenario);
    await fields.getByRole('button', { name: 'Pay' }).click();
  }

  const orderStatus = (status: string) => page.locator(`[data-order-status="${status}"]`).waitFor();
  const orderId = async () => new URL(page.url()).searchParams.get('order') ?? '';

  test('a good Stripe card: the order is confirmed by the backend verify, and the page never sees the card', async () => {
    const fields = await checkout();
    await page.screenshot({ path: join(RESULTS, 'demo-checkout-form.png'), fullPage: true });
    await fields.getByLabel('Card number').fill(CARDS.stripe);
    // The merchant page's JavaScript cannot reach into the provider's frame or find the card.
    const seen = await page.evaluate(`(() => {
      const frame = document.querySelector('iframe');
      let readable;
      try {
        readable = frame.contentDocument !== null;
      } catch {
        readable = false;
      }
      return { readable, inDom: document.documentElement.outerHTML.includes('${CARDS.stripe}') };
    })()`);
    expect(seen).toEqual({ readable: false, inDom: false });

    await typeCard(fields, CARDS.stripe);
    await orderStatus('CONFIRMED');
    await expect(page.locator('.order').textContent()).resolves.toContain(
      'verify() said: SUCCEEDED',
    );
    const id = await orderId();
    expect(sim.ledger({ merchantRef: id }).map((entry) => entry.kind)).toEqual(['charge']);
    // AccruPay's webhooks reach the backend and appear on the order page as they arrive; each
    // success was answered with verify(), by the webhook or before it by the page.
    const webhooks = page.getByRole('region', { name: 'Webhooks received' });
    // Each row appears as soon as it arrives, 'VERIFYING' until the shop's verify() answers.
    for (const type of ['transaction.succeeded', 'client_session.completed']) {
      await webhooks
        .locator(`[data-webhook-type="${type}"]:not([data-webhook-check="VERIFYING"])`)
        .waitFor();
    }
    const checks = await webhooks
      .locator(
        '[data-webhook-type="transaction.succeeded"], [data-webhook-type="client_session.completed"]',
      )
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-webhook-check')));
    expect(checks.filter((check) => check === 'PAID').length).toBeLessThanOrEqual(1);
    expect(checks.every((check) => check === 'PAID' || check === 'ALREADY_PAID')).toBe(true);
    await expect(webhooks.textContent()).resolves.toContain(`${sandbox.url}/demo/api/webhooks`);
    await page.locator('[data-fulfilled-via]').waitFor();
    await page.screenshot({ path: join(RESULTS, 'demo-checkout-paid.png'), fullPage: true });
  });

  test('a good Nuvei card: the order is confirmed', async () => {
    const fields = await checkout({ item: 'Hoodie', provider: 'NUVEI' });
    await typeCard(fields, CARDS.nuvei);
    await orderStatus('CONFIRMED');
    expect(sim.ledger({ merchantRef: await orderId() }).map((entry) => entry.kind)).toEqual([
      'charge',
    ]);
  });

  test('the merchant view refunds part, then the rest; a third refund is refused with the SDK message', async () => {
    const fields = await checkout();
    await typeCard(fields, CARDS.stripe);
    await orderStatus('CONFIRMED');
    const merchantView = page.getByRole('region', { name: 'Merchant view' });
    await merchantView.locator('[data-refunded-amount="0"]').waitFor();

    await merchantView.getByLabel('Partial refund (USD)').fill('10');
    await merchantView.getByRole('button', { name: 'Refund amount' }).click();
    await orderStatus('PARTIALLY_REFUNDED');
    await expect(merchantView.getByRole('status').textContent()).resolves.toBe('Refunded $10.00.');
    await merchantView.locator('[data-refunded-amount="1000"]').waitFor();
    await expect(page.locator('.order').textContent()).resolves.toContain(
      'Refunded: $10.00 of $25.00',
    );

    // More than remains: the SDK's AMOUNT_EXCEEDS_REFUNDABLE message, and nothing moves.
    await merchantView.getByLabel('Partial refund (USD)').fill('20');
    await merchantView.getByRole('button', { name: 'Refund amount' }).click();
    await expect(merchantView.getByRole('alert').textContent()).resolves.toMatch(
      /^Cannot refund 2000: transaction txn_\w+ captured 2500 USD and 1500 remains to refund\.$/,
    );
    await merchantView.locator('[data-refunded-amount="1000"]').waitFor();

    await merchantView.getByRole('button', { name: 'Refund in full ($15.00)' }).click();
    await orderStatus('REFUNDED');
    await expect(merchantView.getByRole('status').textContent()).resolves.toBe('Refunded $15.00.');
    await merchantView.locator('[data-refunded-amount="2500"]').waitFor();
    await merchantView.locator('[data-refund-controls="none"]').waitFor();
    await page.screenshot({ path: join(RESULTS, 'demo-checkout-refunded.png'), fullPage: true });

    // The page offers no third refund; asked directly, the backend answers the SDK's refusal.
    const id = await orderId();
    const third = (await page.evaluate(
      `fetch('/demo/api/orders/${id}/refund', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(async (r) => ({ status: r.status, body: await r.json() }))`,
    )) as { status: number; body: { error: string; order: { status: string } } };
    expect(third.status).toBe(409);
    expect(third.body.error).toMatch(
      /^Transaction txn_\w+ is already fully refunded \(2500 USD\)\.$/,
    );
    expect(third.body.order.status).toBe('REFUNDED');

    // Reloaded, the order is refunded: no payment form, nothing to ship, no refund to press.
    await page.goto(`${sandbox.url}/demo?order=${id}`);
    await orderStatus('REFUNDED');
    await expect(page.locator('[data-order-status]').textContent()).resolves.toBe(
      'Refunded in full: nothing to ship',
    );
    await expect(page.locator('iframe').count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: /^Refund/ }).count()).resolves.toBe(0);
    await expect(
      page
        .locator('[data-refund-status]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-refund-status'))),
    ).resolves.toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(sim.ledger({ merchantRef: id, kind: 'refund' }).map((entry) => entry.amount)).toEqual([
      1000, 1500,
    ]);
  });

  test('a declined card: the form shows the decline and the order is not confirmed', async () => {
    const fields = await checkout();
    await typeCard(fields, CARDS.decline);
    await orderStatus('PAYMENT_FAILED');
    await expect(page.getByRole('alert').first().textContent()).resolves.toMatch(/declined/i);
    await expect(page.locator('.order').textContent()).resolves.toContain(
      'verify() said: DECLINED',
    );
    // The decline's webhook is shown, and is not a reason to fulfil anything.
    await page
      .locator('[data-webhook-type="transaction.declined"][data-webhook-check="NOT_CHECKED"]')
      .waitFor();
    await expect(page.locator('[data-fulfilled-via]').count()).resolves.toBe(0);
  });

  for (const [decision, expected, transaction] of [
    ['Approve', 'CONFIRMED', 'SUCCEEDED'],
    ['Deny', 'PAYMENT_FAILED', 'FAILED'],
  ] as const) {
    test(`3-D Secure ${decision.toLowerCase()}: the order is ${expected}`, async () => {
      const fields = await checkout();
      await typeCard(fields, CARDS.stripe3ds);
      await fields.getByText('3-D Secure challenge').waitFor();
      await expect(
        page.locator('[data-order-status]').getAttribute('data-order-status'),
      ).resolves.toBe('AWAITING_PAYMENT');
      await fields.getByRole('button', { name: decision }).click();
      await orderStatus(expected);
      await expect(page.locator('.order').textContent()).resolves.toContain(
        `verify() said: ${transaction}`,
      );
    });
  }

  test('an expired session (by the simulator clock) is shown as expired, and so is the order', async () => {
    const created = await fetch(`${sandbox.url}/demo/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '999', provider: 'STRIPE' }),
    }).then((response) => response.json() as Promise<{ id: string }>);
    await sim.clock.advance(24 * HOUR + 1_000);
    await page.goto(`${sandbox.url}/demo?order=${created.id}`);
    await orderStatus('EXPIRED');
    await page.locator('[data-form-status="expired"]').waitFor();
    await expect(page.locator('[data-accrupay-status]').textContent()).resolves.toContain(
      'This payment session has expired',
    );
    await expect(page.locator('iframe').count()).resolves.toBe(0);
  });

  test('a session that expires while the form is open is shown as expired when the card is submitted', async () => {
    const fields = await checkout({ item: 'Hoodie' });
    await sim.clock.advance(24 * HOUR + 1_000);
    const charges = sim.ledger({ kind: 'charge' }).length;
    await typeCard(fields, CARDS.stripe);
    await page.locator('[data-form-status="expired"]').waitFor();
    await orderStatus('EXPIRED');
    expect(sim.ledger({ kind: 'charge' })).toHaveLength(charges);
  });

  test('a dropped provider callback: the order is still confirmed, by verify', async () => {
    const fields = await checkout({ item: 'Sticker pack' });
    await typeCard(fields, CARDS.stripe, 'drop');
    await orderStatus('CONFIRMED');
    await sim.flush();
    const id = await orderId();
    const deliveries = sim.deliveries().filter((delivery) => JSON.stringify(delivery).includes(id));
    const succeeded = deliveries.filter((d) => d.eventType === 'payment_intent.succeeded');
    expect(succeeded.map((delivery) => delivery.state)).toEqual(['dropped']);
    expect(
      deliveries.filter((delivery) => delivery.state === 'delivered').map((d) => d.eventType),
    ).not.toContain('payment_intent.succeeded');
  });

  test('a forged success message posted into the page confirms nothing', async () => {
    await checkout();
    const token = new URL(
      (await page.locator('iframe').getAttribute('src')) ?? '',
    ).searchParams.get('token');
    expect(token).toBeTruthy();
    // A forger who knows the session token posts the card page's success message into the page,
    // then waits for a probe posted after it: messages arrive in order, so the forged one was handled.
    await page.evaluate(`(async () => {
      window.postMessage({
        type: 'accrupay:result',
        version: 1,
        provider: 'stripe',
        session: ${JSON.stringify(token)},
        status: 'approved',
        providerStatus: 'succeeded',
        providerRef: 'pi_forged',
      }, '*');
      await new Promise((resolve) => {
        window.addEventListener('message', (event) => event.data === 'probe' && resolve());
        window.postMessage('probe', '*');
      });
    })()`);
    await expect(page.locator('[data-form-status]').getAttribute('data-form-status')).resolves.toBe(
      'ready',
    );
    // Even the forger's direct call to the shop's confirm endpoint is answered by verify().
    const answer = (await page.evaluate(
      `fetch('/demo/api/orders/${await orderId()}/confirm', { method: 'POST' }).then((r) => r.json())`,
    )) as { status: string; transactionStatus: string | null };
    expect(answer).toMatchObject({ status: 'AWAITING_PAYMENT' });
    expect(answer.transactionStatus).not.toBe('SUCCEEDED');
    await page.getByRole('button', { name: 'Check payment status' }).click();
    await page.getByText('verify() said:').waitFor();
    await expect(
      page.locator('[data-order-status]').getAttribute('data-order-status'),
    ).resolves.toBe('AWAITING_PAYMENT');
    expect(sim.ledger({ merchantRef: await orderId() })).toEqual([]);
  });

  test('no card number reached the sandbox: not its requests, database or logs', async () => {
    expect(typedCards.size).toBeGreaterThanOrEqual(3);
    // The scan looks at the right things: the orders are in the requests, the database and the logs.
    expect(sandboxRequests.some((line) => line.includes('/demo/api/orders'))).toBe(true);
    const database = readdirSync(dir)
      .map((file) => readFileSync(join(dir, file)).toString('latin1'))
      .join('\n');
    expect(database).toContain('demo-');
    expect(logs.join('\n')).toContain('/v1/client-sessions/payments/verify');
    for (const card of typedCards) {
      const spaced = card.replace(/(\d{4})(?=\d)/g, '$1 ');
      for (const form of [card, spaced]) {
        expect(sandboxRequests.filter((line) => line.includes(form))).toEqual([]);
        expect(database.includes(form), `card ${form} in the database`).toBe(false);
        expect(logs.filter((line) => line.includes(form))).toEqual([]);
      }
    }
  });
});
