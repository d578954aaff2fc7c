import { z } from 'zod';
import { countryIso2Schema } from './country.ts';
import { paymentCurrencySchema } from './currency.ts';
import { transactionProviderSchema } from './enums.ts';
import { e164Phone, email, merchantCode, strictObject, text } from './fields.ts';
import { positiveAmount } from './money.ts';

/** ISO 3166-2 subdivision code such as US-NY. */
const subdivision = z
  .string()
  .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, 'must be an ISO 3166-2 subdivision code such as US-NY');

// Document 003 spells some billing fields differently; the REST contract uses document 002's names.
const BILLING_HINTS = {
  billingAddress: 'use billingAddressLine1 (document 003 spelling)',
  billingCity: 'use billingAddressCity (document 003 spelling)',
  billingState: 'use billingAddressState, an ISO 3166-2 code such as US-NY (document 003 spelling)',
  billingZip: 'use billingAddressPostalCode (document 003 spelling)',
  cardNumber: 'card data never goes to AccruPay: the customer types it into the React SDK fields',
  cvc: 'card data never goes to AccruPay: the customer types it into the React SDK fields',
};

function stateMatchesCountry(
  value: { state?: string | undefined; country?: string | undefined },
  ctx: z.RefinementCtx,
  stateField: string,
  countryField: string,
) {
  if (value.state && value.country && !value.state.startsWith(`${value.country}-`)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [stateField],
      message: `must be a subdivision of ${countryField} ${value.country} (such as ${value.country}-...); got ${value.state}`,
    });
  }
}

/** Billing contact and address (document 002): name, email and country are required. */
export const billingSchema = strictObject(
  {
    billingFirstName: text(100),
    billingLastName: text(100),
    billingEmail: email,
    billingAddressCountry: countryIso2Schema,
    billingPhone: e164Phone.optional(),
    billingAddressState: subdivision.optional(),
    billingAddressCity: text(100).optional(),
    billingAddressLine1: text(200).optional(),
    billingAddressLine2: text(200).optional(),
    billingAddressPostalCode: text(20).optional(),
  },
  BILLING_HINTS,
).superRefine((billing, ctx) =>
  stateMatchesCountry(
    { state: billing.billingAddressState, country: billing.billingAddressCountry },
    ctx,
    'billingAddressState',
    'billingAddressCountry',
  ),
);
/** Billing data as parsed. */
export type Billing = z.infer<typeof billingSchema>;

/** Shipping contact and address, all optional. */
export const shippingSchema = strictObject({
  shippingFirstName: text(100).optional(),
  shippingLastName: text(100).optional(),
  shippingEmail: email.optional(),
  shippingPhone: e164Phone.optional(),
  shippingAddressCountry: countryIso2Schema.optional(),
  shippingAddressState: subdivision.optional(),
  shippingAddressCity: text(100).optional(),
  shippingAddressLine1: text(200).optional(),
  shippingAddressLine2: text(200).optional(),
  shippingAddressPostalCode: text(20).optional(),
}).superRefine((shipping, ctx) =>
  stateMatchesCountry(
    { state: shipping.shippingAddressState, country: shipping.shippingAddressCountry },
    ctx,
    'shippingAddressState',
    'shippingAddressCountry',
  ),
);
/** Shipping data as parsed. */
export type Shipping = z.infer<typeof shippingSchema>;

/** The end user's identity on the merchant's side. */
export const userSchema = strictObject({
  merchantInternalUserCode: merchantCode.optional(),
  userFirstName: text(100).optional(),
  userLastName: text(100).optional(),
  userEmail: email.optional(),
  userPhone: e164Phone.optional(),
  userLocale: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as en-US')
    .optional(),
});
/** User data as parsed. */
export type User = z.infer<typeof userSchema>;

