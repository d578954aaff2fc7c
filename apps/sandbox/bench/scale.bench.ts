// pnpm bench:scale (also run by pnpm bench): the scale-out path. N sandbox processes (N = 1, 2, 4;
// BENCH_SCALE_INSTANCES=1,2,4) share one PostgreSQL database (a fresh schema per N, dropped
// after), with the provider simulator once in its own process; the client spreads CONCURRENCY
// concurrent flows (start over REST, pay through the simulator, verify) round-robin over the
// instances, each flow on one instance, every flow of one merchant. Prints flows/s, p50, p99, the
// CPU per flow of all sandbox processes together, and that of the simulator and of PostgreSQL.
// Skipped, with a message, when PostgreSQL is unreachable.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Provider } from './flow.ts';
import { type BenchMerchant, paymentFlow } from './flow.ts';
import {
  CONCURRENCY,
  callbacksSettle,
  cpuBetween,
  cpuMs,
  cpuOfNamed,
  machine,
  printTable,
  type RunResult,
  run,
  type Server,
  spawnServer,
} from './support.ts';

const POSTGRES_URL =
  process.env.ACCRUPAY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const INSTANCES = (process.env.BENCH_SCALE_INSTANCES ?? '1,2,4').split(',').map(Number);
/** Per row: BENCH_SCALE_MS, else BENCH_MS, else 6 s (so that `pnpm bench` stays under 3 minutes). */
const SCALE_MS = Number(process.env.BENCH_SCALE_MS ?? process.env.BENCH_MS ?? 6_000);
const PROVIDER = (process.env.BENCH_SCALE_PROVIDER ?? 'STRIPE') as Provider;

const pg = createRequire(import.meta.url)('pg') as typeof import('pg');

/** Runs `sql` on a connection of its own; answers the error when PostgreSQL is unreachable. */
async function query(sql: string): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sql);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    await client.end().catch(() => undefined);
  }
}

const unreachable = await query('select 1');
if (unreachable) {
  console.log(
    `Skipping the scale-out benchmark: PostgreSQL at ${POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} ` +
      `is unreachable (${unreachable.message}). Start it there or set ACCRUPAY_TEST_POSTGRES_URL.`,
  );
  process.exit(0);
}

interface Row extends RunResult {
  instances: number;
}

// Every instance shares the key that encrypts the provider credentials at rest.
const credentialsKey = randomBytes(32).toString('hex');
const sim = await spawnServer('./sim-server.ts');
const providerUrl = sim.info.url as string;
const rows: Row[] = [];
try {
  for (const count of INSTANCES) {
    const schema = `bench_scale_${randomBytes(6).toString('hex')}`;
    const db = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}schema=${schema}`;
    const env = {
      BENCH_DB: db,
      BENCH_PROVIDER_URL: providerUrl,
      ACCRUPAY_CREDENTIALS_KEY: credentialsKey,
    };
    const sandboxes: Server[] = [];
    try {
      // The first creates the schema and migrates it; the others then start together.
      sandboxes.push(await spawnServer('./server.ts', env));
      sandboxes.push(
        ...(await Promise.all(
          Array.from({ length: count - 1 }, () => spawnServer('./server.ts', env)),
        )),
      );
      // One merchant (the first instance's) for every instance: they share its rows.
      const merchant = sandboxes[0]?.info.merchant as BenchMerchant;
      const flows = sandboxes.map((sandbox) =>
        paymentFlow({
          url: sandbox.info.url as string,
          providerUrl,
          merchant,
          api: 'REST',
          provider: PROVIDER,
          tag: schema,
        }),
      );
      // The callbacks the instances have recorded, read on a connection of the benchmark's own.
      const counter = new pg.Client({ connectionString: POSTGRES_URL });
      await counter.connect();
      const counterPid = (await counter.query<{ pid: number }>('select pg_backend_pid() as pid'))
        .rows[0]?.pid;
      const { counted, settle } = callbacksSettle(async () => {
        const { rows } = await counter.query<{ n: number }>(
          `select count(*)::int as n from "${schema}".provider_callbacks`,
        );
        return rows[0]?.n ?? 0;
      });
      let postgresBefore = new Map<number, number>();
      let postgresTotal = 0;
      const result = await run(
        `${count} sandbox instance(s) on one PostgreSQL, ${PROVIDER} over REST`,
        counted((i) => (flows[i % flows.length] as (i: number) => Promise<void>)(i)),
        {
          pids: sandboxes.map((sandbox) => sandbox.child.pid),
          others: {
            simulator: () => cpuMs(sim.child.pid),
            postgres: () => {
              // PostgreSQL's backends come and go with the pools' connections: a running total of
              // what every backend used between two readings (run() subtracts two readings),
              // the benchmark's own counting connection left out.
              const now = cpuOfNamed('postgres');
              if (counterPid !== undefined) now.delete(counterPid);
              postgresTotal += cpuBetween(postgresBefore, now);
              postgresBefore = now;
              return postgresTotal;
            },
          },
          durationMs: SCALE_MS,
          settle,
        },
      );
      rows.push({ ...result, instances: count });
      await counter.end();
    } finally {
      await Promise.all(sandboxes.map((sandbox) => sandbox.stop()));
      await query(`drop schema if exists "${schema}" cascade`);
    }
  }
} finally {
  await sim.stop();
}

console.log(
  `\n${CONCURRENCY} concurrent ${PROVIDER} flows over REST, round-robin over the instances, ` +
    `${SCALE_MS} ms measured per row; one simulator process; ${machine()}.`,
);
const first = rows[0];
printTable(
  [
    'instances',
    'flows/s',
    'p50 ms',
    'p99 ms',
    'sandboxes CPU ms/flow',
    'simulator CPU ms/flow',
    'postgres CPU ms/flow',
    'flows/s vs 1',
    'errors',
  ],
  rows.map((row) => [
    String(row.instances),
    String(row.flowsPerSecond),
    row.p50ms.toFixed(1),
    row.p99ms.toFixed(1),
    row.cpuMsPerFlow.toFixed(3),
    (row.otherCpuMsPerFlow?.simulator ?? Number.NaN).toFixed(3),
    (row.otherCpuMsPerFlow?.postgres ?? Number.NaN).toFixed(3),
    first ? `${(row.flowsPerSecond / first.flowsPerSecond).toFixed(2)}x` : '-',
    String(row.errors),
  ]),
);
