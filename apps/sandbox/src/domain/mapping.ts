import type {
  ClientSessionWire,
  Currency,
  MerchantTransactionWire,
  PaymentMethodBrand,
  PaymentMethodWire,
  PublicClientSessionWire,
  TransactionProvider,
} from '@accrupay/contracts';
import { SESSION_TYPE_ACTION } from '@accrupay/contracts';
import type { PaymentMethodRow, SessionRow, TransactionRow } from '../store/store.ts';

type Wire<T> = T;

export function paymentMethodToWire(row: PaymentMethodRow): Wire<PaymentMethodWire> {
  return {
    id: row.id,
    transactionProvider: row.provider as TransactionProvider,
    merchantTransactionProviderId: row.merchant_transaction_provider_id,
    merchantInternalCustomerCode: row.merchant_internal_customer_code,
    brand: row.brand as PaymentMethodBrand,
    last4: row.last4,
    expiryMonth: row.expiry_month,
    expiryYear: row.expiry_year,
    billingCountry: row.billing_country as PaymentMethodWire['billingCountry'],
    createdAt: row.created_at,
  };
}

export function transactionToWire(
  row: TransactionRow,
  paymentMethod: PaymentMethodRow | undefined,
): MerchantTransactionWire {
  return {
    id: row.id,
    status: row.status as MerchantTransactionWire['status'],
    action: row.action as MerchantTransactionWire['action'],
    amount: row.amount,
    currency: row.currency as Currency,
    transactionProvider: row.provider as TransactionProvider,
    merchantTransactionProviderId: row.merchant_transaction_provider_id,
    merchantInternalTransactionCode: row.merchant_internal_transaction_code,
    merchantInternalCustomerCode: row.merchant_internal_customer_code,
    paymentMethod: paymentMethod ? paymentMethodToWire(paymentMethod) : null,
    providerCode: row.provider_code,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    sessionId: row.session_id,
    parentTransactionId: row.parent_transaction_id,
    settledAmount: row.settled_amount,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function sessionToWire(
  row: SessionRow,
  transactions: MerchantTransactionWire[],
  paymentMethod: PaymentMethodRow | undefined,
): ClientSessionWire {
  return {
    id: row.id,
    token: row.token ?? '',
    tokenExpiresAt: row.token_expires_at,
    expiresAt: row.token_expires_at,
    status: row.status as ClientSessionWire['status'],
    action: (row.action as ClientSessionWire['action']) ?? SESSION_TYPE_ACTION[row.type],
    kind: row.kind,
    type: row.type,
    amount: row.amount,
    currency: row.currency as Currency,
    merchantInternalTransactionCode: row.merchant_internal_transaction_code,
    merchantInternalCustomerCode: row.merchant_internal_customer_code,
    transactionProvider: row.provider,
    merchantTransactionProviderId: row.merchant_transaction_provider_id,
    transactionProviderId: row.merchant_transaction_provider_id,
    providerCode: row.provider_code,
    storePaymentMethod: row.store_payment_method === 1,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    paymentMethod: paymentMethod ? paymentMethodToWire(paymentMethod) : null,
    transactionId: row.transaction_id,
    transactions,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function sessionToPublicWire(row: SessionRow): PublicClientSessionWire {
  return {
    id: row.id,
    token: row.token ?? '',
    status: row.status as PublicClientSessionWire['status'],
    kind: row.kind,
    type: row.type,
    amount: row.amount,
    currency: row.currency as Currency,
    transactionProvider: row.provider,
    expiresAt: row.token_expires_at,
  };
}
