import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import {
  type ClientTransactionSessionStatus,
  sessionEventType,
  type TransactionAction,
  type TransactionStatus,
  transactionEventType,
  type WebhookEventType,
} from '@accrupay/contracts';
import type { Kysely } from 'kysely';
import { parseRow } from './json-columns.ts';
import type { Database } from './schema.ts';
import type { StoreDialect } from './tables.ts';
import { transactionsOfSessions } from './transactions.ts';

/**
 * The outbox of merchant webhooks. Every status change of a session or a transaction writes its
 * event here, in the database transaction of the change (see updateIf in context.ts): an event is
 * never lost on a crash, and none is written for a change that rolled back. The same transaction
 * queues one delivery per subscribed endpoint, due at once.
 */

/**
 * What the status changes made inside `work` are caused by ("verify", "STRIPE callback"...): each
 * event written meanwhile records it, for the dashboard's timeline.
 */
const causes = new AsyncLocalStorage<string>();
export function withCause<T>(cause: string, work: () => Promise<T>): Promise<T> {
  return causes.run(cause, work);
}

/** A random id with a type prefix (the store makes its own: it never imports the domain). */
export function storeId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** What an event's data.object is built from: the row as stored after the change. */
export interface EventSnapshot {
  row: Record<string, unknown>;
  /** A session's transactions (its own, its settle, void and refunds) at the time of the change. */
  transactions?: Record<string, unknown>[];
}

/** Whether an endpoint's enabled events take this type. */
export function subscribes(enabledEvents: readonly string[], type: string): boolean {
  return enabledEvents.includes('*') || enabledEvents.includes(type);
}

type StatusRow = {
  id: string;
  merchant_id: string;
  status: string;
  updated_at: string;
  action?: string;
};

/** The event of a row's move from `previous` to its status, or null when the move sends none. */
function eventTypeOf(
  table: 'client_sessions' | 'transactions',
  row: StatusRow,
  previous: string,
): WebhookEventType | null {
  if (row.status === previous) return null;
  return table === 'client_sessions'
    ? sessionEventType(row.status as ClientTransactionSessionStatus)
    : transactionEventType(
        row.action as TransactionAction,
        previous as TransactionStatus,
        row.status as TransactionStatus,
      );
}

/**
 * Writes the event of a status change and queues its deliveries; `trx` is the database transaction
 * of the change. Returns whether it queued a delivery: whether the dispatcher has something to send.
 */
export async function writeStatusEvent(
  trx: Kysely<Database>,
  table: 'client_sessions' | 'transactions',
  row: StatusRow,
  previous: string,
): Promise<boolean> {
  const type = eventTypeOf(table, row, previous);
  if (type === null) return false;
  const snapshot: EventSnapshot = { row };
  if (table === 'client_sessions')
    snapshot.transactions = await transactionsOfSessions(trx, [row.id]);
  return writeEvent(trx, {
    merchantId: row.merchant_id,
    objectType: table === 'client_sessions' ? 'client_session' : 'transaction',
    objectId: row.id,
    type,
    snapshot,
    previous,
    at: row.updated_at,
  });
}

/** Runs `work` in a database transaction, or in the one `db` already is. */
export function inTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/**
 * Reads a row to change it: locked until the transaction ends on PostgreSQL (SQLite has one
 * writer). FOR NO KEY UPDATE, as an UPDATE of other columns than the key locks: two writers of the
 * row still wait for each other, but a row inserted meanwhile that names this one (a transaction's
 * settle, void or refund, whose foreign key takes FOR KEY SHARE) does not, so a transaction that
 * changes a session's transaction and then the session never deadlocks with that insert. A caller
 * that may delete the row says so: FOR UPDATE.
 */
export function forUpdate<Q extends { forUpdate(): Q; forNoKeyUpdate(): Q }>(
  dialect: StoreDialect,
  query: Q,
  options: { deletes?: boolean } = {},
): Q {
  if (dialect !== 'postgres') return query;
  return options.deletes ? query.forUpdate() : query.forNoKeyUpdate();
}

