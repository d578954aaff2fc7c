import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Where `pnpm --filter @accrupay/sandbox build:dashboard` writes the dashboard: `apps/sandbox/dist/dashboard`. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(
  new URL('../../dist/dashboard/', import.meta.url),
);

/** The files a built dashboard consists of. */
export const DASHBOARD_FILES = ['index.html', 'app.js', 'app.css'] as const;

/** Bundles the dashboard (React, the contract's schemas, the CSS) into `outDir` with esbuild. */
export async function buildDashboard(options: { outDir?: string; minify?: boolean } = {}) {
  const outDir = options.outDir ?? DEFAULT_DASHBOARD_DIR;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: fileURLToPath(new URL('./app.tsx', import.meta.url)) },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: options.minify ?? true,
    // The sibling packages from their sources: the bundle is self-contained.
    conditions: ['@accrupay/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'silent',
  });
  writeFileSync(join(outDir, 'index.html'), INDEX_HTML);
  return {
    outDir,
    bytes: Object.fromEntries(
      Object.entries(result.metafile.outputs).map(([file, output]) => [file, output.bytes]),
    ),
  };
}

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AccruPay sandbox dashboard</title>
<link rel="stylesheet" href="./app.css">
</head>
<body>
<div id="root"><p class="boot">Loading the dashboard…</p></div>
<noscript>The dashboard needs JavaScript.</noscript>
<script type="module" src="./app.js"></script>
</body>
</html>
`;
