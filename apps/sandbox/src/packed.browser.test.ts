// The published sandbox, outside the repo: `pnpm pack` of it and the packages it needs, installed
// with npm into an empty project, started with `npx accrupay-sandbox start`, used in Chromium.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  buildPackages,
  cleanEnv,
  installPacked,
  PACKED_PACKAGES,
  type PackedPackage,
  packPackages,
  REPO_ROOT,
  sourceEntries,
  withoutSourceCondition,
} from '../scripts/pack-sandbox.ts';
import { browserTestsRun, launchChromium, requireChromium } from './test-browser.ts';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const CARD = '4242 4242 4242 4242';

const runsHere = browserTestsRun('the packed sandbox test');

test('sourceEntries finds the src/ entries of the workspace manifests, which pack must drop', () => {
  for (const folder of PACKED_PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, folder, 'package.json'), 'utf8'));
    expect(sourceEntries(manifest), folder).toContain(
      'exports["."]["@accrupay/source"]: ./src/index.ts',
    );
  }
  expect(
    sourceEntries({ main: './src/index.js', bin: { x: 'src/cli.js' }, types: './dist/a.d.ts' }),
  ).toEqual(['main: ./src/index.js', 'bin["x"]: src/cli.js']);
  expect(sourceEntries({ exports: { '.': './dist/index.js' }, files: ['src'] })).toEqual([]);
  expect(
    withoutSourceCondition({
      '.': { '@accrupay/source': './src/index.ts', import: { default: './dist/index.js' } },
      './testing': { '@accrupay/source': './src/test-support.ts' },
      './package.json': './package.json',
    }),
  ).toEqual({
    '.': { import: { default: './dist/index.js' } },
    './package.json': './package.json',
  });
});

