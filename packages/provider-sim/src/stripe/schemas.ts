import { z } from 'zod';
import { formBool, formInt, metadataSchema } from '../http.ts';

// The request bodies of the Stripe-like API.

const currency = z
  .string()
  .regex(/^[a-zA-Z]{3}$/, 'must be a three-letter ISO currency code')
  .transform((v) => v.toLowerCase());

export const cardData = z
  .object({
    number: z.string().min(1),
    exp_month: formInt.pipe(z.number().int().min(1).max(12)),
    exp_year: formInt.pipe(z.number().int().min(2000).max(2100)),
    cvc: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  })
  .strict();

/** A card PaymentMethod's own fields (POST /v1/payment_methods, or inline as payment_method_data). */
const cardMethod = {
  type: z.literal('card'),
  card: cardData,
  billing_details: z
    .object({ name: z.string().optional(), email: z.string().optional() })
    .strict()
    .optional(),
};

export const paymentMethodData = z.object(cardMethod).strict();

/** How an intent names its customer and card. */
const intentPaymentMethod = {
  customer: z.string().optional(),
  payment_method: z.string().optional(),
  payment_method_data: paymentMethodData.optional(),
  payment_method_types: z.array(z.string()).optional(),
};

/** An intent's description, metadata and return URL. */
const intentDetails = {
  description: z.string().max(1000).optional(),
  metadata: metadataSchema,
  return_url: z.string().url().optional(),
};

const common = {
  expand: z.array(z.string()).optional(),
  client_secret: z.string().optional(),
};

export const createPISchema = z
  .object({
    amount: formInt.pipe(z.number().int().min(1).max(99_999_999)),
    currency,
    capture_method: z.enum(['automatic', 'manual', 'automatic_async']).optional(),
    confirm: formBool.optional(),
    ...intentPaymentMethod,
    off_session: formBool.optional(),
    setup_future_usage: z.enum(['off_session', 'on_session']).optional(),
    ...intentDetails,
    receipt_email: z.string().optional(),
    statement_descriptor: z.string().optional(),
    ...common,
  })
  .strict();

export const confirmSchema = z
  .object({
    payment_method: z.string().optional(),
    payment_method_data: paymentMethodData.optional(),
    off_session: formBool.optional(),
    return_url: z.string().url().optional(),
    setup_future_usage: z.enum(['off_session', 'on_session']).optional(),
    use_stripe_sdk: formBool.optional(),
    ...common,
  })
  .strict();

export const captureSchema = z
  .object({
    amount_to_capture: formInt.pipe(z.number().int().min(1)).optional(),
    metadata: metadataSchema,
    ...common,
  })
  .strict();

export const cancelSchema = z
  .object({
    cancellation_reason: z
      .enum(['duplicate', 'fraudulent', 'requested_by_customer', 'abandoned'])
      .optional(),
    ...common,
  })
  .strict();

export const createSISchema = z
  .object({
    ...intentPaymentMethod,
    confirm: formBool.optional(),
    usage: z.enum(['off_session', 'on_session']).optional(),
    ...intentDetails,
    ...common,
  })
  .strict();

export const createCustomerSchema = z
  .object({
    email: z.string().email().optional(),
    name: z.string().max(256).optional(),
    description: z.string().optional(),
    metadata: metadataSchema,
    ...common,
  })
  .strict();

export const createPMSchema = z
  .object({
    ...cardMethod,
    metadata: metadataSchema,
    ...common,
  })
  .strict();

export const attachSchema = z.object({ customer: z.string().min(1), ...common }).strict();

/** POST /v1/refunds: the payment (a PaymentIntent or its charge), an amount (what remains by default), a reason, metadata. */
export const createRefundSchema = z
  .object({
    payment_intent: z.string().min(1).optional(),
    charge: z.string().min(1).optional(),
    amount: formInt.pipe(z.number().int().min(1)).optional(),
    reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
    metadata: metadataSchema,
    expand: z.array(z.string()).optional(),
  })
  .strict();

/** GET /v1/refunds: by PaymentIntent or charge, newest first, `limit` 1-100 (10). */
export const listRefundsSchema = z
  .object({
    payment_intent: z.string().min(1).optional(),
    charge: z.string().min(1).optional(),
    limit: formInt.pipe(z.number().int().min(1).max(100)).optional(),
  })
  .strict();