/** What a document 004 event is about: a Payment or a Payment Intent. */
export type ResourceObjectType = 'payment' | 'payment_intent';

/**
 * Writes the event of a Payment's or a Payment Intent's status change (document 004) and queues
 * its deliveries; `trx` is the database transaction of the change. The snapshot's `row` is the
 * JSON:API resource as it stood after the change: what the event's data.object is. Returns
 * whether it queued a delivery.
 */
export async function writeResourceEvent(
  trx: Kysely<Database>,
  event: {
    merchantId: string;
    objectType: ResourceObjectType;
    objectId: string;
    type: WebhookEventType;
    resource: Record<string, unknown>;
    previous: string | null;
    at: string;
  },
): Promise<boolean> {
  const { resource, ...rest } = event;
  return writeEvent(trx, { ...rest, snapshot: { row: resource } });
}

/** Inserts one event (with the cause of the change) and queues its deliveries; whether it queued one. */
async function writeEvent(
  trx: Kysely<Database>,
  event: {
    merchantId: string;
    objectType: ResourceObjectType | 'client_session' | 'transaction';
    objectId: string;
    type: WebhookEventType;
    snapshot: EventSnapshot;
    previous: string | null;
    at: string;
  },
): Promise<boolean> {
  const written = await trx
    .insertInto('events')
    .values({
      id: storeId('evt'),
      merchant_id: event.merchantId,
      type: event.type,
      object_type: event.objectType,
      object_id: event.objectId,
      snapshot: JSON.stringify(event.snapshot),
      previous_status: event.previous,
      cause: causes.getStore() ?? null,
      created_at: event.at,
    })
    .returning(['id', 'seq'])
    .executeTakeFirstOrThrow();
  return queueDeliveries(trx, event.merchantId, event.type, written, event.at);
}

type Endpoints = Promise<{ id: string; enabled_events: string }[]>;
/** The endpoints read in each database transaction, by merchant (gone with the transaction). */
const endpointsRead = new WeakMap<Kysely<Database>, Map<string, Endpoints>>();

/**
 * A merchant's enabled endpoints, read once per database transaction: the events of one change
 * (a transaction's outcome and its session's) queue their deliveries to the same endpoints.
 */
function endpointsOf(trx: Kysely<Database>, merchantId: string): Endpoints {
  const read = () =>
    trx
      .selectFrom('webhook_endpoints')
      .select(['id', 'enabled_events'])
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'ENABLED')
      .execute();
  if (!trx.isTransaction) return read();
  let byMerchant = endpointsRead.get(trx);
  if (byMerchant === undefined) {
    byMerchant = new Map();
    endpointsRead.set(trx, byMerchant);
  }
  let endpoints = byMerchant.get(merchantId);
  if (endpoints === undefined) {
    endpoints = read();
    byMerchant.set(merchantId, endpoints);
  }
  return endpoints;
}

async function queueDeliveries(
  trx: Kysely<Database>,
  merchantId: string,
  type: WebhookEventType,
  event: { id: string; seq: number },
  at: string,
): Promise<boolean> {
  const endpoints = await endpointsOf(trx, merchantId);
  const deliveries = endpoints
    .filter((endpoint) =>
      subscribes(parseRow('webhook_endpoints', endpoint as never).enabled_events, type),
    )
    .map((endpoint) => ({
      id: storeId('msg'),
      event_id: event.id,
      event_seq: event.seq,
      endpoint_id: endpoint.id,
      merchant_id: merchantId,
      state: 'PENDING' as const,
      attempts: 0,
      next_attempt_at: at,
      next_trigger: 'scheduled',
      faults_applied: 0,
      faults: null,
      lease_holder: null,
      lease_expires_at: null,
      created_at: at,
      updated_at: at,
    }));
  if (deliveries.length === 0) return false;
  await trx.insertInto('webhook_deliveries').values(deliveries).execute();
  return true;
}
