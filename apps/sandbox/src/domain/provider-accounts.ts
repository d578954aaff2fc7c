import { providerCallbackPath, type TransactionProvider } from '@accrupay/contracts';
import type { ProviderAdapter } from '../providers/types.ts';
import type { MerchantRow, MerchantTransactionProviderRow, SessionRow } from '../store/store.ts';
import type { DomainContext } from './context.ts';
import { notFound, RouterError } from './errors.ts';

/** A merchant's account at a provider: which adapter, which credentials, which provider record. */

export function adapterFor(ctx: DomainContext, provider: TransactionProvider): ProviderAdapter {
  const adapter = ctx.adapters.get(provider);
  if (!adapter) throw new RouterError('INTERNAL_ERROR', `no adapter for provider ${provider}`);
  return adapter;
}

/**
 * The provider record's credentials, once the account is registered at the provider in this
 * process (a merchant created by another process, or before a simulator restart, is
 * registered on first use).
 */
export async function credentialsOf(
  ctx: DomainContext,
  mtp: MerchantTransactionProviderRow,
): Promise<Record<string, unknown>> {
  let registering = ctx.provisioned.get(mtp.id);
  if (!registering) {
    registering = ctx.store.findMerchantById(mtp.merchant_id).then((merchant) => {
      if (!merchant) throw new RouterError('INTERNAL_ERROR', `merchant of ${mtp.id} is missing`);
      return provision(ctx, merchant, mtp);
    });
    ctx.provisioned.set(mtp.id, registering);
    registering.catch(() => ctx.provisioned.delete(mtp.id));
  }
  await registering;
  return mtp.credentials;
}

async function provision(
  ctx: DomainContext,
  merchant: MerchantRow,
  mtp: MerchantTransactionProviderRow,
): Promise<void> {
  await adapterFor(ctx, mtp.provider).provisionAccount(mtp.credentials, {
    callbackUrl: `${ctx.callbackBaseUrl()}${providerCallbackPath(mtp.provider, mtp.id)}`,
    allowedOrigins: merchant.allowed_origins,
  });
}

/** Registers every provider record of every merchant at its provider (at start, so callbacks for earlier sessions arrive). */
export async function provisionAll(ctx: DomainContext): Promise<void> {
  for (const merchant of await ctx.store.listMerchants()) {
    for (const mtp of await ctx.store.listMerchantTransactionProviders(merchant.id)) {
      await credentialsOf(ctx, mtp);
    }
  }
}

/** The provider record a request names, by id or by provider; 404 unless it is the merchant's. */
export async function resolveProvider(
  ctx: DomainContext,
  merchant: MerchantRow,
  selector: {
    merchantTransactionProviderId?: string | undefined;
    transactionProvider?: string | undefined;
  },
): Promise<MerchantTransactionProviderRow> {
  if (selector.merchantTransactionProviderId !== undefined) {
    const mtp = await ctx.store.findMerchantTransactionProviderById(
      selector.merchantTransactionProviderId,
    );
    if (!mtp || mtp.merchant_id !== merchant.id) {
      throw notFound(`merchantTransactionProviderId ${selector.merchantTransactionProviderId}`);
    }
    return mtp;
  }
  const provider = selector.transactionProvider as TransactionProvider;
  const mtp = await ctx.store.findMerchantTransactionProviderByProvider(merchant.id, provider);
  if (!mtp) throw notFound(`A ${provider} provider record`);
  return mtp;
}

/** The provider record a stored row (session, payment method) points at; it must exist. */
export async function providerRecordOf(
  ctx: DomainContext,
  row: { merchant_transaction_provider_id: string },
  what: string,
): Promise<MerchantTransactionProviderRow> {
  const mtp = await ctx.store.findMerchantTransactionProviderById(
    row.merchant_transaction_provider_id,
  );
  if (!mtp) throw new RouterError('INTERNAL_ERROR', `provider record of ${what} is missing`);
  return mtp;
}

export function providerRecordOfSession(
  ctx: DomainContext,
  session: SessionRow,
): Promise<MerchantTransactionProviderRow> {
  return providerRecordOf(ctx, session, `session ${session.id}`);
}

/** The public provider configuration of a provider record, for the React SDK. */
export async function baseConfigOf(
  ctx: DomainContext,
  mtp: MerchantTransactionProviderRow,
  sessionId: string | null,
) {
  return {
    id: sessionId,
    transactionProvider: mtp.provider,
    merchantTransactionProviderId: mtp.id,
    providerData: adapterFor(ctx, mtp.provider).baseConfig(await credentialsOf(ctx, mtp)),
  };
}
