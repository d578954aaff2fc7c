import { z } from 'zod';

/** Minor units as Accrue sends them (JSON numbers), kept as canonical decimal strings. */
const minorUnits = z
  .union([z.number().int().nonnegative(), z.string().regex(/^(0|[1-9][0-9]*)$/)])
  .transform((value) => String(value));
const time = z.string().min(1);
const nullableTime = time.nullable().optional().default(null);
const nullableText = z.string().nullable().optional().default(null);

/** A Payment as Accrue's API answers it. */
export const accruePaymentSchema = z.object({
  id: z.string().startsWith('pay_'),
  type: z.literal('payments'),
  attributes: z.object({
    amount: minorUnits,
    amount_captured: minorUnits.optional().default('0'),
    currency: z.string().length(3),
    status: z.enum([
      'authorized',
      'requires_capture',
      'captured',
      'processing',
      'succeeded',
      'settled',
      'canceled',
      'failed',
    ]),
    capture_method: z.enum(['automatic', 'manual']),
    payment_method: z.enum(['wallet', 'bank']),
    description: nullableText,
    failure_code: nullableText,
    failure_message: nullableText,
    created_at: time,
    authorized_at: nullableTime,
    captured_at: nullableTime,
    succeeded_at: nullableTime,
    settled_at: nullableTime,
    canceled_at: nullableTime,
    failed_at: nullableTime,
  }),
  relationships: z.object({
    payment_intent: z.object({
      data: z.object({ id: z.string().startsWith('pi_'), type: z.literal('payment_intents') }),
    }),
  }),
});
export type AccruePayment = z.output<typeof accruePaymentSchema>;

/** A Payment Intent as Accrue's API answers it. */
export const accrueIntentSchema = z.object({
  id: z.string().startsWith('pi_'),
  type: z.literal('payment_intents'),
  attributes: z.object({
    amount: minorUnits,
    currency: z.string().length(3),
    status: z.enum(['created', 'authorized', 'canceled', 'failed']),
    payment_method: z.enum(['wallet', 'bank']),
    merchant_public_id: z.string(),
    created_at: time,
    expires_at: nullableTime,
  }),
  relationships: z
    .object({
      payment: z
        .object({ data: z.object({ id: z.string(), type: z.literal('payments') }).nullable() })
        .optional(),
    })
    .optional(),
});
export type AccrueIntent = z.output<typeof accrueIntentSchema>;

/** The virtual debit card of document 004 (passed through as Accrue gives it, never stored). */
export const accrueCardSchema = z.object({
  data: z.object({
    id: z.string(),
    type: z.literal('VirtualDebitCard'),
    attributes: z.object({
      number: z.string(),
      expirationMonth: z.string(),
      expirationYear: z.string(),
      cvc: z.string(),
      billingAddress: z.object({
        street: z.string(),
        street2: z.string().nullable().optional().default(null),
        city: z.string(),
        state: z.string(),
        postalCode: z.string(),
        country: z.string(),
      }),
    }),
  }),
});
export type AccrueCard = z.output<typeof accrueCardSchema>;

/** Document 004's error document, as Accrue refuses a call. */
export const accrueErrorSchema = z.object({
  errors: z
    .array(
      z.object({
        status: z.string(),
        code: z.string(),
        title: z.string().optional(),
        detail: z.string().optional(),
        source: z.object({ pointer: z.string().optional() }).optional(),
      }),
    )
    .min(1),
});

/** A notification Accrue posts: only its type and its object's id are used (a hint). */
export const accrueNotificationSchema = z.object({
  id: z.string(),
  type: z.string(),
  data: z.object({ id: z.string(), type: z.string() }),
});
