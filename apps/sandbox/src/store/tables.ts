import type { ClientTransactionSessionStatus } from '@accrupay/contracts';
import { type CreateIndexBuilder, sql } from 'kysely';
import type { Database } from './schema.ts';

export type StoreDialect = 'sqlite' | 'postgres';

export interface UniqueIndex {
  name: string;
  table: string;
  columns: readonly string[];
}

/** The unique indexes behind the Store's uniqueness rules. */
export const UNIQUE_INDEXES = {
  merchantPublicId: { name: 'merchants_public_id_key', table: 'merchants', columns: ['public_id'] },
  merchantSecretHash: {
    name: 'merchants_secret_hash_key',
    table: 'merchants',
    columns: ['secret_hash'],
  },
  liveSessionCode: {
    name: 'client_sessions_live_code_key',
    table: 'client_sessions',
    columns: ['merchant_id', 'merchant_internal_transaction_code'],
  },
  sessionTransaction: {
    name: 'transactions_session_key',
    table: 'transactions',
    columns: ['session_id'],
  },
  /** One SETTLE or VOID per authorization (since 0005 only those actions: refunds are children too). */
  childTransaction: {
    name: 'transactions_parent_key',
    table: 'transactions',
    columns: ['parent_transaction_id'],
  },
  /** One unresolved REFUND per payment at a time (0005): the next waits for its answer. */
  pendingRefund: {
    name: 'transactions_pending_refund_key',
    table: 'transactions',
    columns: ['parent_transaction_id'],
  },
  sessionToken: {
    name: 'client_sessions_provider_token_key',
    table: 'client_sessions',
    columns: ['provider', 'token'],
  },
  sessionProviderCode: {
    name: 'client_sessions_provider_code_key',
    table: 'client_sessions',
    columns: ['provider', 'provider_code'],
  },
  /** An event id is unique (0006). */
  eventId: { name: 'events_id_key', table: 'events', columns: ['id'] },
  /** One delivery of an event per endpoint (0006): a redelivery moves it, never adds one. */
  eventDelivery: {
    name: 'webhook_deliveries_event_endpoint_key',
    table: 'webhook_deliveries',
    columns: ['event_id', 'endpoint_id'],
  },
  /** One credential pair per merchant, one merchant per client id (0007). */
  clientCredentialId: {
    name: 'merchant_client_credentials_client_id_key',
    table: 'merchant_client_credentials',
    columns: ['client_id'],
  },
  /** One Accrue account per merchant (0007). */
  accrueAccountMerchant: {
    name: 'accrue_accounts_merchant_key',
    table: 'accrue_accounts',
    columns: ['merchant_id'],
  },
  paymentMethodReference: {
    name: 'payment_methods_reference_key',
    table: 'payment_methods',
    columns: ['merchant_id', 'provider', 'provider_reference'],
  },
} as const satisfies Record<string, UniqueIndex>;

/** The actions UNIQUE_INDEXES.childTransaction holds to one per parent (0005). */
export const SETTLE_OR_VOID = ['SETTLE', 'VOID'] as const;
/** A refund in these statuses has no final answer yet: at most one per payment (0005). */
export const UNRESOLVED_REFUND_STATUSES = ['PENDING', 'STARTED', 'UNKNOWN'] as const;

/**
 * The session statuses that hold a merchant code: at most one live session per code (a partial
 * unique index), and a new start with the code of a live session must wait or conflict.
 */
export const LIVE_SESSION_STATUSES = [
  'PENDING',
  'ACTIVE',
  'COMPLETED',
  'UNKNOWN',
] as const satisfies readonly ClientTransactionSessionStatus[];

/** Whether a session in this status holds its merchant code (see LIVE_SESSION_STATUSES). */
export function isLiveSessionStatus(status: ClientTransactionSessionStatus): boolean {
  return (LIVE_SESSION_STATUSES as readonly ClientTransactionSessionStatus[]).includes(status);
}

/**
 * A column, as words: its type (`text`, `integer`, or `serial`: an auto-incremented integer key),
 * then any of `primary`, `required` (not null), `sortable` (ordered or compared: byte-wise on
 * PostgreSQL too, whatever the database's locale), `default=N`, `->table.column` (a reference).
 */
export type ColumnSpec = `${'text' | 'integer' | 'serial'}${'' | ` ${string}`}`;

type IndexFilter = (index: CreateIndexBuilder) => CreateIndexBuilder;

export interface TableSpec {
  readonly name: keyof Database;
  /** In the order of the table's columns. */
  readonly columns: Readonly<Record<string, ColumnSpec>>;
  readonly primaryKey?: { readonly name: string; readonly columns: readonly string[] };
  /** Created after the table, in this order; some hold only for the rows the filter keeps. */
  readonly unique?: readonly (readonly [UniqueIndex, IndexFilter?])[];
  readonly indexes?: Readonly<Record<string, readonly string[]>>;
}

