export {
  ACCRUE_AUTHORIZATION_TTL_MS,
  ACCRUE_BANK_PROCESSING_MS,
  ACCRUE_CARD_DECLINES,
  ACCRUE_CUSTOMER_KEYS,
  ACCRUE_CUSTOMER_SEED,
  ACCRUE_DEFAULT_WALLET_BALANCE,
  ACCRUE_ERROR_CODES,
  ACCRUE_EVENT_TYPES,
  ACCRUE_INTENT_TTL_MS,
  ACCRUE_MESSAGE_SOURCE,
  ACCRUE_SETTLEMENT_DELAY_MS,
  ACCRUE_SIGN_IN_CODE,
  ACCRUE_SIGNATURE_HEADER,
  ACCRUE_TEST_CUSTOMERS,
  ACCRUE_TIMINGS,
  ACCRUE_TRANSFER_FAILURE_MS,
  ACCRUE_TRANSFER_RETURN_MS,
  ACCRUE_VIRTUAL_CARD_BIN,
  type AccrueCustomerKey,
  type AccrueCustomerProfile,
  type AccrueErrorCode,
  type AccrueErrorObject,
  type AccrueEventType,
  accrueCustomer,
  normalizeAccruePhone,
  signAccrueNotification,
  verifyAccrueNotification,
} from './accrue/index.ts';
export {
  type CardIssuer,
  type CardOutcome,
  type IssuerCharge,
  type IssuerDecision,
  luhnValid,
  NUVEI_TEST_CARDS,
  type RefundOutcome,
  STRIPE_TEST_CARDS,
  type TestCard,
} from './cards.ts';
export { type Clock, type ClockMode, createClock } from './clock.ts';
export {
  DEFAULT_ACCOUNT,
  loadConfigFile,
  type MerchantAccount,
  merchantAccountSchema,
  SimConfigError,
  type SimOptions,
  simOptionsSchema,
} from './config.ts';
export type { Delivery, LedgerEntry } from './core.ts';
export { TEST_BILLING, TEST_BILLING_SEED, testBilling } from './fixtures.ts';
export type { HostedResultMessage } from './hosted.ts';
export { PROVIDER_LIMITS, type ProviderLimits } from './limits.ts';
export { nuveiAmountToMinor, nuveiTimestamp } from './nuvei/index.ts';
export {
  CARD_PAGE_SCENARIOS,
  type Scenario,
  type ScenarioInput,
  type ScenarioKind,
  type ScenarioTarget,
  scenarioSchema,
} from './scenarios.ts';
export {
  NUVEI_CHECKSUM_FIELDS,
  nuveiChecksum,
  nuveiDmnChecksum,
  nuveiRequestChecksum,
  stripeSignatureHeader,
  verifyStripeSignature,
} from './signatures.ts';
export { createProviderSim, type ProviderSim, type RunningSim } from './sim.ts';
export { SimStoreError } from './store.ts';
export { STRIPE_TEST_PAYMENT_METHODS } from './stripe/index.ts';
