// pnpm bench: complete flows per second (start, pay through the simulator's card endpoint,
// verify) at 16 concurrent flows, with p50 and p99, and the same three round trips against a
// bare node:http server as the ceiling. The servers run in their own processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { NUVEI_TEST_CARDS, STRIPE_TEST_CARDS, TEST_BILLING } from '@accrupay/provider-sim';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const DURATION_MS = Number(process.env.BENCH_MS ?? 10_000);
const WARMUP_MS = 1_000;
/** The simulator's first published success card of each provider. */
const SUCCESS_CARD = {
  STRIPE: STRIPE_TEST_CARDS.find((card) => card.outcome === 'success')?.number,
  NUVEI: NUVEI_TEST_CARDS.find((card) => card.outcome === 'success')?.number,
};

async function spawnServer(
  script: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@accrupay/source', new URL(script, import.meta.url).pathname],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, 'line')) as [string];
  return { child, info: JSON.parse(line) as Record<string, unknown> };
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function run(name: string, flow: (i: number) => Promise<void>) {
  let counter = 0;
  const latencies: number[] = [];
  let errors = 0;
  const warmupEnd = performance.now() + WARMUP_MS;
  const end = warmupEnd + DURATION_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const started = performance.now();
        try {
          await flow(counter++);
          if (started >= warmupEnd) latencies.push(performance.now() - started);
        } catch (error) {
          errors++;
          if (errors === 1) console.error(`${name}: ${String(error)}`);
        }
      }
    }),
  );
  latencies.sort((x, y) => x - y);
  const result = {
    name,
    flowsPerSecond: Math.round((latencies.length / DURATION_MS) * 1000),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
    flows: latencies.length,
    errors,
  };
  console.log(JSON.stringify(result));
  return result;
}

const ceiling = await spawnServer('./ceiling.ts');
const ceilingUrl = ceiling.info.url as string;
const bare = await run('bare node:http, 3 round trips', async (i) => {
  await postJson(`${ceilingUrl}/start`, { code: `order-${i}`, amount: '1000' });
  await postJson(`${ceilingUrl}/pay`, { token: 't', number: SUCCESS_CARD.STRIPE });
  await postJson(`${ceilingUrl}/verify`, { id: 'x' });
});
ceiling.child.kill('SIGTERM');

async function benchSandbox(label: string, env: Record<string, string>) {
  const sandbox = await spawnServer('./server.ts', env);
  const { url, providerUrl } = sandbox.info as { url: string; providerUrl: string };
  const merchant = sandbox.info.merchant as {
    apiSecret: string;
    merchantTransactionProviderIds: Record<string, string>;
  };
  const results = [];
  for (const provider of ['STRIPE', 'NUVEI'] as const) {
    const card = SUCCESS_CARD[provider];
    results.push(
      await run(`sandbox ${provider} flow (start, pay, verify), ${label}`, async (i) => {
        const headers = { 'accrupay-api-secret': merchant.apiSecret };
        const session = await postJson(
          `${url}/v1/client-sessions/payments`,
          {
            merchantTransactionProviderId: merchant.merchantTransactionProviderIds[provider],
            data: {
              merchantInternalTransactionCode: `bench-${provider}-${i}`,
              amount: '1000',
              currency: 'USD',
              storePaymentMethod: false,
              billing: TEST_BILLING,
            },
          },
          headers,
        );
        await postJson(`${providerUrl}/hosted/submit`, {
          provider: provider.toLowerCase(),
          token: session.token,
          origin: 'http://localhost:5173',
          number: card,
          expMonth: '12',
          expYear: '2034',
          cvc: '123',
          name: `${TEST_BILLING.billingFirstName} ${TEST_BILLING.billingLastName}`,
        });
        const transaction = await postJson(
          `${url}/v1/client-sessions/payments/verify`,
          { id: session.id },
          headers,
        );
        if (transaction.status !== 'SUCCEEDED')
          throw new Error(`verify said ${String(transaction.status)}`);
      }),
    );
  }
  sandbox.child.kill('SIGTERM');
  return results;
}
const results = await benchSandbox('simulator embedded', {});
// The same router with the simulator in its own process, as `--provider-url` runs it.
const sim = await spawnServer('./sim-server.ts');
results.push(
  ...(await benchSandbox('simulator in its own process', {
    BENCH_PROVIDER_URL: sim.info.url as string,
  })),
);
sim.child.kill('SIGTERM');
for (const result of results) {
  console.log(
    `${result.name}: ${result.flowsPerSecond} flows/s at ${CONCURRENCY} concurrent, p50 ${result.p50ms} ms, p99 ${result.p99ms} ms; ${((100 * result.flowsPerSecond) / bare.flowsPerSecond).toFixed(1)}% of the bare node:http ceiling (${bare.flowsPerSecond}/s)`,
  );
}
