export {
  accrueAccountOf,
  type ClientCredentials,
  ensureAccrueAccount,
  issueClientCredentials,
  issueMissingClientCredentials,
  provisionAccrue,
} from './accounts.ts';
export { attachAccrue, type PaymentIntentsContext, paymentIntentsContext } from './context.ts';
export { type ErrorSource, PaymentIntentError } from './errors.ts';
export * from './operations.ts';
export { paymentIntentResource, paymentResource } from './views.ts';
