import type { TransactionProvider } from '@accrupay/contracts';
import type { MerchantRow, MerchantTransactionProviderRow } from '../store/store.ts';
import { type DomainContext, nowIso } from './context.ts';
import { notFound, RouterError } from './errors.ts';
import {
  isWellFormedApiSecret,
  newApiSecret,
  newId,
  newMerchantPublicId,
  sameDigest,
  sha256Hex,
} from './ids.ts';
import {
  ensureAccrueAccount,
  issueClientCredentials,
  paymentIntentsContext,
  provisionAccrue,
} from './payment-intents/index.ts';
import { credentialsOf } from './provider-accounts.ts';

/** What a new merchant needs to integrate: shown once, the secret is never stored. */
export interface MerchantCredentials {
  merchantId: string;
  name: string;
  apiSecret: string;
  merchantPublicId: string;
  merchantTransactionProviderIds: Partial<Record<TransactionProvider, string>>;
  /** The Accrue Pay account's id (document 004), where Accrue's notifications arrive. */
  accruePayProviderId: string;
  /** The secure card API's client id (x-client-id); document 004's card rails. */
  clientId: string;
  /** The secure card API's client secret (x-client-secret): shown once, stored only as a hash. */
  clientSecret: string;
  allowedOrigins: string[];
}

/** Creates a merchant with one provider record per provider, registered at the provider. */
export async function createMerchant(
  ctx: DomainContext,
  input: { name?: string; allowedOrigins?: string[]; provision?: boolean } = {},
): Promise<MerchantCredentials> {
  const apiSecret = newApiSecret();
  const merchant: MerchantRow = {
    id: newId('mer'),
    name: input.name ?? 'Sandbox merchant',
    public_id: newMerchantPublicId(),
    secret_hash: sha256Hex(apiSecret),
    secret_last4: apiSecret.slice(-4),
    allowed_origins: input.allowedOrigins ?? [],
    created_at: nowIso(ctx),
  };
  await ctx.store.insertMerchant(merchant);
  const ids: Partial<Record<TransactionProvider, string>> = {};
  for (const adapter of ctx.adapters.values()) {
    const mtp: MerchantTransactionProviderRow = {
      id: newId(`mtp_${adapter.provider.toLowerCase()}`, 16),
      merchant_id: merchant.id,
      provider: adapter.provider,
      credentials: adapter.newCredentials(),
      created_at: nowIso(ctx),
    };
    await ctx.store.insertMerchantTransactionProvider(mtp);
    if (input.provision !== false) await credentialsOf(ctx, mtp);
    ids[adapter.provider] = mtp.id;
  }
  const p = paymentIntentsContext(ctx);
  const accrue = await ensureAccrueAccount(p, merchant);
  if (input.provision !== false) await provisionAccrue(p, merchant, accrue);
  const client = await issueClientCredentials(p, merchant.id);
  return {
    merchantId: merchant.id,
    name: merchant.name,
    apiSecret,
    merchantPublicId: merchant.public_id,
    merchantTransactionProviderIds: ids,
    accruePayProviderId: accrue.id,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    allowedOrigins: input.allowedOrigins ?? [],
  };
}

/** The merchant a secret belongs to; 401 for anything else, the public id included. */
export async function authenticate(
  ctx: DomainContext,
  secret: string | undefined,
): Promise<MerchantRow> {
  if (secret === undefined || secret === '') {
    throw new RouterError(
      'AUTHENTICATION_FAILED',
      'Missing API secret: send it in the accrupay-api-secret header (sk_test_..., from `accrupay-sandbox start`).',
    );
  }
  if (secret.startsWith('pk_')) {
    throw new RouterError(
      'AUTHENTICATION_FAILED',
      'That is the merchantPublicId, which is for the browser; the merchant API needs the API secret (sk_test_...).',
    );
  }
  const hash = sha256Hex(secret);
  const merchant = isWellFormedApiSecret(secret)
    ? await ctx.store.findMerchantBySecretHash(hash)
    : undefined;
  if (!merchant || !sameDigest(merchant.secret_hash, hash)) {
    throw new RouterError(
      'AUTHENTICATION_FAILED',
      'Invalid API secret: check the accrupay-api-secret header against the secret `accrupay-sandbox start` printed.',
    );
  }
  return merchant;
}

export async function merchantByPublicId(
  ctx: DomainContext,
  publicId: string,
): Promise<MerchantRow> {
  const merchant = await ctx.store.findMerchantByPublicId(publicId);
  if (!merchant) throw notFound(`merchantPublicId ${publicId}`);
  return merchant;
}

export function allowedOrigins(merchant: MerchantRow): string[] {
  return merchant.allowed_origins;
}
