// End-to-end: the demo shop's "Pay with Accrue Pay" in headless Chromium, against the sandbox and
// its simulator's hosted Accrue Pay page: the customer signs in inside the frame and pays from the
// wallet; the backend authorizes the intent and the order is paid once payments.get() says so.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProviderSim } from '@accrupay/provider-sim';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { RunningSandbox } from '../sandbox.ts';
import { browserTestsRun, launchChromium, requireChromium } from '../test-browser.ts';
import { startDemoSandbox } from './demo-sandbox.ts';

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
/** The simulator's Accrue Pay test customers (packages/provider-sim/README.md) and their code. */
const CUSTOMER = { default: '+1 555 010 0000', insufficientFunds: '+1 555 010 0001' };
const SIGN_IN_CODE = '000000';

const runsHere = browserTestsRun('the demo shop Accrue Pay browser tests');

describe.skipIf(!runsHere)(
  'the demo shop pays with Accrue Pay in Chromium',
  { timeout: 60_000 },
  () => {
    let browser: Browser;
    let sandbox: RunningSandbox;
    let sim: ProviderSim;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      requireChromium();
      mkdirSync(RESULTS, { recursive: true });
      ({ sandbox, sim } = await startDemoSandbox({ db: ':memory:', logger: false }));
      browser = await launchChromium();
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await sandbox?.close();
    }, 60_000);

    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
    });
    afterEach(async () => {
      await context.close();
    });

    /** Checks out a T-shirt ($25.00) and opens Accrue Pay beside the card form. */
    async function openAccruePay(): Promise<FrameLocator> {
      await page.goto(`${sandbox.url}/demo`);
      await page.getByLabel('T-shirt').check();
      await page.getByRole('button', { name: 'Checkout' }).click();
      await page.locator('[data-form-status="ready"]').waitFor();
      await page.getByRole('button', { name: 'Pay with Accrue Pay' }).click();
      await page.getByRole('dialog', { name: 'Accrue Pay' }).waitFor();
      return page.frameLocator('iframe[title="Accrue Pay"]');
    }

    async function signInAndPay(accrue: FrameLocator, phone: string) {
      await accrue.getByLabel('Phone number').fill(phone);
      await accrue.getByLabel('Code').fill(SIGN_IN_CODE);
      await accrue.getByRole('button', { name: 'Sign in' }).click();
      await accrue.getByRole('button', { name: 'Accrue wallet' }).click();
      await accrue.getByRole('button', { name: 'Pay', exact: true }).click();
    }

    const orderId = () => new URL(page.url()).searchParams.get('order') ?? '';

    test('sign in inside the frame, pay from the wallet: the order is paid once payments.get() says succeeded', async () => {
      const accrue = await openAccruePay();
      await expect(
        page.locator('[data-order-status]').getAttribute('data-order-status'),
      ).resolves.toBe('AWAITING_PAYMENT');
      await signInAndPay(accrue, CUSTOMER.default);
      await page.locator('[data-order-status="CONFIRMED"]').waitFor();
      await page.locator('[data-accrue-status="succeeded"]').waitFor();
      await expect(page.locator('.order').textContent()).resolves.toContain('via Accrue Pay');
      // The modal closed, and the card form is gone with it: the order is paid.
      await expect(page.getByRole('dialog', { name: 'Accrue Pay' }).count()).resolves.toBe(0);
      await expect(page.locator('iframe').count()).resolves.toBe(0);
      await page.locator('[data-fulfilled-via="page"]').waitFor();

      const order = (await page.evaluate(
        `fetch('/demo/api/orders/${orderId()}').then((r) => r.json())`,
      )) as { fulfilments: number; accrue: { paymentId: string; paymentIntentId: string } };
      expect(order.fulfilments).toBe(1);
      expect(order.accrue.paymentIntentId).toMatch(/^pi_/);
      const captured = sim.ledger({ providerRef: order.accrue.paymentId, kind: 'capture' });
      expect(captured.map((entry) => [entry.provider, entry.amount])).toEqual([['accrue', 2500]]);
      await page.screenshot({ path: join(RESULTS, 'demo-accrue-pay-paid.png'), fullPage: true });
    });

    test("the payment's webhooks appear on the order page", async () => {
      const accrue = await openAccruePay();
      await signInAndPay(accrue, CUSTOMER.default);
      await page.locator('[data-order-status="CONFIRMED"]').waitFor();
      const webhooks = page.getByRole('region', { name: 'Webhooks received' });
      await webhooks.locator('[data-webhook-type="payment.succeeded"]').waitFor();
      await webhooks.locator('[data-webhook-type="payment.authorized"]').waitFor();
    });

    test('a wallet with insufficient funds: the page says so and the order stays unpaid', async () => {
      const accrue = await openAccruePay();
      await signInAndPay(accrue, CUSTOMER.insufficientFunds);
      await expect(page.getByRole('alert').first().textContent()).resolves.toMatch(/insufficient/i);
      await expect(
        page.locator('[data-order-status]').getAttribute('data-order-status'),
      ).resolves.toBe('AWAITING_PAYMENT');
      // Nothing was held: the customer may still pay by card or with another Accrue account.
      await page.getByRole('button', { name: 'Pay with Accrue Pay' }).waitFor();
      await page.locator('[data-form-status="ready"]').waitFor();
    });

    test('closing the modal pays nothing', async () => {
      await openAccruePay();
      await page.getByRole('button', { name: 'Close' }).click();
      await page.locator('[data-accrue-pay-status="canceled"]').waitFor();
      await expect(
        page.locator('[data-order-status]').getAttribute('data-order-status'),
      ).resolves.toBe('AWAITING_PAYMENT');
    });
  },
);
