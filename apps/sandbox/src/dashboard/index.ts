import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

/** Options of {@link dashboardAssets}. */
export interface DashboardAssetsOptions {
  /** The folder `build:dashboard` wrote. Default `apps/sandbox/dist/dashboard`. */
  dir?: string;
}

const CONTENT_TYPES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
} as const;
type AssetName = keyof typeof CONTENT_TYPES;

export const DASHBOARD_NOT_BUILT =
  'the dashboard is not built: run pnpm --filter @accrupay/sandbox build:dashboard';

function defaultDir(): string {
  // From the sources (tsx, vitest) this file is src/dashboard/index.ts; from the tsup build, dist/index.js.
  const candidates = ['../../dist/dashboard/', './dashboard/'].map((candidate) =>
    fileURLToPath(new URL(candidate, import.meta.url)),
  );
  const [fromSource = '', fromBuild = ''] = candidates;
  return existsSync(join(fromBuild, 'index.html')) && !existsSync(join(fromSource, 'index.html'))
    ? fromBuild
    : fromSource;
}

/**
 * The dashboard's built page, script and styles, for `publicRoutes: [{ path: '/dashboard', handler: dashboardAssets() }]`;
 * a 503 page that says how to build it when the files are missing.
 */
export function dashboardAssets(options: DashboardAssetsOptions = {}): express.Router {
  const dir = options.dir ?? defaultDir();
  const router = express.Router({ strict: true });
  router.get(['/', '/index.html', '/app.js', '/app.css'], (req, res) => {
    // The page's assets are relative: /dashboard must become /dashboard/.
    if (req.path === '/' && !req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(302, `${req.baseUrl}/`);
      return;
    }
    const name: AssetName = req.path === '/' ? 'index.html' : (req.path.slice(1) as AssetName);
    res.set('Cache-Control', 'no-store');
    res.set('X-Content-Type-Options', 'nosniff');
    let body: Buffer;
    try {
      body = readFileSync(join(dir, name));
    } catch {
      res.status(503).type('html').send(notBuiltPage(name, dir));
      return;
    }
    res.status(200).set('Content-Type', CONTENT_TYPES[name]).send(body);
  });
  return router;
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

function notBuiltPage(name: string, dir: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; margin: 40px;">
<h1>Dashboard not built</h1>
<p>${escapeHtml(DASHBOARD_NOT_BUILT)}.</p>
<p>Missing: <code>${escapeHtml(join(dir, name))}</code></p>
</body></html>
`;
}
