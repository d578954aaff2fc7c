import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import {
  API_SECRET_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  PROVIDER_CALLBACK_PREFIX,
} from './connection.ts';
import { transactionProviderSchema } from './enums.ts';
import { errorEnvelopeSchema } from './errors.ts';
import { text } from './fields.ts';
import {
  cursorPage,
  offsetPage,
  paymentMethodListQuerySchema,
  sessionConnectionQuerySchema,
  sessionListQuerySchema,
  transactionListQuerySchema,
} from './pagination.ts';
import {
  baseConfigQuerySchema,
  baseConfigSchema,
  clientSessionSchema,
  merchantPublicIdSchema,
  merchantTransactionSchema,
  paymentMethodSchema,
  publicClientSessionSchema,
  publicSessionQuerySchema,
  sessionIdentifierSchema,
} from './session.ts';
import {
  chargePaymentMethodSchema,
  refundTransactionSchema,
  settleAuthorizationSchema,
  startAddPaymentMethodSessionSchema,
  startAuthorizationSessionSchema,
  startPaymentSessionSchema,
  syncTransactionSchema,
  voidAuthorizationSchema,
} from './start.ts';
import {
  createWebhookEndpointSchema,
  eventListQuerySchema,
  recoverWebhooksSchema,
  redeliverEventSchema,
  rotateWebhookSecretSchema,
  webhookDeliverySchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
  webhookEventSchema,
  webhookFaultSchema,
  webhookFaultViewSchema,
} from './webhooks.ts';

const c = initContract();

const merchantHeaders = z.object({
  [API_SECRET_HEADER]: z.string().describe('The API secret, sk_test_...; backend only.'),
});
const idempotencyHeaders = z.object({
  [IDEMPOTENCY_KEY_HEADER]: text(255)
    .optional()
    .describe(
      'Makes the POST safe to retry: the same key and body replays the first answer for 24 hours.',
    ),
});

const merchantErrors = {
  400: errorEnvelopeSchema,
  401: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  413: errorEnvelopeSchema,
  422: errorEnvelopeSchema,
  429: errorEnvelopeSchema,
  500: errorEnvelopeSchema,
  502: errorEnvelopeSchema,
  504: errorEnvelopeSchema,
};
const publicErrors = {
  400: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  413: errorEnvelopeSchema,
  429: errorEnvelopeSchema,
  500: errorEnvelopeSchema,
};
const merchant = {
  strictStatusCodes: true,
  baseHeaders: merchantHeaders,
  commonResponses: merchantErrors,
} as const;

function startRoute<P extends string, B extends z.ZodTypeAny>(path: P, body: B, summary: string) {
  return {
    method: 'POST',
    path,
    headers: idempotencyHeaders,
    body,
    responses: { 200: clientSessionSchema },
    summary,
  } as const;
}

function verifyRoute<P extends string>(path: P, summary: string) {
  return {
    method: 'POST',
    path,
    headers: idempotencyHeaders,
    body: sessionIdentifierSchema,
    responses: { 200: merchantTransactionSchema },
    summary,
  } as const;
}

const clientSessions = c.router(
  {
    getBaseConfig: {
      method: 'GET',
      path: '/v1/client-sessions/base-config',
      query: baseConfigQuerySchema,
      responses: { 200: baseConfigSchema },
      summary: 'Provider configuration for the React SDK, by provider or by session.',
    },
    getOne: {
      method: 'GET',
      path: '/v1/client-sessions/lookup',
      query: sessionIdentifierSchema,
      responses: { 200: clientSessionSchema },
      summary:
        'One session by exactly one of id, token, providerCode or merchantInternalTransactionCode.',
    },
    getMany: {
      method: 'GET',
      path: '/v1/client-sessions',
      query: sessionListQuerySchema,
      responses: { 200: offsetPage(clientSessionSchema) },
      summary: 'Sessions, newest first, with offset pagination.',
    },
    getConnection: {
      method: 'GET',
      path: '/v1/client-sessions/cursor',
      query: sessionConnectionQuerySchema,
      responses: { 200: cursorPage(clientSessionSchema) },
      summary: 'Sessions, newest first, with cursor pagination (document 003).',
    },
    payments: c.router({
      start: startRoute(
        '/v1/client-sessions/payments',
        startPaymentSessionSchema,
        'Start a payment session: the customer pays in the browser, the backend verifies.',
      ),
      verify: verifyRoute(
        '/v1/client-sessions/payments/verify',
        'Ask the provider for the truth; returns the transaction, not the session.',
      ),
    }),
    paymentMethodAdd: c.router({
      start: startRoute(
        '/v1/client-sessions/payment-methods',
        startAddPaymentMethodSessionSchema,
        'Start an add-payment-method session: store a card without charging it.',
      ),
      verify: verifyRoute(
        '/v1/client-sessions/payment-methods/verify',
        'Verify an add-payment-method session; the stored method is in paymentMethod.',
      ),
    }),
    authorizations: c.router({
      start: startRoute(
        '/v1/client-sessions/authorizations',
        startAuthorizationSessionSchema,
        'Start an authorization session: hold funds, settle or void later.',
      ),
      verify: verifyRoute(
        '/v1/client-sessions/authorizations/verify',
        'Verify an authorization session; returns the AUTHORIZATION transaction.',
      ),
    }),
  },
  merchant,
);

