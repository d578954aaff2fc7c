import { sql } from 'kysely';
import type { StoreContext } from './context.ts';
import { changed } from './context.ts';
import { forUpdate, storeId } from './events.ts';
import { parseRow, serialiseRow } from './json-columns.ts';
import type {
  EventQuery,
  EventRow,
  Store,
  TransactionRow,
  WebhookAttemptRow,
  WebhookDeliveryPatch,
  WebhookDeliveryRow,
  WebhookEndpointPatch,
  WebhookEndpointRow,
  WebhookFaultRow,
} from './store.ts';

/**
 * Merchant webhooks: endpoints (secrets sealed at rest), the events of the outbox (written by
 * events.ts), deliveries claimed with a lease, the log of attempts, and armed faults.
 */
export function webhookQueries(ctx: StoreContext) {
  const { db, box } = ctx;
  const openEndpoint = (row: Parameters<typeof parseRow<'webhook_endpoints'>>[1]) => {
    const parsed = parseRow('webhook_endpoints', row);
    return {
      ...parsed,
      secret: box.open(parsed.secret),
      previous_secret: parsed.previous_secret === null ? null : box.open(parsed.previous_secret),
    } satisfies WebhookEndpointRow;
  };
  const sealEndpoint = <P extends Partial<WebhookEndpointRow>>(values: P) => {
    const stored = serialiseRow('webhook_endpoints', values);
    return {
      ...stored,
      ...(values.secret === undefined ? {} : { secret: box.seal(values.secret) }),
      ...(values.previous_secret === undefined || values.previous_secret === null
        ? {}
        : { previous_secret: box.seal(values.previous_secret) }),
    };
  };
  const endpoints = () => db.selectFrom('webhook_endpoints').selectAll();
  const readEvent = (stored: Parameters<typeof parseRow<'events'>>[1]): EventRow => {
    const { snapshot, ...event } = parseRow('events', stored);
    const transactions = (snapshot.transactions ?? []) as TransactionRow[];
    return {
      ...event,
      snapshot:
        event.object_type === 'client_session'
          ? {
              session: parseRow('client_sessions', snapshot.row as never),
              transactions,
            }
          : event.object_type === 'payment' || event.object_type === 'payment_intent'
            ? { resource: snapshot.row }
            : { transaction: snapshot.row as TransactionRow },
    };
  };
  const eventsOf = (merchantId: string, query: EventQuery) => {
    let q = db.selectFrom('events').where('merchant_id', '=', merchantId);
    if (query.type !== undefined) q = q.where('type', '=', query.type);
    if (query.objectId !== undefined) q = q.where('object_id', '=', query.objectId);
    if (query.createdFrom !== undefined) q = q.where('created_at', '>=', query.createdFrom);
    return q;
  };
  return {
    async insertWebhookEndpoint(row) {
      await db.insertInto('webhook_endpoints').values(sealEndpoint(row)).execute();
    },
    listWebhookEndpoints: async (merchantId) =>
      (
        await endpoints()
          .where('merchant_id', '=', merchantId)
          .where('status', '!=', 'DELETED')
          .orderBy('created_at', 'asc')
          .orderBy('id', 'asc')
          .execute()
      ).map(openEndpoint),
    findWebhookEndpoint: async (id) => {
      const row = await endpoints().where('id', '=', id).executeTakeFirst();
      return row && openEndpoint(row);
    },
    async updateWebhookEndpoint(id, patch: WebhookEndpointPatch) {
      const result = await db
        .updateTable('webhook_endpoints')
        .set(sealEndpoint(patch))
        .where('id', '=', id)
        .where('status', '!=', 'DELETED')
        .executeTakeFirst();
      return changed(result);
    },

    listEvents: async (merchantId, query, page) => {
      const [rows, count] = await Promise.all([
        eventsOf(merchantId, query)
          .selectAll()
          .orderBy('seq', 'desc')
          .limit(page.take)
          .offset(page.skip)
          .execute(),
        eventsOf(merchantId, query)
          .select(sql<string | number>`count(*)`.as('count'))
          .executeTakeFirstOrThrow(),
      ]);
      return { rows: rows.map(readEvent), total: Number(count.count) };
    },
    findEvent: async (merchantId, id) => {
      const row = await db
        .selectFrom('events')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && readEvent(row);
    },
    findEventsByIds: async (ids) =>
      ids.length === 0
        ? []
        : (await db.selectFrom('events').selectAll().where('id', 'in', ids).execute()).map(
            readEvent,
          ),

    listDeliveriesOfEvent: async (eventId) =>
      (
        await db
          .selectFrom('webhook_deliveries')
          .selectAll()
          .where('event_id', '=', eventId)
          .orderBy('created_at', 'asc')
          .orderBy('id', 'asc')
          .execute()
      ).map((row) => parseRow('webhook_deliveries', row)),
    listAttemptsOfDeliveries: async (deliveryIds) =>
      deliveryIds.length === 0
        ? []
        : (
            await db
              .selectFrom('webhook_attempts')
              .selectAll()
              .where('delivery_id', 'in', deliveryIds)
              .orderBy('seq', 'asc')
              .execute()
          ).map((row) => parseRow('webhook_attempts', row)),
    /** Due, unleased deliveries to enabled endpoints, oldest event first. */
    dueDeliveries: async (now, limit) =>
      (
        await db
          .selectFrom('webhook_deliveries as d')
          .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
          .selectAll('d')
          .where('d.state', '=', 'PENDING')
          .where('d.next_attempt_at', '<=', now)
          .where((eb) =>
            eb.or([eb('d.lease_expires_at', 'is', null), eb('d.lease_expires_at', '<=', now)]),
          )
          .where('e.status', '=', 'ENABLED')
          .orderBy('d.next_attempt_at', 'asc')
          .orderBy('d.event_seq', 'asc')
          .limit(limit)
          .execute()
      ).map((row) => parseRow('webhook_deliveries', row)),
    async claimDelivery(id, holder, now, leaseUntil) {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ lease_holder: holder, lease_expires_at: leaseUntil })
        .where('id', '=', id)
        .where('state', '=', 'PENDING')
        .where('next_attempt_at', '<=', now)
        .where((eb) =>
          eb.or([eb('lease_expires_at', 'is', null), eb('lease_expires_at', '<=', now)]),
        )
        .executeTakeFirst();
      return changed(result);
    },
    /**
     * Records the attempts (always: the log says what was sent) and moves the delivery, only while
     * `holder` holds its lease; the lease ends.
     */
    finishDelivery: (id, holder, patch: WebhookDeliveryPatch, attempts) =>
      db.transaction().execute(async (trx) => {
        if (attempts.length > 0) {
          await trx
            .insertInto('webhook_attempts')
            .values(attempts.map((attempt) => serialiseRow('webhook_attempts', attempt)))
            .execute();
        }
        const result = await trx
          .updateTable('webhook_deliveries')
          .set({
            ...serialiseRow('webhook_deliveries', patch),
            lease_holder: null,
            lease_expires_at: null,
          })
          .where('id', '=', id)
          .where('lease_holder', '=', holder)
          .executeTakeFirst();
        return changed(result);
      }),
    /**
     * Makes the event's deliveries (to these endpoints, or every one it has) due now as a
     * redelivery; a delivery to an endpoint it never went to is made. The deliveries, after.
     */
    redeliver: (event, endpointIds, now) =>
      db.transaction().execute(async (trx) => {
        for (const endpointId of endpointIds) {
          await trx
            .insertInto('webhook_deliveries')
            .values({
              id: storeId('msg'),
              event_id: event.id,
              event_seq: event.seq,
              endpoint_id: endpointId,
              merchant_id: event.merchant_id,
              state: 'PENDING',
              attempts: 0,
              next_attempt_at: now,
              next_trigger: 'redelivery',
              faults_applied: 1,
              faults: null,
              lease_holder: null,
              lease_expires_at: null,
              created_at: now,
              updated_at: now,
            })
            .onConflict((oc) =>
              oc.columns(['event_id', 'endpoint_id']).doUpdateSet({
                state: 'PENDING',
                attempts: 0,
                next_attempt_at: now,
                next_trigger: 'redelivery',
                // An attempt in flight keeps its log line but no longer decides the state.
                lease_holder: null,
                lease_expires_at: null,
                updated_at: now,
              }),
            )
            .execute();
        }
      }),
    async recoverDeliveries(endpointId, since, now) {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({
          state: 'PENDING',
          attempts: 0,
          next_attempt_at: now,
          next_trigger: 'redelivery',
          updated_at: now,
        })
        .where('endpoint_id', '=', endpointId)
        .where('state', 'in', ['FAILED', 'DROPPED'])
        .where('updated_at', '>=', since)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async insertWebhookFault(row) {
      await db.insertInto('webhook_faults').values(serialiseRow('webhook_faults', row)).execute();
    },
    listWebhookFaults: async (endpointId) =>
      (
        await db
          .selectFrom('webhook_faults')
          .selectAll()
          .where('endpoint_id', '=', endpointId)
          .orderBy('created_at', 'asc')
          .orderBy('id', 'asc')
          .execute()
      ).map((row) => parseRow('webhook_faults', row)),
    deleteWebhookFault: async (endpointId, id) => {
      const row = await db
        .deleteFrom('webhook_faults')
        .where('endpoint_id', '=', endpointId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && parseRow('webhook_faults', row);
    },
    /**
     * Uses up one application of each fault of `candidates` (compare-and-set on what remains, so
     * that two instances never both use the last one); the ones it could.
     */
    takeWebhookFaults: (candidates) =>
      db.transaction().execute(async (trx) => {
        const used: WebhookFaultRow[] = [];
        for (const fault of candidates) {
          const row = await forUpdate(
            ctx.dialect,
            trx.selectFrom('webhook_faults').selectAll().where('id', '=', fault.id),
            { deletes: true },
          ).executeTakeFirst();
          if (row === undefined || (row.remaining !== null && row.remaining <= 0)) continue;
          if (row.remaining === 1) {
            await trx.deleteFrom('webhook_faults').where('id', '=', row.id).execute();
          } else {
            await trx
              .updateTable('webhook_faults')
              .set({
                used: row.used + 1,
                remaining: row.remaining === null ? null : row.remaining - 1,
              })
              .where('id', '=', row.id)
              .execute();
          }
          used.push(parseRow('webhook_faults', row));
        }
        return used;
      }),
  } satisfies Partial<Store>;
}

export type { WebhookAttemptRow, WebhookDeliveryRow };
