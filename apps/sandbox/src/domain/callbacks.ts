import type { TransactionProvider } from '@accrupay/contracts';
import type { ProviderCallbackRow } from '../store/store.ts';
import { type DomainContext, nowIso } from './context.ts';
import { notFound, RouterError } from './errors.ts';
import { adapterFor } from './provider-accounts.ts';
import { syncRefund } from './refunds.ts';
import { refreshSession } from './sessions/verify.ts';

/** The refund a provider reference names at this provider record, if any. */
async function refundNamed(
  ctx: DomainContext,
  merchantId: string,
  merchantTransactionProviderId: string,
  providerCode: string | null,
) {
  if (providerCode === null) return undefined;
  const { rows } = await ctx.store.transactionWindow(
    merchantId,
    { merchantTransactionProviderId, providerCode, actions: ['REFUND'] },
    { order: 'desc', limit: 1, skip: 0, backwards: false },
  );
  return rows[0];
}

/**
 * A provider callback: refused unless its signature or checksum verifies; otherwise a hint
 * that triggers the same provider lookup as verify, unless it carries no news (the echo of an
 * object the router created). Its claimed outcome is never used.
 */
export async function handleCallback(
  ctx: DomainContext,
  provider: TransactionProvider,
  merchantTransactionProviderId: string,
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
): Promise<'refreshed' | 'ignored'> {
  const mtp = await ctx.store.findMerchantTransactionProviderById(merchantTransactionProviderId);
  if (!mtp || mtp.provider !== provider) {
    throw notFound(`Provider record ${merchantTransactionProviderId}`);
  }
  // The stored credentials, without registering the account: a callback only needs its secret.
  const checked = adapterFor(ctx, provider).verifyCallback(mtp.credentials, rawBody, headers);
  const receivedAt = nowIso(ctx);
  const record = (
    fields: Pick<ProviderCallbackRow, 'verified' | 'event_type' | 'provider_code' | 'outcome'>,
  ) =>
    ctx.store.insertProviderCallback({
      provider,
      merchant_transaction_provider_id: mtp.id,
      received_at: receivedAt,
      ...fields,
    });
  if (!checked.ok) {
    await record({ verified: 0, event_type: null, provider_code: null, outcome: 'refused' });
    throw new RouterError('CALLBACK_SIGNATURE_INVALID', `Callback refused: ${checked.reason}.`);
  }
  const { hint } = checked;
  const verified = (outcome: string) =>
    record({
      verified: 1,
      event_type: hint.eventType,
      provider_code: hint.providerCode,
      outcome,
    });
  if (!hint.news) {
    await verified('ignored');
    return 'ignored';
  }
  const session =
    (hint.providerCode !== null
      ? await ctx.store.findSessionByProviderCode(mtp.id, hint.providerCode)
      : undefined) ??
    (hint.token !== null ? await ctx.store.findSessionByToken(mtp.id, hint.token) : undefined);
  if (session?.kind !== 'CLIENT') {
    // A refund's own news (Stripe's refund.updated names the refund): looked up as sync does.
    const refund = await refundNamed(ctx, mtp.merchant_id, mtp.id, hint.providerCode);
    const merchant = refund && (await ctx.store.findMerchantById(mtp.merchant_id));
    if (refund && merchant) {
      await syncRefund(ctx, merchant, refund);
      await verified('refreshed');
      return 'refreshed';
    }
    await verified('ignored');
    return 'ignored';
  }
  await refreshSession(ctx, session);
  await verified('refreshed');
  return 'refreshed';
}
