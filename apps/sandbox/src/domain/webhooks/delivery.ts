import { randomBytes } from 'node:crypto';
import {
  WEBHOOK_HEADERS,
  WEBHOOK_RETRY_SCHEDULE_MS,
  WEBHOOK_TIMEOUT_MS,
  type WebhookEventWire,
  type WebhookFaultSpec,
} from '@accrupay/contracts';
import { Webhook } from 'standardwebhooks';
import { storeId } from '../../store/events.ts';
import type {
  EventRow,
  WebhookAttemptRow,
  WebhookDeliveryPatch,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookFaultRow,
} from '../../store/store.ts';
import { type Clock, isoAt, systemClock } from '../clock.ts';
import type { DomainContext } from '../context.ts';
import { newId } from '../ids.ts';
import { eventWires } from './events.ts';

/**
 * Delivering merchant webhooks, at least once: due deliveries are claimed with a lease (one
 * instance sends each attempt), signed as Standard Webhooks asks (webhook-id is the event's id,
 * stable across retries), retried on the router's clock by WEBHOOK_RETRY_SCHEDULE_MS, and shaped
 * by the endpoint's armed faults. Every request made, or not made because of a fault, is in the
 * delivery log.
 */

/** Options of the dispatcher. */
export interface WebhookDeliveryOptions {
  /** How often to look for due deliveries, in real milliseconds (another instance's, or the clock moved). Default 250. */
  pollMs?: number;
  /** How long a claimed delivery stays with its instance, on the router's clock. Default 60 s. */
  leaseMs?: number;
  /** The clock of the webhook-timestamp header: the wall clock, which receivers check against. */
  wallClock?: Clock;
  /** The fetch to send with. Default the global fetch. */
  fetch?: typeof fetch;
  /** false: never poll or send by itself (tests call runDue). Default true. */
  autoStart?: boolean;
}

/** How much of a response body the log keeps. */
const RESPONSE_EXCERPT = 2048;
/** How far back a stale_timestamp forgery dates itself: twice the usual tolerance. */
const STALE_BY_MS = 10 * 60_000;
/** The shortest wait after a 429, whatever its Retry-After says. */
const MIN_RETRY_AFTER_MS = 1_000;
/** The longest Retry-After honoured. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;
const BATCH = 50;

interface Sent {
  status: number | null;
  body: string | null;
  error: string | null;
  latencyMs: number;
  retryAfterMs: number | undefined;
}

/** Whether a fault's target takes this delivery's event. */
function targets(fault: WebhookFaultSpec, event: EventRow): boolean {
  const target = fault.target;
  if (target === 'all') return true;
  if ('eventId' in target) return target.eventId === event.id;
  if ('eventType' in target) return target.eventType === event.type;
  return target.objectId === event.object_id;
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, wallNow: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - wallNow);
}

/** The secrets that sign now: the current one, and the previous one during its grace period. */
function signingSecrets(endpoint: WebhookEndpointRow, now: string): string[] {
  const previous =
    endpoint.previous_secret !== null &&
    endpoint.previous_secret_expires_at !== null &&
    endpoint.previous_secret_expires_at > now
      ? [endpoint.previous_secret]
      : [];
  return [endpoint.secret, ...previous];
}

/** The request headers of one send; `secrets` sign it (space-separated v1 signatures). */
function signedHeaders(id: string, at: Date, body: string, secrets: readonly string[]) {
  return {
    'content-type': 'application/json',
    'user-agent': 'AccruPay-Sandbox-Webhooks/1.0',
    [WEBHOOK_HEADERS.id]: id,
    [WEBHOOK_HEADERS.timestamp]: String(Math.floor(at.getTime() / 1000)),
    [WEBHOOK_HEADERS.signature]: secrets
      .map((secret) => new Webhook(secret).sign(id, at, body))
      .join(' '),
  };
}

/** A request that looks like a delivery of the event and must be refused by a careful receiver. */
function forgery(
  mode: Extract<WebhookFaultSpec, { kind: 'forge' }>['mode'],
  event: WebhookEventWire,
  body: string,
  secrets: readonly string[],
  wallNow: number,
): { headers: Record<string, string>; body: string } {
  if (mode === 'bad_signature') {
    const wrong = `whsec_${randomBytes(24).toString('base64')}`;
    return { headers: signedHeaders(event.id, new Date(wallNow), body, [wrong]), body };
  }
  if (mode === 'stale_timestamp') {
    return {
      headers: signedHeaders(event.id, new Date(wallNow - STALE_BY_MS), body, secrets),
      body,
    };
  }
  // unpaid_success: correctly signed, but the object says paid and the router never said so.
  const isSession = event.type.startsWith('client_session.');
  const forged = {
    ...event,
    id: storeId('evt_forged'),
    type: isSession ? 'client_session.completed' : 'transaction.succeeded',
    data: {
      object: { ...event.data.object, status: isSession ? 'COMPLETED' : 'SUCCEEDED' },
    },
  };
  const forgedBody = JSON.stringify(forged);
  return {
    headers: signedHeaders(forged.id, new Date(wallNow), forgedBody, secrets),
    body: forgedBody,
  };
}

