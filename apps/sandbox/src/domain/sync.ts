import type { MerchantTransactionWire } from '@accrupay/contracts';
import type { MerchantRow } from '../store/store.ts';
import { syncOperation } from './authorizations.ts';
import type { DomainContext } from './context.ts';
import { notFound } from './errors.ts';
import { syncRefund } from './refunds.ts';
import { mustFindSession } from './sessions/queries.ts';
import { refreshSession } from './sessions/verify.ts';
import { transactionWire } from './views.ts';

/**
 * Sync: a transaction refreshed from the provider on demand, whatever it is, recorded by the same
 * rules as the call that made it. A session's own transaction (a payment, authorization, card
 * verification or stored-method charge) is what verify would say; a settle, void or refund still
 * waiting for its answer is looked up at the provider, never sent again. What the provider says
 * of a transaction that has ended does not change it (the state machine), as for verify, but for
 * a refund the provider failed after it succeeded (the contract's REFUND_REVERSAL).
 */
export async function syncTransaction(
  ctx: DomainContext,
  merchant: MerchantRow,
  transactionId: string,
): Promise<MerchantTransactionWire> {
  const transaction = await ctx.store.findTransaction(merchant.id, transactionId);
  if (!transaction) throw notFound(`Transaction ${transactionId}`);
  if (transaction.action === 'REFUND') return syncRefund(ctx, merchant, transaction);
  if (transaction.action === 'SETTLE' || transaction.action === 'VOID') {
    return syncOperation(ctx, merchant, transaction);
  }
  if (transaction.session_id !== null) {
    const session = await mustFindSession(ctx, merchant.id, { id: transaction.session_id });
    return transactionWire(ctx, await refreshSession(ctx, session));
  }
  return transactionWire(ctx, transaction);
}
