import { z } from 'zod';
import {
  clientTransactionSessionStatusSchema,
  clientTransactionSessionTypeSchema,
  transactionActionSchema,
  transactionStatusSchema,
} from './enums.ts';
import { merchantCode, strictObject, text } from './fields.ts';

/** The largest page any list returns. */
export const MAX_PAGE_SIZE = 100;
/** The page size when none is given. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest offset an offset page may start at; use cursor pagination beyond it. */
export const MAX_SKIP = 10_000;

function integerParam(name: string, min: number, max: number) {
  // Query strings carry numbers as text; only canonical integers are accepted.
  return z
    .union([z.number(), z.string().regex(/^(0|[1-9][0-9]*)$/, `${name} must be a whole number`)])
    .transform(Number)
    .pipe(
      z
        .number()
        .int(`${name} must be a whole number`)
        .min(min, `${name} must be at least ${min}`)
        .max(max, `${name} must be at most ${max}`),
    );
}

const sessionFilters = {
  status: clientTransactionSessionStatusSchema.optional(),
  type: clientTransactionSessionTypeSchema.optional(),
  merchantInternalTransactionCode: merchantCode.optional(),
};

/** Offset pagination: `take` items after skipping `skip`. */
export const offsetPageQuery = {
  take: integerParam('take', 1, MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  skip: integerParam('skip', 0, MAX_SKIP).default(0),
};

/** Cursor pagination: the `first` items after the opaque cursor `after`. */
export const cursorPageQuery = {
  first: integerParam('first', 1, MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  after: text(512).optional(),
};

const CURSOR_HINTS = {
  first: 'first and after are for cursor pagination: use the /cursor list, or take and skip here',
  after: 'first and after are for cursor pagination: use the /cursor list, or take and skip here',
};
const OFFSET_HINTS = {
  take: 'take and skip are for offset pagination: use the offset list, or first and after here',
  skip: 'take and skip are for offset pagination: use the offset list, or first and after here',
};

/** Query of the offset session list (`getMany`). */
const sessionListQuerySchemaObject = strictObject(
  { ...offsetPageQuery, ...sessionFilters },
  CURSOR_HINTS,
);
/** Query of the cursor session list (document 003's connection). */
const sessionConnectionQuerySchemaObject = strictObject(
  { ...cursorPageQuery, ...sessionFilters },
  OFFSET_HINTS,
);
/** Query of the transaction list. */
const transactionListQuerySchemaObject = strictObject(
  {
    ...offsetPageQuery,
    status: transactionStatusSchema.optional(),
    action: transactionActionSchema.optional(),
    merchantInternalTransactionCode: merchantCode.optional(),
    sessionId: text(128).optional(),
  },
  CURSOR_HINTS,
);
/** Query of a customer's stored payment methods. */
const paymentMethodListQuerySchemaObject = strictObject({
  merchantInternalCustomerCode: merchantCode,
  ...offsetPageQuery,
});

/** An offset page: `{ data, total }`. */
export function offsetPage<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    data: z.array(item),
    total: z.number().int().nonnegative(),
  });
}

/** A cursor page: `{ edges, pageInfo, totalCount }`. */
export function cursorPage<T extends z.ZodTypeAny>(node: T) {
  return z.object({
    edges: z.array(z.object({ node, cursor: z.string() })),
    pageInfo: z.object({
      hasNextPage: z.boolean(),
      hasPreviousPage: z.boolean(),
      startCursor: z.string().nullable(),
      endCursor: z.string().nullable(),
    }),
    totalCount: z.number().int().nonnegative(),
  });
}

/** The sessionListQuery as sent. */
export interface SessionListQueryInput extends z.input<typeof sessionListQuerySchemaObject> {}
/** The sessionListQuery as parsed, defaults applied. */
export interface SessionListQuery extends z.output<typeof sessionListQuerySchemaObject> {}
/** Zod schema of the sessionListQuery. */
export const sessionListQuerySchema: z.ZodType<
  SessionListQuery,
  z.ZodTypeDef,
  SessionListQueryInput
> = sessionListQuerySchemaObject;

/** The sessionConnectionQuery as sent. */
export interface SessionConnectionQueryInput
  extends z.input<typeof sessionConnectionQuerySchemaObject> {}
/** The sessionConnectionQuery as parsed, defaults applied. */
export interface SessionConnectionQuery
  extends z.output<typeof sessionConnectionQuerySchemaObject> {}
/** Zod schema of the sessionConnectionQuery. */
export const sessionConnectionQuerySchema: z.ZodType<
  SessionConnectionQuery,
  z.ZodTypeDef,
  SessionConnectionQueryInput
> = sessionConnectionQuerySchemaObject;

/** The transactionListQuery as sent. */
export interface TransactionListQueryInput
  extends z.input<typeof transactionListQuerySchemaObject> {}
/** The transactionListQuery as parsed, defaults applied. */
export interface TransactionListQuery extends z.output<typeof transactionListQuerySchemaObject> {}
/** Zod schema of the transactionListQuery. */
export const transactionListQuerySchema: z.ZodType<
  TransactionListQuery,
  z.ZodTypeDef,
  TransactionListQueryInput
> = transactionListQuerySchemaObject;

/** The paymentMethodListQuery as sent. */
export interface PaymentMethodListQueryInput
  extends z.input<typeof paymentMethodListQuerySchemaObject> {}
/** The paymentMethodListQuery as parsed, defaults applied. */
export interface PaymentMethodListQuery
  extends z.output<typeof paymentMethodListQuerySchemaObject> {}
/** Zod schema of the paymentMethodListQuery. */
export const paymentMethodListQuerySchema: z.ZodType<
  PaymentMethodListQuery,
  z.ZodTypeDef,
  PaymentMethodListQueryInput
> = paymentMethodListQuerySchemaObject;
