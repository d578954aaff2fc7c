import type { Selectable } from 'kysely';
import type { ParsedRow } from './json-columns.ts';
import type { PaymentIntentStore } from './payment-intents.ts';
import type {
  IdempotencyKeyTable,
  LeaseTable,
  PaymentMethodTable,
  ProviderCallbackTable,
  TransactionTable,
} from './schema.ts';

export { isLiveSessionStatus, LIVE_SESSION_STATUSES } from './tables.ts';

/** The rows the domain sees: JSON columns parsed (json-columns.ts), the rest as stored. */
export type MerchantRow = ParsedRow<'merchants'>;
export type MerchantTransactionProviderRow = ParsedRow<'merchant_transaction_providers'>;
export type SessionRow = ParsedRow<'client_sessions'>;
export type TransactionRow = Selectable<TransactionTable>;
export type PaymentMethodRow = Selectable<PaymentMethodTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;
export type LeaseRow = Selectable<LeaseTable>;
export type ProviderCallbackRow = Selectable<ProviderCallbackTable>;
/** An endpoint, its secrets opened (they are sealed at rest). */
export type WebhookEndpointRow = ParsedRow<'webhook_endpoints'>;
/** An event of the outbox, its object's rows read back as they stood after the change. */
export type EventRow = Omit<ParsedRow<'events'>, 'snapshot'> & { snapshot: EventObjectRows };
/** An event's object: a session with its transactions, or a transaction. */
export type EventObjectRows =
  | { session: SessionRow; transactions: TransactionRow[] }
  | { transaction: TransactionRow }
  /** A document 004 Payment or Payment Intent: its JSON:API resource as it stood, ready to send. */
  | { resource: Record<string, unknown> };
export type WebhookDeliveryRow = ParsedRow<'webhook_deliveries'>;
export type WebhookAttemptRow = Omit<ParsedRow<'webhook_attempts'>, 'seq'>;
export type WebhookFaultRow = ParsedRow<'webhook_faults'>;

/** What an endpoint update may change. */
export type WebhookEndpointPatch = Partial<
  Pick<
    WebhookEndpointRow,
    | 'status'
    | 'disabled_reason'
    | 'secret'
    | 'previous_secret'
    | 'previous_secret_expires_at'
    | 'updated_at'
  >
> & { updated_at: string };

/** What finishing an attempt changes of its delivery. */
export type WebhookDeliveryPatch = Partial<
  Pick<
    WebhookDeliveryRow,
    'state' | 'attempts' | 'next_attempt_at' | 'next_trigger' | 'faults_applied' | 'faults'
  >
> & { updated_at: string };

/** The filters of the control API's lists, across merchants. */
export interface AdminFilters<Status> {
  merchantId?: string | undefined;
  status?: Status | undefined;
  provider?: TransactionRow['provider'] | undefined;
  code?: string | undefined;
}

/** An event without its snapshot: what a timeline shows. */
export type EventSummaryRow = Pick<
  EventRow,
  'id' | 'type' | 'object_type' | 'object_id' | 'previous_status' | 'cause' | 'created_at'
>;

/** The filters of the event list. */
export interface EventQuery {
  type?: string | undefined;
  objectId?: string | undefined;
  createdFrom?: string | undefined;
}

/** How a session is named: exactly one of the four identifiers. */
export type SessionLookup =
  | { id: string }
  | { token: string }
  | { providerCode: string }
  | { merchantInternalTransactionCode: string };

/** The enums of the rows, as the contract spells them (see schema.ts). */
type SessionStatus = SessionRow['status'];
type TransactionStatus = TransactionRow['status'];

/**
 * One compare-and-set, as updateSessionIf and updateTransactionIf take it: the row, the statuses it
 * may be in, and what to set; for {@link Store.updateAllIf} and setSessionProviderData's `also`.
 */
