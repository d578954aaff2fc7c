// pnpm bench: complete flows per second (start, pay through the simulator's card endpoint,
// verify) at 16 concurrent flows, with p50 and p99, and the same three round trips against a
// bare node:http server as the ceiling, in the same run. The servers run in their own processes;
// the client is a lean keep-alive node:http one. For the sandbox with its simulator embedded, the
// flow runs for STRIPE and NUVEI over REST and over GraphQL, and the sandbox process's own CPU
// time per flow (user + system, from /proc over the measured window) is printed.
// bench/scale.bench.ts (pnpm bench:scale, run after this one by pnpm bench) runs 1, 2 and 4
// sandbox processes on one PostgreSQL database.
import { type Api, type BenchMerchant, paymentFlow } from './flow.ts';
import {
  CONCURRENCY,
  DURATION_MS,
  machine,
  postJson,
  printTable,
  type RunResult,
  run,
  SUCCESS_CARD,
  spawnServer,
} from './support.ts';

/** BENCH_ONLY=<regexp>: only the sandbox rows whose "STRIPE over REST, simulator embedded" matches. */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;

const ceiling = await spawnServer('./ceiling.ts');
const ceilingUrl = ceiling.info.url as string;
const bare = await run(
  'bare node:http, 3 round trips',
  async (i) => {
    await postJson(`${ceilingUrl}/start`, { code: `order-${i}`, amount: '1000' });
    await postJson(`${ceilingUrl}/pay`, { token: 't', number: SUCCESS_CARD.STRIPE });
    await postJson(`${ceilingUrl}/verify`, { id: 'x' });
  },
  [ceiling.child.pid],
);
await ceiling.stop();

interface Row extends RunResult {
  api: Api;
  provider: 'STRIPE' | 'NUVEI';
  simulator: string;
}

async function benchSandbox(simulator: string, env: Record<string, string>, apis: readonly Api[]) {
  const sandbox = await spawnServer('./server.ts', env);
  const { url, providerUrl } = sandbox.info as { url: string; providerUrl: string };
  const merchant = sandbox.info.merchant as BenchMerchant;
  const rows: Row[] = [];
  for (const api of apis) {
    for (const provider of ['STRIPE', 'NUVEI'] as const) {
      if (ONLY && !ONLY.test(`${provider} over ${api}, simulator ${simulator}`)) continue;
      const flow = paymentFlow({ url, providerUrl, merchant, api, provider, tag: 'main' });
      const result = await run(
        `sandbox ${provider} flow over ${api} (start, pay, verify), simulator ${simulator}`,
        flow,
        [sandbox.child.pid],
      );
      rows.push({ ...result, api, provider, simulator });
    }
  }
  await sandbox.stop();
  return rows;
}
const rows = await benchSandbox('embedded', {}, ['REST', 'GraphQL']);
// The same router with the simulator in its own process, as `--provider-url` runs it.
if (!ONLY || ONLY.test('own process')) {
  const sim = await spawnServer('./sim-server.ts');
  rows.push(
    ...(await benchSandbox('own process', { BENCH_PROVIDER_URL: sim.info.url as string }, [
      'REST',
    ])),
  );
  await sim.stop();
}

console.log(
  `\n${CONCURRENCY} concurrent flows, ${DURATION_MS} ms measured per row; ${machine()}. ` +
    "CPU: the sandbox process's own (router, and the simulator when embedded), per flow.",
);
printTable(
  ['flow', 'simulator', 'CPU ms/flow', 'flows/s', 'p50 ms', 'p99 ms', 'of ceiling', 'errors'],
  [
    [
      'bare node:http ceiling, 3 round trips',
      '-',
      bare.cpuMsPerFlow.toFixed(3),
      String(bare.flowsPerSecond),
      bare.p50ms.toFixed(1),
      bare.p99ms.toFixed(1),
      '100%',
      String(bare.errors),
    ],
    ...rows.map((row) => [
      `${row.provider} over ${row.api}`,
      row.simulator,
      row.cpuMsPerFlow.toFixed(3),
      String(row.flowsPerSecond),
      row.p50ms.toFixed(1),
      row.p99ms.toFixed(1),
      `${((100 * row.flowsPerSecond) / bare.flowsPerSecond).toFixed(1)}%`,
      String(row.errors),
    ]),
  ],
);
// GraphQL against REST, the same flow, the same process, this run (goal: at most 1.25x the CPU).
for (const provider of ['STRIPE', 'NUVEI'] as const) {
  const of = (api: Api) =>
    rows.find((r) => r.provider === provider && r.api === api && r.simulator === 'embedded')
      ?.cpuMsPerFlow;
  const [rest, graphql] = [of('REST'), of('GraphQL')];
  if (rest && graphql) {
    console.log(
      `${provider}: GraphQL uses ${(graphql / rest).toFixed(2)}x REST's CPU per flow (${graphql} ms against ${rest} ms)`,
    );
  }
}
