import { initContract } from '@ts-rest/core';
import { z } from 'zod';
import {
  clientTransactionSessionStatusSchema,
  transactionProviderSchema,
  transactionStatusSchema,
} from './enums.ts';
import { errorEnvelopeSchema } from './errors.ts';
import { isoDateTime, merchantCode, strictObject, text } from './fields.ts';
import { offsetPage, offsetPageQuery } from './pagination.ts';
import { clientSessionSchema, merchantTransactionSchema } from './session.ts';

/**
 * The sandbox's own control API, for the person at the keyboard: the dashboard and the
 * `accrupay-sandbox` CLI commands read and steer the sandbox through it, across merchants. It is
 * not AccruPay's API: it answers on loopback only, or with the dashboard token
 * (`x-accrupay-dashboard-token`) when the sandbox was started with one.
 */

const c = initContract();

/** The header that carries the dashboard token when the sandbox is reached from another address. */
export const DASHBOARD_TOKEN_HEADER = 'x-accrupay-dashboard-token';

const adminErrors = {
  400: errorEnvelopeSchema,
  403: errorEnvelopeSchema,
  404: errorEnvelopeSchema,
  409: errorEnvelopeSchema,
  500: errorEnvelopeSchema,
  502: errorEnvelopeSchema,
};

const origin = text(512).superRefine((value, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value) {
    ctx.addIssue({
      code: 'custom',
      message: `must be an origin such as http://localhost:5173 (scheme, host, port; no path or trailing slash)${url && /^https?:$/.test(url.protocol) ? `: use ${url.origin}` : ''}`,
    });
  }
});

/** A merchant as the dashboard shows it: never its secret. */
export const adminMerchantSchema = z.object({
  id: z.string(),
  name: z.string(),
  merchantPublicId: z.string(),
  secretLast4: z.string(),
  allowedOrigins: z.array(z.string()),
  providers: z.array(z.object({ id: z.string(), transactionProvider: transactionProviderSchema })),
  createdAt: z.string(),
});
export type AdminMerchant = z.output<typeof adminMerchantSchema>;

/** One entry of the simulator's ledger: what the provider really did with money. */
export const ledgerEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  provider: z.string(),
  accountId: z.string(),
  kind: z.string(),
  amount: z.number(),
  currency: z.string(),
  providerRef: z.string(),
  merchantRef: z.string().nullable(),
  relatedRef: z.string().nullable(),
  detail: z.string().nullable(),
});
export type LedgerEntryWire = z.output<typeof ledgerEntrySchema>;

/** One line of a session's timeline, oldest first. */
export const timelineEntrySchema = z.object({
  at: z.string(),
  kind: z.enum(['created', 'status', 'callback', 'webhook', 'ledger']),
  /** What happened, in a few words: "transaction PENDING -> SUCCEEDED". */
  title: z.string(),
  /** Why or how: "verify: the provider says succeeded", "refused: bad signature". */
  detail: z.string().nullable(),
});
export type TimelineEntry = z.output<typeof timelineEntrySchema>;

const listFilters = {
  ...offsetPageQuery,
  merchantId: text(128).optional(),
  provider: transactionProviderSchema.optional(),
  code: merchantCode.optional().describe('The merchant internal transaction code.'),
};

/** A reconciliation finding: the router's records and the provider's ledger disagree. */
export const mismatchSchema = z.object({
  kind: z.enum([
    /** Money moved at the provider that no router transaction records. */
    'unknown_to_router',
    /** A SUCCEEDED transaction with no matching movement at the provider. */
    'missing_at_provider',
    /** Both know it, for different amounts. */
    'amount_differs',
    /** More than one movement of money for one transaction. */
    'moved_twice',
  ]),
  merchantId: z.string().nullable(),
  transactionId: z.string().nullable(),
  providerRef: z.string().nullable(),
  detail: z.string(),
});
export type Mismatch = z.output<typeof mismatchSchema>;

/** Durations the clock moves by: `20m`, `24h`, `7d`, `90s`, or milliseconds. */
export const DURATION_PATTERN = /^([1-9][0-9]{0,6})(ms|s|m|h|d)$/;

