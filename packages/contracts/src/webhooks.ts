import { z } from 'zod';
import type {
  ClientTransactionSessionStatus,
  TransactionAction,
  TransactionStatus,
} from './enums.ts';
import { isoDateTime, strictObject, text } from './fields.ts';
import { offsetPageQuery } from './pagination.ts';
import {
  type PaymentIntentStatus,
  type PaymentStatus,
  paymentIntentResourceSchema,
  paymentResourceSchema,
} from './payment-intents.ts';
import { clientSessionSchema, merchantTransactionSchema } from './session.ts';

/**
 * Merchant webhooks: the events the router derives from the status changes it records, the
 * endpoints they are sent to (Standard Webhooks signatures), and the faults the sandbox can
 * apply to its own deliveries.
 */

/** The event a session's move to each status is (a session is created PENDING: no event). */
export const SESSION_EVENT_TYPE = {
  ACTIVE: 'client_session.active',
  COMPLETED: 'client_session.completed',
  CANCELED: 'client_session.canceled',
  DECLINED: 'client_session.declined',
  EXPIRED: 'client_session.expired',
  ERROR: 'client_session.error',
  UNKNOWN: 'client_session.unknown',
} as const satisfies Record<Exclude<ClientTransactionSessionStatus, 'PENDING'>, string>;

/** The event a transaction's move to each status is (a transaction is created PENDING: no event). */
export const TRANSACTION_EVENT_TYPE = {
  STARTED: 'transaction.started',
  SUCCEEDED: 'transaction.succeeded',
  DECLINED: 'transaction.declined',
  FAILED: 'transaction.failed',
  ERROR: 'transaction.error',
  CANCELED: 'transaction.canceled',
  EXPIRED: 'transaction.expired',
  UNKNOWN: 'transaction.unknown',
} as const satisfies Record<Exclude<TransactionStatus, 'PENDING'>, string>;

/**
 * A SUCCEEDED settle, void or refund says what happened to the money; so does a refund the
 * provider failed after it succeeded (the contract's REFUND_REVERSAL).
 */
export const SUCCEEDED_EVENT_TYPE_BY_ACTION = {
  PAYMENT: TRANSACTION_EVENT_TYPE.SUCCEEDED,
  ADD_PAYMENT_METHOD: TRANSACTION_EVENT_TYPE.SUCCEEDED,
  AUTHORIZATION: TRANSACTION_EVENT_TYPE.SUCCEEDED,
  PAYMENT_METHOD_CHARGE: TRANSACTION_EVENT_TYPE.SUCCEEDED,
  SETTLE: 'transaction.settled',
  VOID: 'transaction.voided',
  REFUND: 'transaction.refunded',
} as const satisfies Record<TransactionAction, string>;

/** A refund that had SUCCEEDED and that the provider failed later: the money came back. */
export const REFUND_REVERSED_EVENT_TYPE = 'transaction.refund_reversed';

/** Every event type a session sends. */
export const CLIENT_SESSION_EVENT_TYPES = Object.values(SESSION_EVENT_TYPE);
/** Every event type a transaction sends. */
export const TRANSACTION_EVENT_TYPES = [
  ...new Set([
    ...Object.values(TRANSACTION_EVENT_TYPE),
    ...Object.values(SUCCEEDED_EVENT_TYPE_BY_ACTION),
    REFUND_REVERSED_EVENT_TYPE,
  ]),
];

/**
 * The event a Payment's move to each status is (document 004). An authorization is
 * `payment.authorized` whatever its capture method: the object's status says which.
 */
export const PAYMENT_EVENT_TYPE = {
  authorized: 'payment.authorized',
  requires_capture: 'payment.authorized',
  captured: 'payment.captured',
  processing: 'payment.processing',
  succeeded: 'payment.succeeded',
  settled: 'payment.settled',
  canceled: 'payment.canceled',
  failed: 'payment.failed',
} as const satisfies Record<PaymentStatus, `payment.${string}`>;

/** The event a Payment Intent's status is, or none (authorized is the payment's event). */
export const PAYMENT_INTENT_EVENT_TYPE = {
  created: 'payment_intent.created',
  authorized: null,
  canceled: 'payment_intent.canceled',
  failed: 'payment_intent.failed',
} as const satisfies Record<PaymentIntentStatus, `payment_intent.${string}` | null>;

