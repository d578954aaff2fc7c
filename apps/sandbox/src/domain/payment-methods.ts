import type { ProviderPaymentMethod } from '../providers/types.ts';
import type {
  MerchantRow,
  MerchantTransactionProviderRow,
  PaymentMethodRow,
} from '../store/store.ts';
import type { DomainContext } from './context.ts';
import { notFound, RouterError } from './errors.ts';
import { merchantList, paymentMethodToWire } from './views.ts';

/** Stored payment methods: which one a request may charge, and the customer's list. */

/** The customer's stored method, refused unless it is stored at the provider record in use. */
export async function storedMethodFor(
  ctx: DomainContext,
  merchant: MerchantRow,
  paymentMethodId: string,
  customerCode: string | null,
  mtp: MerchantTransactionProviderRow | undefined,
): Promise<PaymentMethodRow> {
  const method = await ctx.store.findPaymentMethod(merchant.id, paymentMethodId);
  if (!method || method.merchant_internal_customer_code !== customerCode) {
    throw notFound(
      `customerPaymentMethodId ${paymentMethodId} of customer ${customerCode ?? '(none given)'}`,
    );
  }
  if (mtp && method.merchant_transaction_provider_id !== mtp.id) {
    throw new RouterError(
      'VALIDATION_ERROR',
      `customerPaymentMethodId ${paymentMethodId} is stored at ${method.provider} (${method.merchant_transaction_provider_id}); charge it through that provider record.`,
      {
        issues: [
          { path: 'data.customerPaymentMethodId', message: 'belongs to another provider record' },
        ],
      },
    );
  }
  return method;
}

export function toProviderPaymentMethod(row: PaymentMethodRow): ProviderPaymentMethod {
  return {
    kind: 'card',
    reference: row.provider_reference,
    customerReference: row.provider_customer_reference,
    brand: row.brand as Extract<ProviderPaymentMethod, { kind: 'card' }>['brand'],
    last4: row.last4,
    expiryMonth: row.expiry_month,
    expiryYear: row.expiry_year,
    billingCountry: row.billing_country,
  };
}

/** The customer's stored methods, newest first. */
export const listPaymentMethods = merchantList(
  (store, merchantId, customerCode: string, page) =>
    store.listPaymentMethods(merchantId, customerCode, page),
  (_ctx, rows) => rows.map(paymentMethodToWire),
);