/** Milliseconds of a duration such as `20m`; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms'];
  return Number(match[1]) * unit;
}

const advanceClockSchema = z.union([
  strictObject({
    by: z
      .string()
      .regex(DURATION_PATTERN, 'must be a duration such as 20m, 24h or 7d (units ms, s, m, h, d)'),
  }),
  strictObject({ to: isoDateTime }),
]);

/** The sandbox control API (dashboard, CLI); see DASHBOARD_TOKEN_HEADER for who may call it. */
export const adminContract = c.router(
  {
    overview: {
      method: 'GET',
      path: '/v1/admin/overview',
      responses: {
        200: z.object({
          now: z.string(),
          clockMode: z.enum(['manual', 'system']),
          providerUrl: z.string(),
          merchants: z.array(adminMerchantSchema),
        }),
      },
      summary: 'The clock, the simulator, and every merchant.',
    },
    createMerchant: {
      method: 'POST',
      path: '/v1/admin/merchants',
      body: strictObject({
        name: text(200).optional(),
        allowedOrigins: z.array(origin).max(50).optional(),
      }),
      responses: {
        200: z.object({
          merchant: adminMerchantSchema,
          apiSecret: z.string(),
          clientId: z
            .string()
            .describe("The secure card API's client id (cid_test_...), sent as x-client-id."),
          clientSecret: z
            .string()
            .describe(
              "The secure card API's client secret (csk_test_...), sent as x-client-secret; shown once.",
            ),
        }),
      },
      summary:
        'A new merchant with a provider record per provider; the API secret and the card API client secret are shown once.',
    },
    setAllowedOrigins: {
      method: 'PUT',
      path: '/v1/admin/merchants/:id/allowed-origins',
      pathParams: z.object({ id: text(128) }),
      body: strictObject({ allowedOrigins: z.array(origin).max(50) }),
      responses: { 200: adminMerchantSchema },
      summary: "Replace the browser origins a merchant's pages may use the public API from.",
    },
    sessions: {
      method: 'GET',
      path: '/v1/admin/sessions',
      query: strictObject({
        ...listFilters,
        status: clientTransactionSessionStatusSchema.optional(),
      }),
      responses: {
        200: offsetPage(z.object({ merchantId: z.string(), session: clientSessionSchema })),
      },
      summary: 'Sessions of every merchant (or one), newest first.',
    },
    transactions: {
      method: 'GET',
      path: '/v1/admin/transactions',
      query: strictObject({ ...listFilters, status: transactionStatusSchema.optional() }),
      responses: {
        200: offsetPage(
          z.object({ merchantId: z.string(), transaction: merchantTransactionSchema }),
        ),
      },
      summary: 'Transactions of every merchant (or one), newest first.',
    },
    session: {
      method: 'GET',
      path: '/v1/admin/sessions/:id',
      pathParams: z.object({ id: text(128) }),
      responses: {
        200: z.object({
          merchantId: z.string(),
          session: clientSessionSchema,
          timeline: z.array(timelineEntrySchema),
          ledger: z.array(ledgerEntrySchema),
        }),
      },
      summary:
        "A session, its timeline (every status change with its cause, callbacks, webhooks) and the simulator's ledger for it.",
    },
    ledger: {
      method: 'GET',
      path: '/v1/admin/ledger',
      query: strictObject({ merchantRef: text(128).optional(), providerRef: text(255).optional() }),
      responses: { 200: z.object({ data: z.array(ledgerEntrySchema) }) },
      summary: "The simulator's ledger, oldest first.",
    },
    reconciliation: {
      method: 'GET',
      path: '/v1/admin/reconciliation',
      query: strictObject({ merchantId: text(128).optional() }),
      responses: {
        200: z.object({
          transactions: z.number().int(),
          ledgerEntries: z.number().int(),
          mismatches: z.array(mismatchSchema),
        }),
      },
      summary: "The router's records beside the simulator's ledger, every mismatch flagged.",
    },
    advanceClock: {
      method: 'POST',
      path: '/v1/admin/clock/advance',
      body: advanceClockSchema,
      responses: {
        200: z.object({
          before: z.string(),
          now: z.string(),
          expired: z.array(
            z.object({
              sessionId: z.string(),
              merchantId: z.string(),
              code: z.string().nullable(),
              expiresAt: z.string(),
            }),
          ),
        }),
        409: errorEnvelopeSchema,
      },
      summary:
        'Move the router and simulator clock forward; the sessions whose time ran out meanwhile.',
    },
    scenarios: {
      method: 'GET',
      path: '/v1/admin/scenarios',
      responses: { 200: z.object({ data: z.array(z.record(z.unknown())) }) },
      summary: "The simulator's armed fault scenarios.",
    },
    armScenario: {
      method: 'POST',
      path: '/v1/admin/scenarios',
      body: z
        .record(z.unknown())
        .describe(
          "A simulator scenario ({ kind, target?, provider?, times?, ... }, see the simulator's README); `sessionId` targets one session.",
        ),
      responses: { 200: z.record(z.unknown()) },
      summary: 'Arm a fault at the simulator, for every session or a chosen one.',
    },
    disarmScenario: {
      method: 'DELETE',
      path: '/v1/admin/scenarios/:id',
      pathParams: z.object({ id: text(128) }),
      body: z.object({}).strict().optional(),
      responses: { 200: z.object({ removed: z.literal(true) }) },
      summary: 'Remove an armed scenario.',
    },
    reset: {
      method: 'POST',
      path: '/v1/admin/reset',
      body: strictObject({
        confirm: z.literal(true, {
          errorMap: () => ({ message: 'send { "confirm": true } to delete every row' }),
        }),
      }),
      responses: { 200: z.object({ reset: z.literal(true) }) },
      summary:
        "Delete every session, transaction, payment method, event and delivery, and the simulator's ledger and scenarios; merchants, their secrets and webhook endpoints stay.",
    },
  },
  { strictStatusCodes: true, commonResponses: adminErrors },
);

export type AdminContract = typeof adminContract;
