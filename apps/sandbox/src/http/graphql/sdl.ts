import {
  CLIENT_TRANSACTION_SESSION_KIND,
  CLIENT_TRANSACTION_SESSION_STATUS,
  COUNTRY_ISO_2,
  CURRENCY,
  TRANSACTION_ACTION,
  TRANSACTION_PROVIDER,
  TRANSACTION_STATUS,
} from '@accrupay/contracts';

/**
 * The type definitions of AccruPay's GraphQL API as the sandbox serves it: the names, types and
 * arguments of the published API (the published @accrupay/node client is the authority; a test
 * compares them with its embedded introspection), with the enums built from the contract and
 * document 003's names beside the client's. Payment plans and ACH are declared so that every
 * operation the client sends validates; they answer NOT_SUPPORTED_BY_SANDBOX.
 */

const NEVER = 'AccruPay API value the sandbox never produces; as a filter it matches nothing.';

function enumSdl(
  name: string,
  values: Readonly<Record<string, string>> | readonly string[],
  extra: readonly string[] = [],
  description?: string,
): string {
  const keys = Array.isArray(values) ? values : Object.keys(values);
  const produced = extra.filter((key) => keys.includes(key));
  if (produced.length > 0) {
    throw new Error(
      `${name}: ${produced.join(', ')} is produced now; drop it from UNPRODUCED_VALUES`,
    );
  }
  const lines = [
    ...keys.map((key) => `  ${key}`),
    ...extra.map((key) => `  """${NEVER}"""\n  ${key}`),
  ];
  return `${description ? `"""${description}"""\n` : ''}enum ${name} {\n${lines.join('\n')}\n}`;
}

/** Values of AccruPay's enums that the sandbox accepts but never produces. */
export const UNPRODUCED_VALUES = {
  CLIENT_TRANSACTION_SESSION_STATUS: ['UNAVAILABLE'],
  TRANSACTION_ACTION: [
    'AUTHENTICATION',
    'CHARGEBACK',
    'CREDIT',
    'MODIFICATION',
    'PAYOUT',
    'UNKNOWN',
  ],
} as const;

const ENUMS = [
  enumSdl(
    'CLIENT_TRANSACTION_SESSION_STATUS',
    CLIENT_TRANSACTION_SESSION_STATUS,
    UNPRODUCED_VALUES.CLIENT_TRANSACTION_SESSION_STATUS,
    'The status of a client session (document 001).',
  ),
  enumSdl(
    'CLIENT_TRANSACTION_SESSION_KIND',
    CLIENT_TRANSACTION_SESSION_KIND,
    [],
    'Who drives a session: the browser (CLIENT) or the server (SERVER).',
  ),
  enumSdl(
    'TRANSACTION_STATUS',
    TRANSACTION_STATUS,
    [],
    'The outcome of a transaction: fulfil an order only on SUCCEEDED.',
  ),
  enumSdl('TRANSACTION_ACTION', TRANSACTION_ACTION, UNPRODUCED_VALUES.TRANSACTION_ACTION),
  enumSdl('TRANSACTION_PROVIDER', TRANSACTION_PROVIDER),
  enumSdl('CURRENCY', CURRENCY, [], 'ISO 4217 currency code.'),
  enumSdl('COUNTRY_ISO_2', COUNTRY_ISO_2, [], 'ISO 3166-1 alpha-2 country code.'),
  enumSdl('PAYMENT_METHOD', ['ACH', 'CARD', 'OTHER']),
  enumSdl('PAYMENT_METHOD_STATUS', ['DISABLED', 'ENABLED', 'EXPIRED']),
  enumSdl('MERCHANT_TRANSACTION_PROVIDER_STATUS', ['DISABLED', 'ENABLED']),
  enumSdl('SORT_ORDER', ['ASC', 'DESC']),
  enumSdl('DEVICE_TYPE', ['DESKTOP', 'SMARTPHONE', 'TABLET', 'TV', 'UNKNOWN']),
  enumSdl('MERCHANT_STATUS', ['ACTIVE', 'DISABLED', 'PENDING']),
  enumSdl('MERCHANT_ENTITY_TYPE', ['COMPANY', 'INDIVIDUAL']),
  enumSdl('LEGAL_IDENTIFIER_TYPE', ['EIN', 'ITIN', 'SSN']),
  enumSdl('TRANSACTION_ACH_SECCODE', ['CCD', 'TEL', 'UNKNOWN', 'WEB']),
  enumSdl('PAYMENT_PLAN_STATUS', [
    'ACTIVE',
    'CANCELED',
    'ENDED',
    'ERROR',
    'INACTIVE',
    'INITIALIZING',
  ]),
  enumSdl('PAYMENT_PLAN_TEMPLATE_STATUS', ['DISABLED', 'ENABLED']),
];