export type GuardedUpdate =
  | {
      table: 'client_sessions';
      id: string;
      from: readonly SessionStatus[];
      patch: SessionPatch;
      /** The status the caller read the row in (one of `from`): tried first, without a read. */
      observed?: SessionStatus | undefined;
    }
  | {
      table: 'transactions';
      id: string;
      from: readonly TransactionStatus[];
      patch: TransactionPatch;
      /** The status the caller read the row in (one of `from`): tried first, without a read. */
      observed?: TransactionStatus | undefined;
    };

export interface SessionFilters {
  status?: SessionStatus | undefined;
  type?: SessionRow['type'] | undefined;
  merchantInternalTransactionCode?: string | undefined;
}

export interface TransactionFilters {
  status?: TransactionStatus | undefined;
  action?: TransactionRow['action'] | undefined;
  merchantInternalTransactionCode?: string | undefined;
  sessionId?: string | undefined;
}

/** The filters of the merchant API's session list (GraphQL); each one given narrows it. */
export interface SessionQuery extends SessionFilters {
  id?: string | undefined;
  /** Any of these ids (a batch read). */
  ids?: readonly string[] | undefined;
  token?: string | undefined;
  providerCode?: string | undefined;
  action?: SessionRow['action'] | undefined;
  /** Minor units, as a canonical decimal string. */
  amount?: string | undefined;
  currency?: string | undefined;
  merchantInternalCustomerCode?: string | undefined;
  merchantTransactionProviderId?: string | undefined;
  paymentMethodId?: string | undefined;
  /** Past PENDING (the provider has it). */
  started?: boolean | undefined;
  /** COMPLETED. */
  completed?: boolean | undefined;
  /** CANCELED. */
  canceled?: boolean | undefined;
  /** ERROR: the provider answered with an error. */
  hasProviderError?: boolean | undefined;
}

/** The filters of the merchant API's transaction list (GraphQL). */
export interface TransactionQuery {
  id?: string | undefined;
  statuses?: readonly TransactionStatus[] | undefined;
  actions?: readonly TransactionRow['action'][] | undefined;
  currency?: string | undefined;
  transactionProvider?: TransactionRow['provider'] | undefined;
  merchantTransactionProviderId?: string | undefined;
  providerCode?: string | undefined;
  merchantInternalCustomerCode?: string | undefined;
  merchantInternalTransactionCode?: string | undefined;
  sessionId?: string | undefined;
  /** A settle's or void's authorization; null: only transactions without a parent. */
  parentTransactionId?: string | null | undefined;
  paymentMethodId?: string | undefined;
  /** SUCCEEDED. */
  succeeded?: boolean | undefined;
  /** FAILED, DECLINED or ERROR. */
  failed?: boolean | undefined;
  /** CANCELED. */
  canceled?: boolean | undefined;
  /** Past PENDING. */
  started?: boolean | undefined;
  /** The provider gave an error code. */
  hasProviderError?: boolean | undefined;
  /** created_at at or after this instant (ISO 8601). */
  createdFrom?: string | undefined;
  /** created_at at or before this instant (ISO 8601). */
  createdTo?: string | undefined;
}

/** The filters of the merchant API's stored payment method list (GraphQL). */
export interface PaymentMethodQuery {
  id?: string | undefined;
  merchantInternalCustomerCode?: string | undefined;
  transactionProvider?: PaymentMethodRow['provider'] | undefined;
  merchantTransactionProviderId?: string | undefined;
}

/** The filters of the merchant API's provider record list (GraphQL). */
export interface ProviderAccountQuery {
  id?: string | undefined;
  transactionProvider?: MerchantTransactionProviderRow['provider'] | undefined;
}

/** A provider record without its credentials: what a listing shows. */
export type ProviderAccountListRow = Pick<
  MerchantTransactionProviderRow,
  'id' | 'merchant_id' | 'provider' | 'created_at'
>;

