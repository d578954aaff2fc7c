// What the benchmarks share: starting a server process, a lean keep-alive node:http JSON client,
// the measuring loop (flows/s, p50, p99) and the processes' CPU time from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { NUVEI_TEST_CARDS, STRIPE_TEST_CARDS } from '@accrupay/provider-sim';

export const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
export const DURATION_MS = Number(process.env.BENCH_MS ?? 10_000);
export const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1_000);
/** BENCH_CPU_PROF=<dir>: each server process writes a V8 CPU profile there when it exits. */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
/** The simulator's first published success card of each provider. */
export const SUCCESS_CARD = {
  STRIPE: STRIPE_TEST_CARDS.find((card) => card.outcome === 'success')?.number,
  NUVEI: NUVEI_TEST_CARDS.find((card) => card.outcome === 'success')?.number,
};

export interface Server {
  child: ChildProcess;
  info: Record<string, unknown>;
  /** Stops the process and waits for it to exit (so that its CPU profile is written). */
  stop(): Promise<void>;
}

export async function spawnServer(
  script: string,
  env: Record<string, string> = {},
): Promise<Server> {
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
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const line = await Promise.race([
    once(lines, 'line').then(([first]) => first as string),
    exited.then(([code]) => {
      throw new Error(`${script} exited (${String(code)}) before it printed its URL`);
    }),
  ]);
  return {
    child,
    info: JSON.parse(line) as Record<string, unknown>,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One keep-alive agent for every request of the client: no connection set-up per round trip. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs a JSON body over node:http (keep-alive) and answers the parsed JSON; throws on non-2xx. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: Record<string, unknown>;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            reject(new Error(`${url} answered ${res.statusCode} with ${text.slice(0, 200)}`));
            return;
          }
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            reject(new Error(`${url} answered ${status}: ${text.slice(0, 500)}`));
          } else resolve(json);
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) the process has used so far, from /proc (Linux). */
export function cpuMs(pid: number | undefined): number {
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

/** The pids of the processes whose command name is `comm` (e.g. every PostgreSQL backend). */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // It exited meanwhile.
    }
  }
  return pids;
}

/** CPU milliseconds of every process named `comm`, by pid (processes that come and go included). */
export function cpuOfNamed(comm: string): Map<number, number> {
  return new Map(pidsNamed(comm).map((pid) => [pid, cpuMs(pid)]));
}

/** CPU used between two snapshots of {@link cpuOfNamed} (a process new in `after` counts whole). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) if (Number.isFinite(ms)) total += ms - (before.get(pid) ?? 0);
  return total;
}

export interface RunResult {
  name: string;
  flowsPerSecond: number;
  p50ms: number;
  p99ms: number;
  flows: number;
  errors: number;
  /** The measured processes' CPU per completed flow over the measured window (NaN: not measured). */
  cpuMsPerFlow: number;
  /** Other CPU per flow over the same window, by label (e.g. the simulator, PostgreSQL). */
  otherCpuMsPerFlow?: Record<string, number>;
}

/** What {@link run} measures besides the flows: whose CPU, for how long, and when the work has ended. */
export interface RunOptions {
  /** The processes whose CPU is summed over the measured window. */
  pids?: readonly (number | undefined)[];
  /** Other CPU readings over the same window, by label (each read returns a running total in ms). */
  others?: Record<string, () => number>;
  durationMs?: number;
  /**
   * Waits until the work the flows set off has ended (the provider's callbacks recorded, see
   * {@link callbacksSettle}): before the window opens, so that no earlier flow's work is counted in
   * it, and before it closes, so that none of its own flows' work is left out.
   */
  settle?: () => Promise<void>;
}

/**
 * Runs `flow` CONCURRENCY at a time for WARMUP_MS, lets the warm-up's flows and their work end,
 * then measures DURATION_MS of flows: the window closes once the last of them has ended and
 * `settle` has seen their work done, and its length, the CPU of `pids` (summed) and flows/s are
 * of that whole window, the wait for the work included.
 */
export async function run(
  name: string,
  flow: (i: number) => Promise<void>,
  { pids = [], others = {}, durationMs = DURATION_MS, settle }: RunOptions = {},
): Promise<RunResult> {
  let counter = 0;
  const latencies: number[] = [];
  let errors = 0;
  const measure = () => pids.reduce<number>((sum, pid) => sum + cpuMs(pid), 0);
  const measureOthers = (): Record<string, number> =>
    Object.fromEntries(Object.entries(others).map(([label, read]) => [label, read()]));
  const flowsUntil = (end: number, measured: boolean) =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const started = performance.now();
          try {
            await flow(counter++);
            if (measured) latencies.push(performance.now() - started);
          } catch (error) {
            errors++;
            if (errors === 1) console.error(`${name}: ${String(error)}`);
          }
        }
      }),
    );
  await flowsUntil(performance.now() + WARMUP_MS, false);
  await settle?.();
  const cpuAtStart = measure();
  const othersAtStart = measureOthers();
  const startedAt = performance.now();
  await flowsUntil(startedAt + durationMs, true);
  await settle?.();
  const windowMs = performance.now() - startedAt;
  const cpuInWindow = measure() - cpuAtStart;
  const othersAtEnd = measureOthers();
  latencies.sort((x, y) => x - y);
  const perFlow = (ms: number) => Number((ms / Math.max(1, latencies.length)).toFixed(3));
  const result: RunResult = {
    name,
    flowsPerSecond: Math.round((latencies.length / windowMs) * 1000),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
    flows: latencies.length,
    errors,
    cpuMsPerFlow: pids.length ? perFlow(cpuInWindow) : Number.NaN,
    ...(Object.keys(others).length
      ? {
          otherCpuMsPerFlow: Object.fromEntries(
            Object.keys(others).map((label) => [
              label,
              perFlow((othersAtEnd[label] ?? 0) - (othersAtStart[label] ?? 0)),
            ]),
          ),
        }
      : {}),
  };
  console.log(JSON.stringify(result));
  return result;
}

/** Prints rows as an aligned text table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** The machine, for the figures: cores, Node version, load average when the run ended. */
export function machine(): string {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const cores = readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? 0;
  return `${cores} cores, Node ${process.versions.node}, load average ${load}`;
}

/**
 * Every payment flow makes the provider send the router one callback (Stripe's
 * payment_intent.succeeded, Nuvei's DMN), which the simulator delivers after the flow has ended,
 * one at a time: under load they queue (10 s of 16 concurrent flows left 1,785 of 2,009 still to
 * deliver, 3.6 s of work). `counted` wraps a flow so that it is counted when it ends; `settle`
 * waits until the router has recorded (`recorded()`, a count of its provider_callbacks) at least
 * one callback per counted flow.
 */
export function callbacksSettle(recorded: () => Promise<number> | number): {
  counted: (flow: (i: number) => Promise<void>) => (i: number) => Promise<void>;
  settle: () => Promise<void>;
} {
  let ended = 0;
  return {
    counted: (flow) => async (i) => {
      await flow(i);
      ended++;
    },
    async settle() {
      const deadline = performance.now() + 120_000;
      for (let seen = await recorded(); seen < ended; seen = await recorded()) {
        if (performance.now() > deadline) {
          throw new Error(`only ${seen} of ${ended} provider callbacks recorded after 120 s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
