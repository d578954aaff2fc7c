import { randomBytes, randomInt } from 'node:crypto';
import { z } from 'zod';
import type { ProviderAccountSetup } from '../types.ts';

/** A merchant's account at Nuvei, as the router stores it. */
export const nuveiCredentialsSchema = z.object({
  accountId: z.string().min(1),
  merchantId: z.string().min(1),
  merchantSiteId: z.string().min(1),
  secretKey: z.string().min(1),
});
export type NuveiCredentials = z.infer<typeof nuveiCredentialsSchema>;

function digits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
}

export function newNuveiCredentials(): NuveiCredentials {
  return {
    accountId: `acct_${randomBytes(8).toString('hex')}`,
    merchantId: digits(16),
    merchantSiteId: digits(6),
    secretKey: randomBytes(32).toString('hex'),
  };
}

/** Nuvei's section of the simulator's account. */
export function nuveiSimSection(c: NuveiCredentials, setup: ProviderAccountSetup) {
  const { merchantId, merchantSiteId, secretKey } = c;
  return { nuvei: { merchantId, merchantSiteId, secretKey, notificationUrl: setup.callbackUrl } };
}