/** The customer's device, used by providers for fraud checks and 3-D Secure. */
export const deviceSchema = strictObject({
  deviceIpAddress: z.string().ip('must be an IPv4 or IPv6 address').optional(),
  deviceUserAgent: text(512).optional(),
  deviceAcceptLanguage: text(256).optional(),
  deviceFingerprint: text(256).optional(),
  deviceScreenWidth: z.number().int().positive().max(100_000).optional(),
  deviceScreenHeight: z.number().int().positive().max(100_000).optional(),
  deviceTimeZone: text(64).optional(),
});
/** Device data as parsed. */
export type Device = z.infer<typeof deviceSchema>;

/** The customer the session belongs to, by the merchant's own code. */
export const customerSchema = strictObject({
  merchantInternalCustomerCode: merchantCode,
});

const commonData = {
  merchantInternalTransactionCode: merchantCode,
  currency: paymentCurrencySchema,
  billing: billingSchema,
  merchantInternalCustomerCode: merchantCode.optional(),
  customer: customerSchema.optional(),
  shipping: shippingSchema.optional(),
  user: userSchema.optional(),
  device: deviceSchema.optional(),
};

function customerCodesAgree(
  data: {
    merchantInternalCustomerCode?: string;
    customer?: { merchantInternalCustomerCode: string };
  },
  ctx: z.RefinementCtx,
) {
  const top = data.merchantInternalCustomerCode;
  const nested = data.customer?.merchantInternalCustomerCode;
  if (top !== undefined && nested !== undefined && top !== nested) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['customer', 'merchantInternalCustomerCode'],
      message: `differs from data.merchantInternalCustomerCode (${top}); send the customer code once`,
    });
  }
}

const NO_AMOUNT_HINTS = {
  amount:
    'add-payment-method sessions store a card without charging it, so they take no amount; use clientSessions.payments or clientSessions.authorizations to charge',
  storePaymentMethod:
    'add-payment-method sessions always store the payment method, so storePaymentMethod is not accepted',
  customerPaymentMethodId:
    'add-payment-method sessions create a payment method; they cannot reuse one',
};

/** The `data` of a payment or authorization session start. */
export const chargeSessionDataSchema = strictObject({
  ...commonData,
  amount: positiveAmount,
  storePaymentMethod: z.boolean({
    required_error: 'is required: true to store the card for later charges, false otherwise',
    invalid_type_error: 'must be true or false',
  }),
  customerPaymentMethodId: text(128).optional(),
}).superRefine((data, ctx) => {
  customerCodesAgree(data, ctx);
  if (
    data.customerPaymentMethodId !== undefined &&
    data.merchantInternalCustomerCode === undefined &&
    data.customer === undefined
  ) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['customer', 'merchantInternalCustomerCode'],
      message:
        'is required with customerPaymentMethodId: a stored payment method belongs to a customer',
    });
  }
});

/** The `data` of an add-payment-method session start: no amount, no storePaymentMethod. */
export const addPaymentMethodSessionDataSchema = strictObject(
  commonData,
  NO_AMOUNT_HINTS,
).superRefine(customerCodesAgree);

/**
 * Exactly one of `merchantTransactionProviderId` or `transactionProvider` selects the provider.
 */
function withProvider<T extends z.ZodTypeAny>(data: T) {
  return strictObject({
    merchantTransactionProviderId: text(128).optional(),
    transactionProvider: transactionProviderSchema.optional(),
    data,
  }).superRefine((body, ctx) => {
    const given = [body.merchantTransactionProviderId, body.transactionProvider].filter(
      (value) => value !== undefined,
    ).length;
    if (given !== 1) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: given === 0 ? ['merchantTransactionProviderId'] : ['transactionProvider'],
        message:
          given === 0
            ? 'pass exactly one of merchantTransactionProviderId or transactionProvider; got neither'
            : 'pass exactly one of merchantTransactionProviderId or transactionProvider; got both',
      });
    }
  });
}

const chargePaymentMethodObject = strictObject({
  merchantTransactionProviderId: text(128).optional(),
  data: strictObject({
    customerPaymentMethodId: text(128),
    merchantInternalTransactionCode: merchantCode,
    merchantInternalCustomerCode: merchantCode,
    amount: positiveAmount,
    currency: paymentCurrencySchema,
    billing: billingSchema.optional(),
    shipping: shippingSchema.optional(),
    device: deviceSchema.optional(),
  }),
});

