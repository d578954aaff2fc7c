import { z } from 'zod';
import { ACCRUE_CUSTOMER_KEYS } from './customers.ts';

/** Minor units: a safe integer > 0 as a JSON number, or its canonical decimal string ("10000"). */
export const amountInput = z.union([
  z
    .number()
    .int('must be an integer number of minor units')
    .positive('must be greater than 0')
    .refine(Number.isSafeInteger, 'must be a safe integer'),
  z
    .string()
    .regex(/^[1-9]\d*$/, 'must be a decimal string of minor units like "10000"')
    .transform(Number)
    .refine(Number.isSafeInteger, 'must be a safe integer'),
]);

export const currencyInput = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code like "USD"')
  .transform((c) => c.toUpperCase());

const optionalText = (max: number) => z.string().max(max).nullable().optional();

export const authorizeSchema = z
  .object({
    data: z
      .object({
        type: z.literal('payment_authorizations'),
        attributes: z
          .object({
            amount: amountInput,
            currency: currencyInput,
            capture_method: z.enum(['automatic', 'manual']),
            description: optionalText(1000),
            reference: optionalText(255),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

export const captureSchema = z
  .object({
    data: z
      .object({
        type: z.literal('payment_captures'),
        attributes: z.object({ amount: amountInput.optional() }).strict().default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

export const cancelSchema = z
  .object({
    data: z
      .object({
        type: z.literal('payment_cancellations'),
        attributes: z.object({}).strict().default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

/** `POST /__sim/accrue/payment-intents`: a payment intent made without a browser. */
export const helperIntentSchema = z
  .object({
    merchantPublicId: z.string().min(1),
    amount: amountInput,
    currency: currencyInput,
    method: z.enum(['wallet', 'bank']),
    customer: z.enum(ACCRUE_CUSTOMER_KEYS).default('default'),
  })
  .strict();

/** What the hosted page's script posts to sign in and to pay. */
export const signInSchema = z
  .object({
    merchantPublicId: z.string().min(1),
    origin: z.string().min(1),
    phone: z.string().min(1).max(40),
    code: z.string().max(20),
  })
  .strict();

export const confirmSchema = signInSchema
  .extend({
    amount: amountInput,
    currency: currencyInput,
    method: z.enum(['wallet', 'bank']),
  })
  .strict();

/** The hosted page's query. */
export const payPageQuery = z.object({
  merchantPublicId: z.string().min(1, 'is required (the merchant public id pk_...)'),
  amount: amountInput,
  currency: currencyInput,
  origin: z.string().min(1, 'is required (the merchant page origin)'),
});

/** A zod error as one document-004 error object's pointer and detail. */
export function zodIssue(err: z.ZodError): { pointer: string; detail: string } {
  const issue = err.issues[0];
  const path = issue?.path ?? [];
  const pointer = `/${path.join('/')}`;
  let message = issue?.message ?? 'is invalid';
  if (issue?.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
  if (issue?.code === 'invalid_literal') message = `must be "${String(issue.expected)}"`;
  if (issue?.code === 'invalid_union') {
    message =
      'must be a positive safe integer of minor units (a JSON number, or a decimal string like "10000")';
  }
  return {
    pointer,
    detail: `${path.length ? path.join('.') : 'body'}: ${message}`,
  };
}
