import { z } from 'zod';
import { optionalStrings } from '../http.ts';

const amountString = z
  .string()
  .regex(/^\d{1,400}(\.\d{1,2})?$/, 'must be a decimal string like "10.00"');
const timeStamp = z.string().regex(/^\d{14}$/, 'must be YYYYMMDDHHmmss');
const ident = {
  merchantId: z.string().min(1),
  merchantSiteId: z.string().min(1),
  clientRequestId: z.string().min(1).max(255).optional(),
  timeStamp,
  checksum: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 hex digest'),
};
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code');
const urlDetails = z
  .object({ notificationUrl: z.string().url().optional() })
  .passthrough()
  .optional();

const billingSchema = z
  .object(
    optionalStrings([
      'firstName',
      'lastName',
      'email',
      'country',
      'address',
      'city',
      'zip',
      'state',
      'phone',
    ]),
  )
  .strict();

export const sessionTokenSchema = z.object({ ...ident }).strict();

export const openOrderSchema = z
  .object({
    ...ident,
    clientUniqueId: z.string().max(255).optional(),
    amount: amountString,
    currency,
    transactionType: z.enum(['Auth', 'Sale']).optional(),
    userTokenId: z.string().optional(),
    productId: z.string().optional(),
    billingAddress: billingSchema.optional(),
    urlDetails,
    customData: z.string().optional(),
  })
  .strict();

const cardSchema = z
  .object({
    cardNumber: z.string().min(1),
    cardHolderName: z.string().min(1),
    expirationMonth: z.string().regex(/^(0?[1-9]|1[0-2])$/, 'must be a month 1-12'),
    expirationYear: z.string().regex(/^(\d{2}|\d{4})$/, 'must be YY or YYYY'),
    CVV: z.string().regex(/^\d{3,4}$/, 'must be 3 or 4 digits'),
  })
  .strict();

export const paymentSchema = z
  .object({
    ...ident,
    sessionToken: z.string().min(1),
    clientUniqueId: z.string().optional(),
    amount: amountString,
    currency,
    userTokenId: z.string().optional(),
    transactionType: z.enum(['Auth', 'Sale']).optional(),
    paymentOption: z.union([
      z.object({ card: cardSchema }).strict(),
      z.object({ userPaymentOptionId: z.string().min(1) }).strict(),
    ]),
    billingAddress: billingSchema.optional(),
    deviceDetails: z.record(z.string(), z.unknown()).optional(),
    isRebilling: z.enum(['0', '1']).optional(),
  })
  .strict();

export const statusSchema = z
  .object({
    sessionToken: z.string().min(1),
    ...optionalStrings(['merchantId', 'merchantSiteId', 'clientRequestId']),
  })
  .strict();

export const relatedSchema = z
  .object({
    ...ident,
    clientUniqueId: z.string().optional(),
    amount: amountString,
    currency,
    relatedTransactionId: z.string().min(1),
    ...optionalStrings([
      'authCode',
      'descriptorMerchantName',
      'descriptorMerchantPhone',
      'comment',
    ]),
    urlDetails,
  })
  .strict();

/** refundTransaction: a Credit of an approved Sale or Settle (`relatedTransactionId`), for at most what it has left. */
export const refundSchema = z
  .object({
    ...ident,
    clientUniqueId: z.string().max(255).optional(),
    amount: amountString,
    currency,
    relatedTransactionId: z.string().min(1),
    ...optionalStrings(['authCode', 'comment']),
    urlDetails,
  })
  .strict();

export const detailsSchema = z
  .object({
    ...ident,
    transactionId: z.string().min(1).max(20).optional(),
    clientUniqueId: z.string().min(1).max(255).optional(),
  })
  .strict()
  .refine((v) => v.transactionId !== undefined || v.clientUniqueId !== undefined, {
    message: 'give transactionId or clientUniqueId',
    path: ['transactionId'],
  });

export type OpenOrderInput = z.infer<typeof openOrderSchema>;
export type PaymentInput = z.infer<typeof paymentSchema>;
export type StatusInput = z.infer<typeof statusSchema>;
export type RelatedInput = z.infer<typeof relatedSchema>;
export type RefundInput = z.infer<typeof refundSchema>;
export type DetailsInput = z.infer<typeof detailsSchema>;
export type SessionTokenInput = z.infer<typeof sessionTokenSchema>;
