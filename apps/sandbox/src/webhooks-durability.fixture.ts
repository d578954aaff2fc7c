// A sandbox in a child process for webhooks-durability.test.ts, which kills it with SIGKILL. The
// options come as JSON in argv[2]; it prints one line `READY {url, providerUrl, merchant}` once
// it listens. Its dispatcher does not run until the line `deliver` arrives on stdin, so that the
// test decides which events are written before the first delivery is claimed.
import { createInterface } from 'node:readline';
import { startSandbox } from './sandbox.ts';
import { SHOP_ORIGIN } from './test-support.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as {
  db: string;
  simDb: string;
  credentialsKey: string;
};
const sandbox = await startSandbox({
  db: options.db,
  simDb: options.simDb,
  credentialsKey: options.credentialsKey,
  port: 0,
  logger: false,
  webhooks: { autoStart: false },
});
// The test verifies every session itself: no provider callback races it.
sandbox.sim?.addScenario({ kind: 'drop_callback' });
const merchant = await sandbox.createMerchant({
  name: 'Durable shop',
  allowedOrigins: [SHOP_ORIGIN],
});
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'deliver') return;
  sandbox.service.webhooks.start();
  sandbox.service.webhooks.kick();
});
process.stdout.write(
  `READY ${JSON.stringify({ url: sandbox.url, providerUrl: sandbox.providerUrl, merchant })}\n`,
);
