import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ProviderAccountSetup } from '../types.ts';
import { STRIPE_WEBHOOK_EVENTS } from './webhook.ts';

/** A merchant's account at Stripe, as the router stores it. */
export const stripeCredentialsSchema = z.object({
  accountId: z.string().min(1),
  secretKey: z.string().startsWith('sk_'),
  publishableKey: z.string().startsWith('pk_'),
  webhookSecret: z.string().startsWith('whsec_'),
});
export type StripeCredentials = z.infer<typeof stripeCredentialsSchema>;

function token(bytes = 18): string {
  return randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');
}

export function newStripeCredentials(): StripeCredentials {
  return {
    accountId: `acct_${token()}`,
    secretKey: `sk_test_${token(24)}`,
    publishableKey: `pk_test_${token(24)}`,
    webhookSecret: `whsec_${token(24)}`,
  };
}

/** Stripe's section of the simulator's account: its webhook endpoint takes the router's events. */
export function stripeSimSection(c: StripeCredentials, setup: ProviderAccountSetup) {
  const { secretKey, publishableKey, webhookSecret } = c;
  return {
    stripe: {
      secretKey,
      publishableKey,
      webhookSecret,
      webhookUrl: setup.callbackUrl,
      enabledEvents: [...STRIPE_WEBHOOK_EVENTS],
    },
  };
}