describe.skipIf(!runsHere)(
  'the packed sandbox, installed into an empty project',
  { timeout: 60_000 },
  () => {
    let dir: string;
    let project: string;
    let packed: PackedPackage[];
    let sandbox: ChildProcess | undefined;
    let output = '';
    let url: string;
    let browser: Browser;
    let sessionId: string;
    const timings: Record<string, number> = {};

    async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
      const started = Date.now();
      try {
        return await work();
      } finally {
        timings[step] = Date.now() - started;
      }
    }

    beforeAll(async () => {
      requireChromium();
      mkdirSync(ARTIFACTS, { recursive: true });
      dir = mkdtempSync(join(tmpdir(), 'accrupay-packed-'));
      project = join(dir, 'project');
      // A fresh clone has no dist/: turbo builds what is missing or stale, and replays the rest.
      await timed('build', buildPackages);
      packed = await timed('pack', () => packPackages(join(dir, 'tarballs')));
      await timed('install', () => installPacked(project, packed));
      url = await timed('start', startPacked);
      browser = await launchChromium();
      // A build from nothing takes minutes on a loaded two-core machine.
    }, 600_000);

    afterAll(async () => {
      console.info(
        `packed sandbox: ${Object.entries(timings)
          .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
          .join(', ')}`,
      );
      await browser?.close();
      await stopPacked();
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    function startPacked(): Promise<string> {
      // detached: npx runs the bin through a shell; the whole group is stopped at the end.
      const child = spawn(
        'npx',
        ['--no', 'accrupay-sandbox', 'start', '--port', '0', '--db', join(dir, 'sandbox.db')],
        {
          cwd: project,
          env: cleanEnv({ DATABASE_URL: '' }),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      sandbox = child;
      return new Promise((resolve, reject) => {
        const append = (chunk: Buffer) => {
          output += chunk.toString();
          const printed = /base URL:\s+(\S+)/.exec(output)?.[1];
          if (printed && output.includes('Stop with Ctrl-C.')) resolve(printed);
        };
        child.stdout?.on('data', append);
        child.stderr?.on('data', append);
        child.on('exit', (code) =>
          reject(new Error(`npx accrupay-sandbox start exited ${code}:\n${output}`)),
        );
      });
    }

    async function stopPacked() {
      const child = sandbox;
      if (!child?.pid || child.exitCode !== null) return;
      const group = -child.pid;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(group, name);
        } catch {
          // The group has already exited.
        }
      };
      const exited = new Promise((resolve) => child.once('exit', resolve));
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }

    async function openPage(path: string, width = 900): Promise<{ page: Page; errors: string[] }> {
      const page = await browser.newPage({ viewport: { width, height: 1000 } });
      page.setDefaultTimeout(20_000);
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`${path}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') {
          errors.push(`${path}: ${message.text()} (${message.location().url})`);
        }
      });
      page.on('response', (response) => {
        if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${url}${path}`);
      return { page, errors };
    }

    test('no packed package.json points at src/, no tarball ships src/, no workspace: range is left', () => {
      expect(packed.map((pkg) => pkg.name)).toEqual([
        '@accrupay/contracts',
        '@accrupay/node',
        '@accrupay/react',
        '@accrupay/provider-sim',
        '@accrupay/sandbox',
      ]);
      for (const [index, pkg] of packed.entries()) {
        expect(sourceEntries(pkg.manifest), pkg.name).toEqual([]);
        // publishConfig.exports repeats the workspace's exports: an entry added to one only fails here.
        const workspace = JSON.parse(
          readFileSync(join(REPO_ROOT, PACKED_PACKAGES[index] ?? '', 'package.json'), 'utf8'),
        );
        expect(pkg.manifest.exports, pkg.name).toEqual(withoutSourceCondition(workspace.exports));
        expect(
          pkg.files.filter((file) => file.startsWith('src/')),
          pkg.name,
        ).toEqual([]);
        expect(JSON.stringify(pkg.manifest.dependencies ?? {}), pkg.name).not.toContain(
          'workspace:',
        );
      }
      const files = packed.find((pkg) => pkg.name === '@accrupay/sandbox')?.files ?? [];
      expect(files).toEqual(
        expect.arrayContaining([
          'dist/cli.js',
          'dist/index.d.ts',
          'dist/demo/checkout.js',
          'dist/dashboard/index.html',
          'dist/dashboard/app.js',
        ]),
      );
      // What runs is the installed copy, not the workspace's.
      for (const pkg of packed) {
        const installed = realpathSync(join(project, 'node_modules', pkg.name));
        expect(installed.startsWith(realpathSync(project)), installed).toBe(true);
        const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
        expect(sourceEntries(manifest), pkg.name).toEqual([]);
      }
      expect(output).toContain(`Demo checkout: ${url}/demo`);
    });

    test('/demo: a 4242 card through the hosted card fields confirms the order', async () => {
      const { page, errors } = await openPage('/demo');
      await page.getByLabel('T-shirt').check();
      await page.getByLabel('STRIPE').check();
      await page.getByRole('button', { name: 'Checkout' }).click();
      await page.locator('[data-form-status="ready"]').waitFor();
      const fields = page.frameLocator('iframe[title="Secure card fields"]');
      await fields.getByLabel('Card number').fill(CARD);
      await fields.getByLabel('Expiry').fill('12 / 34');
      await fields.getByLabel('CVC').fill('123');
      await page.screenshot({ path: join(ARTIFACTS, 'packed-demo-card.png'), fullPage: true });
      await fields.getByRole('button', { name: 'Pay' }).click();
      await page.locator('[data-order-status="CONFIRMED"]').waitFor();
      await expect(page.locator('.order').textContent()).resolves.toContain(
        'verify() said: SUCCEEDED',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'packed-demo-paid.png'), fullPage: true });
      const orderId = new URL(page.url()).searchParams.get('order');
      const order = (await (await fetch(`${url}/demo/api/orders/${orderId}`)).json()) as {
        status: string;
        sessionId: string;
      };
      expect(order.status).toBe('CONFIRMED');
      sessionId = order.sessionId;
      expect(errors).toEqual([]);
      await page.close();
    });

    test('/dashboard lists the demo order’s session as completed', async () => {
      expect(sessionId).toMatch(/\S/);
      const { page, errors } = await openPage('/dashboard');
      const row = page.locator(`[data-session-id="${sessionId}"]`);
      await row.waitFor();
      await expect(row.textContent()).resolves.toContain('COMPLETED');
      await page.screenshot({ path: join(ARTIFACTS, 'packed-dashboard.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });
  },
);