/** Every Payment event type. */
export const PAYMENT_EVENT_TYPES = [...new Set(Object.values(PAYMENT_EVENT_TYPE))];
/** Every Payment Intent event type. */
export const PAYMENT_INTENT_EVENT_TYPES = Object.values(PAYMENT_INTENT_EVENT_TYPE).filter(
  (type): type is NonNullable<typeof type> => type !== null,
);

/** Every event type, in the order the documentation lists them. */
export const WEBHOOK_EVENT_TYPES = [
  ...CLIENT_SESSION_EVENT_TYPES,
  ...TRANSACTION_EVENT_TYPES,
  ...PAYMENT_INTENT_EVENT_TYPES,
  ...PAYMENT_EVENT_TYPES,
];

export type ClientSessionEventType = (typeof SESSION_EVENT_TYPE)[keyof typeof SESSION_EVENT_TYPE];
export type TransactionEventType =
  | (typeof TRANSACTION_EVENT_TYPE)[keyof typeof TRANSACTION_EVENT_TYPE]
  | (typeof SUCCEEDED_EVENT_TYPE_BY_ACTION)[keyof typeof SUCCEEDED_EVENT_TYPE_BY_ACTION]
  | typeof REFUND_REVERSED_EVENT_TYPE;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPE)[PaymentStatus];
export type PaymentIntentEventType = NonNullable<
  (typeof PAYMENT_INTENT_EVENT_TYPE)[PaymentIntentStatus]
>;
/** An event type. */
export type WebhookEventType =
  | ClientSessionEventType
  | TransactionEventType
  | PaymentIntentEventType
  | PaymentEventType;

/** The event a session's status change is, or none (back to PENDING is no move). */
export function sessionEventType(
  to: ClientTransactionSessionStatus,
): ClientSessionEventType | null {
  return to === 'PENDING' ? null : SESSION_EVENT_TYPE[to];
}

/** The event a transaction's status change is, from its action and its previous and new status. */
export function transactionEventType(
  action: TransactionAction,
  from: TransactionStatus,
  to: TransactionStatus,
): TransactionEventType | null {
  if (to === 'PENDING') return null;
  if (action === 'REFUND' && from === 'SUCCEEDED' && to === 'FAILED') {
    return REFUND_REVERSED_EVENT_TYPE;
  }
  return to === 'SUCCEEDED' ? SUCCEEDED_EVENT_TYPE_BY_ACTION[action] : TRANSACTION_EVENT_TYPE[to];
}

const eventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES as [WebhookEventType, ...WebhookEventType[]], {
  errorMap: () => ({
    message: `must be an event type: ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  }),
});

const envelope = {
  id: z.string().describe('evt_...: also the webhook-id header of every delivery of the event.'),
  createdAt: isoDateTime.describe('When the status change was recorded (ISO 8601).'),
  previousAttributes: z
    .object({ status: z.string() })
    .optional()
    .describe('What the change replaced.'),
};

const clientSessionEventObject = z.object({
  ...envelope,
  type: z.enum(CLIENT_SESSION_EVENT_TYPES as [ClientSessionEventType, ...ClientSessionEventType[]]),
  data: z.object({ object: clientSessionSchema }),
});
const transactionEventObject = z.object({
  ...envelope,
  type: z.enum(TRANSACTION_EVENT_TYPES as [TransactionEventType, ...TransactionEventType[]]),
  data: z.object({ object: merchantTransactionSchema }),
});
const paymentIntentEventObject = z.object({
  ...envelope,
  type: z.enum(PAYMENT_INTENT_EVENT_TYPES as [PaymentIntentEventType, ...PaymentIntentEventType[]]),
  data: z.object({ object: paymentIntentResourceSchema }),
});
const paymentEventObject = z.object({
  ...envelope,
  type: z.enum(PAYMENT_EVENT_TYPES as [PaymentEventType, ...PaymentEventType[]]),
  data: z.object({ object: paymentResourceSchema }),
});
const webhookEventObject = z.discriminatedUnion('type', [
  clientSessionEventObject,
  transactionEventObject,
  paymentIntentEventObject,
  paymentEventObject,
]);

/** An event about a session: data.object is the session as it stood after the change. */
export type ClientSessionEvent = z.output<typeof clientSessionEventObject>;
/** An event about a transaction: data.object is the transaction as it stood after the change. */
export type TransactionEvent = z.output<typeof transactionEventObject>;
/** An event about a Payment Intent (document 004): data.object is the intent's JSON:API resource. */
export type PaymentIntentEvent = z.output<typeof paymentIntentEventObject>;
/** An event about a Payment (document 004): data.object is the payment's JSON:API resource. */
export type PaymentEvent = z.output<typeof paymentEventObject>;
/** An event, as parsed: amounts as bigint. */
export type WebhookEvent =
  | ClientSessionEvent
  | TransactionEvent
  | PaymentIntentEvent
  | PaymentEvent;
/** An event on the wire (amounts as decimal strings): the body of every webhook. */
export type WebhookEventWire = z.input<typeof webhookEventObject>;
/** Zod schema of an event. */
export const webhookEventSchema: z.ZodType<WebhookEvent, z.ZodTypeDef, WebhookEventWire> =
  webhookEventObject;

/** Every event type, or these. */
const enabledEventsSchema = z
  .array(z.union([z.literal('*'), eventTypeSchema]))
  .min(1, "enabledEvents needs at least one event type, or ['*'] for all")
  .max(WEBHOOK_EVENT_TYPES.length + 1);

const webhookUrl = text(2048).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an absolute http(s) URL, such as http://127.0.0.1:3000/webhooks',
    });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must be http or https, not ${url.protocol}` });
  }
  if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not carry a user name or password' });
  }
});

