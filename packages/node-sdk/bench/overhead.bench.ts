// The SDK's overhead per call over a bare fetch of the same request, against a local node:http
// server answering a canned session. `pnpm bench`; BENCH_CALLS sets the calls per round.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import AccruPay from '../src/index.ts';
import { makeSecret, PAYMENT_START, SESSION_ID, SESSION_WIRE } from '../src/test-fixtures.ts';

const CALLS = Number(process.env.BENCH_CALLS ?? 3000);
const ROUNDS = 5;
const answer = JSON.stringify(SESSION_WIRE);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_bench' });
    res.end(answer);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const apiSecret = makeSecret();
const accrupay = new AccruPay({ apiSecret, baseUrl });
const wireStart = JSON.stringify({
  ...PAYMENT_START,
  data: { ...PAYMENT_START.data, amount: '10000' },
});

const cases = {
  'getOne (GET)': {
    bare: async () => {
      const response = await fetch(`${baseUrl}/v1/client-sessions/lookup?id=${SESSION_ID}`, {
        headers: { accept: 'application/json', 'accrupay-api-secret': apiSecret },
      });
      await response.json();
    },
    sdk: () => accrupay.transactions.clientSessions.getOne({ id: SESSION_ID }),
  },
  'payments.start (POST)': {
    bare: async () => {
      const response = await fetch(`${baseUrl}/v1/client-sessions/payments`, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          'accrupay-api-secret': apiSecret,
          'idempotency-key': crypto.randomUUID(),
        },
        body: wireStart,
      });
      await response.json();
    },
    sdk: () => accrupay.transactions.clientSessions.payments.start(PAYMENT_START),
  },
};

async function time(fn: () => Promise<unknown>, calls: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  return Number(process.hrtime.bigint() - started) / 1000 / calls;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

console.log(
  `${CALLS} sequential calls per round, ${ROUNDS} rounds, median per call (Node ${process.version})`,
);
for (const [name, { bare, sdk }] of Object.entries(cases)) {
  await time(bare, 500);
  await time(sdk, 500);
  const bareTimes: number[] = [];
  const sdkTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    bareTimes.push(await time(bare, CALLS));
    sdkTimes.push(await time(sdk, CALLS));
  }
  const b = median(bareTimes);
  const s = median(sdkTimes);
  console.log(
    `${name.padEnd(22)} bare fetch ${b.toFixed(1)} µs   SDK ${s.toFixed(1)} µs   overhead ${(s - b).toFixed(1)} µs per call`,
  );
}
server.close();
