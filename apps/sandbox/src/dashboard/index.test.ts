import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DASHBOARD_NOT_BUILT, dashboardAssets } from './index.ts';

describe('dashboardAssets', () => {
  const built = join(tmpdir(), `accrupay-dashboard-assets-${process.pid}`);
  const missing = join(tmpdir(), `accrupay-dashboard-missing-${process.pid}`);
  let server: Server;
  let url: string;

  beforeAll(async () => {
    mkdirSync(built, { recursive: true });
    writeFileSync(join(built, 'index.html'), '<!doctype html><p>page</p>');
    writeFileSync(join(built, 'app.js'), 'console.log(1)');
    writeFileSync(join(built, 'app.css'), 'body{}');
    writeFileSync(join(built, 'secret.txt'), 'not served');
    const app = express();
    app.use('/dashboard', dashboardAssets({ dir: built }));
    app.use('/unbuilt', dashboardAssets({ dir: missing }));
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(built, { recursive: true, force: true });
  });

  test.each([
    ['/dashboard/', 'text/html; charset=utf-8', '<!doctype html><p>page</p>'],
    ['/dashboard/index.html', 'text/html; charset=utf-8', '<!doctype html><p>page</p>'],
    ['/dashboard/app.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
    ['/dashboard/app.css', 'text/css; charset=utf-8', 'body{}'],
  ])('%s is served with its content type and no-store', async (path, type, body) => {
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
    expect(response.headers.get('cache-control')).toBe('no-store');
    await expect(response.text()).resolves.toBe(body);
  });

  test('the mount point without its slash redirects to it, keeping relative asset URLs right', async () => {
    const response = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/dashboard/');
  });

  test('no other file of the folder is served, nor one outside it', async () => {
    for (const path of [
      '/dashboard/secret.txt',
      '/dashboard/../index.test.ts',
      '/dashboard/%2e%2e/x',
    ]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(404);
    }
  });

  test('without a build: a 503 page that says how to build it', async () => {
    for (const path of ['/unbuilt/', '/unbuilt/app.js']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      await expect(response.text()).resolves.toContain(DASHBOARD_NOT_BUILT);
    }
  });
});
