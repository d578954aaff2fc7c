// Starts the provider simulator alone, for the benchmark's external-simulator run, and prints
// its URL as one JSON line.
import { createProviderSim } from '@accrupay/provider-sim';

const sim = createProviderSim({ clock: { mode: 'manual' } });
const running = await sim.start({ port: 0 });
process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
process.on('SIGTERM', () => {
  void running.close().then(() => process.exit(0));
});