/** The tables of the first migration, parents before children. */
export const INITIAL_TABLES = [
  {
    name: 'merchants',
    columns: {
      id: 'text primary sortable',
      name: 'text required',
      public_id: 'text required',
      secret_hash: 'text required',
      secret_last4: 'text required',
      allowed_origins: 'text required',
      created_at: 'text required sortable',
    },
    unique: [[UNIQUE_INDEXES.merchantPublicId], [UNIQUE_INDEXES.merchantSecretHash]],
    indexes: { merchants_created_idx: ['created_at', 'id'] },
  },
  {
    name: 'merchant_transaction_providers',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      provider: 'text required',
      credentials: 'text required',
      created_at: 'text required sortable',
    },
    indexes: {
      mtp_merchant_provider_idx: ['merchant_id', 'provider', 'created_at', 'id'],
      mtp_merchant_created_idx: ['merchant_id', 'created_at', 'id'],
    },
  },
  {
    name: 'payment_methods',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      merchant_transaction_provider_id: 'text required ->merchant_transaction_providers.id',
      provider: 'text required',
      merchant_internal_customer_code: 'text',
      provider_reference: 'text required',
      provider_customer_reference: 'text',
      brand: 'text required',
      last4: 'text required',
      expiry_month: 'integer required',
      expiry_year: 'integer required',
      billing_country: 'text',
      created_at: 'text required sortable',
    },
    unique: [[UNIQUE_INDEXES.paymentMethodReference]],
    indexes: {
      payment_methods_customer_idx: [
        'merchant_id',
        'merchant_internal_customer_code',
        'created_at',
        'id',
      ],
    },
  },
  {
    name: 'client_sessions',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      merchant_transaction_provider_id: 'text required ->merchant_transaction_providers.id',
      provider: 'text required',
      type: 'text required',
      kind: 'text required',
      action: 'text required',
      status: 'text required',
      amount: 'text',
      currency: 'text required',
      merchant_internal_transaction_code: 'text required',
      merchant_internal_customer_code: 'text',
      store_payment_method: 'integer required default=0',
      customer_payment_method_id: 'text ->payment_methods.id',
      request_hash: 'text required',
      token: 'text',
      token_expires_at: 'text',
      provider_code: 'text',
      payload: 'text required',
      payment_method_id: 'text',
      transaction_id: 'text',
      created_at: 'text required sortable',
      updated_at: 'text required',
    },
    unique: [
      [
        UNIQUE_INDEXES.liveSessionCode,
        (index) => index.where(sql.ref('status'), 'in', LIVE_SESSION_STATUSES),
      ],
    ],
    indexes: {
      client_sessions_mtp_provider_code_idx: ['merchant_transaction_provider_id', 'provider_code'],
      client_sessions_mtp_token_idx: ['merchant_transaction_provider_id', 'token'],
      client_sessions_merchant_provider_code_idx: ['merchant_id', 'provider_code'],
      client_sessions_merchant_token_idx: ['merchant_id', 'token'],
      client_sessions_merchant_created_idx: ['merchant_id', 'created_at', 'id'],
      client_sessions_merchant_code_created_idx: [
        'merchant_id',
        'merchant_internal_transaction_code',
        'created_at',
      ],
    },
  },
  {
    name: 'transactions',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      session_id: 'text ->client_sessions.id',
      parent_transaction_id: 'text ->transactions.id',
      merchant_transaction_provider_id: 'text required ->merchant_transaction_providers.id',
      provider: 'text required',
      action: 'text required',
      status: 'text required',
      amount: 'text',
      currency: 'text required',
      settled_amount: 'text',
      merchant_internal_transaction_code: 'text',
      merchant_internal_customer_code: 'text',
      provider_code: 'text',
      payment_method_id: 'text',
      error_code: 'text',
      error_message: 'text',
      created_at: 'text required sortable',
      updated_at: 'text required',
    },
    unique: [
      [
        UNIQUE_INDEXES.sessionTransaction,
        (index) =>
          index
            .where(sql.ref('parent_transaction_id'), 'is', null)
            .where(sql.ref('session_id'), 'is not', null),
      ],
      [
        UNIQUE_INDEXES.childTransaction,
        (index) => index.where(sql.ref('parent_transaction_id'), 'is not', null),
      ],
    ],
    indexes: {
      transactions_session_created_idx: ['session_id', 'created_at', 'id'],
      transactions_merchant_created_idx: ['merchant_id', 'created_at', 'id'],
      transactions_merchant_code_idx: ['merchant_id', 'merchant_internal_transaction_code'],
    },
  },
  {
    name: 'idempotency_keys',
    columns: {
      merchant_id: 'text required ->merchants.id',
      key: 'text required',
      request_hash: 'text required',
      state: 'text required',
      response_status: 'integer',
      response_body: 'text',
      created_at: 'text required sortable',
      expires_at: 'text required sortable',
    },
    primaryKey: { name: 'idempotency_keys_pkey', columns: ['merchant_id', 'key'] },
    indexes: { idempotency_keys_expires_idx: ['expires_at'] },
  },
  {
    name: 'provider_callbacks',
    columns: {
      id: 'serial',
      provider: 'text required',
      merchant_transaction_provider_id: 'text required',
      received_at: 'text required sortable',
      verified: 'integer required',
      event_type: 'text',
      provider_code: 'text',
      outcome: 'text required',
    },
    indexes: { provider_callbacks_received_idx: ['received_at', 'id'] },
  },
] as const satisfies readonly TableSpec[];

