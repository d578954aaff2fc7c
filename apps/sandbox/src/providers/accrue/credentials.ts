import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** A merchant's account at Accrue Pay, as the router stores it (sealed at rest). */
export const accrueCredentialsSchema = z.object({
  /** The simulator's account id (`PUT /__sim/accounts/:id`). */
  accountId: z.string().min(1),
  apiKey: z.string().startsWith('ak_test_'),
  webhookSecret: z.string().startsWith('whsec_'),
});
export type AccrueCredentials = z.infer<typeof accrueCredentialsSchema>;

function token(bytes = 18): string {
  return randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');
}

export function newAccrueCredentials(): AccrueCredentials {
  return {
    accountId: `acct_accrue_${token()}`,
    apiKey: `ak_test_${token(24)}`,
    webhookSecret: `whsec_${token(24)}`,
  };
}

/**
 * Accrue's section of the simulator's account: the publishable key is the sandbox merchant's
 * public id (the hosted Accrue Pay page is opened with it), notifications go to `webhookUrl`.
 */
export function accrueSimSection(
  c: AccrueCredentials,
  setup: { merchantPublicId: string; webhookUrl: string },
) {
  return {
    accrue: {
      apiKey: c.apiKey,
      webhookSecret: c.webhookSecret,
      publishableKey: setup.merchantPublicId,
      webhookUrl: setup.webhookUrl,
    },
  };
}
