import { z } from 'zod';

/** The parts of Stripe's API objects the adapter reads; everything else is ignored. */
export const stripeErrorSchema = z.object({
  type: z.string(),
  code: z.string().optional(),
  decline_code: z.string().optional(),
  message: z.string().optional(),
});
export type StripeError = z.infer<typeof stripeErrorSchema>;

const partialError = stripeErrorSchema.partial();

/** Fields an intent may leave out or send as null. */
const intentOptional = z
  .object({
    payment_method: z.string(),
    cancellation_reason: z.string(),
    last_payment_error: partialError,
    last_setup_error: partialError,
    amount: z.number(),
    amount_received: z.number(),
    currency: z.string(),
    metadata: z.record(z.string()),
  })
  .partial();

const nullsAsMissing = (value: unknown) =>
  value && typeof value === 'object'
    ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null))
    : value;

export const intentSchema = z.preprocess(
  nullsAsMissing,
  z
    .object({
      id: z.string(),
      object: z.enum(['payment_intent', 'setup_intent']),
      status: z.string(),
      client_secret: z.string(),
    })
    .merge(intentOptional),
);
export type Intent = z.infer<typeof intentSchema>;

export const errorBodySchema = z.object({
  error: stripeErrorSchema.extend({ payment_intent: z.object({ id: z.string() }).nullish() }),
});

export const customerSchema = z.object({ id: z.string() });

/** A Refund: its status, amount and the metadata the router tags it with. */
export const refundSchema = z.preprocess(
  nullsAsMissing,
  z.object({
    id: z.string(),
    object: z.literal('refund'),
    status: z.string(),
    amount: z.number(),
    payment_intent: z.string().optional(),
    failure_reason: z.string().optional(),
    metadata: z.record(z.string()).optional(),
  }),
);
export type Refund = z.infer<typeof refundSchema>;

/** A page of refunds (`GET /v1/refunds?payment_intent=`). */
export const refundListSchema = z.object({ data: z.array(refundSchema), has_more: z.boolean() });

const cardSchema = z.object({
  brand: z.string(),
  last4: z.string(),
  exp_month: z.number(),
  exp_year: z.number(),
});

export const paymentMethodSchema = z.object({
  id: z.string(),
  customer: z.string().nullish(),
  card: cardSchema,
  billing_details: z
    .object({ address: z.object({ country: z.string().nullish() }).nullish() })
    .nullish(),
});
export type StripePaymentMethod = z.infer<typeof paymentMethodSchema>;
