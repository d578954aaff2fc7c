import type { EventListQuery, WebhookDelivery, WebhookEventWire } from '@accrupay/contracts';
import type { EventRow, MerchantRow, WebhookDeliveryRow } from '../../store/store.ts';
import { isoAt } from '../clock.ts';
import { type DomainContext, nowIso } from '../context.ts';
import { RouterError } from '../errors.ts';
import { snapshotWires } from '../views.ts';
import { merchantEndpoint } from './endpoints.ts';

/**
 * Events as the merchant reads them and as webhooks carry them: the outbox rows (written by the
 * store with each status change) with their object's wire view as it stood after the change.
 */

/** The wire views of events, in order, with one read for their objects' payment methods. */
export async function eventWires(
  ctx: DomainContext,
  events: readonly EventRow[],
): Promise<WebhookEventWire[]> {
  const objects = await snapshotWires(
    ctx,
    events.map((event) => event.snapshot),
  );
  return events.map(
    (event, index) =>
      ({
        id: event.id,
        type: event.type,
        createdAt: event.created_at,
        data: { object: objects[index] },
        ...(event.previous_status === null
          ? {}
          : { previousAttributes: { status: event.previous_status } }),
      }) as WebhookEventWire,
  );
}

async function merchantEvent(ctx: DomainContext, merchant: MerchantRow, id: string) {
  const event = await ctx.store.findEvent(merchant.id, id);
  if (event === undefined) {
    throw new RouterError('NOT_FOUND', `No event ${id}: list them with GET /v1/events.`);
  }
  return event;
}

export async function listEvents(ctx: DomainContext, merchant: MerchantRow, query: EventListQuery) {
  const { take, skip, createdFrom, ...filters } = query;
  // Stored times are ISO with milliseconds in UTC: createdFrom is compared as that instant.
  const from = createdFrom === undefined ? {} : { createdFrom: isoAt(Date.parse(createdFrom)) };
  const { rows, total } = await ctx.store.listEvents(
    merchant.id,
    { ...filters, ...from },
    { take, skip },
  );
  return { data: await eventWires(ctx, rows), total };
}

export async function getEvent(ctx: DomainContext, merchant: MerchantRow, id: string) {
  const [wire] = await eventWires(ctx, [await merchantEvent(ctx, merchant, id)]);
  if (wire === undefined) throw new RouterError('INTERNAL_ERROR', `no wire view of event ${id}`);
  return wire;
}

/** Deliveries with their log of attempts, read at once. */
async function deliveryWires(
  ctx: DomainContext,
  deliveries: readonly WebhookDeliveryRow[],
): Promise<WebhookDelivery[]> {
  const attempts = await ctx.store.listAttemptsOfDeliveries(deliveries.map((row) => row.id));
  return deliveries.map((row) => ({
    id: row.id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: row.state === 'PENDING' ? row.next_attempt_at : null,
    log: attempts
      .filter((attempt) => attempt.delivery_id === row.id)
      .map((attempt, index) => ({
        id: attempt.id,
        attempt: index + 1,
        trigger: attempt.trigger,
        at: attempt.at,
        requestHeaders: attempt.request_headers,
        requestBody: attempt.request_body,
        responseStatus: attempt.response_status,
        responseBody: attempt.response_body,
        error: attempt.error,
        latencyMs: attempt.latency_ms,
      })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

export async function eventDeliveries(ctx: DomainContext, merchant: MerchantRow, id: string) {
  const event = await merchantEvent(ctx, merchant, id);
  return { data: await deliveryWires(ctx, await ctx.store.listDeliveriesOfEvent(event.id)) };
}

/**
 * Sends an event again now, with the same webhook-id: to one endpoint (also one it never went to),
 * or to every endpoint it went to that is still enabled.
 */
export async function redeliverEvent(
  ctx: DomainContext,
  merchant: MerchantRow,
  id: string,
  endpointId: string | undefined,
) {
  const event = await merchantEvent(ctx, merchant, id);
  let targets: string[];
  if (endpointId !== undefined) {
    const endpoint = await merchantEndpoint(ctx, merchant, endpointId);
    if (endpoint.status === 'DISABLED') {
      throw new RouterError(
        'INVALID_STATE_TRANSITION',
        `Webhook endpoint ${endpointId} is disabled (${endpoint.disabled_reason ?? 'by the sandbox'}): register it again to receive events.`,
      );
    }
    targets = [endpoint.id];
  } else {
    const enabled = (await ctx.store.listWebhookEndpoints(merchant.id)).filter(
      (endpoint) => endpoint.status === 'ENABLED',
    );
    const went = new Set(
      (await ctx.store.listDeliveriesOfEvent(event.id)).map((d) => d.endpoint_id),
    );
    targets = enabled.filter((endpoint) => went.has(endpoint.id)).map((endpoint) => endpoint.id);
  }
  await ctx.store.redeliver(event, targets, nowIso(ctx));
  ctx.webhooks.kick();
  const deliveries = await ctx.store.listDeliveriesOfEvent(event.id);
  return {
    data: await deliveryWires(
      ctx,
      deliveries.filter((row) => targets.includes(row.endpoint_id)),
    ),
  };
}
