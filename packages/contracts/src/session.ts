import { z } from 'zod';
import { countryIso2Schema } from './country.ts';
import { currencySchema } from './currency.ts';
import {
  clientTransactionSessionKindSchema,
  clientTransactionSessionStatusSchema,
  clientTransactionSessionTypeSchema,
  paymentMethodBrandSchema,
  transactionActionSchema,
  transactionProviderSchema,
  transactionStatusSchema,
} from './enums.ts';
import { isoDateTime, merchantCode, strictObject, text, uuid } from './fields.ts';
import { amount } from './money.ts';
import { billingSchema } from './start.ts';

/** A stored payment method: brand, last four digits and expiry, never the full number. */
const paymentMethodObject = z.object({
  id: z.string(),
  transactionProvider: transactionProviderSchema,
  merchantTransactionProviderId: z.string(),
  merchantInternalCustomerCode: z.string().nullable(),
  brand: paymentMethodBrandSchema,
  last4: z.string().regex(/^[0-9]{4}$/, 'must be the last four digits of the card'),
  expiryMonth: z.number().int().min(1).max(12),
  expiryYear: z.number().int().min(2000).max(2100),
  billingCountry: countryIso2Schema.nullable(),
  createdAt: isoDateTime,
});
/** A stored payment method. */
export interface PaymentMethod extends z.output<typeof paymentMethodObject> {}
/** A stored payment method as it travels on the wire. */
export interface PaymentMethodWire extends z.input<typeof paymentMethodObject> {}
/** Zod schema of a stored payment method. */
export const paymentMethodSchema: z.ZodType<PaymentMethod, z.ZodTypeDef, PaymentMethodWire> =
  paymentMethodObject;

