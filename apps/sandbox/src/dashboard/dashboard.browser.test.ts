// End-to-end: the dashboard in headless Chromium against a real sandbox, its simulator and admin API.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { KyselyStore } from '../store/kysely-store.ts';
import { browserTestsRun, launchChromium, requireChromium } from '../test-browser.ts';
import { GOOD_CARDS, testCard } from '../test-cards.ts';
import { paymentStart, startTestSandbox, type TestSandbox } from '../test-support.ts';
import { buildDashboard } from './build.ts';
import { dashboardAssets } from './index.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

const runsHere = browserTestsRun('the dashboard browser tests');

type Json = Record<string, unknown>;

describe.skipIf(!runsHere)('the dashboard in Chromium', { timeout: 60_000 }, () => {
  let browser: Browser;
  let t: TestSandbox;
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  const sessions: Record<'paid' | 'declined' | 'expiring', string> = {
    paid: '',
    declined: '',
    expiring: '',
  };
  const apiCalls: string[] = [];

  async function start(code: string) {
    const answer = await t.api<{ id: string; token: string }>(
      'POST',
      '/v1/client-sessions/payments',
      {
        body: paymentStart(t.merchant, 'STRIPE', { code, amount: '2500' }),
      },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }
  async function verify(id: string) {
    const answer = await t.api<Json>('POST', '/v1/client-sessions/payments/verify', {
      body: { id },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }

  beforeAll(async () => {
    requireChromium();
    dir = join(tmpdir(), `accrupay-dashboard-${process.pid}-${Date.now()}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    await buildDashboard({ outDir: dir });
    t = await startTestSandbox({
      sandbox: { publicRoutes: [{ path: '/dashboard', handler: dashboardAssets({ dir }) }] },
    });
    const paid = await start('order-paid-1001');
    expect((await t.pay('STRIPE', paid.token, GOOD_CARDS.STRIPE)).status).toBe(200);
    expect(await verify(paid.id)).toMatchObject({ status: 'SUCCEEDED' });
    // A second apart, so that newest first has one answer.
    await t.sim.clock.advance(1_000);
    const declined = await start('order-declined-1002');
    await t.pay('STRIPE', declined.token, testCard('STRIPE', 'generic_decline'));
    expect(await verify(declined.id)).toMatchObject({ status: 'DECLINED' });
    await t.sim.clock.advance(1_000);
    const expiring = await start('order-expiring-1003');
    sessions.paid = paid.id;
    sessions.declined = declined.id;
    sessions.expiring = expiring.id;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('request', (request) => {
      if (request.url().startsWith(t.sandbox.url)) apiCalls.push(new URL(request.url()).pathname);
    });
  });

  afterEach(async () => {
    await context.close();
  });

  const shot = (view: string) =>
    page.screenshot({ path: join(ARTIFACTS, `dashboard-${view}.png`), fullPage: true });
  const rows = (selector: string) =>
    page.locator(selector).evaluateAll((items) => items.map((item) => item.textContent ?? ''));

  test('the sessions list: newest first, filtered by status, provider and code', async () => {
    await page.goto(`${t.sandbox.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/');
    await page.locator('[data-session-id]').nth(2).waitFor();
    const ids = await page
      .locator('[data-session-id]')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-session-id')));
    expect(ids).toEqual([sessions.expiring, sessions.declined, sessions.paid]);
    const text = await rows('[data-session-id]');
    expect(text[1]).toContain('DECLINED');
    expect(text[1]).toContain('25.00 USD');
    expect(text[1]).toContain('Test shop');
    await shot('sessions');

    await page.getByLabel('Status').selectOption('DECLINED');
    await page.waitForURL(/status=DECLINED/);
    await page.locator(`[data-session-id="${sessions.declined}"]`).waitFor();
    await expect(page.locator('[data-session-id]').count()).resolves.toBe(1);

    await page.getByLabel('Provider').selectOption('NUVEI');
    await page.getByText('No sessions match.').waitFor();

    await page.goto(`${t.sandbox.url}/dashboard/#/sessions`);
    await page.getByLabel('Code').fill('order-paid-1001');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/code=order-paid-1001/);
    await expect
      .poll(() => rows('[data-session-id]'))
      .toEqual([expect.stringContaining('order-paid-1001')]);

    // A code the contract refuses: the API's message is in the page.
    await page.getByLabel('Code').fill('x'.repeat(300));
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/code/i);
  });

  test("a session's page: its timeline with causes, the simulator's ledger, its JSON", async () => {
    await page.goto(`${t.sandbox.url}/dashboard/#/sessions`);
    await page.locator(`[data-session-id="${sessions.paid}"] a`).click();
    await page.waitForURL(new RegExp(`#/sessions/${sessions.paid}$`));
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.locator('li').first().waitFor();
    const kinds = await timeline
      .locator('li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-kind')));
    expect(kinds[0]).toBe('created');
    expect(kinds).toContain('status');
    expect(await timeline.textContent()).toMatch(/SUCCEEDED/);
    const ledger = await rows('[data-ledger-id]');
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toContain('charge');
    expect(ledger[0]).toContain('25.00');
    await page.getByText("The session's JSON").click();
    await expect(page.locator('details.json pre').textContent()).resolves.toContain(
      `"id": "${sessions.paid}"`,
    );
    await shot('session');

    // A hash change: the paid session's page stays until the declined one's answer arrives, so
    // wait for what only the declined session's timeline says.
    await page.goto(`${t.sandbox.url}/dashboard/#/sessions/${sessions.declined}`);
    await page
      .getByRole('list', { name: 'Timeline' })
      .getByText(/-> DECLINED/)
      .first()
      .waitFor();
    await page.locator('[data-ledger-id]').filter({ hasText: 'decline' }).first().waitFor();
    await expect(rows('[data-ledger-id]')).resolves.toEqual([
      expect.stringMatching(/^.*decline.*25\.00 usd.*generic_decline$/),
    ]);
    await shot('session-declined');

    // A session that does not exist: the API's not-found message, no crash.
    await page.goto(`${t.sandbox.url}/dashboard/#/sessions/no-such-session`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /no-such-session|not found/i,
    );
  });

  test('the transactions list', async () => {
    await page.goto(`${t.sandbox.url}/dashboard/#/transactions`);
    await page.locator('[data-transaction-id]').nth(1).waitFor();
    const text = await rows('[data-transaction-id]');
    expect(text.some((row) => row.includes('SUCCEEDED') && row.includes('order-paid-1001'))).toBe(
      true,
    );
    expect(text.some((row) => row.includes('order-declined-1002'))).toBe(true);
    await page.getByLabel('Status').selectOption('SUCCEEDED');
    await page.waitForURL(/status=SUCCEEDED/);
    await expect
      .poll(() => rows('[data-transaction-id]'))
      .toEqual([expect.stringContaining('order-paid-1001')]);
    await page.goto(`${t.sandbox.url}/dashboard/#/transactions`);
    await page.locator('[data-transaction-id]').nth(1).waitFor();
    await shot('transactions');
  });

  test('reconciliation: green while consistent, a mismatch flagged red', async () => {
    await page.goto(`${t.sandbox.url}/dashboard/#/reconciliation`);
    await page.locator('[data-reconciliation="consistent"]').waitFor();
    await expect(page.locator('tr.mismatch').count()).resolves.toBe(0);
    await shot('reconciliation-consistent');

    // The router's record of the paid transaction is tampered with: it no longer matches the
    // money the provider moved.
    const detail = await t.api<{ session: { transactionId: string } }>(
      'GET',
      `/v1/admin/sessions/${sessions.paid}`,
    );
    const transactionId = detail.body.session.transactionId;
    const db = (t.sandbox.store as KyselyStore).db;
    const setAmount = (amount: string) =>
      db.updateTable('transactions').set({ amount }).where('id', '=', transactionId).execute();
    await setAmount('2600');
    try {
      await page.getByRole('button', { name: 'Check again' }).click();
      await page.locator('[data-reconciliation="mismatches"]').waitFor();
      await expect(rows('tr[data-mismatch]')).resolves.toEqual([
        expect.stringMatching(/^Amounts differ.*the router says 2600 USD, the provider 2500/),
      ]);
      const red = await page
        .locator('tr[data-mismatch] td')
        .first()
        .evaluate((cell) => getComputedStyle(cell).color);
      expect(red).toBe('rgb(180, 35, 24)');
      // The router's row beside the ledger is flagged too.
      await expect(page.locator(`tr.mismatch[title="${transactionId}"]`).count()).resolves.toBe(1);
      await shot('reconciliation');
    } finally {
      await setAmount('2500');
    }
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.locator('[data-reconciliation="consistent"]').waitFor();
  });

  test('faults: arm for the next session and for a chosen one, see them, disarm', async () => {
    await page.goto(`${t.sandbox.url}/dashboard/#/faults`);
    await page.getByRole('heading', { name: 'Armed' }).waitFor();
    await page.locator('[data-scenario-id], td.empty').first().waitFor();
    const already = await page.locator('[data-scenario-id]').count();
    await page.getByLabel('Scenario', { exact: true }).selectOption('duplicate_callback');
    await page.getByLabel('Copies').fill('4');
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    await page.locator('[data-scenario-id]').nth(already).waitFor();
    const armed = await t.api<{ data: Json[] }>('GET', '/v1/admin/scenarios');
    expect(armed.body.data.slice(already)).toMatchObject([
      { kind: 'duplicate_callback', copies: 4, remaining: 1, target: 'all' },
    ]);

    // A chosen session, from its page's link.
    await page.goto(`${t.sandbox.url}/dashboard/#/faults?sessionId=${sessions.expiring}`);
    await expect(page.getByLabel('Session id').inputValue()).resolves.toBe(sessions.expiring);
    await page.getByLabel('Scenario', { exact: true }).selectOption('api_error');
    await page.getByLabel('HTTP status').selectOption('503');
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    await page
      .locator('[data-scenario-id]')
      .nth(already + 1)
      .waitFor();
    await expect(
      page
        .locator('[data-scenario-id]')
        .nth(already + 1)
        .textContent(),
    ).resolves.toContain('api_error');

    // Refused by the simulator: its message is shown and nothing more is armed.
    await page.getByLabel('Scenario', { exact: true }).selectOption('delay_callback');
    await page.getByLabel('Delay (ms of clock time)').fill('0');
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/delayMs/);
    await expect(page.locator('[data-scenario-id]').count()).resolves.toBe(already + 2);
    await shot('faults');

    await page
      .locator('[data-scenario-id]')
      .nth(already)
      .getByRole('button', { name: 'Disarm' })
      .click();
    await expect.poll(() => page.locator('[data-scenario-id]').count()).toBe(already + 1);
    const left = await t.api<{ data: Json[] }>('GET', '/v1/admin/scenarios');
    expect(left.body.data.slice(already).map((scenario) => scenario.kind)).toEqual(['api_error']);
  });

  test('the clock: advance by 24 h, and the session that expired because of it', async () => {
    await page.goto(`${t.sandbox.url}/dashboard/#/clock`);
    const before = await page.locator('[data-clock-now]').getAttribute('data-clock-now');
    expect(before).toMatch(/^2030-01-15T12:00:0\d\.000Z$/);
    await page.getByRole('button', { name: '+20 min' }).click();
    await page.getByText('Nothing expired because of it.').waitFor();
    await page.getByRole('button', { name: '+24 h' }).click();
    await page.locator(`[data-expired-session="${sessions.expiring}"]`).waitFor();
    await expect
      .poll(() => page.locator('[data-clock-now]').getAttribute('data-clock-now'))
      .toBe(new Date(Date.parse(before ?? '') + 24 * 3_600_000 + 20 * 60_000).toISOString());
    // Backwards is refused, with the sandbox's message.
    await page.getByLabel('Move to (UTC)').fill('2030-01-01T00:00');
    await page.getByRole('button', { name: 'Move the clock' }).click();
    await page.getByRole('alert').waitFor();
    await shot('clock');
    await page.goto(`${t.sandbox.url}/dashboard/#/sessions?status=EXPIRED`);
    await page.locator(`[data-session-id="${sessions.expiring}"]`).waitFor();
  });

  test('merchants: the secret shown once, allowed origins edited, the data reset', async () => {
    await page.goto(`${t.sandbox.url}/dashboard/#/merchants`);
    await page.locator(`[data-merchant-id="${t.merchant.merchantId}"]`).waitFor();
    await page.getByLabel('Name').fill('Second shop');
    await page.getByLabel('Allowed origins').fill('https://second.test');
    await page.getByRole('button', { name: 'Create' }).click();
    const secret = await page.getByLabel('API secret').inputValue();
    expect(secret).toMatch(/^sk_test_/);
    // The secret works against the merchant API, and the list shows only its last four.
    const sessionsOfSecond = await t.api('GET', '/v1/client-sessions', { secret });
    expect(sessionsOfSecond.status).toBe(200);
    const created = page.locator('tr[data-merchant-id]', { hasText: 'Second shop' });
    await expect(created.textContent()).resolves.toContain(`sk_test_…${secret.slice(-4)}`);
    await expect(created.textContent()).resolves.not.toContain(secret);
    await shot('merchants-created');

    const row = page.locator(`[data-merchant-id="${t.merchant.merchantId}"]`);
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByRole('textbox').fill('http://localhost:5173\nhttps://shop.test/checkout');
    await row.getByRole('button', { name: 'Save' }).click();
    await expect(row.getByRole('alert').textContent()).resolves.toContain('https://shop.test');
    await row.getByRole('textbox').fill('http://localhost:5173\nhttps://shop.test');
    await row.getByRole('button', { name: 'Save' }).click();
    await row.getByText('https://shop.test').waitFor();
    const overview = await t.api<{ merchants: Array<{ id: string; allowedOrigins: string[] }> }>(
      'GET',
      '/v1/admin/overview',
    );
    expect(
      overview.body.merchants.find((m) => m.id === t.merchant.merchantId)?.allowedOrigins,
    ).toEqual(['http://localhost:5173', 'https://shop.test']);
    await page.getByLabel('API secret').waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByLabel('API secret').count()).resolves.toBe(0);
    await shot('merchants');
  });

  test('at 375 px the sessions list and a session are usable', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${t.sandbox.url}/dashboard/#/sessions`);
    await page.locator('[data-session-id]').first().waitFor();
    await shot('sessions-375');
    await page.goto(`${t.sandbox.url}/dashboard/#/sessions/${sessions.paid}`);
    await page.getByRole('list', { name: 'Timeline' }).locator('li').first().waitFor();
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('session-375');
  });

  test('reset, after a confirm, empties the lists and keeps the merchants', async () => {
    await page.goto(`${t.sandbox.url}/dashboard/#/merchants`);
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(
      (await t.api<{ total: number }>('GET', '/v1/admin/sessions')).body.total,
    ).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('button', { name: 'Yes, delete every row' }).click();
    await page.getByText("The sandbox's data is reset.").waitFor();
    await page.goto(`${t.sandbox.url}/dashboard/#/sessions`);
    await page.getByText('No sessions match.').waitFor();
    await page.goto(`${t.sandbox.url}/dashboard/#/merchants`);
    await page.locator(`[data-merchant-id="${t.merchant.merchantId}"]`).waitFor();
  });

  test('the page reads and writes only through the admin API and its own assets', () => {
    const paths = new Set(apiCalls);
    expect(paths.size).toBeGreaterThan(5);
    for (const path of paths) {
      expect(path, path).toMatch(
        /^\/(dashboard\/(app\.js|app\.css)?|v1\/admin\/[\w/-]+|dashboard)$/,
      );
    }
  });
});
