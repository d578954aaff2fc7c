import type { StoreContext } from './context.ts';
import { equalAll, offsetPage, windowPage } from './pages.ts';
import type { PaymentMethodRow, Store } from './store.ts';

/** The stored payment methods: one per (merchant, provider, provider reference). */
export function paymentMethodQueries({ db }: StoreContext) {
  const methods = () => db.selectFrom('payment_methods').selectAll();
  return {
    async upsertPaymentMethod(row) {
      await db
        .insertInto('payment_methods')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['merchant_id', 'provider', 'provider_reference']).doNothing(),
        )
        .execute();
      const stored = await methods()
        .where('merchant_id', '=', row.merchant_id)
        .where('provider', '=', row.provider)
        .where('provider_reference', '=', row.provider_reference)
        .executeTakeFirst();
      if (stored === undefined) {
        throw new Error(`Payment method ${row.provider_reference} vanished while being stored`);
      }
      return stored;
    },
    findPaymentMethod: (merchantId, id) =>
      methods().where('merchant_id', '=', merchantId).where('id', '=', id).executeTakeFirst(),
    findPaymentMethodsByIds: async (ids) =>
      ids.length === 0 ? [] : methods().where('id', 'in', ids).execute(),
    listPaymentMethods: (merchantId, customerCode, page) =>
      offsetPage(
        methods()
          .where('merchant_id', '=', merchantId)
          .where('merchant_internal_customer_code', '=', customerCode),
        page,
      ),
    paymentMethodWindow: (merchantId, query, window) =>
      windowPage(
        methods().where(
          equalAll<PaymentMethodRow>({
            merchant_id: merchantId,
            id: query.id,
            merchant_internal_customer_code: query.merchantInternalCustomerCode,
            provider: query.transactionProvider,
            merchant_transaction_provider_id: query.merchantTransactionProviderId,
          }),
        ),
        window,
      ),
  } satisfies Partial<Store>;
}