/** Body of POST /v1/webhook-endpoints. */
export const createWebhookEndpointSchema = strictObject({
  url: webhookUrl,
  enabledEvents: enabledEventsSchema.default(['*']),
  description: text(500).optional(),
});
export type CreateWebhookEndpointInput = z.input<typeof createWebhookEndpointSchema>;

/** Body of POST /v1/webhook-endpoints/:id/rotate-secret. */
export const rotateWebhookSecretSchema = strictObject({
  graceSeconds: z
    .number()
    .int('graceSeconds must be a whole number of seconds')
    .min(0)
    .max(7 * 24 * 3600, 'graceSeconds must be at most 604800 (7 days)')
    .default(24 * 3600)
    .describe('How long the previous secret still signs deliveries too. Default 24 h.'),
});

/** An endpoint as listed: no secret. */
export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  enabledEvents: z.array(z.string()),
  description: z.string().nullable(),
  /** DISABLED: it answered 410 Gone; DELETED: only in the answer to the delete. */
  status: z.enum(['ENABLED', 'DISABLED', 'DELETED']),
  disabledReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookEndpoint = z.output<typeof webhookEndpointSchema>;

/** An endpoint with its signing secret: only in the answer that makes the secret. */
export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({
  secret: z.string().describe('whsec_...: shown once; keep it to verify deliveries.'),
});
export type WebhookEndpointWithSecret = z.output<typeof webhookEndpointWithSecretSchema>;

/** Query of GET /v1/events. */
export const eventListQuerySchema = strictObject({
  ...offsetPageQuery,
  type: eventTypeSchema.optional(),
  objectId: text(128).optional().describe('Events about this session or transaction.'),
  createdFrom: isoDateTime.optional(),
});
export type EventListQuery = z.output<typeof eventListQuerySchema>;
export type EventListQueryInput = z.input<typeof eventListQuerySchema>;

/** One attempt to deliver an event to an endpoint, as the delivery log shows it. */
export const deliveryAttemptSchema = z.object({
  id: z.string(),
  attempt: z.number().int(),
  /** scheduled: the retry schedule; redelivery: asked for; duplicate, forged: a fault's extra request. */
  trigger: z.enum(['scheduled', 'redelivery', 'duplicate', 'forged']),
  at: z.string(),
  requestHeaders: z.record(z.string()),
  requestBody: z.string(),
  responseStatus: z.number().int().nullable(),
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  latencyMs: z.number().int().nullable(),
});