/** A transaction: what verify() returns, and what settle, void and charges create. */
const merchantTransactionObject = z.object({
  id: z.string(),
  status: transactionStatusSchema,
  action: transactionActionSchema,
  amount: amount.nullable(),
  currency: currencySchema,
  transactionProvider: transactionProviderSchema,
  merchantTransactionProviderId: z.string(),
  merchantInternalTransactionCode: z.string().nullable(),
  merchantInternalCustomerCode: z.string().nullable(),
  paymentMethod: paymentMethodSchema.nullable(),
  providerCode: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** The session the transaction belongs to (a settle, void or refund: its payment's session). */
  sessionId: z.string().nullable(),
  /** The authorization a SETTLE or VOID acts on; the payment a REFUND gives money back on. */
  parentTransactionId: z.string().nullable(),
  /** For an AUTHORIZATION: how much has been settled so far. */
  settledAmount: amount.nullable(),
  /** How much of this payment its SUCCEEDED refunds gave back (null: none). */
  refundedAmount: amount.nullable().default(null),
  /** When the last refund of this payment succeeded. */
  refundedAt: isoDateTime.nullable().default(null),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
/** A transaction, amounts as bigint. */
export interface MerchantTransaction extends z.output<typeof merchantTransactionObject> {}
/** A transaction as it travels on the wire, amounts as decimal strings. */
export interface MerchantTransactionWire extends z.input<typeof merchantTransactionObject> {}
/** Zod schema of a transaction: decodes the wire form to amounts as bigint. */
export const merchantTransactionSchema: z.ZodType<
  MerchantTransaction,
  z.ZodTypeDef,
  MerchantTransactionWire
> = merchantTransactionObject;

/** A client session as the merchant's backend sees it (documents 001, 002 and 003). */
const clientSessionObject = z.object({
  id: z.string(),
  token: z.string(),
  tokenExpiresAt: isoDateTime.nullable(),
  /** The same instant as tokenExpiresAt (document 003's name); null when the provider sets no TTL. */
  expiresAt: isoDateTime.nullable(),
  status: clientTransactionSessionStatusSchema,
  action: transactionActionSchema,
  kind: clientTransactionSessionKindSchema,
  type: clientTransactionSessionTypeSchema,
  amount: amount.nullable(),
  currency: currencySchema,
  merchantInternalTransactionCode: z.string(),
  merchantInternalCustomerCode: z.string().nullable(),
  transactionProvider: transactionProviderSchema,
  merchantTransactionProviderId: z.string(),
  /** Document 001 and 002's name for merchantTransactionProviderId. */
  transactionProviderId: z.string(),
  providerCode: z.string().nullable(),
  storePaymentMethod: z.boolean(),
  /** The billing contact sent at start (null for sessions started before the sandbox kept it). */
  billing: billingSchema.nullable().default(null),
  payload: z.record(z.unknown()),
  paymentMethod: paymentMethodSchema.nullable(),
  transactionId: z.string().nullable(),
  transactions: z.array(merchantTransactionSchema),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
/** A client session, amounts as bigint. */
export interface ClientSession extends z.output<typeof clientSessionObject> {}
/** A client session as it travels on the wire. */
export interface ClientSessionWire extends z.input<typeof clientSessionObject> {}
/** Zod schema of a client session: decodes the wire form to amounts as bigint. */
export const clientSessionSchema: z.ZodType<ClientSession, z.ZodTypeDef, ClientSessionWire> =
  clientSessionObject;

/** What the browser may see of a session through the public API: no merchant or customer data. */
const publicClientSessionObject = z.object({
  id: z.string(),
  token: z.string(),
  status: clientTransactionSessionStatusSchema,
  kind: clientTransactionSessionKindSchema,
  type: clientTransactionSessionTypeSchema,
  amount: amount.nullable(),
  currency: currencySchema,
  transactionProvider: transactionProviderSchema,
  expiresAt: isoDateTime.nullable(),
});
/** The public view of a session. */
export interface PublicClientSession extends z.output<typeof publicClientSessionObject> {}
/** The public view of a session on the wire. */
export interface PublicClientSessionWire extends z.input<typeof publicClientSessionObject> {}
/** Zod schema of the public view of a session. */
export const publicClientSessionSchema: z.ZodType<
  PublicClientSession,
  z.ZodTypeDef,
  PublicClientSessionWire
> = publicClientSessionObject;

/** Provider configuration the React SDK needs to render the provider's card fields. */
const baseConfigObject = z.object({
  /** The session it is for; null when asked by provider rather than by session. */
  id: z.string().nullable(),
  transactionProvider: transactionProviderSchema,
  merchantTransactionProviderId: z.string(),
  providerData: z.record(z.unknown()),
});
/** Provider configuration for the React SDK. */
export interface BaseConfig extends z.output<typeof baseConfigObject> {}
/** Zod schema of the provider configuration. */
export const baseConfigSchema: z.ZodType<BaseConfig, z.ZodTypeDef, BaseConfig> = baseConfigObject;

const IDENTIFIER_KEYS = ['id', 'token', 'providerCode', 'merchantInternalTransactionCode'] as const;

/** The four ways to name a session: exactly one of them. */
export type SessionIdentifier =
  | { id: string; token?: never; providerCode?: never; merchantInternalTransactionCode?: never }
  | { token: string; id?: never; providerCode?: never; merchantInternalTransactionCode?: never }
  | { providerCode: string; id?: never; token?: never; merchantInternalTransactionCode?: never }
  | { merchantInternalTransactionCode: string; id?: never; token?: never; providerCode?: never };

function exactlyOne<K extends string>(keys: readonly K[]) {
  return (value: Partial<Record<K, unknown>>, ctx: z.RefinementCtx) => {
    const given = keys.filter((key) => value[key] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: given.length === 0 ? [] : [given[1] as string],
        message:
          given.length === 0
            ? `pass exactly one of ${keys.join(', ')}; got none`
            : `pass exactly one of ${keys.join(', ')}; got ${given.length}: ${given.join(' and ')}`,
      });
    }
  };
}

/**
 * Exactly one of id, token, providerCode or merchantInternalTransactionCode; zero or two is a
 * validation error that says which were given.
 */
export const sessionIdentifierSchema = strictObject({
  id: uuid.optional(),
  token: text(2048).optional(),
  providerCode: text(255).optional(),
  merchantInternalTransactionCode: merchantCode.optional(),
}).superRefine(exactlyOne(IDENTIFIER_KEYS)) as unknown as z.ZodType<
  SessionIdentifier,
  z.ZodTypeDef,
  SessionIdentifier
>;

const baseConfigQueryObject = strictObject({
  merchantTransactionProviderId: text(128).optional(),
  transactionProvider: transactionProviderSchema.optional(),
  id: uuid.optional(),
  merchantInternalTransactionCode: merchantCode.optional(),
}).superRefine(
  exactlyOne([
    'merchantTransactionProviderId',
    'transactionProvider',
    'id',
    'merchantInternalTransactionCode',
  ]),
);
/** The getBaseConfig query: exactly one of its four selectors. */
export interface BaseConfigQuery extends z.input<typeof baseConfigQueryObject> {}
/** Query of the merchant API's getBaseConfig: a provider (document 002) or a session (document 003). */
export const baseConfigQuerySchema: z.ZodType<BaseConfigQuery, z.ZodTypeDef, BaseConfigQuery> =
  baseConfigQueryObject;

/** Query of the public API: the session by token or by id, never both. */
export const publicSessionQuerySchema = strictObject({
  token: text(2048).optional(),
  id: uuid.optional(),
}).superRefine(exactlyOne(['token', 'id'])) as unknown as z.ZodType<
  { token: string; id?: never } | { id: string; token?: never },
  z.ZodTypeDef,
  { token: string; id?: never } | { id: string; token?: never }
>;

/** A merchant public id: `pk_test_` then letters and digits. */
export const merchantPublicIdSchema = z
  .string()
  .regex(/^pk_(test|live)_[A-Za-z0-9]{16,64}$/, 'must be a merchant public id such as pk_test_...');