const billingFields = (prefix: 'billing' | 'shipping' | 'user') => `
  ${prefix}FirstName: String
  ${prefix}LastName: String
  ${prefix}Email: String
  ${prefix}Phone: String
  ${prefix}AddressLine1: String
  ${prefix}AddressLine2: String
  ${prefix}AddressCity: String
  ${prefix}AddressState: String
  ${prefix}AddressCountry: COUNTRY_ISO_2
  ${prefix}AddressPostalCode: String`;

const deviceFields = `
  deviceId: String
  deviceIp: String
  deviceBrowser: String
  deviceOS: String
  deviceName: String
  deviceType: DEVICE_TYPE`;

const userExtraFields = `
  userBirthDate: DateTimeISO
  userLocale: String
  userLegalIdentifier: String
  userLegalIdentifierType: String`;

/** A payment start's fields, under both of the published API's names for its input; an authorization's too. */
const paymentStartFields = `
  amount: BigInt!
  currency: CURRENCY!
  merchantInternalTransactionCode: String!
  merchantInternalCustomerCode: String
  storePaymentMethod: Boolean
  """Charge a stored payment method of the customer in the session."""
  customerPaymentMethodId: String
  billing: BillingDataSchema!
  shipping: ShippingDataSchema
  user: UserDataSchema
  device: DeviceDataSchema`;

const pageArgs = `skip: Int, take: Int, after: ConnectionCursor, first: Int, before: ConnectionCursor, last: Int, sorting: [SortingFieldSchema!]`;
const sessionLookupArgs = `id: String, token: String, providerCode: String, merchantInternalTransactionCode: String, code: String`;
const transactionLookupArgs = `id: String, merchantInternalTransactionCode: String, providerCode: String, code: String, token: String`;
const providerChoiceArgs = `merchantTransactionProviderId: String, transactionProvider: TRANSACTION_PROVIDER`;

function connection(node: string): string {
  return `type ${node}PaginationEdge {
  node: ${node}!
  cursor: ConnectionCursor!
}
type ${node}PaginationConnection {
  edges: [${node}PaginationEdge!]!
  pageInfo: PageInfo!
  totalCount: Int!
}`;
}

