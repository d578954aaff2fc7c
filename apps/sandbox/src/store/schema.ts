import type {
  AccruePaymentMethod,
  CaptureMethod,
  ClientTransactionSessionKind,
  ClientTransactionSessionStatus,
  ClientTransactionSessionType,
  PaymentIntentStatus,
  PaymentStatus,
  TransactionAction,
  TransactionProvider,
  TransactionStatus,
} from '@accrupay/contracts';
import type { Generated } from 'kysely';

/**
 * The database schema, one interface per table. The same migrations serve SQLite and PostgreSQL,
 * so columns use portable types: text for ids, timestamps (ISO 8601 UTC with milliseconds, so
 * that they sort as text), amounts (canonical decimal strings of minor units) and JSON; integer
 * 0/1 for booleans.
 */
export interface Database {
  merchants: MerchantTable;
  merchant_transaction_providers: MerchantTransactionProviderTable;
  client_sessions: ClientSessionTable;
  transactions: TransactionTable;
  payment_methods: PaymentMethodTable;
  idempotency_keys: IdempotencyKeyTable;
  leases: LeaseTable;
  provider_callbacks: ProviderCallbackTable;
  webhook_endpoints: WebhookEndpointTable;
  events: EventTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
  webhook_faults: WebhookFaultTable;
  merchant_client_credentials: MerchantClientCredentialTable;
  accrue_accounts: AccrueAccountTable;
  payment_intents: PaymentIntentTable;
  payments: PaymentTable;
}

export interface MerchantTable {
  id: string;
  name: string;
  /** pk_test_...: safe for the browser. Unique. */
  public_id: string;
  /** SHA-256 hex of the API secret; the secret itself is never stored. Unique. */
  secret_hash: string;
  /** The last 4 characters of the secret, to tell secrets apart in listings. */
  secret_last4: string;
  /** JSON array of origins allowed to use the public API and frame the card fields. */
  allowed_origins: string;
  created_at: string;
}

export interface MerchantTransactionProviderTable {
  /** mtp_...: what merchants pass as merchantTransactionProviderId. */
  id: string;
  merchant_id: string;
  provider: TransactionProvider;
  /** JSON: the credentials of the merchant's account at the provider (secret key, webhook secret, site id...). */
  credentials: string;
  created_at: string;
}

