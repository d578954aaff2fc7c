import { z } from 'zod';

/** Nuvei sends ids and amounts as strings or numbers: the adapter reads them as strings. */
const code = z.union([z.string(), z.number()]).transform(String);

const transactionDetailsSchema = z
  .object({
    transactionId: code,
    transactionType: z.string(),
    transactionStatus: z.string(),
    amount: code,
    currency: z.string(),
    relatedTransactionId: code,
  })
  .partial();

const cardSchema = z
  .object({
    ccCardNumber: z.string(),
    bin: z.string(),
    last4Digits: z.string(),
    ccExpMonth: code,
    ccExpYear: code,
  })
  .partial();

/** Every Nuvei answer the adapter reads (openOrder, payment, getPaymentStatus, settle, void, details). */
export const answerSchema = z
  .object({
    status: z.string(),
    errCode: code.optional(),
    reason: z.string().optional(),
    sessionToken: z.string().optional(),
    orderId: code.optional(),
    transactionStatus: z.string().optional(),
    transactionId: code.optional(),
    transactionType: z.string().optional(),
    gwErrorCode: code.optional(),
    gwErrorReason: z.string().optional(),
    userTokenId: z.string().optional(),
    sessionExpired: z.boolean().optional(),
    amount: code.optional(),
    currency: z.string().optional(),
    clientUniqueId: z.string().optional(),
    transactionDetails: transactionDetailsSchema.optional(),
    paymentOption: z
      .object({ userPaymentOptionId: code.optional(), card: cardSchema.optional() })
      .optional(),
  })
  .passthrough();
export type Answer = z.infer<typeof answerSchema>;
