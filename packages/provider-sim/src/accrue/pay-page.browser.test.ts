// The hosted Accrue Pay page in headless Chromium, framed by a merchant page of another origin.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createProviderSim, type ProviderSim, type RunningSim } from '../sim.ts';
import type { Loose } from '../test-helpers.ts';
import { ACCRUE_TEST_CUSTOMERS } from './customers.ts';
import { ACCRUE, accrue } from './test-support.ts';

declare const window: Loose;

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);

describe.skipIf(!hasChromium && !inCi)('the hosted Accrue Pay page in Chromium', () => {
  let browser: Browser;
  let parent: Server;
  let origin: string;
  let sim: ProviderSim;
  let server: RunningSim;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    parent = createServer((req, res) => {
      const frame = new URL(req.url ?? '/', 'http://x').searchParams.get('frame') ?? '';
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><body><iframe title="Accrue Pay" src="${frame.replace(/"/g, '&quot;')}" style="border:0;width:400px;height:600px"></iframe>
<script>window.received=[];addEventListener('message',function(e){received.push({origin:e.origin,data:e.data});});</script></body>`);
    });
    await new Promise<void>((resolve) => parent.listen(0, '127.0.0.1', resolve));
    origin = `http://localhost:${(parent.address() as AddressInfo).port}`;
    sim = createProviderSim({
      accounts: [{ id: 'acct_browser', accrue: ACCRUE, allowedOrigins: [origin] }],
    });
    server = await sim.start({ port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sim?.close();
    await new Promise((resolve) => (parent ? parent.close(resolve) : resolve(undefined)));
  }, 60_000);

  async function open(): Promise<{ page: Page; pay: FrameLocator }> {
    const q = new URLSearchParams({
      merchantPublicId: ACCRUE.publishableKey,
      amount: '10000',
      currency: 'USD',
      origin,
    });
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${origin}/?frame=${encodeURIComponent(`${server.url}/accrue/pay?${q}`)}`);
    const pay = page.frameLocator('iframe[title="Accrue Pay"]');
    await pay.getByLabel('Phone number').waitFor();
    return { page, pay };
  }

  const messages = async (page: Page) => {
    await page.waitForFunction(() => window.received.length > 0);
    return (await page.evaluate(() => window.received)) as { origin: string; data: Loose }[];
  };

  test('sign in, choose the wallet, Pay: posts payment_intent.created with the intent id', async () => {
    const { page, pay } = await open();
    await pay.getByLabel('Phone number').fill('+1 555 010 0000');
    await pay.getByLabel('Code').fill('000000');
    await pay.getByRole('button', { name: 'Sign in' }).click();
    await pay.getByRole('button', { name: 'Accrue wallet' }).click();
    await expect(pay.getByText('Balance $1,000,000.00').isVisible()).resolves.toBe(true);
    await pay.getByRole('button', { name: 'Pay', exact: true }).click();
    const [m] = await messages(page);
    expect(m?.origin).toBe(server.url);
    expect(m?.data).toEqual({
      source: 'accrue-pay',
      type: 'payment_intent.created',
      paymentIntentId: expect.stringMatching(/^pi_/),
    });
    const intent = await accrue(server.url, 'GET', `/payment_intents/${m?.data.paymentIntentId}`);
    expect(intent.body.data.attributes).toMatchObject({
      status: 'created',
      payment_method: 'wallet',
    });
  });

  test('Cancel, and the abandons customer, post canceled', async () => {
    const a = await open();
    await a.pay.getByRole('button', { name: 'Cancel' }).click();
    expect((await messages(a.page)).map((m) => m.data)).toEqual([
      { source: 'accrue-pay', type: 'canceled' },
    ]);
    const b = await open();
    await b.pay.getByLabel('Phone number').fill(ACCRUE_TEST_CUSTOMERS.abandons.phone);
    await b.pay.getByLabel('Code').fill('000000');
    await b.pay.getByRole('button', { name: 'Sign in' }).click();
    await b.pay.getByRole('button', { name: 'Bank account' }).click();
    await b.pay.getByRole('button', { name: 'Pay', exact: true }).click();
    expect((await messages(b.page)).map((m) => m.data)).toEqual([
      { source: 'accrue-pay', type: 'canceled' },
    ]);
  });
});