/**
 * Which rows of a list a page holds, in `order` of (created_at, id). Forwards: the `limit` rows
 * strictly after `cursor` (or from the first), once `skip` are skipped. Backwards: the `limit`
 * rows just before `cursor` (or the last ones), still returned in `order`.
 */
export interface RowWindow {
  order: 'asc' | 'desc';
  limit: number;
  skip: number;
  cursor?: SessionCursor | undefined;
  backwards: boolean;
}

/** A window's rows, how many rows the filters keep in all, and whether more lie beyond the window. */
export interface WindowPage<Row> extends OffsetPage<Row> {
  hasMore: boolean;
}

/** Where a cursor page starts: after this (created_at, id), newest first. */
export interface SessionCursor {
  createdAt: string;
  id: string;
}

/** An offset page's request: `take` rows after the first `skip`. */
export interface PageRequest {
  take: number;
  skip: number;
}

/** An offset page: its rows, and how many rows the filters keep in all. */
export interface OffsetPage<Row> {
  rows: Row[];
  total: number;
}

/** A partial update of a session row. */
export type SessionPatch = Partial<
  Pick<
    SessionRow,
    'status' | 'transaction_id' | 'payment_method_id' | 'provider_code' | 'updated_at'
  >
> & { updated_at: string };

/** A partial update of a transaction row. */
export type TransactionPatch = Partial<
  Pick<
    TransactionRow,
    | 'status'
    | 'provider_code'
    | 'payment_method_id'
    | 'error_code'
    | 'error_message'
    | 'amount'
    | 'settled_amount'
  >
> & { updated_at: string };

/**
 * The router's storage: every query the domain needs, on SQLite or PostgreSQL. Every status
 * change is a compare-and-set; every uniqueness rule of the domain is a unique index, so that
 * two instances sharing one PostgreSQL database never both win.
 */
/** A merchant's rows kept by `filter`, newest first, one offset page of them. */
export type MerchantList<Filter, Row> = (
  merchantId: string,
  filter: Filter,
  page: PageRequest,
) => Promise<OffsetPage<Row>>;