export interface ClientSessionTable {
  /** UUID. */
  id: string;
  merchant_id: string;
  merchant_transaction_provider_id: string;
  provider: TransactionProvider;
  type: ClientTransactionSessionType;
  kind: ClientTransactionSessionKind;
  action: TransactionAction;
  status: ClientTransactionSessionStatus;
  /** Null for add-payment-method sessions. */
  amount: string | null;
  currency: string;
  merchant_internal_transaction_code: string;
  merchant_internal_customer_code: string | null;
  store_payment_method: number;
  /** The stored payment method a session charges, if any (payment_methods.id). */
  customer_payment_method_id: string | null;
  /** SHA-256 hex of the canonical start request: same code + same hash = the same session. */
  request_hash: string;
  /** Null until the provider answered the start. */
  token: string | null;
  token_expires_at: string | null;
  provider_code: string | null;
  /** JSON object for the React SDK. */
  payload: string;
  /** JSON: the billing contact sent at start (null: none sent, or started before 0004). */
  billing: string | null;
  payment_method_id: string | null;
  transaction_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface TransactionTable {
  id: string;
  merchant_id: string;
  session_id: string | null;
  parent_transaction_id: string | null;
  merchant_transaction_provider_id: string;
  provider: TransactionProvider;
  action: TransactionAction;
  status: TransactionStatus;
  amount: string | null;
  currency: string;
  settled_amount: string | null;
  /** The sum of this payment's SUCCEEDED refunds (0005; null: none). */
  refunded_amount: string | null;
  /** When its last refund succeeded (0005). */
  refunded_at: string | null;
  merchant_internal_transaction_code: string | null;
  merchant_internal_customer_code: string | null;
  provider_code: string | null;
  payment_method_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
}

export interface PaymentMethodTable {
  id: string;
  merchant_id: string;
  merchant_transaction_provider_id: string;
  provider: TransactionProvider;
  merchant_internal_customer_code: string | null;
  /** The provider's reference of the stored method (Stripe pm_..., Nuvei userPaymentOptionId). */
  provider_reference: string;
  /** The provider's customer reference, if it has one (Stripe cus_...). */
  provider_customer_reference: string | null;
  brand: string;
  last4: string;
  expiry_month: number;
  expiry_year: number;
  billing_country: string | null;
  created_at: string;
}

/**
 * A short lock on one payment while a request talks to the provider about it: a table of its own,
 * so that no merchant Idempotency-Key can take or release one.
 */
export interface LeaseTable {
  /** What is locked: a session or an authorization id. */
  key: string;
  /** Who holds it: a random token, so that only the holder releases it. */
  holder: string;
  created_at: string;
  /** After this the lease lapses by itself (the holder stopped mid-way). */
  expires_at: string;
}

export interface IdempotencyKeyTable {
  merchant_id: string;
  key: string;
  /** SHA-256 hex of method, path and body. */
  request_hash: string;
  /** 'in_flight' until the response is stored, then 'done'. */
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
  expires_at: string;
}

export interface ProviderCallbackTable {
  id: Generated<number>;
  provider: TransactionProvider;
  merchant_transaction_provider_id: string;
  received_at: string;
  /** 1 when the signature or checksum verified. */
  verified: number;
  event_type: string | null;
  provider_code: string | null;
  /** What the router did with it: 'refused', 'verified', 'ignored', ... */
  outcome: string;
}

/** Where a merchant wants webhooks (0006). */
export interface WebhookEndpointTable {
  id: string;
  merchant_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types, or ["*"]. */
  enabled_events: string;
  /** The signing secret whsec_..., sealed by the secret box. */
  secret: string;
  /** The secret before the last rotation, sealed, still signing until previous_secret_expires_at. */
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  status: 'ENABLED' | 'DISABLED' | 'DELETED';
  disabled_reason: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * The outbox: one row per status change, written in the database transaction of the change
 * (0006). `seq` orders them across instances.
 */
export interface EventTable {
  seq: Generated<number>;
  id: string;
  merchant_id: string;
  type: string;
  object_type: 'client_session' | 'transaction' | 'payment' | 'payment_intent';
  object_id: string;
  /** JSON: the row as it stood after the change (and a session's transactions), as stored. */
  snapshot: string;
  previous_status: string | null;
  /** What made the change: "verify", "STRIPE callback", "settle"... (the dashboard's timeline). */
  cause: string | null;
  created_at: string;
}

/** One event's delivery to one endpoint: its state on the retry schedule and its lease (0006). */
export interface WebhookDeliveryTable {
  id: string;
  event_id: string;
  event_seq: number;
  endpoint_id: string;
  merchant_id: string;
  state: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'DROPPED';
  /** Failed attempts on the current schedule (a redelivery starts a new one). */
  attempts: number;
  next_attempt_at: string | null;
  /** What the next attempt is: 'scheduled' or 'redelivery'. */
  next_trigger: string;
  /** 1 once the endpoint's faults were applied (they apply to a delivery once). */
  faults_applied: number;
  /** JSON of the faults that shape its sends (duplicate, forge, reorder), or null. */
  faults: string | null;
  lease_holder: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One request the sandbox made (or chose not to make) to deliver an event: the delivery log (0006). */
export interface WebhookAttemptTable {
  seq: Generated<number>;
  id: string;
  delivery_id: string;
  trigger: 'scheduled' | 'redelivery' | 'duplicate' | 'forged';
  at: string;
  /** JSON object. */
  request_headers: string;
  request_body: string;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  latency_ms: number | null;
}

/** A fault armed on an endpoint's deliveries (0006). */
export interface WebhookFaultTable {
  id: string;
  endpoint_id: string;
  merchant_id: string;
  /** JSON of the contract's webhookFaultSchema output. */
  spec: string;
  /** How many deliveries it still applies to; null until removed. */
  remaining: number | null;
  used: number;
  created_at: string;
}

/** The secure card API's credential pair of a merchant (0007): one per merchant. */
export interface MerchantClientCredentialTable {
  merchant_id: string;
  /** cid_test_...: sent as x-client-id. Unique. */
  client_id: string;
  /** SHA-256 hex of the client secret (csk_test_...); the secret itself is never stored. */
  secret_hash: string;
  created_at: string;
}

/** A merchant's account at Accrue Pay (0007): one per merchant, its credentials sealed at rest. */
export interface AccrueAccountTable {
  /** mtp_accrue_...: the merchantTransactionProviderId of Accrue's notification URL. */
  id: string;
  merchant_id: string;
  /** JSON, sealed: the API key, the webhook secret, the simulator account id. */
  credentials: string;
  created_at: string;
}

/** A Payment Intent (document 004) as the router has seen it at Accrue (0007). */
export interface PaymentIntentTable {
  /** pi_...: Accrue's id. */
  id: string;
  merchant_id: string;
  amount: string;
  currency: string;
  status: PaymentIntentStatus;
  payment_method: AccruePaymentMethod;
  /** The Payment its authorization made, once authorized. */
  payment_id: string | null;
  /** When Accrue created it. */
  created_at: string;
  expires_at: string | null;
  updated_at: string;
}

/** A Payment (document 004): an authorized Payment Intent, as Accrue last told the router (0007). */
export interface PaymentTable {
  /** pay_...: Accrue's id. */
  id: string;
  merchant_id: string;
  payment_intent_id: string;
  /** Minor units, canonical decimal strings. */
  amount: string;
  amount_captured: string;
  currency: string;
  status: PaymentStatus;
  capture_method: CaptureMethod;
  payment_method: AccruePaymentMethod;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  authorized_at: string | null;
  captured_at: string | null;
  succeeded_at: string | null;
  settled_at: string | null;
  canceled_at: string | null;
  failed_at: string | null;
  /** When Accrue created it. */
  created_at: string;
  updated_at: string;
}
