import type { MerchantTransactionWire } from '@accrupay/contracts';
import type { MerchantRow, TransactionFilters } from '../store/store.ts';
import type { DomainContext } from './context.ts';
import { notFound } from './errors.ts';
import { transactionWire, transactionWires } from './views.ts';

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

export async function listTransactions(
  ctx: DomainContext,
  merchant: MerchantRow,
  filters: TransactionFilters,
  page: { take: number; skip: number },
): Promise<{ data: MerchantTransactionWire[]; total: number }> {
  const { rows, total } = await ctx.store.listTransactions(merchant.id, filters, page);
  return { data: await transactionWires(ctx, rows), total };
}
