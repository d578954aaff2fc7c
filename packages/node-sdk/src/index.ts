import { AccruPay } from './client.ts';

export type {
  BaseConfig,
  ClientSession,
  ClientTransactionSessionStatus,
  CountryIso2,
  Currency,
  FieldIssue,
  MerchantTransaction,
  PaymentMethod,
  SessionIdentifier,
  TransactionProvider,
  TransactionStatus,
} from '@accrupay/contracts';
export { COUNTRY_ISO_2, CURRENCY, TRANSACTION_PROVIDER } from '@accrupay/contracts';
export {
  AccruPay,
  type AccruPayConfig,
  type ChargePaymentMethodParams,
  type ChargeSessionData,
  DEFAULT_BASE_URL,
  type GetBaseConfigParams,
  type Page,
  type PagePromise,
  type PaymentMethodsApi,
  type ProviderSelector,
  type RefundTransactionParams,
  type SettleAuthorizationParams,
  type StartAddPaymentMethodSessionParams,
  type StartAuthorizationSessionParams,
  type StartPaymentSessionParams,
  type TransactionsApi,
  type VoidAuthorizationParams,
} from './client.ts';
export {
  AccruPayApiError,
  AccruPayAuthenticationError,
  AccruPayConflictError,
  AccruPayConnectionError,
  AccruPayError,
  type AccruPayErrorCode,
  AccruPayIdempotencyError,
  AccruPayNotFoundError,
  AccruPayPermissionError,
  AccruPayProviderError,
  AccruPayRateLimitError,
  AccruPayTimeoutError,
  AccruPayValidationError,
  errorFromResponse,
} from './errors.ts';
export type { RequestOptions } from './transport.ts';

export default AccruPay;