/** Body of `transactions.authorizations.settle()`: omit the amount to settle what remains. */
export const settleAuthorizationSchema = strictObject({
  amount: positiveAmount.optional(),
});

/** Body of `transactions.refund()`: omit the amount to refund what remains. */
export const refundTransactionSchema = strictObject({
  amount: positiveAmount.optional(),
});
/** The body of a refund as sent. */
export type RefundTransactionInput = z.input<typeof refundTransactionSchema>;

/** Body of `transactions.sync()`: nothing; the transaction is named in the path. */
export const syncTransactionSchema = strictObject({});

/** Body of `transactions.authorizations.void()`. */
export const voidAuthorizationSchema = strictObject({});

type ProviderChoice =
  | { merchantTransactionProviderId: string; transactionProvider?: never }
  | {
      transactionProvider: z.infer<typeof transactionProviderSchema>;
      merchantTransactionProviderId?: never;
    };

const chargeSessionStart = withProvider(chargeSessionDataSchema);
const addPaymentMethodSessionStart = withProvider(addPaymentMethodSessionDataSchema);

/** The data of a payment or authorization start as the SDK takes it (amount as bigint, string or number). */
export interface ChargeSessionDataInput extends z.input<typeof chargeSessionDataSchema> {}
/** The data of an add-payment-method start as the SDK takes it. */
export interface AddPaymentMethodSessionDataInput
  extends z.input<typeof addPaymentMethodSessionDataSchema> {}
/** Input of a payment session start. */
export type StartPaymentSessionInput = ProviderChoice & { data: ChargeSessionDataInput };
/** Input of an authorization session start: the same as a payment's. */
export type StartAuthorizationSessionInput = StartPaymentSessionInput;
/** Input of an add-payment-method session start. */
export type StartAddPaymentMethodSessionInput = ProviderChoice & {
  data: AddPaymentMethodSessionDataInput;
};
/** A payment or authorization session start, as parsed (amount as bigint). */
export interface StartPaymentSession extends z.output<typeof chargeSessionStart> {}
/** An add-payment-method session start, as parsed. */
export interface StartAddPaymentMethodSession
  extends z.output<typeof addPaymentMethodSessionStart> {}
/** Input of a stored payment method charge. */
export interface ChargePaymentMethodInput extends z.input<typeof chargePaymentMethodObject> {}
/** A stored payment method charge, as parsed. */
export interface ChargePaymentMethod extends z.output<typeof chargePaymentMethodObject> {}
/** Input of a settle. */
export type SettleAuthorizationInput = z.input<typeof settleAuthorizationSchema>;

/** Body of `clientSessions.payments.start()`. */
export const startPaymentSessionSchema: z.ZodType<
  StartPaymentSession,
  z.ZodTypeDef,
  StartPaymentSessionInput
> = chargeSessionStart as z.ZodTypeAny;
/** Body of `clientSessions.authorizations.start()`: the same data as a payment. */
export const startAuthorizationSessionSchema = startPaymentSessionSchema;
/** Body of `clientSessions.paymentMethod.add.start()`. */
export const startAddPaymentMethodSessionSchema: z.ZodType<
  StartAddPaymentMethodSession,
  z.ZodTypeDef,
  StartAddPaymentMethodSessionInput
> = addPaymentMethodSessionStart as z.ZodTypeAny;
/** Body of `transactions.payments.paymentMethod.charge()`: a server-side charge of a stored method. */
export const chargePaymentMethodSchema: z.ZodType<
  ChargePaymentMethod,
  z.ZodTypeDef,
  ChargePaymentMethodInput
> = chargePaymentMethodObject;

/** The customer code of a start payload, wherever the merchant put it. */
export function customerCodeOf(data: {
  merchantInternalCustomerCode?: string | undefined;
  customer?: { merchantInternalCustomerCode: string } | undefined;
}): string | undefined {
  return data.customer?.merchantInternalCustomerCode ?? data.merchantInternalCustomerCode;
}
