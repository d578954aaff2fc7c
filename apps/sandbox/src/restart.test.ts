// Issue 9, case 1: a restart of `accrupay-sandbox start` (embedded simulator, same database file),
// graceful or kill -9, never makes an unpaid session verify as paid, and what was started before
// it can still be paid and verified after it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { GOOD_CARDS } from './test-cards.ts';
import { paymentStart } from './test-support.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const ORIGIN = 'http://localhost:5173';
const PROVIDERS = ['STRIPE', 'NUVEI'] as const;
type Provider = (typeof PROVIDERS)[number];
type Json = Record<string, unknown>;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

interface Running {
  child: ChildProcess;
  url: string;
  simUrl: string;
  printed: string;
  exited: Promise<number>;
}

/** Starts the CLI as a user would and waits until it says it is ready. */
function start(db: string): Promise<Running> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@accrupay/source', CLI, 'start', '--port', '0', '--db', db],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn' },
    },
  );
  children.push(child);
  let output = '';
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Stop with Ctrl-C.')) return;
      const url = /base URL:\s+(\S+)/.exec(output)?.[1];
      const simUrl = /provider sim:\s+(\S+)/.exec(output)?.[1];
      if (!url || !simUrl) return reject(new Error(`no URLs in:\n${output}`));
      resolve({ child, url, simUrl, printed: output, exited });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`exited ${code} before ready:\n${output}`)));
  });
}

async function call(url: string, init: { method?: string; secret?: string; body?: unknown } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.secret ? { 'accrupay-api-secret': init.secret } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

describe('a restart of accrupay-sandbox start on the same database', { timeout: 120_000 }, () => {
  test.each(['SIGTERM', 'SIGKILL'] as const)(
    'after %s: unpaid sessions stay unpaid, old tokens still pay, new ids never collide',
    async (signal) => {
      const dir = await mkdtemp(join(tmpdir(), 'accrupay-restart-'));
      const db = join(dir, 'sandbox.db');
      try {
        const first = await start(db);
        const secret = /ACCRUPAY_API_SECRET=(sk_test_\w+)/.exec(first.printed)?.[1] ?? '';
        const mtp = {
          STRIPE: /STRIPE merchantTransactionProviderId: (\S+)/.exec(first.printed)?.[1],
          NUVEI: /NUVEI {2}merchantTransactionProviderId: (\S+)/.exec(first.printed)?.[1],
        };
        const startSession = async (
          url: string,
          provider: Provider,
          code: string,
          amount: string,
        ) => {
          const answer = await call(`${url}/v1/client-sessions/payments`, {
            secret,
            body: paymentStart({ merchantTransactionProviderIds: mtp }, provider, { code, amount }),
          });
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          return answer.body as { id: string; token: string; providerCode: string };
        };
        const pay = (simUrl: string, provider: Provider, token: string) =>
          call(`${simUrl}/hosted/submit`, {
            body: {
              provider: provider.toLowerCase(),
              token,
              origin: ORIGIN,
              number: GOOD_CARDS[provider],
              expMonth: '12',
              expYear: '2034',
              cvc: '123',
              name: 'Jane Smith',
            },
          });
        const verify = async (url: string, id: string) =>
          (await call(`${url}/v1/client-sessions/payments/verify`, { secret, body: { id } })).body;

        const unpaid: Record<Provider, { id: string; token: string; providerCode: string }> = {
          STRIPE: await startSession(first.url, 'STRIPE', 'before-unpaid-stripe', '1000'),
          NUVEI: await startSession(first.url, 'NUVEI', 'before-unpaid-nuvei', '1000'),
        };
        const paidBefore = await startSession(first.url, 'STRIPE', 'before-paid', '700');
        expect((await pay(first.simUrl, 'STRIPE', paidBefore.token)).status).toBe(200);

        first.child.kill(signal);
        await first.exited;

        const second = await start(db);
        for (const provider of PROVIDERS) {
          const fresh = await startSession(second.url, provider, `after-${provider}`, '5000');
          expect(fresh.providerCode).not.toBe(unpaid[provider].providerCode);
          expect(fresh.token).not.toBe(unpaid[provider].token);
          expect((await pay(second.simUrl, provider, fresh.token)).status).toBe(200);
          expect(await verify(second.url, fresh.id)).toMatchObject({
            status: 'SUCCEEDED',
            amount: '5000',
          });
          // The session from before the restart was never paid: it says so.
          expect(await verify(second.url, unpaid[provider].id)).toMatchObject({
            status: 'PENDING',
            amount: '1000',
          });
          // Its token still works at the card page, and paying it makes it SUCCEEDED.
          const page = await fetch(
            `${second.simUrl}/hosted/card?provider=${provider.toLowerCase()}&token=${encodeURIComponent(unpaid[provider].token)}&origin=${encodeURIComponent(ORIGIN)}`,
          );
          expect(page.status).toBe(200);
          expect((await pay(second.simUrl, provider, unpaid[provider].token)).status).toBe(200);
          expect(await verify(second.url, unpaid[provider].id)).toMatchObject({
            status: 'SUCCEEDED',
            amount: '1000',
          });
        }
        // Paid before the restart, verified after it.
        expect(await verify(second.url, paidBefore.id)).toMatchObject({
          status: 'SUCCEEDED',
          amount: '700',
        });
        const ledger = (await call(`${second.simUrl}/__sim/ledger`)).body.data as Json[];
        const charged = (code: string) =>
          ledger.filter((entry) => entry.merchantRef === code && entry.kind === 'charge');
        for (const code of [
          'before-unpaid-stripe',
          'before-unpaid-nuvei',
          'before-paid',
          'after-STRIPE',
          'after-NUVEI',
        ]) {
          expect(charged(code), code).toHaveLength(1);
        }
        second.child.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
