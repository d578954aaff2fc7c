import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT } from './config.ts';
import { type Loose, nuvei, nuveiOpenOrder, nuveiPay, stripe } from './test-helpers.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const PKG = fileURLToPath(new URL('..', import.meta.url));
const KEY = DEFAULT_ACCOUNT.stripe?.secretKey ?? '';
const NV = {
  merchantId: DEFAULT_ACCOUNT.nuvei?.merchantId ?? '',
  merchantSiteId: DEFAULT_ACCOUNT.nuvei?.merchantSiteId ?? '',
  secretKey: DEFAULT_ACCOUNT.nuvei?.secretKey ?? '',
};

let dir: string;
let file: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'provider-sim-proc-'));
  file = join(dir, 'sim.db');
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Cli {
  child: ChildProcess;
  url: Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts the simulator's own CLI in a child process, on the test's database file. */
function cli(): Cli {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@accrupay/source',
      CLI,
      '--db',
      file,
      '--port',
      '0',
      '--manual-clock',
    ],
    { cwd: PKG, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr: err })),
  );
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void exit.then((e) => reject(new Error(`simulator exited (${e.code}): ${e.stderr}`)));
  });
  // An awaited rejection still fails the test; one nobody awaits (a refused start) is not an error.
  url.catch(() => undefined);
  return { child, url, exit };
}

describe('the CLI on a database file', () => {
  it('kill -9 right after the answers loses nothing: the PaymentIntent and the Nuvei order are still there and payable', async () => {
    const first = cli();
    const url = await first.url;
    const pi = (
      await stripe(url, 'POST', '/payment_intents', { amount: '1234', currency: 'usd' }, KEY)
    ).body as Loose;
    expect(pi.status).toBe('requires_payment_method');
    const order = (await nuveiOpenOrder(url, { clientUniqueId: 'killed-1' }, NV)).body as Loose;
    expect(order.status).toBe('SUCCESS');
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');

    const second = cli();
    const url2 = await second.url;
    const got = await stripe(url2, 'GET', `/payment_intents/${pi.id}`, {}, KEY);
    expect(got.status).toBe(200);
    expect(got.body.client_secret).toBe(pi.client_secret);
    const confirmed = await stripe(
      url2,
      'POST',
      `/payment_intents/${pi.id}/confirm`,
      { payment_method: 'pm_card_visa' },
      KEY,
    );
    expect(confirmed.body.status).toBe('succeeded');
    const paid = await nuveiPay(url2, order.sessionToken, '4761344136141390', {}, NV);
    expect(paid.body).toMatchObject({ status: 'SUCCESS', transactionStatus: 'APPROVED' });
    const status = await nuvei(url2, 'getPaymentStatus', { sessionToken: order.sessionToken });
    expect(status.body).toMatchObject({
      transactionStatus: 'APPROVED',
      clientUniqueId: 'killed-1',
    });

    const intruder = cli();
    const refused = await intruder.exit;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(file);
    expect(refused.stderr).toMatch(/locked/);
    // the first one is unharmed
    expect((await stripe(url2, 'GET', `/payment_intents/${pi.id}`, {}, KEY)).status).toBe(200);
  }, 60_000);
});
