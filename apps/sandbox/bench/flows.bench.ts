// pnpm bench: complete flows per second (start, pay through the simulator's card endpoint,
// verify) at 16 concurrent flows, with p50 and p99, and the same three round trips against a
// bare node:http server as the ceiling, in the same run. The servers run in their own processes;
// the client is a lean keep-alive node:http one. For the sandbox with its simulator embedded, the
// flow runs for STRIPE and NUVEI over REST and over GraphQL, and the sandbox process's own CPU
// time per flow (user + system, from /proc over the measured window) is printed. The rows of one
// sandbox process run in BENCH_ROUNDS interleaved rounds (default 3) of BENCH_MS / rounds each,
// and each figure is the median over the rounds: the database and the simulator's memory grow
// through a run, and a row measured only at its end would pay for the rows before it.
// bench/scale.bench.ts (pnpm bench:scale, run after this one by pnpm bench) runs 1, 2 and 4
// sandbox processes on one PostgreSQL database.
import Database from 'better-sqlite3';
import { type Api, type BenchMerchant, paymentFlow } from './flow.ts';
import {
  CONCURRENCY,
  callbacksSettle,
  DURATION_MS,
  machine,
  postJson,
  printTable,
  type RunResult,
  run,
  SUCCESS_CARD,
  spawnServer,
} from './support.ts';

/** BENCH_ROUNDS: how many interleaved rounds share each row's BENCH_MS (default 3). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
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
  { pids: [ceiling.child.pid] },
);
await ceiling.stop();

interface Row extends RunResult {
  api: Api;
  provider: 'STRIPE' | 'NUVEI';
  simulator: string;
  /** The row's CPU per flow in each round, in order. */
  rounds: number[];
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

/** One row's rounds as one result: each figure the median over the rounds, flows and errors summed. */
function combined(results: readonly RunResult[]): RunResult {
  const of = (pick: (result: RunResult) => number) => median(results.map(pick));
  return {
    name: results[0]?.name ?? '',
    flowsPerSecond: Math.round(of((r) => r.flowsPerSecond)),
    p50ms: of((r) => r.p50ms),
    p99ms: of((r) => r.p99ms),
    flows: results.reduce((sum, r) => sum + r.flows, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuMsPerFlow: Number(of((r) => r.cpuMsPerFlow).toFixed(3)),
  };
}

async function benchSandbox(
  simulator: string,
  env: Record<string, string>,
  apis: readonly Api[],
): Promise<Row[]> {
  const sandbox = await spawnServer('./server.ts', env);
  const { url, providerUrl, db } = sandbox.info as { url: string; providerUrl: string; db: string };
  const merchant = sandbox.info.merchant as BenchMerchant;
  // The router's own database, read only: how many provider callbacks it has recorded.
  const database = new Database(db, { readonly: true, fileMustExist: true });
  const callbacks = database.prepare('select count(*) as n from provider_callbacks');
  const { counted, settle } = callbacksSettle(() => (callbacks.get() as { n: number }).n);
  const planned = apis.flatMap((api) =>
    (['STRIPE', 'NUVEI'] as const)
      .filter((provider) => !ONLY || ONLY.test(`${provider} over ${api}, simulator ${simulator}`))
      .map((provider) => ({
        api,
        provider,
        results: [] as RunResult[],
      })),
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const row of planned) {
      row.results.push(
        await run(
          `sandbox ${row.provider} flow over ${row.api} (start, pay, verify), simulator ${simulator}, round ${round}/${ROUNDS}`,
          // Each round's order codes its own: run() numbers the flows from 0 again.
          counted(paymentFlow({ url, providerUrl, merchant, ...row, tag: `main-${round}` })),
          { pids: [sandbox.child.pid], durationMs: DURATION_MS / ROUNDS, settle },
        ),
      );
    }
  }
  database.close();
  await sandbox.stop();
  return planned.map(({ api, provider, results }) => ({
    ...combined(results),
    api,
    provider,
    simulator,
    rounds: results.map((result) => result.cpuMsPerFlow),
  }));
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
  `\n${CONCURRENCY} concurrent flows, ${DURATION_MS} ms measured per row in ${ROUNDS} interleaved rounds (figures: medians of the rounds); ${machine()}. ` +
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
    rows.find((r) => r.provider === provider && r.api === api && r.simulator === 'embedded');
  const [rest, graphql] = [of('REST'), of('GraphQL')];
  if (rest && graphql) {
    // Each round's ratio compares two rows measured one after the other: the fairest pairing.
    const ratios = graphql.rounds.map((ms, i) => ms / (rest.rounds[i] ?? Number.NaN));
    console.log(
      `${provider}: GraphQL uses ${median(ratios).toFixed(2)}x REST's CPU per flow (median of the rounds' ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}; ${graphql.cpuMsPerFlow} ms against ${rest.cpuMsPerFlow} ms)`,
    );
  }
}
