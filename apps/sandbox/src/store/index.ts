export { isPostgresUrl, type OpenStoreOptions, openStore } from './open-store.ts';
export type { Database } from './schema.ts';
export type {
  IdempotencyKeyRow,
  MerchantRow,
  MerchantTransactionProviderRow,
  PaymentMethodRow,
  ProviderCallbackRow,
  SessionCursor,
  SessionFilters,
  SessionLookup,
  SessionPatch,
  SessionRow,
  Store,
  TransactionFilters,
  TransactionPatch,
  TransactionRow,
} from './store.ts';
