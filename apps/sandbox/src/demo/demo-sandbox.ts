// For the demo shop's tests: a sandbox with its simulator embedded, the shop mounted, and the
// demo merchant created with the sandbox's own address as its allowed origin.
import type { ProviderSim } from '@accrupay/provider-sim';
import type { MerchantCredentials } from '../domain/service.ts';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../sandbox.ts';
import { demoShop } from './index.ts';

export interface DemoSandbox {
  sandbox: RunningSandbox;
  sim: ProviderSim;
  merchant: MerchantCredentials;
}

/** Starts the sandbox with the demo shop on a manual simulator clock (2030-01-15T12:00:00Z). */
export async function startDemoSandbox(
  options: Pick<SandboxOptions, 'db' | 'logger'>,
): Promise<DemoSandbox> {
  let credentials: MerchantCredentials | undefined;
  const sandbox: RunningSandbox = await startSandbox({
    ...options,
    // The simulator plays the provider, which keeps the (test) cards it was given, as a real
    // provider's vault does: its state is never in the sandbox's file.
    simDb: ':memory:',
    port: 0,
    sim: { clock: { mode: 'manual', start: '2030-01-15T12:00:00Z' } },
    publicRoutes: [
      demoShop({
        merchant: () => {
          if (!credentials) throw new Error('the demo merchant is not created yet');
          return { ...credentials, baseUrl: sandbox.url };
        },
      }),
    ],
  });
  if (!sandbox.sim) throw new Error('the sandbox embeds its simulator');
  credentials = await sandbox.createMerchant({ name: 'Demo shop', allowedOrigins: [sandbox.url] });
  return { sandbox, sim: sandbox.sim, merchant: credentials };
}