const TYPES = `
"""A whole number of minor units (10000 is 100.00 USD): a JSON number or a decimal string on input; a JSON number while it is a safe integer, a decimal string beyond."""
scalar BigInt
"""An instant, ISO 8601 (2026-12-02T10:00:00.000Z)."""
scalar DateTimeISO
"""Any JSON value."""
scalar JSON
"""Cursor for pagination: a startCursor or endCursor this API returned."""
scalar ConnectionCursor

type PageInfo {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}

input SortingFieldSchema {
  """The field to sort by; the sandbox sorts by createdAt."""
  field: String!
  order: SORT_ORDER!
}

"""The merchant the API secret belongs to."""
type Merchant {
  id: ID!
  name: String!
  """The sandbox keeps no merchant e-mail: a placeholder address under .invalid."""
  email: String!
  emailVerificationId: String
  entityType: MERCHANT_ENTITY_TYPE!
  status: MERCHANT_STATUS!
  publicId: String
  publicIdUpdatedAt: DateTimeISO
  industry: String
  locale: String
  timezone: String
  phone: String
  phoneVerificationId: String
  websiteUrl: String
  primaryContactName: String
  primaryContactEmail: String
  primaryContactPhone: String
  legalIdentifier: String
  legalIdentifierType: LEGAL_IDENTIFIER_TYPE
  addressLine1: String
  addressLine2: String
  addressCity: String
  addressState: String
  addressCountry: COUNTRY_ISO_2
  addressPostalCode: String
  legalAddressLine1: String
  legalAddressLine2: String
  legalAddressCity: String
  legalAddressState: String
  legalAddressCountry: COUNTRY_ISO_2
  legalAddressPostalCode: String
  archivedAt: DateTimeISO
  createdAt: DateTimeISO!
  updatedAt: DateTimeISO!
}

"""One of the merchant's accounts at a provider: what merchantTransactionProviderId names."""
type MerchantTransactionProvider {
  id: ID!
  merchantId: String!
  provider: TRANSACTION_PROVIDER!
  """The sandbox's own record id (the account at the simulated provider has no other code)."""
  providerCode: String!
  status: MERCHANT_TRANSACTION_PROVIDER_STATUS!
  applicationId: String
  createdAt: DateTimeISO!
  updatedAt: DateTimeISO!
}

type MerchantCustomerPaymentMethodCreditCardInfo {
  methodType: PAYMENT_METHOD!
  cardBrand: String
  cardNumberMasked: String
}
type MerchantCustomerPaymentMethodGenericInfo {
  methodType: PAYMENT_METHOD!
}
type MerchantCustomerPaymentMethodAchInfo {
  methodType: PAYMENT_METHOD!
  accountNumber: String
  routingNumber: String
  secCode: TRANSACTION_ACH_SECCODE
}
union MerchantCustomerPaymentMethodInfo = MerchantCustomerPaymentMethodAchInfo | MerchantCustomerPaymentMethodCreditCardInfo | MerchantCustomerPaymentMethodGenericInfo

"""A customer's stored payment method: brand, last four digits and expiry, never the number."""
type MerchantCustomerPaymentMethod {
  id: ID!
  isDefault: Boolean!
  isEnabled: Boolean!
  status: PAYMENT_METHOD_STATUS!
  merchantInternalCustomerCode: String!
  methodType: PAYMENT_METHOD!
  """The provider's reference of the stored method."""
  providerCode: String!
  providerError: String
  providerLastSyncedAt: DateTimeISO
  providerLastVerifiedAt: DateTimeISO!
  providerStatus: PAYMENT_METHOD_STATUS!
  transactionProviderId: String!
  transactionProvider: MerchantTransactionProvider!
  initialTransactionId: String
  expiresAt: DateTimeISO
  paymentMethodInfo: MerchantCustomerPaymentMethodInfo
  """Sandbox addition: the card brand (VISA, MASTERCARD...)."""
  brand: String
  """Sandbox addition: the last four digits."""
  last4: String
  expiryMonth: Int
  expiryYear: Int
${billingFields('billing')}
  createdAt: DateTimeISO!
  updatedAt: DateTimeISO!
}

"""A transaction: what verify returns, and what settle, void and stored-method charges create."""
type MerchantTransaction {
  id: ID!
  """AccruPay's transaction code; in the sandbox, the id."""
  code: String!
  token: String
  tokenExpiresAt: DateTimeISO
  action: TRANSACTION_ACTION!
  status: TRANSACTION_STATUS!
  providerStatus: TRANSACTION_STATUS!
  """The provider's reference; empty when the provider was never reached."""
  providerCode: String!
  providerRelatedCode: String
  providerError: String
  providerLastSyncedAt: DateTimeISO
  providerLastVerifiedAt: DateTimeISO!
  """0 for an ADD_PAYMENT_METHOD transaction, which moves no money."""
  amount: BigInt!
  refundedAmount: BigInt
  """Sandbox addition: how much of an AUTHORIZATION has been settled."""
  settledAmount: BigInt
  currency: CURRENCY!
  merchantInternalCustomerCode: String
  merchantInternalTransactionCode: String
  transactionDate: DateTimeISO!
  startedAt: DateTimeISO
  succeededAt: DateTimeISO
  failedAt: DateTimeISO
  canceledAt: DateTimeISO
  disputedAt: DateTimeISO
  refundedAt: DateTimeISO
  voidedAt: DateTimeISO
  transactionError: String
  """Document 003: the provider's error code."""
  errorCode: String
  """Document 003: the provider's error message."""
  errorMessage: String
  storePaymentMethod: Boolean
${deviceFields}
${billingFields('billing')}
${billingFields('shipping')}
${billingFields('user')}
${userExtraFields}
  paymentMethodId: String
  paymentMethodCode: String
  paymentMethodType: PAYMENT_METHOD
  paymentMethod: MerchantCustomerPaymentMethod
  paymentMethodInitialTransaction: MerchantCustomerPaymentMethod
  paymentPlanId: String
  paymentPlan: MerchantPaymentPlan
  """The AUTHORIZATION a SETTLE or VOID acts on."""
  relatedTransactionId: String
  relatedTransaction: MerchantTransaction
  transactionsRelated: [MerchantTransaction!]
  clientTransactionSessionId: String
  clientTransactionSession: MerchantClientTransactionSession
  transactionProviderId: String!
  transactionProvider: MerchantTransactionProvider!
  payload: JSON!
  createdAt: DateTimeISO!
  updatedAt: DateTimeISO!
}

"""A client session (documents 001 and 003)."""
type MerchantClientTransactionSession {
  id: ID!
  action: TRANSACTION_ACTION!
  status: CLIENT_TRANSACTION_SESSION_STATUS!
  providerStatus: CLIENT_TRANSACTION_SESSION_STATUS!
  """Document 003: CLIENT or SERVER."""
  kind: CLIENT_TRANSACTION_SESSION_KIND!
  """Sandbox addition: payment, add-payment-method or authorization."""
  type: String!
  providerCode: String!
  providerError: String
  providerLastSyncedAt: DateTimeISO
  providerLastVerifiedAt: DateTimeISO!
  token: String
  tokenExpiresAt: DateTimeISO
  """Document 003's name for tokenExpiresAt."""
  expiresAt: DateTimeISO
  payload: JSON!
  """0 for an add-payment-method session, which moves no money."""
  amount: BigInt!
  currency: CURRENCY!
  merchantInternalCustomerCode: String
  merchantInternalTransactionCode: String
  startedAt: DateTimeISO
  completedAt: DateTimeISO
  canceledAt: DateTimeISO
  storePaymentMethod: Boolean
  transactionProviderId: String!
  """Document 003's name for transactionProviderId."""
  merchantTransactionProviderId: String!
  transactionProvider: MerchantTransactionProvider!
  """Document 003: the transaction verify recorded."""
  transactionId: String
  transactions: [MerchantTransaction!]
  paymentMethodId: String
  paymentMethod: MerchantCustomerPaymentMethod
  paymentPlanId: String
  paymentPlan: MerchantPaymentPlan
${deviceFields}
${billingFields('billing')}
${billingFields('shipping')}
${billingFields('user')}
${userExtraFields}
  createdAt: DateTimeISO!
  updatedAt: DateTimeISO!
}

type MerchantClientTransactionSessionNuveiBaseConfig {
  provider: TRANSACTION_PROVIDER! @deprecated(reason: "Use parent \`provider\` instead.")
  merchantId: String!
  merchantSiteId: String!
  env: String!
  environment: String! @deprecated(reason: "Use \`env\` instead.")
}
type MerchantClientTransactionSessionGenericBaseConfig {
  provider: TRANSACTION_PROVIDER!
  publicKey: String
}
union MerchantClientTransactionSessionBaseConfigData = MerchantClientTransactionSessionGenericBaseConfig | MerchantClientTransactionSessionNuveiBaseConfig

"""What the frontend needs to render the provider's card fields."""
type MerchantClientTransactionSessionBaseConfig {
  provider: TRANSACTION_PROVIDER!
  data: MerchantClientTransactionSessionBaseConfigData!
  """Document 003: the session it is for; null when asked by provider."""
  id: String
  merchantTransactionProviderId: String!
  """Document 003: the provider's public configuration as one JSON object."""
  providerData: JSON!
}

"""What the browser may see of a session: no merchant or customer data."""
type ClientPublicTransactionSession {
  id: ID!
  token: String
  status: CLIENT_TRANSACTION_SESSION_STATUS!
  kind: CLIENT_TRANSACTION_SESSION_KIND!
  type: String!
  amount: BigInt!
  currency: CURRENCY!
  provider: TRANSACTION_PROVIDER!
  expiresAt: DateTimeISO
}

"""The public view of a session: document 003's fields at the top, the published API's beneath."""
type MerchantClientPublicTransactionSessionData {
  id: ID!
  token: String
  status: CLIENT_TRANSACTION_SESSION_STATUS!
  kind: CLIENT_TRANSACTION_SESSION_KIND!
  amount: BigInt!
  currency: CURRENCY!
  expiresAt: DateTimeISO
  provider: TRANSACTION_PROVIDER!
  baseConfig: MerchantClientTransactionSessionBaseConfigData!
  transactionSession: ClientPublicTransactionSession!
}

input BillingDataSchema {
  billingFirstName: String!
  billingLastName: String!
  billingEmail: String!
  billingPhone: String
  """ISO 3166-1 alpha-2."""
  billingAddressCountry: COUNTRY_ISO_2!
  billingAddressLine1: String
  billingAddressLine2: String
  billingAddressCity: String
  """ISO 3166-2: NY, or US-NY."""
  billingAddressState: String
  billingAddressPostalCode: String
  """Document 003's name for billingAddressLine1."""
  billingAddress: String
  """Document 003's name for billingAddressCity."""
  billingCity: String
  """Document 003's name for billingAddressState."""
  billingState: String
  """Document 003's name for billingAddressPostalCode."""
  billingZip: String
}
input ShippingDataSchema {
  shippingFirstName: String
  shippingLastName: String
  shippingEmail: String
  shippingPhone: String
  shippingAddressCountry: COUNTRY_ISO_2
  shippingAddressLine1: String
  shippingAddressLine2: String
  shippingAddressCity: String
  shippingAddressState: String
  shippingAddressPostalCode: String
}
input UserDataSchema {
  userFirstName: String
  userLastName: String
  userEmail: String
  userPhone: String
  userLocale: String
  """Accepted; the sandbox does not keep it."""
  userBirthDate: DateTimeISO
  """Accepted; the sandbox does not keep it."""
  userLegalIdentifier: String
  """Accepted; the sandbox does not keep it."""
  userLegalIdentifierType: String
  userAddressCountry: COUNTRY_ISO_2
  userAddressLine1: String
  userAddressLine2: String
  userAddressCity: String
  userAddressState: String
  userAddressPostalCode: String
}
input DeviceDataSchema {
  deviceId: String
  deviceIp: String
  deviceBrowser: String
  """Accepted; the sandbox does not keep it."""
  deviceOS: String
  """Accepted; the sandbox does not keep it."""
  deviceName: String
  """Accepted; the sandbox does not keep it."""
  deviceType: DEVICE_TYPE
}
input MerchantApiClientTransactionPaymentSessionStartSchema {${paymentStartFields}
}
"""The older start's input (merchantApiClientTransactionPaymentSessionStart): the same fields."""
input MerchantApiClientTransactionPaymentStartSchema {${paymentStartFields}
}
input MerchantApiClientTransactionAuthorizationSessionStartSchema {${paymentStartFields}
}
input MerchantApiClientTransactionAddPaymentMethodSessionStartSchema {
  currency: CURRENCY!
  merchantInternalTransactionCode: String!
  merchantInternalCustomerCode: String
  billing: BillingDataSchema!
  shipping: ShippingDataSchema
  user: UserDataSchema
  device: DeviceDataSchema
}
input MerchantApiServerPaymentMethodTransactionCreateSchema {
  merchantCustomerPaymentMethodId: String!
  merchantInternalCustomerCode: String!
  merchantInternalTransactionCode: String!
  amount: BigInt!
  currency: CURRENCY!
  billing: BillingDataSchema
  shipping: ShippingDataSchema
  user: UserDataSchema
  device: DeviceDataSchema
}

# --- not supported by the sandbox: declared so that the operations validate ----------------

input MerchantServerAchTransactionDataSchema {
  accountNumber: String
  routingNumber: String
  secCode: TRANSACTION_ACH_SECCODE
}
input MerchantApiServerAchPaymentTransactionCreateSchema {
  ach: MerchantServerAchTransactionDataSchema!
  amount: BigInt!
  billing: BillingDataSchema!
  currency: CURRENCY!
  device: DeviceDataSchema
  merchantInternalCustomerCode: String!
  merchantInternalTransactionCode: String!
  shipping: ShippingDataSchema
  storePaymentMethod: Boolean!
  user: UserDataSchema
}
input MerchantPaymentPlanCreateSchema {
  amount: BigInt!
  currency: CURRENCY!
  endsAfterDays: Int!
  endsAfterMonths: Int!
  endsAfterYears: Int!
  initialAmount: BigInt!
  merchantInternalCustomerCode: String!
  merchantInternalPaymentPlanCode: String!
  merchantInternalPaymentPlanDescription: String
  paymentMethodId: String!
  renewalIntervalDays: Int!
  renewalIntervalMonths: Int!
  renewalIntervalYears: Int!
  templateId: String!
  trialPeriodDays: Int!
  trialPeriodMonths: Int!
  trialPeriodYears: Int!
}
input MerchantPaymentPlanTemplateCreateSchema {
  amount: BigInt!
  currency: CURRENCY!
  description: String
  endsAfterDays: Int!
  endsAfterMonths: Int!
  endsAfterYears: Int!
  initialAmount: BigInt!
  name: String!
  providerStatus: PAYMENT_PLAN_TEMPLATE_STATUS!
  renewalIntervalDays: Int!
  renewalIntervalMonths: Int!
  renewalIntervalYears: Int!
  trialPeriodDays: Int!
  trialPeriodMonths: Int!
  trialPeriodYears: Int!
}
input MerchantPaymentPlanTemplateUpdateSchema {
  amount: BigInt
  currency: CURRENCY
  description: String
  endsAfterDays: Int
  endsAfterMonths: Int
  endsAfterYears: Int
  initialAmount: BigInt
  name: String
  providerStatus: PAYMENT_PLAN_TEMPLATE_STATUS
  renewalIntervalDays: Int
  renewalIntervalMonths: Int
  renewalIntervalYears: Int
  trialPeriodDays: Int
  trialPeriodMonths: Int
  trialPeriodYears: Int
}
"""Not supported by the sandbox: every operation on it answers NOT_SUPPORTED_BY_SANDBOX."""
type MerchantPaymentPlanTemplate {
  id: ID!
  name: String!
  description: String
  amount: BigInt!
  initialAmount: BigInt!
  currency: CURRENCY!
  providerCode: String!
  providerError: String
  providerLastSyncedAt: DateTimeISO
  providerLastVerifiedAt: DateTimeISO!
  providerStatus: PAYMENT_PLAN_TEMPLATE_STATUS!
  transactionProviderId: String!
  renewalIntervalDays: Int!
  renewalIntervalMonths: Int!
  renewalIntervalYears: Int!
  endsAfterDays: Int!
  endsAfterMonths: Int!
  endsAfterYears: Int!
  trialPeriodDays: Int!
  trialPeriodMonths: Int!
  trialPeriodYears: Int!
  payload: JSON!
  createdAt: DateTimeISO!
  updatedAt: DateTimeISO!
}
"""Not supported by the sandbox: every operation on it answers NOT_SUPPORTED_BY_SANDBOX."""
type MerchantPaymentPlan {
  id: ID!
  merchantInternalPaymentPlanCode: String!
  merchantInternalPaymentPlanDescription: String
  merchantInternalCustomerCode: String!
  amount: BigInt!
  initialAmount: BigInt!
  currency: CURRENCY!
  providerCode: String!
  providerError: String
  providerLastSyncedAt: DateTimeISO
  providerLastVerifiedAt: DateTimeISO!
  providerStatus: PAYMENT_PLAN_STATUS!
  status: PAYMENT_PLAN_STATUS!
  renewalIntervalDays: Int!
  renewalIntervalMonths: Int!
  renewalIntervalYears: Int!
  endsAfterDays: Int!
  endsAfterMonths: Int!
  endsAfterYears: Int!
  trialPeriodDays: Int!
  trialPeriodMonths: Int!
  trialPeriodYears: Int!
  periodCount: Int!
  timeAnchor: DateTimeISO!
  currentPeriodStart: DateTimeISO!
  currentPeriodEnd: DateTimeISO!
  startedAt: DateTimeISO
  endsAt: DateTimeISO!
  trialEndsAt: DateTimeISO!
  canceledAt: DateTimeISO
  paymentMethodId: String!
  paymentMethod: MerchantCustomerPaymentMethod!
  templateId: String
  template: MerchantPaymentPlanTemplate
  transactionProviderId: String!
  transactionProvider: MerchantTransactionProvider!
  transactions: [MerchantTransaction!]!
  payload: JSON!
  createdAt: DateTimeISO!
  updatedAt: DateTimeISO!
}

${connection('MerchantClientTransactionSession')}
${connection('MerchantTransaction')}
${connection('MerchantCustomerPaymentMethod')}
${connection('MerchantTransactionProvider')}
${connection('MerchantPaymentPlan')}
${connection('MerchantPaymentPlanTemplate')}

type Query {
  """The merchant the API secret belongs to."""
  merchantApi: Merchant!
  merchantApiClientTransactionSession(${sessionLookupArgs}): MerchantClientTransactionSession!
  merchantApiClientTransactionSessions(id: String, token: String, providerCode: String, action: TRANSACTION_ACTION, amount: BigInt, currency: CURRENCY, """Document 003's name for providerStatus.""" status: CLIENT_TRANSACTION_SESSION_STATUS, providerStatus: CLIENT_TRANSACTION_SESSION_STATUS, paymentMethodId: String, paymentPlanId: String, transactionProviderId: String, merchantInternalCustomerCode: String, merchantInternalTransactionCode: String, started: Boolean, completed: Boolean, canceled: Boolean, hasProviderError: Boolean, ${pageArgs}): MerchantClientTransactionSessionPaginationConnection!
  """By provider (the published client) or by session (document 003): exactly one of the four."""
  merchantApiClientTransactionSessionBaseConfig(${providerChoiceArgs}, id: String, merchantInternalTransactionCode: String): MerchantClientTransactionSessionBaseConfig!
  merchantApiTransaction(${transactionLookupArgs}): MerchantTransaction!
  merchantApiTransactions(id: String, code: String, token: String, paymentMethodId: String, paymentMethodCode: String, paymentMethodType: PAYMENT_METHOD, paymentPlanId: String, transactionProviderId: String, clientTransactionSessionId: String, action: TRANSACTION_ACTION, actions: [TRANSACTION_ACTION!], status: TRANSACTION_STATUS, statuses: [TRANSACTION_STATUS!], currency: CURRENCY, transactionProvider: TRANSACTION_PROVIDER, providerCode: String, providerRelatedCode: String, hasProviderError: Boolean, merchantInternalCustomerCode: String, merchantInternalTransactionCode: String, relatedTransactionId: String, failed: Boolean, started: Boolean, disputed: Boolean, reverted: Boolean, canceled: Boolean, succeeded: Boolean, transactionDateFrom: DateTimeISO, transactionDateTo: DateTimeISO, ${pageArgs}): MerchantTransactionPaginationConnection!
  merchantApiCustomerPaymentMethod(merchantCustomerPaymentMethodId: String!): MerchantCustomerPaymentMethod!
  merchantApiCustomerPaymentMethods(id: String, transactionProvider: TRANSACTION_PROVIDER, transactionProviderId: String, providerCode: String, methodType: PAYMENT_METHOD, merchantInternalCustomerCode: String, isDefault: Boolean, hasProviderError: Boolean, initialTransactionId: String, ${pageArgs}): MerchantCustomerPaymentMethodPaginationConnection!
  merchantApiTransactionProvider(merchantTransactionProviderId: String!): MerchantTransactionProvider!
  merchantApiTransactionProviders(id: String, provider: TRANSACTION_PROVIDER, """Alias of provider.""" transactionProvider: TRANSACTION_PROVIDER, status: MERCHANT_TRANSACTION_PROVIDER_STATUS, ${pageArgs}): MerchantTransactionProviderPaginationConnection!
  """The browser's view of a session: merchantPublicId with the session token (document 003) or the session id (the published API)."""
  clientPublicTransactionSession(merchantPublicId: String!, token: String, transactionSessionId: String): MerchantClientPublicTransactionSessionData!
  clientPublicTransactionSessionBaseConfig(merchantPublicId: String!, token: String, transactionSessionId: String, transactionProvider: TRANSACTION_PROVIDER): MerchantClientTransactionSessionBaseConfig!
  """Not supported by the sandbox."""
  merchantApiPaymentPlan(merchantPaymentPlanId: String!): MerchantPaymentPlan!
  """Not supported by the sandbox."""
  merchantApiPaymentPlans(id: String, transactionProvider: TRANSACTION_PROVIDER, transactionProviderId: String, currency: CURRENCY, providerCode: String, providerStatus: PAYMENT_PLAN_STATUS, paymentMethodId: String, paymentMethod: PAYMENT_METHOD, templateId: String, merchantInternalCustomerCode: String, merchantInternalPaymentPlanCode: String, hasProviderError: Boolean, ended: Boolean, started: Boolean, canceled: Boolean, ${pageArgs}): MerchantPaymentPlanPaginationConnection!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanTemplate(merchantPaymentPlanTemplateId: String!): MerchantPaymentPlanTemplate!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanTemplates(id: String, transactionProvider: TRANSACTION_PROVIDER, transactionProviderId: String, name: String, currency: CURRENCY, providerCode: String, providerStatus: PAYMENT_PLAN_TEMPLATE_STATUS, ${pageArgs}): MerchantPaymentPlanTemplatePaginationConnection!
}

type Mutation {
  merchantApiClientTransactionPaymentSessionStartV2(${providerChoiceArgs}, data: MerchantApiClientTransactionPaymentSessionStartSchema!): MerchantClientTransactionSession!
  """The older start: the same session start, answered with the session's transaction (PENDING)."""
  merchantApiClientTransactionPaymentSessionStart(${providerChoiceArgs}, data: MerchantApiClientTransactionPaymentStartSchema!): MerchantTransaction!
  """Asks the provider for the truth; returns the transaction, not the session."""
  merchantApiClientTransactionPaymentSessionVerify(${sessionLookupArgs}): MerchantTransaction!
  merchantApiClientTransactionAddPaymentMethodSessionStart(${providerChoiceArgs}, data: MerchantApiClientTransactionAddPaymentMethodSessionStartSchema!): MerchantClientTransactionSession!
  merchantApiClientTransactionAddPaymentMethodSessionVerify(${sessionLookupArgs}): MerchantTransaction!
  merchantApiClientTransactionAuthorizationSessionStart(${providerChoiceArgs}, data: MerchantApiClientTransactionAuthorizationSessionStartSchema!): MerchantClientTransactionSession!
  merchantApiClientTransactionAuthorizationSessionVerify(${sessionLookupArgs}): MerchantTransaction!
  """Settles (captures) a successful AUTHORIZATION: omit amount to settle what remains."""
  merchantApiTransactionAuthorizationSettle(${transactionLookupArgs}, amount: BigInt): MerchantTransaction!
  """Voids a successful AUTHORIZATION that has not been settled."""
  merchantApiTransactionAuthorizationVoid(${transactionLookupArgs}): MerchantTransaction!
  """Voids a successful AUTHORIZATION that has not been settled (the published client's name)."""
  merchantApiTransactionVoid(${transactionLookupArgs}): MerchantTransaction!
  """Charges a customer's stored payment method from the server."""
  merchantApiServerPaymentMethodTransactionCreate(${providerChoiceArgs}, data: MerchantApiServerPaymentMethodTransactionCreateSchema!): MerchantTransaction!
  """Not supported by the sandbox yet (refunds come in a later release)."""
  merchantApiTransactionRefund(${transactionLookupArgs}, amount: BigInt!): MerchantTransaction!
  """Not supported by the sandbox yet."""
  merchantApiTransactionSyncOne(merchantTransactionProviderId: String!, ${transactionLookupArgs}): MerchantTransaction!
  """Not supported by the sandbox (ACH)."""
  merchantApiServerAchPaymentTransactionCreate(${providerChoiceArgs}, data: MerchantApiServerAchPaymentTransactionCreateSchema!): MerchantTransaction!
  """Not supported by the sandbox."""
  merchantApiCustomerPaymentMethodSyncOne(merchantInternalCustomerCode: String!, merchantTransactionProviderId: String!, providerCode: String!): MerchantCustomerPaymentMethod!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanCreate(data: MerchantPaymentPlanCreateSchema!, merchantTransactionProviderId: String!): MerchantPaymentPlan!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanCancel(merchantPaymentPlanId: String!, merchantTransactionProviderId: String!): MerchantPaymentPlan!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanSyncOne(merchantTransactionProviderId: String!, providerCode: String!): MerchantPaymentPlan!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanTemplateCreate(data: MerchantPaymentPlanTemplateCreateSchema!, merchantTransactionProviderId: String!): MerchantPaymentPlanTemplate!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanTemplateUpdate(data: MerchantPaymentPlanTemplateUpdateSchema!, merchantPaymentPlanTemplateId: String!, merchantTransactionProviderId: String!): MerchantPaymentPlanTemplate!
  """Not supported by the sandbox."""
  merchantApiPaymentPlanTemplateSyncOne(merchantTransactionProviderId: String!, providerCode: String!): MerchantPaymentPlanTemplate!
}
`;

/** The SDL of the API, enums first. */
export const TYPE_DEFS = `${ENUMS.join('\n\n')}\n${TYPES}`;

/** Root fields that answer NOT_SUPPORTED_BY_SANDBOX, and why. */
export const UNSUPPORTED_FIELDS = {
  Query: {
    merchantApiPaymentPlan: 'payment plans',
    merchantApiPaymentPlans: 'payment plans',
    merchantApiPaymentPlanTemplate: 'payment plan templates',
    merchantApiPaymentPlanTemplates: 'payment plan templates',
  },
  Mutation: {
    merchantApiServerAchPaymentTransactionCreate: 'ACH payments',
    merchantApiCustomerPaymentMethodSyncOne: 'payment method sync',
    merchantApiPaymentPlanCreate: 'payment plans',
    merchantApiPaymentPlanCancel: 'payment plans',
    merchantApiPaymentPlanSyncOne: 'payment plans',
    merchantApiPaymentPlanTemplateCreate: 'payment plan templates',
    merchantApiPaymentPlanTemplateUpdate: 'payment plan templates',
    merchantApiPaymentPlanTemplateSyncOne: 'payment plan templates',
  },
} as const;