/** Sends the event's deliveries that are due; one dispatcher per sandbox process. */
export class WebhookDispatcher {
  readonly #ctx: DomainContext;
  readonly #holder = newId('wd');
  readonly #pollMs: number;
  readonly #leaseMs: number;
  readonly #wall: Clock;
  readonly #fetch: typeof fetch;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #again = false;
  #closed = false;

  constructor(ctx: DomainContext, options: WebhookDeliveryOptions = {}) {
    this.#ctx = ctx;
    this.#pollMs = options.pollMs ?? 250;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#wall = options.wallClock ?? systemClock;
    this.#fetch = options.fetch ?? fetch;
    if (options.autoStart !== false) this.start();
  }

  /** Polls for due deliveries until closed. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => this.kick(), this.#pollMs);
    this.#timer.unref();
  }

  /** Looks for due deliveries soon (an event was written, a redelivery asked for). */
  kick(): void {
    if (this.#closed || this.#timer === undefined) return;
    void this.runDue().catch((error: unknown) =>
      this.#ctx.logger.error({ err: error }, 'webhooks: delivery round failed'),
    );
  }

  /**
   * Sends every delivery due now, until none is left; how many deliveries it attempted. Calls
   * while a round runs join it and run one more round after it.
   */
  runDue(): Promise<number> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const round = async () => {
      let total = 0;
      do {
        this.#again = false;
        for (;;) {
          const sent = await this.#round();
          total += sent;
          if (sent === 0) break;
        }
      } while (this.#again && !this.#closed);
      return total;
    };
    this.#running = round().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops polling and waits for the round in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One batch: claim what is due, send it, record it. */
  async #round(): Promise<number> {
    if (this.#closed) return 0;
    const { store, clock } = this.#ctx;
    const now = clock.now();
    const nowText = isoAt(now);
    const due = await store.dueDeliveries(nowText, BATCH);
    if (due.length === 0) return 0;
    const events = new Map(
      (await store.findEventsByIds([...new Set(due.map((d) => d.event_id))])).map((event) => [
        event.id,
        event,
      ]),
    );
    const wires = new Map(
      (await eventWires(this.#ctx, [...events.values()])).map((wire) => [wire.id, wire]),
    );
    let attempted = 0;
    // Endpoints in parallel; one endpoint's deliveries in event order (reordered ones reversed).
    const byEndpoint = new Map<string, WebhookDeliveryRow[]>();
    for (const delivery of due) {
      const list = byEndpoint.get(delivery.endpoint_id) ?? [];
      list.push(delivery);
      byEndpoint.set(delivery.endpoint_id, list);
    }
    const reordered = (d: WebhookDeliveryRow) =>
      (d.faults ?? []).some((fault) => fault.kind === 'reorder');
    await Promise.all(
      [...byEndpoint.entries()].map(async ([endpointId, deliveries]) => {
        const endpoint = await store.findWebhookEndpoint(endpointId);
        deliveries.sort((a, b) =>
          reordered(a) && reordered(b) ? b.event_seq - a.event_seq : a.event_seq - b.event_seq,
        );
        let gone = false;
        for (const delivery of deliveries) {
          const event = events.get(delivery.event_id);
          const wire = wires.get(delivery.event_id);
          if (endpoint === undefined || event === undefined || wire === undefined || gone) continue;
          // Claimed right before it is sent, never a batch ahead: a lease lasts one send, so one
          // slow endpoint cannot outlast the leases of the deliveries queued behind it.
          const claimedAt = clock.now();
          const leased = await store.claimDelivery(
            delivery.id,
            this.#holder,
            isoAt(claimedAt),
            isoAt(claimedAt + this.#leaseMs),
          );
          if (!leased) continue;
          attempted++;
          try {
            gone = (await this.#attempt(delivery, endpoint, event, wire)) === 'gone';
          } catch (error) {
            this.#ctx.logger.error(
              { err: error, deliveryId: delivery.id },
              'webhooks: an attempt could not be recorded; it goes again once its lease lapses',
            );
          }
        }
      }),
    );
    return attempted;
  }

  /** The faults that apply to a delivery, used up once: they shape its first send. */
  async #faultsFor(delivery: WebhookDeliveryRow, event: EventRow): Promise<WebhookFaultRow[]> {
    const armed = (await this.#ctx.store.listWebhookFaults(delivery.endpoint_id)).filter((fault) =>
      targets(fault.spec, event),
    );
    return armed.length === 0 ? [] : this.#ctx.store.takeWebhookFaults(armed);
  }

  async #attempt(
    delivery: WebhookDeliveryRow,
    endpoint: WebhookEndpointRow,
    event: EventRow,
    wire: WebhookEventWire,
  ): Promise<'gone' | undefined> {
    const { store, clock, logger } = this.#ctx;
    const now = clock.now();
    const at = isoAt(now);
    const body = JSON.stringify(wire);
    const finish = (
      patch: Omit<WebhookDeliveryPatch, 'updated_at'>,
      attempts: WebhookAttemptRow[],
    ) => store.finishDelivery(delivery.id, this.#holder, { ...patch, updated_at: at }, attempts);
    const logRow = (
      trigger: WebhookAttemptRow['trigger'],
      headers: Record<string, string>,
      requestBody: string,
      sent: Sent | { error: string },
    ): WebhookAttemptRow => ({
      id: storeId('att'),
      delivery_id: delivery.id,
      trigger,
      at,
      request_headers: headers,
      request_body: requestBody,
      response_status: 'status' in sent ? sent.status : null,
      response_body: 'body' in sent ? sent.body : null,
      error: sent.error,
      latency_ms: 'latencyMs' in sent ? sent.latencyMs : null,
    });

    let shaping = delivery.faults ?? [];
    if (delivery.faults_applied === 0) {
      const used = await this.#faultsFor(delivery, event);
      const drop = used.find((fault) => fault.spec.kind === 'drop');
      if (drop) {
        await finish({ state: 'DROPPED', faults_applied: 1, next_attempt_at: null }, [
          logRow('scheduled', {}, body, { error: `not sent: dropped by fault ${drop.id}` }),
        ]);
        logger.info(
          { eventId: event.id, faultId: drop.id },
          'webhooks: delivery dropped by a fault',
        );
        return;
      }
      shaping = used.map((fault) => fault.spec);
      const holdMs = Math.max(
        0,
        ...shaping.map((spec) => (spec.kind === 'delay' ? spec.delayMs : 0)),
      );
      const reorder = shaping.find((spec) => spec.kind === 'reorder');
      if (holdMs > 0 || reorder) {
        // A reordered delivery is released with the others of its window, then sent newest first.
        const releaseAt = reorder
          ? Math.max(now + holdMs, (Math.floor(now / reorder.windowMs) + 1) * reorder.windowMs)
          : now + holdMs;
        await finish(
          {
            faults_applied: 1,
            faults: shaping.filter((spec) => spec.kind !== 'delay'),
            next_attempt_at: isoAt(releaseAt),
          },
          [],
        );
        return;
      }
    }

    const wallNow = this.#wall.now();
    const secrets = signingSecrets(endpoint, at);
    const attempts: WebhookAttemptRow[] = [];
    for (const spec of shaping) {
      if (spec.kind !== 'forge') continue;
      const forged = forgery(spec.mode, wire, body, secrets, wallNow);
      attempts.push(
        logRow('forged', forged.headers, forged.body, await this.#send(endpoint.url, forged)),
      );
    }
    const headers = signedHeaders(event.id, new Date(wallNow), body, secrets);
    const sent = await this.#send(endpoint.url, { headers, body });
    attempts.push(
      logRow(
        delivery.next_trigger === 'redelivery' ? 'redelivery' : 'scheduled',
        headers,
        body,
        sent,
      ),
    );
    const copies = shaping.find((spec) => spec.kind === 'duplicate')?.copies ?? 1;
    for (let copy = 1; copy < copies; copy++) {
      attempts.push(
        logRow('duplicate', headers, body, await this.#send(endpoint.url, { headers, body })),
      );
    }

    const once = { faults_applied: 1, faults: null, next_trigger: 'scheduled' } as const;
    const status = sent.status;
    if (status !== null && status >= 200 && status < 300) {
      await finish({ ...once, state: 'SUCCEEDED', next_attempt_at: null }, attempts);
      return;
    }
    if (status === 410) {
      await finish({ ...once, state: 'FAILED', next_attempt_at: null }, attempts);
      await store.updateWebhookEndpoint(endpoint.id, {
        status: 'DISABLED',
        disabled_reason: `${endpoint.url} answered 410 Gone at ${at}`,
        updated_at: at,
      });
      logger.warn({ endpointId: endpoint.id }, 'webhooks: endpoint answered 410 Gone: disabled');
      return 'gone';
    }
    const failures = delivery.attempts + 1;
    const scheduled = WEBHOOK_RETRY_SCHEDULE_MS[failures];
    if (scheduled === undefined) {
      await finish(
        { ...once, state: 'FAILED', attempts: failures, next_attempt_at: null },
        attempts,
      );
      logger.warn(
        { eventId: event.id, endpointId: endpoint.id },
        'webhooks: delivery failed after every retry',
      );
      return;
    }
    const wait =
      status === 429 && sent.retryAfterMs !== undefined
        ? Math.min(Math.max(sent.retryAfterMs, MIN_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS)
        : scheduled;
    await finish({ ...once, attempts: failures, next_attempt_at: isoAt(now + wait) }, attempts);
  }

  async #send(
    url: string,
    request: { headers: Record<string, string>; body: string },
  ): Promise<Sent> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const response = await this.#fetch(url, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      const text = await response.text().catch(() => '');
      return {
        status: response.status,
        body: text.slice(0, RESPONSE_EXCERPT),
        error: null,
        latencyMs: latency(),
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), this.#wall.now()),
      };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return {
        status: null,
        body: null,
        error: timedOut
          ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`
          : `could not reach ${url}: ${cause?.code ?? cause?.message ?? String(error)}`,
        latencyMs: latency(),
        retryAfterMs: undefined,
      };
    }
  }
}
