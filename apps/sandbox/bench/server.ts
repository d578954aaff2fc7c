// Starts the sandbox (simulator embedded, SQLite in a temporary file) for the benchmark and
// prints its URLs and credentials as one JSON line.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox.ts';

const db = process.env.BENCH_DB ?? join(mkdtempSync(join(tmpdir(), 'accrupay-bench-')), 'bench.db');
const sandbox = await startSandbox({
  db,
  port: 0,
  logger: false,
  rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
  // BENCH_PROVIDER_URL: use a simulator running in its own process instead of the embedded one.
  ...(process.env.BENCH_PROVIDER_URL
    ? { providerUrl: process.env.BENCH_PROVIDER_URL }
    : { sim: { clock: { mode: 'manual' as const } } }),
});
const merchant = await sandbox.createMerchant({ allowedOrigins: ['http://localhost:5173'] });
process.stdout.write(
  `${JSON.stringify({ url: sandbox.url, providerUrl: sandbox.providerUrl, merchant, db })}\n`,
);
process.on('SIGTERM', () => {
  void sandbox.close().then(() => process.exit(0));
});