const transactions = c.router(
  {
    getOne: {
      method: 'GET',
      path: '/v1/transactions/:id',
      pathParams: z.object({ id: text(128) }),
      responses: { 200: merchantTransactionSchema },
      summary: 'One transaction.',
    },
    getMany: {
      method: 'GET',
      path: '/v1/transactions',
      query: transactionListQuerySchema,
      responses: { 200: offsetPage(merchantTransactionSchema) },
      summary: 'Transactions, newest first.',
    },
    settle: {
      method: 'POST',
      path: '/v1/transactions/:id/settle',
      pathParams: z.object({ id: text(128) }),
      headers: idempotencyHeaders,
      body: settleAuthorizationSchema,
      responses: { 200: merchantTransactionSchema },
      summary:
        'Capture a successful authorization, fully or partly; never more than authorized, never twice, never after void.',
    },
    void: {
      method: 'POST',
      path: '/v1/transactions/:id/void',
      pathParams: z.object({ id: text(128) }),
      headers: idempotencyHeaders,
      body: voidAuthorizationSchema,
      responses: { 200: merchantTransactionSchema },
      summary: 'Release a successful authorization that has not been settled.',
    },
    refund: {
      method: 'POST',
      path: '/v1/transactions/:id/refund',
      pathParams: z.object({ id: text(128) }),
      headers: idempotencyHeaders,
      body: refundTransactionSchema,
      responses: { 200: merchantTransactionSchema },
      summary:
        'Give money back on a SUCCEEDED payment, charge or settled authorization, fully or partly; the refunds never add up to more than was captured. Returns the REFUND transaction.',
    },
    sync: {
      method: 'POST',
      path: '/v1/transactions/:id/sync',
      pathParams: z.object({ id: text(128) }),
      headers: idempotencyHeaders,
      body: syncTransactionSchema,
      responses: { 200: merchantTransactionSchema },
      summary:
        'Refresh a transaction from the provider now and record what changed (a settle, void or refund without its answer is looked up, never sent again); returns the transaction as it stands.',
    },
    chargePaymentMethod: {
      method: 'POST',
      path: '/v1/transactions/payment-method-charges',
      headers: idempotencyHeaders,
      body: chargePaymentMethodSchema,
      responses: { 200: merchantTransactionSchema },
      summary: 'Charge a stored payment method from the server (a SERVER-kind session).',
    },
  },
  merchant,
);

const paymentMethods = c.router(
  {
    getMany: {
      method: 'GET',
      path: '/v1/payment-methods',
      query: paymentMethodListQuerySchema,
      responses: { 200: offsetPage(paymentMethodSchema) },
      summary: "A customer's stored payment methods.",
    },
  },
  merchant,
);

const endpointPath = z.object({ id: text(128) });
const dataOf = <T extends z.ZodTypeAny>(item: T) => z.object({ data: z.array(item) });

const webhookEndpoints = c.router(
  {
    create: {
      method: 'POST',
      path: '/v1/webhook-endpoints',
      headers: idempotencyHeaders,
      body: createWebhookEndpointSchema,
      responses: { 200: webhookEndpointWithSecretSchema },
      summary:
        'Register a URL for webhooks; the answer carries its signing secret (whsec_...), shown once.',
    },
    getMany: {
      method: 'GET',
      path: '/v1/webhook-endpoints',
      responses: { 200: dataOf(webhookEndpointSchema) },
      summary: "The merchant's webhook endpoints, oldest first.",
    },
    getOne: {
      method: 'GET',
      path: '/v1/webhook-endpoints/:id',
      pathParams: endpointPath,
      responses: { 200: webhookEndpointSchema },
      summary: 'One webhook endpoint.',
    },
    delete: {
      method: 'DELETE',
      path: '/v1/webhook-endpoints/:id',
      pathParams: endpointPath,
      body: z.object({}).strict().optional(),
      responses: { 200: webhookEndpointSchema },
      summary: 'Stop sending to an endpoint; its pending deliveries are not attempted again.',
    },
    rotateSecret: {
      method: 'POST',
      path: '/v1/webhook-endpoints/:id/rotate-secret',
      pathParams: endpointPath,
      headers: idempotencyHeaders,
      body: rotateWebhookSecretSchema,
      responses: { 200: webhookEndpointWithSecretSchema },
      summary:
        'A new signing secret; deliveries carry a signature with the previous one too during the grace period.',
    },
    recover: {
      method: 'POST',
      path: '/v1/webhook-endpoints/:id/recover',
      pathParams: endpointPath,
      headers: idempotencyHeaders,
      body: recoverWebhooksSchema,
      responses: { 200: z.object({ redelivered: z.number().int().nonnegative() }) },
      summary:
        'Send again every delivery to this endpoint that failed or was dropped since a time.',
    },
    armFault: {
      method: 'POST',
      path: '/v1/webhook-endpoints/:id/faults',
      pathParams: endpointPath,
      headers: idempotencyHeaders,
      body: webhookFaultSchema,
      responses: { 200: webhookFaultViewSchema },
      summary:
        "Apply a fault to this endpoint's deliveries (drop, duplicate, delay, reorder, forge), all or one event's.",
    },
    listFaults: {
      method: 'GET',
      path: '/v1/webhook-endpoints/:id/faults',
      pathParams: endpointPath,
      responses: { 200: dataOf(webhookFaultViewSchema) },
      summary: "The endpoint's armed faults.",
    },
    disarmFault: {
      method: 'DELETE',
      path: '/v1/webhook-endpoints/:id/faults/:faultId',
      pathParams: z.object({ id: text(128), faultId: text(128) }),
      body: z.object({}).strict().optional(),
      responses: { 200: webhookFaultViewSchema },
      summary: 'Remove an armed fault.',
    },
  },
  merchant,
);

