import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { CONTROL_COMMANDS, CommandError, runControl } from './cli/control.ts';
import { paymentStart, webhookReceiver } from './test-support.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const children: ChildProcess[] = [];

function run(args: string[]): { child: ChildProcess; output: () => string; done: Promise<number> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@accrupay/source', CLI, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '' },
    },
  );
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const done = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { child, output: () => output, done };
}

/** Resolves once the output contains `text`, or rejects with what was printed if the process exits. */
function waitFor(proc: ReturnType<typeof run>, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (proc.output().includes(text)) {
        proc.child.stdout?.off('data', check);
        resolve(proc.output());
      }
    };
    proc.child.stdout?.on('data', check);
    proc.done.then((code) =>
      reject(new Error(`exited ${code} before "${text}":\n${proc.output()}`)),
    );
    check();
  });
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

// Each test starts real processes through tsx: allow for a loaded machine.
describe('accrupay-sandbox', { timeout: 60_000 }, () => {
  test('start prints the credentials once, answers /health, and keeps them across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'accrupay-cli-'));
    const db = join(dir, 'sandbox.db');
    try {
      const first = run(['start', '--port', '0', '--db', db]);
      const printed = await waitFor(first, 'Stop with Ctrl-C.');
      const secret = /ACCRUPAY_API_SECRET=(sk_test_\w+)/.exec(printed)?.[1];
      const url = /base URL:\s+(\S+)/.exec(printed)?.[1];
      expect(secret).toBeDefined();
      expect(printed).toMatch(/merchantPublicId:\s+pk_test_\w+/);
      expect(printed).toMatch(/STRIPE merchantTransactionProviderId: mtp_stripe_\w+/);
      expect(printed).toMatch(/NUVEI {2}merchantTransactionProviderId: mtp_nuvei_\w+/);
      expect(printed).toMatch(
        /provider sim:\s+http:\/\/127\.0\.0\.1:\d+ \(embedded, state in .*provider-sim\.db\)/,
      );
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: 'ok' });
      expect(printed).toContain(`Demo checkout: ${url}/demo`);
      expect(printed).toContain(`GraphQL API:   ${url}/graphql`);
      const graphql = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(await graphql.json()).toEqual({ data: { __typename: 'Query' } });
      const demo = await fetch(`${url}/demo`);
      expect(demo.status).toBe(200);
      expect(await demo.text()).toContain('AccruPay demo shop');
      const list = await fetch(`${url}/v1/client-sessions`, {
        headers: { 'accrupay-api-secret': secret ?? '' },
      });
      expect(list.status).toBe(200);
      first.child.kill('SIGTERM');
      expect(await first.done).toBe(0);

      const second = run(['start', '--port', '0', '--db', db]);
      const again = await waitFor(second, 'Stop with Ctrl-C.');
      expect(again).not.toContain('ACCRUPAY_API_SECRET=');
      expect(again).toContain(`API secret ...${secret?.slice(-4)}`);
      expect(again).not.toContain('Demo shop');
      second.child.kill('SIGTERM');
      await second.done;

      const created = run(['merchant', 'create', '--json', '--db', db, '--name', 'Second shop']);
      expect(await created.done).toBe(0);
      const merchant = JSON.parse(created.output()) as Record<string, unknown>;
      expect(merchant).toMatchObject({
        name: 'Second shop',
        apiSecret: expect.stringMatching(/^sk_test_/),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('--webhook-url registers an endpoint, prints its secret, keeps it across a restart, and deliveries verify with it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'accrupay-cli-'));
    const db = join(dir, 'sandbox.db');
    const hook = await webhookReceiver();
    hook.respond(() => 204);
    const hookUrl = hook.url;
    try {
      const first = run(['start', '--port', '0', '--db', db, '--webhook-url', hookUrl]);
      const printed = await waitFor(first, 'Stop with Ctrl-C.');
      const whsec = /ACCRUPAY_WEBHOOK_SECRET=(whsec_\S+)/.exec(printed)?.[1];
      const apiSecret = /ACCRUPAY_API_SECRET=(sk_test_\w+)/.exec(printed)?.[1] ?? '';
      const url = /base URL:\s+(\S+)/.exec(printed)?.[1];
      const stripe = /STRIPE merchantTransactionProviderId: (\S+)/.exec(printed)?.[1];
      expect(whsec).toBeDefined();
      expect(printed).toContain(`goes to ${hookUrl}`);
      const sim = /provider sim:\s+(\S+)/.exec(printed)?.[1];
      const merchantApi = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'accrupay-api-secret': apiSecret },
          body: JSON.stringify(body),
        });
      const started = await merchantApi(
        '/v1/client-sessions/payments',
        paymentStart(
          { merchantTransactionProviderIds: { STRIPE: stripe ?? '', NUVEI: '' } },
          'STRIPE',
          {
            code: 'cli-hook-1',
          },
        ),
      );
      expect(started.status).toBe(200);
      const session = (await started.json()) as { id: string; token: string };
      const paid = await fetch(`${sim}/hosted/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          provider: 'stripe',
          token: session.token,
          origin: 'http://localhost:5173',
          number: '4242424242424242',
          expMonth: '12',
          expYear: '2034',
          cvc: '123',
          name: 'Jane Smith',
        }),
      });
      expect(paid.status).toBe(200);
      const verified = await merchantApi('/v1/client-sessions/payments/verify', { id: session.id });
      expect(await verified.json()).toMatchObject({ status: 'SUCCEEDED' });
      // The running sandbox sends by itself: wait for both events (no sleep).
      await hook.waitFor(2, 'both events of the paid session', 30_000);
      const types = hook.verified(whsec ?? '').map((event) => event.type);
      expect(types.sort()).toEqual(['client_session.completed', 'transaction.succeeded']);
      first.child.kill('SIGTERM');
      expect(await first.done).toBe(0);

      const second = run(['start', '--port', '0', '--db', db, '--webhook-url', hookUrl]);
      const again = await waitFor(second, 'Stop with Ctrl-C.');
      expect(again).toContain('reused');
      expect(again).toContain(`ACCRUPAY_WEBHOOK_SECRET=${whsec}`);
      second.child.kill('SIGTERM');
      await second.done;

      const bad = run(['start', '--port', '0', '--db', db, '--webhook-url', 'ftp://x']);
      expect(await bad.done).toBe(2);
      expect(bad.output()).toContain('--webhook-url must be http or https');
    } finally {
      await hook.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the control commands steer the running sandbox: lists, clock, scenarios, origins, reconcile, reset', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'accrupay-cli-'));
    try {
      const started = run([
        'start',
        '--port',
        '0',
        '--db',
        join(dir, 'sandbox.db'),
        '--log-format',
        'pretty',
        '--log-level',
        'info',
      ]);
      const printed = await waitFor(started, 'Stop with Ctrl-C.');
      const url = /base URL:\s+(\S+)/.exec(printed)?.[1] ?? '';
      expect(printed).toContain(`Dashboard:     ${url}/dashboard`);
      expect(printed).toContain(`Control API:   ${url}/v1/admin`);
      const page = await fetch(`${url}/dashboard/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root"');
      // Two commands as processes (the dispatch of cli.ts), the rest in-process (runControl).
      const spawned = run(['reconcile', '--url', url]);
      expect(await spawned.done).toBe(0);
      expect(spawned.output()).toContain('consistent');
      const origins = run(['merchant', 'origins', 'add', 'http://127.0.0.1:5174', '--url', url]);
      expect(await origins.done).toBe(0);
      expect(origins.output()).toContain('http://127.0.0.1:5174');
      const cli = async (...args: string[]) => {
        const [first, second] = args;
        const name = first === 'merchant' && second === 'origins' ? 'origins' : (first ?? '');
        const rest = args.slice(first === 'merchant' ? 2 : 1);
        try {
          const { out, exitCode } = await runControl(name, [...rest, '--url', url]);
          return { code: exitCode, out };
        } catch (error) {
          if (!(error instanceof CommandError)) throw error;
          return { code: error.exitCode, out: error.message };
        }
      };
      expect(await cli('sessions')).toMatchObject({
        code: 0,
        out: expect.stringContaining('0 in all'),
      });
      const json = await cli('sessions', '--json');
      expect(JSON.parse(json.out)).toEqual({ data: [], total: 0 });
      const clock = await cli('clock', 'advance', '20m');
      expect(clock.code).toBe(0);
      expect(clock.out).toMatch(/clock: \S+ -> \S+/);
      expect((await cli('clock', 'advance', 'soon')).code).toBe(2);
      const armed = await cli('scenario', 'arm', 'api_error', '--times', '1');
      expect(armed).toMatchObject({ code: 0, out: expect.stringContaining('armed api_error') });
      const listed = JSON.parse((await cli('scenario', 'list', '--json')).out) as { id: string }[];
      expect(listed).toHaveLength(1);
      expect((await cli('scenario', 'disarm', listed[0]?.id ?? '')).code).toBe(0);
      expect((await cli('scenario', 'arm', 'no_such_kind')).code).toBe(1);
      const badOrigin = await cli('merchant', 'origins', 'add', 'http://127.0.0.1:5174/');
      expect(badOrigin.code).toBe(1);
      expect(badOrigin.out).toContain('use http://127.0.0.1:5174');
      expect(JSON.parse((await cli('merchant', 'origins', 'list', '--json')).out)).toContain(
        'http://127.0.0.1:5174',
      );
      expect((await cli('ledger', '--json')).out).toBe('[]');
      expect((await cli('transactions')).code).toBe(0);
      expect((await cli('reset')).code).toBe(2);
      expect(await cli('reset', '--yes')).toMatchObject({ code: 0 });
      for (const command of Object.keys(CONTROL_COMMANDS)) {
        const help = await cli(command, '--help');
        expect(help.code, command).toBe(0);
        expect(help.out, command).toContain('Usage:');
      }
      // Pretty logs: one readable line per request.
      expect(started.output()).toMatch(
        /\d\d:\d\d:\d\d INFO {2}GET \/v1\/admin\/sessions 200 [\d.]+ ms/,
      );
      started.child.kill('SIGTERM');
      await started.done;
      await expect(runControl('sessions', ['--url', 'http://127.0.0.1:1'])).rejects.toThrow(
        'no sandbox answers at http://127.0.0.1:1',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a bad option is refused with the usage', async () => {
    const bad = run(['start', '--port', 'abc']);
    expect(await bad.done).toBe(2);
    expect(bad.output()).toContain('--port must be a port number');
    expect(bad.output()).toContain('Usage:');
  });
});
