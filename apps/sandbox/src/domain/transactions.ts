import type { MerchantTransactionWire } from '@accrupay/contracts';
import type { MerchantRow, TransactionFilters } from '../store/store.ts';
import type { DomainContext } from './context.ts';
import { notFound } from './errors.ts';
import { merchantList, transactionWire, transactionWires } from './views.ts';

/** The merchant's reads of transactions: one, or a page. */

export async function getTransaction(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
): Promise<MerchantTransactionWire> {
  const row = await ctx.store.findTransaction(merchant.id, id);
  if (!row) throw notFound(`Transaction ${id}`);
  return transactionWire(ctx, row);
}

export const listTransactions = merchantList(
  (store, merchantId, filters: TransactionFilters, page) =>
    store.listTransactions(merchantId, filters, page),
  transactionWires,
);