/** An event's delivery to one endpoint: its state and every attempt. */
export const webhookDeliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  endpointId: z.string(),
  state: z.enum(['PENDING', 'SUCCEEDED', 'FAILED', 'DROPPED']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  log: z.array(deliveryAttemptSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookDelivery = z.output<typeof webhookDeliverySchema>;

/** Body of POST /v1/events/:id/redeliver. */
export const redeliverEventSchema = strictObject({
  endpointId: text(128)
    .optional()
    .describe('Only to this endpoint; default every endpoint it went to.'),
});

/** Body of POST /v1/webhook-endpoints/:id/recover. */
export const recoverWebhooksSchema = strictObject({
  since: isoDateTime.describe(
    'Deliveries that FAILED or were DROPPED since this instant go again.',
  ),
});

/** Which deliveries a fault applies to: all of the endpoint's, one event's, or one type's. */
const faultTarget = z
  .union([
    z.literal('all'),
    strictObject({ eventId: text(128) }),
    strictObject({ eventType: eventTypeSchema }),
    strictObject({ objectId: text(128) }),
  ])
  .default('all');

const faultBase = {
  target: faultTarget,
  times: z
    .number()
    .int()
    .positive()
    .max(1000)
    .optional()
    .describe('How many deliveries it applies to; default until removed.'),
};

/** The event schemas by kind, named (OpenAPI components). */
export const WEBHOOK_EVENT_VARIANTS = {
  ClientSessionEvent: clientSessionEventObject,
  TransactionEvent: transactionEventObject,
  PaymentIntentEvent: paymentIntentEventObject,
  PaymentEvent: paymentEventObject,
} as const;

/** Each fault kind's body, named (OpenAPI components): see webhookFaultSchema. */
export const WEBHOOK_FAULT_VARIANTS = {
  DropFault: strictObject({ kind: z.literal('drop'), ...faultBase }),
  DuplicateFault: strictObject({
    kind: z.literal('duplicate'),
    copies: z.number().int().min(2).max(20).default(2),
    ...faultBase,
  }),
  DelayFault: strictObject({
    kind: z.literal('delay'),
    delayMs: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600 * 1000),
    ...faultBase,
  }),
  ReorderFault: strictObject({
    kind: z.literal('reorder'),
    windowMs: z
      .number()
      .int()
      .positive()
      .max(24 * 3600 * 1000)
      .default(1_000),
    ...faultBase,
  }),
  ForgeFault: strictObject({
    kind: z.literal('forge'),
    mode: z.enum(['bad_signature', 'stale_timestamp', 'unpaid_success']).default('bad_signature'),
    ...faultBase,
  }),
} as const;

/**
 * A fault the sandbox applies to its own webhooks, as the simulator's scenarios apply to the
 * providers' callbacks: drop, duplicate, delay, reorder, forge.
 */
export const webhookFaultSchema = z.discriminatedUnion('kind', [
  WEBHOOK_FAULT_VARIANTS.DropFault,
  WEBHOOK_FAULT_VARIANTS.DuplicateFault,
  WEBHOOK_FAULT_VARIANTS.DelayFault,
  WEBHOOK_FAULT_VARIANTS.ReorderFault,
  WEBHOOK_FAULT_VARIANTS.ForgeFault,
]);
export type WebhookFaultInput = z.input<typeof webhookFaultSchema>;
export type WebhookFaultSpec = z.output<typeof webhookFaultSchema>;
export type WebhookFaultKind = WebhookFaultSpec['kind'];

/** An armed fault: `remaining` null applies until removed. */
export const webhookFaultViewSchema = z.object({
  id: z.string(),
  endpointId: z.string(),
  spec: webhookFaultSchema,
  remaining: z.number().int().nullable(),
  used: z.number().int(),
  createdAt: z.string(),
});
export type WebhookFaultView = z.output<typeof webhookFaultViewSchema>;

/** The retry schedule of Standard Webhooks and Svix: the delay before each attempt, in ms. */
export const WEBHOOK_RETRY_SCHEDULE_MS = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3600_000,
  5 * 3600_000,
  10 * 3600_000,
  10 * 3600_000,
] as const;

/** How long an endpoint has to answer an attempt with a 2xx. */
export const WEBHOOK_TIMEOUT_MS = 15_000;

/** The headers of a delivery, as Standard Webhooks names them. */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;
