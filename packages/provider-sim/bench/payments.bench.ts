import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createProviderSim, DEFAULT_ACCOUNT, nuveiTimestamp } from '../src/index.ts';

const DURATION_MS = Number(process.env.BENCH_MS ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const IN_PROCESS = process.env.BENCH_IN_PROCESS === '1';
/** A database file for the simulator (`--db`); empty keeps it in memory. */

/** By default the server runs in its own process (as the CLI does) so client and server each get a core. */
async function startServer(): Promise<{
  url: string;
  reset(): Promise<void>;
  close(): Promise<void>;
}> {
  if (IN_PROCESS) {
    const sim = createProviderSim({ clock: { mode: 'system' } });
    const running = await sim.start({ port: 0 });
    return { url: running.url, reset: async () => sim.reset(), close: running.close };
  }
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@accrupay/source',
      cli,
      '--port',
      '0',
      ...(process.env.BENCH_DB ? ['--db', process.env.BENCH_DB] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return {
    url,
    reset: async () => {
      await fetch(`${url}/__sim/reset`, { method: 'POST' });
    },
    close: async () => {
      child.kill('SIGTERM');
    },
  };
}

const { url, reset, close } = await startServer();
const stripeKey = DEFAULT_ACCOUNT.stripe?.secretKey ?? '';
const nv = DEFAULT_ACCOUNT.nuvei ?? { merchantId: '', merchantSiteId: '', secretKey: '' };

async function form(method: string, path: string, params?: Record<string, string>) {
  const res = await fetch(`${url}/stripe/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stripeKey}`,
      ...(params ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(params ? { body: new URLSearchParams(params).toString() } : {}),
  });
  const body = (await res.json()) as { id: string; status: string };
  if (res.status !== 200) throw new Error(`stripe ${path} answered ${res.status}`);
  return body;
}

async function stripePayment(): Promise<void> {
  const pi = await form('POST', '/payment_intents', { amount: '1999', currency: 'usd' });
  await form('POST', `/payment_intents/${pi.id}/confirm`, {
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': '4242424242424242',
    'payment_method_data[card][exp_month]': '12',
    'payment_method_data[card][exp_year]': '2040',
    'payment_method_data[card][cvc]': '123',
  });
  const got = await form('GET', `/payment_intents/${pi.id}`);
  if (got.status !== 'succeeded') throw new Error(`unexpected status ${got.status}`);
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
async function json(method: string, body: Record<string, unknown>) {
  const res = await fetch(`${url}/nuvei/ppp/api/v1/${method}.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const out = (await res.json()) as Record<string, string>;
  if (out.status !== 'SUCCESS') throw new Error(`nuvei ${method}: ${out.reason}`);
  return out;
}

let n = 0;
async function nuveiPayment(): Promise<void> {
  n += 1;
  const timeStamp = nuveiTimestamp(Date.now());
  const base = { merchantId: nv.merchantId, merchantSiteId: nv.merchantSiteId, timeStamp };
  const crid = `b-${n}`;
  const order = await json('openOrder', {
    ...base,
    clientRequestId: crid,
    amount: '19.99',
    currency: 'USD',
    checksum: sha(`${nv.merchantId}${nv.merchantSiteId}${crid}19.99USD${timeStamp}${nv.secretKey}`),
  });
  await json('payment', {
    ...base,
    clientRequestId: crid,
    sessionToken: order.sessionToken,
    amount: '19.99',
    currency: 'USD',
    checksum: sha(`${nv.merchantId}${nv.merchantSiteId}${crid}19.99USD${timeStamp}${nv.secretKey}`),
    paymentOption: {
      card: {
        cardNumber: '4761344136141390',
        cardHolderName: 'Bench Mark',
        expirationMonth: '12',
        expirationYear: '2040',
        CVV: '123',
      },
    },
  });
  const status = await json('getPaymentStatus', { sessionToken: order.sessionToken });
  if (status.transactionStatus !== 'APPROVED') throw new Error('not approved');
}

async function run(name: string, payment: () => Promise<void>): Promise<number> {
  await reset();
  for (let i = 0; i < 50; i++) await payment();
  await reset();
  let done = 0;
  const deadline = performance.now() + DURATION_MS;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await payment();
        done += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const rate = done / seconds;
  process.stdout.write(
    `${name}: ${done} complete payments (create, pay with a card, retrieve) in ${seconds.toFixed(1)} s = ${rate.toFixed(0)} payments/s over HTTP, ${CONCURRENCY} concurrent clients, server ${IN_PROCESS ? 'in the same process' : 'in its own process'}\n`,
  );
  return rate;
}

try {
  await run('stripe-like', stripePayment);
  await run('nuvei-like ', nuveiPayment);
} finally {
  await close();
}
