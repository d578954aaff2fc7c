// The hosted card page alone, in headless Chromium at 320 px wide, framed by a parent page of
// another origin. Screenshots go to test-artifacts/ (git-ignored) for a person to look at.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ACCOUNT, type Loose, setup, stripe } from './test-helpers.ts';

// The functions handed to evaluate() run in the page; this package compiles without the DOM library.
declare const window: Loose;
declare const document: Loose;
declare function getComputedStyle(element: unknown): Loose;
declare function requestAnimationFrame(callback: () => void): number;

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const shot = (name: string) => `${ARTIFACTS}${name}.png`;

const hasChromium = existsSync(CHROMIUM);
const inCi = Boolean(process.env.CI);
if (!hasChromium && !inCi) {
  console.warn(
    `Skipping the hosted card page browser tests: ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (in CI they must run and fail without it).`,
  );
}

describe.skipIf(!hasChromium && !inCi)('the hosted card page in Chromium', () => {
  let browser: Browser;
  let parent: Server;
  let parentOrigin: string;
  let t: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(
        `${CHROMIUM} is missing: CI must install Debian's chromium (apt-get install -y chromium).`,
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    // The merchant's page: it frames the URL it is given and keeps the messages it receives.
    parent = createServer((req, res) => {
      const frame = new URL(req.url ?? '/', 'http://x').searchParams.get('frame') ?? '';
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><meta name="viewport" content="width=device-width,initial-scale=1">
<body style="margin:0"><iframe title="Secure card fields" src="${frame.replace(/"/g, '&quot;')}" style="border:0;width:100%;height:640px"></iframe>
<script>window.received=[];addEventListener('message',function(e){received.push({origin:e.origin,data:e.data});});</script></body>`);
    });
    await new Promise<void>((resolve) => parent.listen(0, '127.0.0.1', resolve));
    parentOrigin = `http://localhost:${(parent.address() as AddressInfo).port}`;
    t = await setup({ accounts: [{ ...ACCOUNT, allowedOrigins: [parentOrigin] }] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => (parent ? parent.close(resolve) : resolve(undefined)));
  }, 60_000);

  async function open(query = ''): Promise<{ page: Page; fields: FrameLocator; pi: Loose }> {
    const pi = (
      await stripe(t.server.url, 'POST', '/payment_intents', { amount: '4200', currency: 'usd' })
    ).body;
    const frame = `${t.server.url}/hosted/card?provider=stripe&token=${encodeURIComponent(pi.client_secret)}&origin=${encodeURIComponent(parentOrigin)}${query}`;
    const context = await browser.newContext({ viewport: { width: 320, height: 700 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${parentOrigin}/?frame=${encodeURIComponent(frame)}`);
    const fields = page.frameLocator('iframe[title="Secure card fields"]');
    await fields.getByLabel('Card number').waitFor();
    return { page, fields, pi };
  }

  /** Saves a screenshot once the frame (its own process) has painted its latest state. */
  async function screenshot(page: Page, fields: FrameLocator, name: string) {
    await fields
      .locator('body')
      .evaluate(
        () =>
          new Promise<void>((resolve) =>
            requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
          ),
      );
    await page.screenshot({ path: shot(name), animations: 'disabled' });
  }

  const received = (page: Page) => page.evaluate((): Loose[] => window.received);

  test('fits 320 px, spaces the number and shows its brand as typed, says what is missing, and pays', async () => {
    const { page, fields, pi } = await open();
    await screenshot(page, fields, 'hosted-card-empty-320');
    // Nothing in the frame is wider than the frame.
    const overflow = await fields
      .locator('body')
      .evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);

    const number = fields.getByLabel('Card number');
    await number.pressSequentially('378282246310005');
    await expect(number.inputValue()).resolves.toBe('3782 822463 10005');
    await expect(fields.locator('#brand').textContent()).resolves.toBe('AMEX');
    await number.fill('');
    await number.pressSequentially('4242424242424242');
    await expect(number.inputValue()).resolves.toBe('4242 4242 4242 4242');
    await expect(fields.locator('#brand').textContent()).resolves.toBe('VISA');
    // A complete, valid number moves the caret to the expiry.
    await expect(
      fields.getByLabel('Expiry').evaluate((el) => el === document.activeElement),
    ).resolves.toBe(true);
    await screenshot(page, fields, 'hosted-card-typed-320');

    await number.fill('4242 4242 42');
    await fields.getByRole('button', { name: 'Pay' }).click();
    const numberError = fields.locator('#number-error');
    await expect(numberError.textContent()).resolves.toBe('Your card number is incomplete.');
    await expect(fields.locator('#expiry-error').textContent()).resolves.toBe(
      "Your card's expiration date is incomplete.",
    );
    await expect(number.getAttribute('aria-invalid')).resolves.toBe('true');
    await screenshot(page, fields, 'hosted-card-incomplete-320');
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(0);

    await number.fill('');
    await number.pressSequentially('4242424242424242');
    await expect(numberError.isHidden()).resolves.toBe(true);
    await fields.getByLabel('Expiry').pressSequentially('1234');
    await expect(fields.getByLabel('Expiry').inputValue()).resolves.toBe('12 / 34');
    await fields.getByLabel('CVC').pressSequentially('123');
    await screenshot(page, fields, 'hosted-card-filled-320');
    await fields.getByRole('button', { name: 'Pay' }).click();
    await fields.getByText('Card submitted').waitFor();
    await expect.poll(async () => (await received(page)).length).toBe(3);
    const messages = await received(page);
    expect(messages.every((m) => m.origin === new URL(t.server.url).origin)).toBe(true);
    expect(messages.at(-1)?.data).toMatchObject({
      type: 'accrupay:result',
      status: 'approved',
      providerRef: pi.id,
    });
    await screenshot(page, fields, 'hosted-card-paid-320');
    expect(t.sim.ledger({ kind: 'charge' })).toHaveLength(1);
    await page.context().close();
  });

  test('a past expiry and a declined card are said plainly; the sandbox picker is set apart', async () => {
    const { page, fields } = await open();
    await fields.getByLabel('Card number').fill('4000000000000002');
    await fields.getByLabel('Expiry').fill('12 / 29');
    await fields.getByLabel('CVC').fill('123');
    await fields.getByRole('button', { name: 'Pay' }).click();
    await expect(fields.locator('#expiry-error').textContent()).resolves.toBe(
      "Your card's expiration date is in the past.",
    );
    await screenshot(page, fields, 'hosted-card-past-expiry-320');
    await fields.getByLabel('Expiry').fill('12 / 34');
    await fields.getByRole('button', { name: 'Pay' }).click();
    await expect(fields.getByRole('alert').textContent()).resolves.toBe(
      'Your card was declined. Try another card.',
    );
    const sandbox = fields.locator('fieldset.sandbox');
    await expect(sandbox.locator('legend').textContent()).resolves.toBe(
      'Sandbox: simulate an outcome',
    );
    await expect(sandbox.evaluate((el) => getComputedStyle(el).borderTopStyle)).resolves.toBe(
      'dashed',
    );
    await screenshot(page, fields, 'hosted-card-declined-320');
    await page.context().close();
  });

  test('the night theme and the merchant’s variables style the page', async () => {
    const { page, fields } = await open(
      `&theme=night&colorPrimary=${encodeURIComponent('#7c5cff')}&borderRadius=12px&fontFamily=${encodeURIComponent('Georgia, serif')}`,
    );
    const body = fields.locator('body');
    await expect(body.evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe(
      'rgb(48, 49, 61)',
    );
    await expect(body.evaluate((el) => getComputedStyle(el).fontFamily)).resolves.toBe(
      'Georgia, serif',
    );
    const pay = fields.getByRole('button', { name: 'Pay' });
    await expect(pay.evaluate((el) => getComputedStyle(el).backgroundColor)).resolves.toBe(
      'rgb(124, 92, 255)',
    );
    await expect(pay.evaluate((el) => getComputedStyle(el).borderRadius)).resolves.toBe('12px');
    await fields.getByLabel('Card number').pressSequentially('5555555555554444');
    await fields.getByLabel('Card number').focus();
    await screenshot(page, fields, 'hosted-card-night-320');
    await page.context().close();
  });
});