const events = c.router(
  {
    getMany: {
      method: 'GET',
      path: '/v1/events',
      query: eventListQuerySchema,
      responses: { 200: offsetPage(webhookEventSchema) },
      summary: 'Events, newest first: every status change the router recorded.',
    },
    getOne: {
      method: 'GET',
      path: '/v1/events/:id',
      pathParams: endpointPath,
      responses: { 200: webhookEventSchema },
      summary: 'One event.',
    },
    deliveries: {
      method: 'GET',
      path: '/v1/events/:id/deliveries',
      pathParams: endpointPath,
      responses: { 200: dataOf(webhookDeliverySchema) },
      summary: "The event's deliveries, each with its log of attempts (request and response).",
    },
    redeliver: {
      method: 'POST',
      path: '/v1/events/:id/redeliver',
      pathParams: endpointPath,
      headers: idempotencyHeaders,
      body: redeliverEventSchema,
      responses: { 200: dataOf(webhookDeliverySchema) },
      summary: 'Send an event again now, with the same webhook-id.',
    },
  },
  merchant,
);

const publicPathParams = z.object({ merchantPublicId: merchantPublicIdSchema });

const publicApi = c.router(
  {
    getSession: {
      method: 'GET',
      path: '/v1/public/:merchantPublicId/client-session',
      pathParams: publicPathParams,
      query: publicSessionQuerySchema,
      responses: { 200: publicClientSessionSchema },
      summary: 'What the browser may see of a session, by token or id; no secret needed.',
    },
    getBaseConfig: {
      method: 'GET',
      path: '/v1/public/:merchantPublicId/client-session/base-config',
      pathParams: publicPathParams,
      query: publicSessionQuerySchema,
      responses: { 200: baseConfigSchema },
      summary: "The provider configuration for a session's card fields.",
    },
  },
  { strictStatusCodes: true, commonResponses: publicErrors },
);

const providerCallbacks = c.router(
  {
    receive: {
      method: 'POST',
      path: `${PROVIDER_CALLBACK_PREFIX}:transactionProvider/:merchantTransactionProviderId` as const,
      pathParams: z.object({
        transactionProvider: z
          .string()
          .transform((value) => value.toUpperCase())
          .pipe(transactionProviderSchema),
        merchantTransactionProviderId: text(128),
      }),
      contentType: 'application/json',
      body: z
        .unknown()
        .describe(
          "The provider's own payload (Stripe JSON event, Nuvei form-encoded DMN), verified by signature or checksum.",
        ),
      responses: {
        200: z.object({ received: z.literal(true) }),
        400: errorEnvelopeSchema,
        404: errorEnvelopeSchema,
        413: errorEnvelopeSchema,
        500: errorEnvelopeSchema,
        502: errorEnvelopeSchema,
      },
      summary:
        'Where providers send callbacks. A callback is a hint: the router asks the provider for the truth.',
    },
  },
  { strictStatusCodes: true },
);

/** The AccruPay API: merchant API (secret), public API (merchantPublicId) and provider callbacks. */
export const contract = c.router(
  {
    health: {
      method: 'GET',
      path: '/health',
      responses: { 200: z.object({ status: z.literal('ok') }), 503: errorEnvelopeSchema },
      summary: 'Answers once the router is ready.',
    },
    clientSessions,
    transactions,
    paymentMethods,
    webhookEndpoints,
    events,
    public: publicApi,
    providerCallbacks,
  },
  { strictStatusCodes: true },
);

/** The type of the AccruPay contract. */
export type Contract = typeof contract;