/** Leases moved out of idempotency_keys, where a merchant's key could collide with one. */
export const LEASE_TABLES = [
  {
    name: 'leases',
    columns: {
      key: 'text primary sortable',
      holder: 'text required',
      created_at: 'text required sortable',
      expires_at: 'text required sortable',
    },
  },
] as const satisfies readonly TableSpec[];

/** Merchant webhooks: endpoints, the outbox of events, deliveries, their attempts, faults (0006). */
export const WEBHOOK_TABLES = [
  {
    name: 'webhook_endpoints',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      url: 'text required',
      description: 'text',
      enabled_events: 'text required',
      secret: 'text required',
      previous_secret: 'text',
      previous_secret_expires_at: 'text sortable',
      status: 'text required',
      disabled_reason: 'text',
      created_at: 'text required sortable',
      updated_at: 'text required',
    },
    indexes: { webhook_endpoints_merchant_idx: ['merchant_id', 'created_at', 'id'] },
  },
  {
    name: 'events',
    columns: {
      seq: 'serial',
      id: 'text required sortable',
      merchant_id: 'text required ->merchants.id',
      type: 'text required',
      object_type: 'text required',
      object_id: 'text required',
      snapshot: 'text required',
      previous_status: 'text',
      cause: 'text',
      created_at: 'text required sortable',
    },
    unique: [[UNIQUE_INDEXES.eventId]],
    indexes: {
      events_merchant_seq_idx: ['merchant_id', 'seq'],
      events_object_idx: ['object_id', 'seq'],
    },
  },
  {
    name: 'webhook_deliveries',
    columns: {
      id: 'text primary sortable',
      event_id: 'text required',
      event_seq: 'integer required',
      endpoint_id: 'text required ->webhook_endpoints.id',
      merchant_id: 'text required',
      state: 'text required',
      attempts: 'integer required default=0',
      next_attempt_at: 'text sortable',
      next_trigger: 'text required',
      faults_applied: 'integer required default=0',
      faults: 'text',
      lease_holder: 'text',
      lease_expires_at: 'text sortable',
      created_at: 'text required sortable',
      updated_at: 'text required sortable',
    },
    unique: [[UNIQUE_INDEXES.eventDelivery]],
    indexes: {
      webhook_deliveries_due_idx: ['state', 'next_attempt_at'],
      webhook_deliveries_endpoint_idx: ['endpoint_id', 'state', 'updated_at'],
    },
  },
  {
    name: 'webhook_attempts',
    columns: {
      seq: 'serial',
      id: 'text required sortable',
      delivery_id: 'text required ->webhook_deliveries.id',
      trigger: 'text required',
      at: 'text required sortable',
      request_headers: 'text required',
      request_body: 'text required',
      response_status: 'integer',
      response_body: 'text',
      error: 'text',
      latency_ms: 'integer',
    },
    indexes: { webhook_attempts_delivery_idx: ['delivery_id', 'seq'] },
  },
  {
    name: 'webhook_faults',
    columns: {
      id: 'text primary sortable',
      endpoint_id: 'text required ->webhook_endpoints.id',
      merchant_id: 'text required',
      spec: 'text required',
      remaining: 'integer',
      used: 'integer required default=0',
      created_at: 'text required sortable',
    },
    indexes: { webhook_faults_endpoint_idx: ['endpoint_id', 'created_at'] },
  },
] as const satisfies readonly TableSpec[];

