import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { PublicRoute } from '../http/routes.ts';
import { type DemoMerchant, shopBackend } from './backend.ts';

export type { DemoMerchant, Order, OrderStatus } from './backend.ts';

/** Options of {@link demoShop}. */
export interface DemoShopOptions {
  /**
   * The demo merchant and the sandbox's URL. Called on the first request, once the sandbox
   * listens and the merchant exists; the result is kept.
   */
  merchant: () => DemoMerchant | Promise<DemoMerchant>;
  /** Where the shop is mounted. Default `/demo`. */
  path?: string;
}

/**
 * The demo shop: a checkout page using `@accrupay/react` and its backend using `@accrupay/node`,
 * as a public route for `startSandbox({ publicRoutes: [demoShop(...)] })`: it answers without the
 * API secret. The built sandbox serves the page's JavaScript that `build:demo` bundled into
 * `dist/demo/checkout.js`; from the sources it is bundled from `checkout.jsx` when the shop is created.
 */
export function demoShop(options: DemoShopOptions): PublicRoute {
  const path = (options.path ?? '/demo').replace(/\/+$/, '');
  let merchant: Promise<DemoMerchant> | undefined;
  const resolveMerchant = () => {
    merchant ??= Promise.resolve(options.merchant()).catch((error: unknown) => {
      merchant = undefined;
      throw error;
    });
    return merchant;
  };
  const script = checkoutScript();
  script.catch(() => undefined);

  const router = express.Router();
  router.get('/', async (req, res, next) => {
    try {
      const { merchantPublicId } = await resolveMerchant();
      // The page is served by the sandbox itself: its own origin is the public API's.
      const baseUrl = `${req.protocol}://${req.get('host')}`;
      res
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(
          pageHtml({ merchantPublicId, baseUrl, apiPath: `${path}/api` }, `${path}/checkout.js`),
        );
    } catch (error) {
      next(error);
    }
  });
  router.get('/checkout.js', async (_req, res, next) => {
    try {
      res
        .type('text/javascript')
        .set('Cache-Control', 'no-store')
        .send(await script);
    } catch (error) {
      next(error);
    }
  });
  router.use('/api', shopBackend(resolveMerchant, { path: `${path}/api` }));
  return { path, handler: router };
}

const CHECKOUT_SOURCE = fileURLToPath(new URL('./checkout.jsx', import.meta.url));
// From the tsup build this module is inlined into dist/index.js or dist/cli.js.
const CHECKOUT_BUILT = fileURLToPath(new URL('./demo/checkout.js', import.meta.url));

/** Where `pnpm --filter @accrupay/sandbox build:demo` writes the checkout's script. */
export const DEFAULT_CHECKOUT_FILE = fileURLToPath(
  new URL('../../dist/demo/checkout.js', import.meta.url),
);

async function checkoutScript(): Promise<string> {
  // From the sources it is bundled from checkout.jsx, so it is never stale; the built package
  // ships no sources and reads what its build wrote: it needs neither esbuild nor src/ to run.
  if (existsSync(CHECKOUT_SOURCE)) return bundleCheckout();
  return readFile(CHECKOUT_BUILT, 'utf8').catch((error: unknown) => {
    throw new Error(
      `the demo shop's checkout.js is missing at ${CHECKOUT_BUILT}: run pnpm --filter @accrupay/sandbox build`,
      { cause: error },
    );
  });
}

/**
 * Bundles `checkout.jsx` (React, `@accrupay/react` and the contract from their sources) into one
 * browser script; writes it to `outFile` when given.
 */
export async function bundleCheckout(options: { outFile?: string } = {}): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [CHECKOUT_SOURCE],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    conditions: ['@accrupay/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no bundle for the demo checkout');
  if (options.outFile) {
    await mkdir(dirname(options.outFile), { recursive: true });
    await writeFile(options.outFile, output.text);
  }
  return output.text;
}

function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function pageHtml(config: Record<string, string>, script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AccruPay demo shop</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  main { max-width: 640px; margin: 32px auto; background: #fff; border-radius: 12px; padding: 24px 28px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  fieldset { border: 0; padding: 0; margin: 16px 0; display: flex; gap: 8px; flex-wrap: wrap; }
  label.choice { border: 1px solid #c8ccd6; border-radius: 8px; padding: 8px 12px; cursor: pointer; }
  label.choice:has(input:checked) { border-color: #3b5bdb; background: #edf2ff; }
  button { font: inherit; background: #3b5bdb; color: #fff; border: 0; border-radius: 8px; padding: 10px 18px; cursor: pointer; }
  button.secondary { background: #e9ecef; color: #1d2330; }
  .order { border-radius: 8px; padding: 12px 14px; margin: 16px 0; background: #f1f3f5; }
  .order[data-status="CONFIRMED"] { background: #d3f9d8; }
  .order[data-status="PAYMENT_FAILED"], .order[data-status="EXPIRED"] { background: #ffe3e3; }
  .order[data-status="REFUNDED"], .order[data-status="PARTIALLY_REFUNDED"], .order[data-status="REFUND_PENDING"] { background: #fff3bf; }
  .merchant { border: 2px dashed #868e96; border-radius: 8px; padding: 4px 14px 12px; margin: 16px 0; }
  .merchant h2 { font-size: 17px; margin: 8px 0 0; }
  .webhooks h2 { font-size: 17px; margin: 16px 0 0; }
  .webhooks table { border-collapse: collapse; width: 100%; font-size: 14px; }
  .webhooks th, .webhooks td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid #e9ecef; }
  .webhooks code { word-break: break-all; }
  .webhooks tr[data-webhook-check="PAID"] td:last-child { color: #2b8a3e; }
  .webhooks tr[data-webhook-check="NOT_PAID"] td:last-child, .webhooks tr[data-webhook-check="VERIFY_FAILED"] td:last-child { color: #c92a2a; }
  .merchant input { font: inherit; width: 7em; padding: 6px 8px; border: 1px solid #c8ccd6; border-radius: 6px; }
  button:disabled { opacity: 0.5; cursor: default; }
  .hint { color: #5c6370; font-size: 14px; }
  code { background: #f1f3f5; padding: 1px 4px; border-radius: 4px; }
</style>
</head>
<body>
<main id="root"></main>
<script id="demo-config" type="application/json">${jsonForScript(config)}</script>
<script type="module" src="${script}"></script>
</body>
</html>`;
}