/** The AccruPay store: every table's queries (document 004's in PaymentIntentStore). */
export interface Store extends PaymentIntentStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs the migrations that have not run yet. Idempotent; safe from two instances at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Deletes every row of every table (tests and `--reset`). */
  truncateAll(): Promise<void>;

  insertMerchant(row: MerchantRow): Promise<void>;
  findMerchantById(id: string): Promise<MerchantRow | undefined>;
  findMerchantBySecretHash(secretHash: string): Promise<MerchantRow | undefined>;
  findMerchantByPublicId(publicId: string): Promise<MerchantRow | undefined>;
  /** Oldest first. */
  listMerchants(): Promise<MerchantRow[]>;

  insertMerchantTransactionProvider(row: MerchantTransactionProviderRow): Promise<void>;
  findMerchantTransactionProviderById(
    id: string,
  ): Promise<MerchantTransactionProviderRow | undefined>;
  /** The merchant's oldest provider record for that provider. */
  findMerchantTransactionProviderByProvider(
    merchantId: string,
    provider: MerchantTransactionProviderRow['provider'],
  ): Promise<MerchantTransactionProviderRow | undefined>;
  /** Oldest first. */
  listMerchantTransactionProviders(merchantId: string): Promise<MerchantTransactionProviderRow[]>;
  /** The merchant API's provider record list, without credentials: the filters, one window. */
  providerAccountWindow(
    merchantId: string,
    query: ProviderAccountQuery,
    window: RowWindow,
  ): Promise<WindowPage<ProviderAccountListRow>>;

  /**
   * Inserts a session. 'conflict' when the merchant already has a session with that
   * merchant_internal_transaction_code in PENDING, ACTIVE, COMPLETED or UNKNOWN (a partial
   * unique index), whichever request got there first. With `transaction`, the session's own
   * transaction is inserted in the same database transaction: no reader ever sees one without the other.
   */
  insertSession(row: SessionRow, transaction?: TransactionRow): Promise<'inserted' | 'conflict'>;
  /**
   * One of the merchant's sessions by id, token, provider code, or merchant code (the newest
   * with that code).
   */
  findSession(merchantId: string, lookup: SessionLookup): Promise<SessionRow | undefined>;
  /** A session by the provider's reference, for callbacks: scoped by provider record, not merchant. */
  findSessionByProviderCode(
    merchantTransactionProviderId: string,
    providerCode: string,
  ): Promise<SessionRow | undefined>;
  /** Same, by token. */
  findSessionByToken(
    merchantTransactionProviderId: string,
    token: string,
  ): Promise<SessionRow | undefined>;
  /** Newest first (created_at desc, id desc). */
  listSessions(
    merchantId: string,
    filters: SessionFilters,
    page: PageRequest,
  ): Promise<OffsetPage<SessionRow>>;
  /** The merchant API's session list: the filters, one window of rows. */
  sessionWindow(
    merchantId: string,
    query: SessionQuery,
    window: RowWindow,
  ): Promise<WindowPage<SessionRow>>;
  /**
   * Records the provider's answer to the start; only while the token is still null. The session
   * as recorded; undefined when its token was already set (or there is no such session);
   * 'reference-in-use' when another session already holds that token or provider code.
   */
  setSessionProviderData(
    id: string,
    data: Pick<
      SessionRow,
      'token' | 'token_expires_at' | 'provider_code' | 'payload' | 'updated_at'
    >,
    /** A compare-and-set committed with it when the session was set (its transaction's reference). */
    also?: GuardedUpdate,
  ): Promise<SessionRow | undefined | 'reference-in-use'>;
  /** Compare-and-set: applies the patch only if the session's status is one of `from`. */
  updateSessionIf(
    id: string,
    from: readonly SessionStatus[],
    patch: SessionPatch,
  ): Promise<boolean>;

  /**
   * Several compare-and-sets in one database transaction, in order, each applied only if its row's
   * status is then one of its `from`: per update, its row as written, or undefined when it did not
   * move. They commit together, so a crash never leaves a transaction's outcome recorded without
   * its session's, or the other way round.
   */
  updateAllIf(
    updates: readonly GuardedUpdate[],
  ): Promise<(SessionRow | TransactionRow | undefined)[]>;

  /**
   * Inserts a transaction. 'conflict' when the session already has its transaction (one per
   * session, parent_transaction_id null), or the parent already has a SETTLE or VOID child (one
   * per authorization).
   */
  insertTransaction(row: TransactionRow): Promise<'inserted' | 'conflict'>;
  findTransaction(merchantId: string, id: string): Promise<TransactionRow | undefined>;
  /** The session's own transaction (the one without a parent). */
  findSessionTransaction(sessionId: string): Promise<TransactionRow | undefined>;
  /** The SETTLE or VOID of an authorization, if any. */
  findChildTransaction(parentTransactionId: string): Promise<TransactionRow | undefined>;
  /** Oldest first: the session's transaction and its settle or void. */
  listSessionTransactions(sessionId: string): Promise<TransactionRow[]>;
  /**
   * Batched for wire views: the transactions of every session in `sessionIds` (each one's own and
   * its settle or void), oldest first, in one query.
   */
  listTransactionsOfSessions(sessionIds: readonly string[]): Promise<TransactionRow[]>;
  /** Newest first. */
  listTransactions: MerchantList<TransactionFilters, TransactionRow>;
  /** The merchant API's transaction list: the filters, one window of rows. */
  transactionWindow(
    merchantId: string,
    query: TransactionQuery,
    window: RowWindow,
  ): Promise<WindowPage<TransactionRow>>;
  /** Compare-and-set: applies the patch only if the transaction's status is one of `from`. */
  updateTransactionIf(
    id: string,
    from: readonly TransactionStatus[],
    patch: TransactionPatch,
  ): Promise<boolean>;
  /**
   * Compare-and-set of a REFUND's status; when it becomes SUCCEEDED, its amount is added to its
   * parent's refunded_amount (and refunded_at set) in the same database transaction: the total
   * never counts a refund twice or misses one.
   */
  finishRefund(
    id: string,
    from: readonly TransactionStatus[],
    patch: TransactionPatch,
  ): Promise<boolean>;
  /**
   * The REFUND_REVERSAL of the contract: a SUCCEEDED refund becomes FAILED and its amount leaves
   * its parent's refunded_amount, in one database transaction; false when it was not SUCCEEDED.
   */
  reverseRefund(id: string, patch: Omit<TransactionPatch, 'status'>): Promise<boolean>;
  /** Sets settled_amount only if it is still null. */
  setSettledAmountIfUnset(id: string, settledAmount: string, updatedAt: string): Promise<boolean>;

  /** Inserts, or returns the existing row for the same (merchant, provider, provider_reference). */
  upsertPaymentMethod(row: PaymentMethodRow): Promise<PaymentMethodRow>;
  findPaymentMethod(merchantId: string, id: string): Promise<PaymentMethodRow | undefined>;
  /** Batched for wire views: the payment methods with these ids, any merchant's, in one query. */
  findPaymentMethodsByIds(ids: readonly string[]): Promise<PaymentMethodRow[]>;
  /** Newest first; the filter is the merchant's customer code. */
  listPaymentMethods: MerchantList<string, PaymentMethodRow>;
  /** The merchant API's stored payment method list: the filters, one window of rows. */
  paymentMethodWindow(
    merchantId: string,
    query: PaymentMethodQuery,
    window: RowWindow,
  ): Promise<WindowPage<PaymentMethodRow>>;

  /**
   * Claims an idempotency key for a request. If the key is free, or its row has expired
   * (expires_at <= row.created_at), inserts row (state 'in_flight') and returns claimed; else
   * returns the existing row. Atomic across instances.
   */
  claimIdempotencyKey(
    row: Omit<IdempotencyKeyRow, 'state' | 'response_status' | 'response_body'>,
  ): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyKeyRow }>;
  /**
   * Takes a lease on `key` if it is free or lapsed (expires_at <= created_at); false when another
   * holder has it. Atomic across instances.
   */
  claimLease(lease: LeaseRow): Promise<boolean>;
  /** Gives a lease back; only its holder can. */
  releaseLease(key: string, holder: string): Promise<void>;

  /** Stores the response and marks the key 'done'. */
  completeIdempotencyKey(
    merchantId: string,
    key: string,
    response: { status: number; body: string },
  ): Promise<void>;
  /** Forgets a claim (the request failed in a way that is safe to retry). */
  releaseIdempotencyKey(merchantId: string, key: string): Promise<void>;
  /** Deletes keys whose expires_at <= now; returns how many. */
  deleteExpiredIdempotencyKeys(now: string): Promise<number>;

  insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void>;
  /** The merchant's endpoints but deleted ones, oldest first. */
  listWebhookEndpoints(merchantId: string): Promise<WebhookEndpointRow[]>;
  /** Any merchant's endpoint by id, deleted ones too (the caller checks the merchant). */
  findWebhookEndpoint(id: string): Promise<WebhookEndpointRow | undefined>;
  /** False when there is no such endpoint, or it was deleted. */
  updateWebhookEndpoint(id: string, patch: WebhookEndpointPatch): Promise<boolean>;

  /** The merchant's events, newest first (by the order they were written), one offset page. */
  listEvents(
    merchantId: string,
    query: EventQuery,
    page: PageRequest,
  ): Promise<OffsetPage<EventRow>>;
  findEvent(merchantId: string, id: string): Promise<EventRow | undefined>;
  /** Any merchant's events by id. */
  findEventsByIds(ids: readonly string[]): Promise<EventRow[]>;

  /** An event's deliveries, oldest first. */
  listDeliveriesOfEvent(eventId: string): Promise<WebhookDeliveryRow[]>;
  /** The attempts of these deliveries, in the order they were made. */
  listAttemptsOfDeliveries(deliveryIds: readonly string[]): Promise<WebhookAttemptRow[]>;
  /** PENDING deliveries due at `now`, unleased, to enabled endpoints; oldest event first. */
  dueDeliveries(now: string, limit: number): Promise<WebhookDeliveryRow[]>;
  /** Takes the lease of a due delivery until `leaseUntil`; false when another holder has it. */
  claimDelivery(id: string, holder: string, now: string, leaseUntil: string): Promise<boolean>;
  /**
   * Records the attempts and applies the patch, ending the lease, in one database transaction;
   * false when `holder` no longer holds the lease (the attempts are recorded all the same).
   */
  finishDelivery(
    id: string,
    holder: string,
    patch: WebhookDeliveryPatch,
    attempts: readonly WebhookAttemptRow[],
  ): Promise<boolean>;
  /**
   * Makes the event's deliveries to these endpoints due now as redeliveries (making any missing);
   * an attempt in flight no longer decides their state.
   */
  redeliver(event: EventRow, endpointIds: readonly string[], now: string): Promise<void>;
  /** Makes the endpoint's FAILED or DROPPED deliveries since `since` due now; how many. */
  recoverDeliveries(endpointId: string, since: string, now: string): Promise<number>;

  insertWebhookFault(row: WebhookFaultRow): Promise<void>;
  /** Oldest first. */
  listWebhookFaults(endpointId: string): Promise<WebhookFaultRow[]>;
  /** The removed fault, or undefined when the endpoint has none with that id. */
  deleteWebhookFault(endpointId: string, id: string): Promise<WebhookFaultRow | undefined>;
  /** Uses up one application of each of these faults; the ones that still had one. */
  takeWebhookFaults(candidates: readonly WebhookFaultRow[]): Promise<WebhookFaultRow[]>;

  // --- the sandbox control API (dashboard, CLI): across merchants, never from the merchant API ---
  adminSessions(
    filters: AdminFilters<SessionRow['status']>,
    page: PageRequest,
  ): Promise<OffsetPage<SessionRow>>;
  adminTransactions(
    filters: AdminFilters<TransactionRow['status']>,
    page: PageRequest,
  ): Promise<OffsetPage<TransactionRow>>;
  /** Any merchant's session by id. */
  findSessionById(id: string): Promise<SessionRow | undefined>;
  /** Every transaction (of one merchant, or all) with a provider reference, oldest first. */
  transactionsAtProviders(merchantId: string | undefined): Promise<TransactionRow[]>;
  /** The events about these sessions and transactions, in the order they were written. */
  listEventsOfObjects(objectIds: readonly string[]): Promise<EventSummaryRow[]>;
  listDeliveriesOfEvents(eventIds: readonly string[]): Promise<WebhookDeliveryRow[]>;
  /** Provider callbacks that named one of these provider references, oldest first. */
  listProviderCallbacksByCodes(codes: readonly string[]): Promise<ProviderCallbackRow[]>;
  /** PENDING, ACTIVE, UNKNOWN or EXPIRED sessions whose token expires in (from, to]. */
  sessionsExpiringBetween(from: string, to: string): Promise<SessionRow[]>;
  /** False when there is no such merchant. */
  setAllowedOrigins(merchantId: string, origins: readonly string[]): Promise<boolean>;
  /** Deletes sessions, transactions, payment methods, events and deliveries; merchants stay. */
  truncateActivity(): Promise<void>;

  insertProviderCallback(row: Omit<ProviderCallbackRow, 'id'>): Promise<void>;
  /** Newest first. */
  listProviderCallbacks(limit: number): Promise<ProviderCallbackRow[]>;
}