/** Document 004 (0007): the card API's credential pairs, Accrue accounts, intents and payments. */
export const PAYMENT_INTENT_TABLES = [
  {
    name: 'merchant_client_credentials',
    columns: {
      merchant_id: 'text primary sortable ->merchants.id',
      client_id: 'text required',
      secret_hash: 'text required',
      created_at: 'text required sortable',
    },
    unique: [[UNIQUE_INDEXES.clientCredentialId]],
  },
  {
    name: 'accrue_accounts',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      credentials: 'text required',
      created_at: 'text required sortable',
    },
    unique: [[UNIQUE_INDEXES.accrueAccountMerchant]],
  },
  {
    name: 'payment_intents',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      amount: 'text required',
      currency: 'text required',
      status: 'text required',
      payment_method: 'text required',
      payment_id: 'text',
      created_at: 'text required sortable',
      expires_at: 'text',
      updated_at: 'text required',
    },
    indexes: { payment_intents_merchant_idx: ['merchant_id', 'created_at', 'id'] },
  },
  {
    name: 'payments',
    columns: {
      id: 'text primary sortable',
      merchant_id: 'text required ->merchants.id',
      payment_intent_id: 'text required ->payment_intents.id',
      amount: 'text required',
      amount_captured: 'text required',
      currency: 'text required',
      status: 'text required',
      capture_method: 'text required',
      payment_method: 'text required',
      description: 'text',
      failure_code: 'text',
      failure_message: 'text',
      authorized_at: 'text',
      captured_at: 'text',
      succeeded_at: 'text',
      settled_at: 'text',
      canceled_at: 'text',
      failed_at: 'text',
      created_at: 'text required sortable',
      updated_at: 'text required',
    },
    indexes: {
      payments_merchant_idx: ['merchant_id', 'created_at', 'id'],
      payments_intent_idx: ['payment_intent_id'],
    },
  },
] as const satisfies readonly TableSpec[];

/**
 * 0008: indexes for the lookups that SQLite's planner otherwise answered by reading all of one
 * merchant's rows (by order code; ordered by created_at and id, so the old index without `id`
 * lost to the merchant's listing index) or a whole table (a session's child transactions; a
 * refund by its provider reference). `replaces` names the columns of the index of that name
 * that 0008 drops first. query-plans.test.ts checks that the flows scan no table.
 */
export const LOOKUP_INDEXES_0008: readonly {
  readonly name: string;
  readonly table: keyof Database;
  readonly columns: readonly string[];
  readonly replaces?: readonly string[];
}[] = [
  {
    name: 'client_sessions_merchant_code_created_idx',
    table: 'client_sessions',
    columns: ['merchant_id', 'merchant_internal_transaction_code', 'created_at', 'id'],
    replaces: ['merchant_id', 'merchant_internal_transaction_code', 'created_at'],
  },
  {
    name: 'transactions_merchant_code_idx',
    table: 'transactions',
    columns: ['merchant_id', 'merchant_internal_transaction_code', 'created_at', 'id'],
    replaces: ['merchant_id', 'merchant_internal_transaction_code'],
  },
  { name: 'transactions_parent_idx', table: 'transactions', columns: ['parent_transaction_id'] },
  {
    name: 'transactions_mtp_provider_code_idx',
    table: 'transactions',
    columns: ['merchant_transaction_provider_id', 'provider_code', 'created_at', 'id'],
  },
];

/**
 * 0009: indexes 0001 made that the unique ones of 0002 make redundant. A session's token and its
 * provider reference are unique per provider (client_sessions_provider_token_key and
 * client_sessions_provider_code_key), so a lookup by either, for a merchant or a provider account,
 * probes those indexes once per provider (sessions.ts, `byReference`) and finds at most one row
 * per provider; these four were written on every start and every first token, for nothing.
 */
export const REDUNDANT_INDEXES_0009 = [
  'client_sessions_mtp_provider_code_idx',
  'client_sessions_mtp_token_idx',
  'client_sessions_merchant_provider_code_idx',
  'client_sessions_merchant_token_idx',
] as const satisfies readonly (keyof SessionIndexes0001)[];

/** The plain indexes 0001 gave client_sessions, by name. */
type SessionIndexes0001 = Extract<
  (typeof INITIAL_TABLES)[number],
  { name: 'client_sessions' }
>['indexes'];

/** The columns of the plain index 0001 gave client_sessions under that name. */
export function sessionIndexColumns0001(name: keyof SessionIndexes0001): readonly string[] {
  const table = INITIAL_TABLES.find((spec) => spec.name === 'client_sessions');
  const columns = (table?.indexes as SessionIndexes0001 | undefined)?.[name];
  if (!columns) throw new Error(`0001 made no client_sessions index ${name}`);
  return columns;
}

/** Every table, children before parents, so that deleting in this order satisfies the foreign keys. */
export const TABLES_CHILDREN_FIRST = [
  ...INITIAL_TABLES,
  ...LEASE_TABLES,
  ...WEBHOOK_TABLES,
  ...PAYMENT_INTENT_TABLES,
]
  .map((table) => table.name)
  .reverse();

type Uncreated = Exclude<keyof Database, (typeof TABLES_CHILDREN_FIRST)[number]>;
/** Compiles only while a migration creates every table of the schema (the error names the others). */
export const EVERY_TABLE_CREATED: [Uncreated] extends [never] ? true : Uncreated = true;
