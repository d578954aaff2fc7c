import { z } from 'zod';

/**
 * `z.nativeEnum` that accepts a value by one lookup in a set built once; zod's own parse lists the
 * enum's values again on every call. Anything it refuses goes through zod's parse, so the issues
 * and their messages are zod's.
 */
class SetNativeEnum<T extends z.EnumLike> extends z.ZodNativeEnum<T> {
  readonly #allowed: ReadonlySet<unknown> = new Set(z.util.getValidEnumValues(this._def.values));

  override _parse(input: z.ParseInput): z.ParseReturnType<T[keyof T]> {
    if (this.#allowed.has(input.data)) return z.OK(input.data as T[keyof T]);
    return super._parse(input);
  }
}

/** A `z.nativeEnum(values, params)` whose parse of an allowed value is one set lookup. */
export function nativeEnumSchema<const T extends z.EnumLike>(
  values: T,
  params?: z.RawCreateParams,
): z.ZodNativeEnum<T> {
  return new SetNativeEnum(z.nativeEnum(values, params)._def);
}

function enumSchema<const T extends Record<string, string>>(values: T, what: string) {
  const allowed = Object.values(values).join(', ');
  return nativeEnumSchema(values, {
    errorMap: (issue, ctx) => ({
      message:
        issue.code === 'invalid_enum_value'
          ? `must be one of ${allowed} (${what}); got ${JSON.stringify(ctx.data)}`
          : ctx.defaultError,
    }),
  });
}

/** The payment providers AccruPay routes to. */
export const TRANSACTION_PROVIDER = {
  NUVEI: 'NUVEI',
  STRIPE: 'STRIPE',
} as const;
/** A payment provider. */
export type TransactionProvider = (typeof TRANSACTION_PROVIDER)[keyof typeof TRANSACTION_PROVIDER];
/** Zod schema for {@link TRANSACTION_PROVIDER}. */
export const transactionProviderSchema = enumSchema(TRANSACTION_PROVIDER, 'a transaction provider');

/** Lifecycle of a client session; see the state machine in `SESSION_TRANSITIONS`. */
export const CLIENT_TRANSACTION_SESSION_STATUS = {
  PENDING: 'PENDING',
  ACTIVE: 'ACTIVE',
  COMPLETED: 'COMPLETED',
  CANCELED: 'CANCELED',
  DECLINED: 'DECLINED',
  EXPIRED: 'EXPIRED',
  ERROR: 'ERROR',
  UNKNOWN: 'UNKNOWN',
} as const;
/** A client session status. */
export type ClientTransactionSessionStatus =
  (typeof CLIENT_TRANSACTION_SESSION_STATUS)[keyof typeof CLIENT_TRANSACTION_SESSION_STATUS];
/** Zod schema for {@link CLIENT_TRANSACTION_SESSION_STATUS}. */
export const clientTransactionSessionStatusSchema = enumSchema(
  CLIENT_TRANSACTION_SESSION_STATUS,
  'a client session status',
);

/** Who drives a session: the customer in the browser (CLIENT) or the merchant's server (SERVER). */
export const CLIENT_TRANSACTION_SESSION_KIND = {
  CLIENT: 'CLIENT',
  SERVER: 'SERVER',
} as const;
/** A client session kind. */
export type ClientTransactionSessionKind =
  (typeof CLIENT_TRANSACTION_SESSION_KIND)[keyof typeof CLIENT_TRANSACTION_SESSION_KIND];
/** Zod schema for {@link CLIENT_TRANSACTION_SESSION_KIND}. */
export const clientTransactionSessionKindSchema = enumSchema(
  CLIENT_TRANSACTION_SESSION_KIND,
  'a client session kind',
);

/** The operation a session performs: the SDK namespace it was started from. */
export const CLIENT_TRANSACTION_SESSION_TYPE = {
  PAYMENT: 'payment',
  ADD_PAYMENT_METHOD: 'add-payment-method',
  AUTHORIZATION: 'authorization',
} as const;
/** A client session type. */
export type ClientTransactionSessionType =
  (typeof CLIENT_TRANSACTION_SESSION_TYPE)[keyof typeof CLIENT_TRANSACTION_SESSION_TYPE];
/** Zod schema for {@link CLIENT_TRANSACTION_SESSION_TYPE}. */
export const clientTransactionSessionTypeSchema = enumSchema(
  CLIENT_TRANSACTION_SESSION_TYPE,
  'a client session type',
);

/** The outcome of a transaction; the only field to fulfil an order on is `SUCCEEDED`. */
export const TRANSACTION_STATUS = {
  PENDING: 'PENDING',
  EXPIRED: 'EXPIRED',
  STARTED: 'STARTED',
  SUCCEEDED: 'SUCCEEDED',
  ERROR: 'ERROR',
  FAILED: 'FAILED',
  CANCELED: 'CANCELED',
  UNKNOWN: 'UNKNOWN',
  DECLINED: 'DECLINED',
} as const;
/** A transaction status. */
export type TransactionStatus = (typeof TRANSACTION_STATUS)[keyof typeof TRANSACTION_STATUS];
/** Zod schema for {@link TRANSACTION_STATUS}. */
export const transactionStatusSchema = enumSchema(TRANSACTION_STATUS, 'a transaction status');

/**
 * What a transaction did. `PAYMENT_METHOD_CHARGE` is a server-side charge of a stored payment
 * method; `SETTLE` and `VOID` act on a successful `AUTHORIZATION`.
 */
export const TRANSACTION_ACTION = {
  PAYMENT: 'PAYMENT',
  ADD_PAYMENT_METHOD: 'ADD_PAYMENT_METHOD',
  AUTHORIZATION: 'AUTHORIZATION',
  SETTLE: 'SETTLE',
  VOID: 'VOID',
  PAYMENT_METHOD_CHARGE: 'PAYMENT_METHOD_CHARGE',
  /** Money given back on a SUCCEEDED payment, charge or settled authorization (its parent). */
  REFUND: 'REFUND',
} as const;
/** A transaction action. */
export type TransactionAction = (typeof TRANSACTION_ACTION)[keyof typeof TRANSACTION_ACTION];
/** Zod schema for {@link TRANSACTION_ACTION}. */
export const transactionActionSchema = enumSchema(TRANSACTION_ACTION, 'a transaction action');

/** The transaction action each session type creates. */
export const SESSION_TYPE_ACTION = {
  payment: TRANSACTION_ACTION.PAYMENT,
  'add-payment-method': TRANSACTION_ACTION.ADD_PAYMENT_METHOD,
  authorization: TRANSACTION_ACTION.AUTHORIZATION,
} as const satisfies Record<ClientTransactionSessionType, TransactionAction>;

/** Card brands a stored payment method can have. */
export const PAYMENT_METHOD_BRAND = {
  VISA: 'VISA',
  MASTERCARD: 'MASTERCARD',
  AMEX: 'AMEX',
  DISCOVER: 'DISCOVER',
  DINERS: 'DINERS',
  JCB: 'JCB',
  UNIONPAY: 'UNIONPAY',
  UNKNOWN: 'UNKNOWN',
} as const;
/** A card brand. */
export type PaymentMethodBrand = (typeof PAYMENT_METHOD_BRAND)[keyof typeof PAYMENT_METHOD_BRAND];
/** Zod schema for {@link PAYMENT_METHOD_BRAND}. */
export const paymentMethodBrandSchema = enumSchema(PAYMENT_METHOD_BRAND, 'a card brand');
