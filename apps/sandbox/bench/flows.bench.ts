// pnpm bench: complete flows per second (start, pay through the simulator's card endpoint,
// verify) at 16 concurrent flows, with p50 and p99, and the same three round trips against a
// bare node:http server as the ceiling. The servers run in their own processes. For the sandbox
// with its simulator embedded, the flow runs over REST and over GraphQL, and the sandbox
// process's own CPU time per flow (user + system, from /proc over the measured window) is printed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NUVEI_TEST_CARDS, STRIPE_TEST_CARDS, TEST_BILLING } from '@accrupay/provider-sim';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const DURATION_MS = Number(process.env.BENCH_MS ?? 10_000);
const WARMUP_MS = 1_000;
/** BENCH_CPU_PROF=<dir>: each server process writes a V8 CPU profile there when it exits. */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
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
    [
      ...(CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []),
      '--import',
      'tsx',
      '--conditions=@accrupay/source',
      new URL(script, import.meta.url).pathname,
    ],
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

/** CPU milliseconds (user + system) the process has used so far, from /proc (Linux). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

async function run(name: string, flow: (i: number) => Promise<void>, server?: ChildProcess) {
  let counter = 0;
  const latencies: number[] = [];
  let errors = 0;
  const warmupEnd = performance.now() + WARMUP_MS;
  const end = warmupEnd + DURATION_MS;
  let cpuAtWarmupEnd = Number.NaN;
  const warmupTimer = setTimeout(() => {
    cpuAtWarmupEnd = cpuMs(server?.pid);
  }, WARMUP_MS);
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
  const cpuInWindow = cpuMs(server?.pid) - cpuAtWarmupEnd;
  clearTimeout(warmupTimer);
  latencies.sort((x, y) => x - y);
  const result = {
    name,
    flowsPerSecond: Math.round((latencies.length / DURATION_MS) * 1000),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
    flows: latencies.length,
    errors,
    /** The server process's CPU per completed flow over the measured window (NaN: not measured). */
    cpuMsPerFlow: Number((cpuInWindow / Math.max(1, latencies.length)).toFixed(3)),
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

const GRAPHQL_START = `mutation($p: TRANSACTION_PROVIDER, $d: MerchantApiClientTransactionPaymentSessionStartSchema!) {
  merchantApiClientTransactionPaymentSessionStartV2(transactionProvider: $p, data: $d) { id token }
}`;
const GRAPHQL_VERIFY = `mutation($id: String) {
  merchantApiClientTransactionPaymentSessionVerify(id: $id) { id status }
}`;

type Api = 'REST' | 'GraphQL';

/** One flow's start and verify, over REST or over the GraphQL API; the same work either way. */
function merchantApi(url: string, apiSecret: string, api: Api) {
  const headers = { 'accrupay-api-secret': apiSecret };
  const graphql = async (query: string, variables: Record<string, unknown>) => {
    const answer = await postJson(`${url}/graphql`, { query, variables }, headers);
    if (answer.errors) throw new Error(`GraphQL answered ${JSON.stringify(answer.errors)}`);
    return Object.values(answer.data as Record<string, Record<string, unknown>>)[0] ?? {};
  };
  return {
    start: (
      provider: 'STRIPE' | 'NUVEI',
      mtpId: string | undefined,
      data: Record<string, unknown>,
    ) =>
      api === 'REST'
        ? postJson(
            `${url}/v1/client-sessions/payments`,
            { merchantTransactionProviderId: mtpId, data },
            headers,
          )
        : graphql(GRAPHQL_START, { p: provider, d: data }),
    verify: (id: unknown) =>
      api === 'REST'
        ? postJson(`${url}/v1/client-sessions/payments/verify`, { id }, headers)
        : graphql(GRAPHQL_VERIFY, { id }),
  };
}

async function benchSandbox(label: string, env: Record<string, string>, apis: readonly Api[]) {
  const sandbox = await spawnServer('./server.ts', env);
  const { url, providerUrl } = sandbox.info as { url: string; providerUrl: string };
  const merchant = sandbox.info.merchant as {
    apiSecret: string;
    merchantTransactionProviderIds: Record<string, string>;
  };
  const results = [];
  for (const api of apis) {
    const calls = merchantApi(url, merchant.apiSecret, api);
    for (const provider of ['STRIPE', 'NUVEI'] as const) {
      const card = SUCCESS_CARD[provider];
      const flow = async (i: number) => {
        const session = await calls.start(
          provider,
          merchant.merchantTransactionProviderIds[provider],
          {
            merchantInternalTransactionCode: `bench-${api}-${provider}-${i}`,
            amount: '1000',
            currency: 'USD',
            storePaymentMethod: false,
            billing: TEST_BILLING,
          },
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
        const transaction = await calls.verify(session.id);
        if (transaction.status !== 'SUCCEEDED')
          throw new Error(`verify said ${String(transaction.status)}`);
      };
      results.push(
        await run(
          `sandbox ${provider} flow over ${api} (start, pay, verify), ${label}`,
          flow,
          sandbox.child,
        ),
      );
    }
  }
  sandbox.child.kill('SIGTERM');
  return results;
}
const results = await benchSandbox('simulator embedded', {}, ['REST', 'GraphQL']);
// The same router with the simulator in its own process, as `--provider-url` runs it.
const sim = await spawnServer('./sim-server.ts');
results.push(
  ...(await benchSandbox(
    'simulator in its own process',
    { BENCH_PROVIDER_URL: sim.info.url as string },
    ['REST'],
  )),
);
sim.child.kill('SIGTERM');
for (const result of results) {
  console.log(
    `${result.name}: ${result.flowsPerSecond} flows/s at ${CONCURRENCY} concurrent, p50 ${result.p50ms} ms, p99 ${result.p99ms} ms, ${result.cpuMsPerFlow} ms of the sandbox process's CPU per flow; ${((100 * result.flowsPerSecond) / bare.flowsPerSecond).toFixed(1)}% of the bare node:http ceiling (${bare.flowsPerSecond}/s)`,
  );
}
// GraphQL against REST, the same flow, the same process, this run (goal: at most 1.25x the CPU).
for (const provider of ['STRIPE', 'NUVEI']) {
  const of = (api: Api) =>
    results.find((r) => r.name.startsWith(`sandbox ${provider} flow over ${api} `))?.cpuMsPerFlow;
  const [rest, graphql] = [of('REST'), of('GraphQL')];
  if (rest && graphql) {
    console.log(
      `${provider}: GraphQL uses ${(graphql / rest).toFixed(2)}x REST's CPU per flow (${graphql} ms against ${rest} ms)`,
    );
  }
}
