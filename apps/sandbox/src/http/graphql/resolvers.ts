import type {
  BaseConfig,
  Billing,
  ClientSessionWire,
  ClientTransactionSessionType,
  MerchantTransactionWire,
  PaymentMethodWire,
  PublicClientSessionWire,
  TransactionStatus,
} from '@accrupay/contracts';
import { RouterError } from '../../domain/errors.ts';
import type { ListRequest, ProviderAccountWire, TransactionLookup } from '../../domain/listing.ts';
import type { MerchantRow } from '../../store/store.ts';
import type { GraphqlContext } from './context.ts';
import { notSupported } from './errors.ts';
import {
  addPaymentMethodStart,
  amountOf,
  chargeStart,
  present,
  sessionIdentifier,
  storedMethodCharge,
} from './inputs.ts';
import { UNSUPPORTED_FIELDS } from './sdl.ts';

/**
 * The resolvers: each root field hands its arguments, translated by inputs.ts, to one use case
 * of the SandboxService (the same ones the REST routes call); the type resolvers only rename the
 * wire views' fields to AccruPay's API names.
 */

type Args = Record<string, unknown>;
type Resolver<Source = unknown> = (source: Source, args: Args, ctx: GraphqlContext) => unknown;

const FAILED: readonly TransactionStatus[] = ['FAILED', 'DECLINED', 'ERROR'];

/**
 * An id no row has: what a filter on something the sandbox never records (a payment plan, a
 * dispute) becomes, so that the list is empty rather than the filter ignored.
 */
const MATCHES_NOTHING = 'sandbox:matches-nothing';

/** The page arguments of a list. */
function pageOf(args: Args): ListRequest {
  const { skip, take, first, after, last, before, sorting } = present(args) as ListRequest;
  return { skip, take, first, after, last, before, sorting };
}

/** A transaction named by id, merchant code or provider code (`code` is the published API's id). */
function transactionLookup(args: Args): TransactionLookup {
  const given = present(args) as Record<string, string | undefined>;
  if (given.token !== undefined) {
    throw new RouterError(
      'VALIDATION_ERROR',
      'token: transactions have no token in the sandbox; name the transaction by id, merchantInternalTransactionCode or providerCode',
      {
        issues: [
          {
            path: 'token',
            message:
              'transactions have no token; use id, merchantInternalTransactionCode or providerCode',
          },
        ],
      },
    );
  }
  const candidates = [
    ['id', given.id ?? given.code],
    ['merchantInternalTransactionCode', given.merchantInternalTransactionCode],
    ['providerCode', given.providerCode],
  ].filter(([, value]) => value !== undefined) as Array<[keyof TransactionLookup & string, string]>;
  if (candidates.length !== 1 || (given.id !== undefined && given.code !== undefined)) {
    const message = `pass exactly one of id, merchantInternalTransactionCode or providerCode; got ${candidates.length === 0 ? 'none' : candidates.map(([key]) => key).join(' and ')}`;
    throw new RouterError('VALIDATION_ERROR', message, { issues: [{ path: '', message }] });
  }
  const [key, value] = candidates[0] as [string, string];
  return { [key]: value } as TransactionLookup;
}

function start(type: ClientTransactionSessionType): Resolver {
  return (_source, args, ctx) =>
    ctx.service.start(
      ctx.merchant(),
      type,
      type === 'add-payment-method' ? addPaymentMethodStart(args) : chargeStart(args),
    );
}

function verify(type: ClientTransactionSessionType): Resolver {
  return (_source, args, ctx) => ctx.service.verify(ctx.merchant(), type, sessionIdentifier(args));
}

async function authorizationOf(ctx: GraphqlContext, args: Args): Promise<MerchantTransactionWire> {
  return ctx.service.findTransaction(ctx.merchant(), transactionLookup(args), {
    actions: ['AUTHORIZATION'],
  });
}

const voidAuthorization: Resolver = async (_source, args, ctx) =>
  ctx.service.void(ctx.merchant(), (await authorizationOf(ctx, args)).id);

/** Only one of the published API's two names for the same choice. */
function oneOf(args: Args, a: string, b: string): unknown {
  const given = present(args);
  if (given[a] !== undefined && given[b] !== undefined && given[a] !== given[b]) {
    throw new RouterError('VALIDATION_ERROR', `${b} is another name for ${a}: send one of them`, {
      issues: [{ path: b, message: `is another name for ${a}; send one of them` }],
    });
  }
  return given[a] ?? given[b];
}

function sessionQuery(args: Args) {
  const given = present(args) as Args;
  return {
    id: given.id as string | undefined,
    token: given.token as string | undefined,
    providerCode: given.providerCode as string | undefined,
    status: oneOf(args, 'providerStatus', 'status') as never,
    action: given.action as never,
    amount: given.amount as string | undefined,
    currency: given.currency as string | undefined,
    merchantInternalTransactionCode: given.merchantInternalTransactionCode as string | undefined,
    merchantInternalCustomerCode: given.merchantInternalCustomerCode as string | undefined,
    merchantTransactionProviderId: given.transactionProviderId as string | undefined,
    paymentMethodId: given.paymentMethodId as string | undefined,
    started: given.started as boolean | undefined,
    completed: given.completed as boolean | undefined,
    canceled: given.canceled as boolean | undefined,
    hasProviderError: given.hasProviderError as boolean | undefined,
    ...(given.paymentPlanId !== undefined ? { id: MATCHES_NOTHING } : {}),
  };
}

function transactionQuery(args: Args) {
  const given = present(args) as Args;
  const statuses = [
    ...((given.statuses as TransactionStatus[] | undefined) ?? []),
    ...(given.status ? [given.status as TransactionStatus] : []),
  ];
  const actions = [
    ...((given.actions as string[] | undefined) ?? []),
    ...(given.action ? [given.action as string] : []),
  ];
  const matchesNothing =
    given.paymentPlanId !== undefined ||
    given.paymentMethodCode !== undefined ||
    given.providerRelatedCode !== undefined ||
    given.disputed === true ||
    given.reverted === true ||
    given.token !== undefined ||
    (given.paymentMethodType !== undefined && given.paymentMethodType !== 'CARD');
  return {
    id: matchesNothing ? MATCHES_NOTHING : ((given.id ?? given.code) as string | undefined),
    statuses: statuses.length ? statuses : undefined,
    actions: actions.length ? (actions as never) : undefined,
    currency: given.currency as string | undefined,
    transactionProvider: given.transactionProvider as never,
    merchantTransactionProviderId: given.transactionProviderId as string | undefined,
    providerCode: given.providerCode as string | undefined,
    merchantInternalCustomerCode: given.merchantInternalCustomerCode as string | undefined,
    merchantInternalTransactionCode: given.merchantInternalTransactionCode as string | undefined,
    sessionId: given.clientTransactionSessionId as string | undefined,
    parentTransactionId: given.relatedTransactionId as string | undefined,
    paymentMethodId: given.paymentMethodId as string | undefined,
    succeeded: given.succeeded as boolean | undefined,
    failed: given.failed as boolean | undefined,
    canceled: given.canceled as boolean | undefined,
    started: given.started as boolean | undefined,
    hasProviderError: given.hasProviderError as boolean | undefined,
    createdFrom: given.transactionDateFrom
      ? (given.transactionDateFrom as Date).toISOString()
      : undefined,
    createdTo: given.transactionDateTo
      ? (given.transactionDateTo as Date).toISOString()
      : undefined,
  };
}

/** Which public session the browser names: by token (document 003) or by id (the published API). */
function publicLookup(args: Args): { token: string } | { id: string } {
  const given = present(args) as Record<string, string | undefined>;
  if ((given.token === undefined) === (given.transactionSessionId === undefined)) {
    const message = `pass exactly one of token or transactionSessionId with merchantPublicId; got ${given.token === undefined ? 'neither' : 'both'}`;
    throw new RouterError('VALIDATION_ERROR', message, { issues: [{ path: 'token', message }] });
  }
  return given.token !== undefined
    ? { token: given.token }
    : { id: given.transactionSessionId as string };
}

const unsupported = (kind: 'Query' | 'Mutation') =>
  Object.fromEntries(
    Object.entries(UNSUPPORTED_FIELDS[kind]).map(([field, what]) => [
      field,
      (_source: unknown, _args: Args, ctx: GraphqlContext) => {
        ctx.merchant();
        throw notSupported(field, what, ctx.requestId);
      },
    ]),
  );

// --- the types: wire views under AccruPay's names -------------------------------------------

/** When a status was reached, as far as the wire view tells: the last update of a row in it. */
const whenStatus =
  (...statuses: readonly string[]) =>
  (source: { status: string; updatedAt: string }) =>
    statuses.includes(source.status) ? source.updatedAt : null;

const provider = (
  source: { merchantTransactionProviderId: string },
  _args: Args,
  ctx: GraphqlContext,
) => ctx.providerAccount(source.merchantTransactionProviderId);

/** The flat billing* fields of a session or transaction, from the contact kept with its session. */
const BILLING_FIELDS = [
  'billingFirstName',
  'billingLastName',
  'billingEmail',
  'billingPhone',
  'billingAddressLine1',
  'billingAddressLine2',
  'billingAddressCity',
  'billingAddressState',
  'billingAddressCountry',
  'billingAddressPostalCode',
] as const satisfies ReadonlyArray<keyof Billing>;

function billingResolvers<Source>(
  billingOf: (source: Source, ctx: GraphqlContext) => Billing | null | Promise<Billing | null>,
) {
  return Object.fromEntries(
    BILLING_FIELDS.map((field) => [
      field,
      async (source: Source, _args: Args, ctx: GraphqlContext) =>
        (await billingOf(source, ctx))?.[field] ?? null,
    ]),
  );
}

const session = {
  ...billingResolvers((s: ClientSessionWire) => (s.billing ?? null) as Billing | null),
  providerStatus: (s: ClientSessionWire) => s.status,
  providerCode: (s: ClientSessionWire) => s.providerCode ?? '',
  providerError: (s: ClientSessionWire) =>
    s.status === 'ERROR' ? 'The provider answered with an error' : null,
  providerLastSyncedAt: (s: ClientSessionWire) => s.updatedAt,
  providerLastVerifiedAt: (s: ClientSessionWire) => s.updatedAt,
  amount: (s: ClientSessionWire) => s.amount ?? '0',
  startedAt: (s: ClientSessionWire) => s.createdAt,
  completedAt: whenStatus('COMPLETED'),
  canceledAt: whenStatus('CANCELED'),
  paymentMethodId: (s: ClientSessionWire) => s.paymentMethod?.id ?? null,
  transactionProvider: provider,
};

const transaction = {
  ...billingResolvers((t: MerchantTransactionWire, ctx) =>
    t.sessionId ? ctx.sessionBilling(t.sessionId) : null,
  ),
  code: (t: MerchantTransactionWire) => t.id,
  providerStatus: (t: MerchantTransactionWire) => t.status,
  providerCode: (t: MerchantTransactionWire) => t.providerCode ?? '',
  providerError: (t: MerchantTransactionWire) => t.errorCode,
  transactionError: (t: MerchantTransactionWire) => t.errorMessage,
  providerLastSyncedAt: (t: MerchantTransactionWire) => t.updatedAt,
  providerLastVerifiedAt: (t: MerchantTransactionWire) => t.updatedAt,
  amount: (t: MerchantTransactionWire) => t.amount ?? '0',
  transactionDate: (t: MerchantTransactionWire) => t.createdAt,
  startedAt: (t: MerchantTransactionWire) => t.createdAt,
  succeededAt: whenStatus('SUCCEEDED'),
  failedAt: whenStatus(...FAILED),
  canceledAt: whenStatus('CANCELED'),
  voidedAt: (t: MerchantTransactionWire) =>
    t.action === 'VOID' && t.status === 'SUCCEEDED' ? t.updatedAt : null,
  paymentMethodId: (t: MerchantTransactionWire) => t.paymentMethod?.id ?? null,
  paymentMethodType: (t: MerchantTransactionWire) => (t.paymentMethod ? 'CARD' : null),
  relatedTransactionId: (t: MerchantTransactionWire) => t.parentTransactionId,
  relatedTransaction: (t: MerchantTransactionWire, _args: Args, ctx: GraphqlContext) =>
    t.parentTransactionId
      ? ctx.service.getTransaction(ctx.merchant(), t.parentTransactionId)
      : null,
  transactionsRelated: async (t: MerchantTransactionWire, _args: Args, ctx: GraphqlContext) =>
    (
      await ctx.service.transactionConnection(
        ctx.merchant(),
        { parentTransactionId: t.id },
        { take: 100 },
      )
    ).edges.map((edge) => edge.node),
  clientTransactionSessionId: (t: MerchantTransactionWire) => t.sessionId,
  clientTransactionSession: (t: MerchantTransactionWire, _args: Args, ctx: GraphqlContext) =>
    t.sessionId ? ctx.service.getSession(ctx.merchant(), { id: t.sessionId }) : null,
  transactionProviderId: (t: MerchantTransactionWire) => t.merchantTransactionProviderId,
  transactionProvider: provider,
  payload: () => ({}),
};

/** The last instant of a card's expiry month. */
function expiryOf(method: PaymentMethodWire): string {
  return new Date(Date.UTC(method.expiryYear, method.expiryMonth, 1) - 1).toISOString();
}

const paymentMethod = {
  isDefault: () => false,
  isEnabled: () => true,
  status: () => 'ENABLED',
  providerStatus: () => 'ENABLED',
  methodType: () => 'CARD',
  merchantInternalCustomerCode: (m: PaymentMethodWire) => m.merchantInternalCustomerCode ?? '',
  providerCode: (m: PaymentMethodWire) => m.id,
  providerLastVerifiedAt: (m: PaymentMethodWire) => m.createdAt,
  transactionProviderId: (m: PaymentMethodWire) => m.merchantTransactionProviderId,
  transactionProvider: provider,
  billingAddressCountry: (m: PaymentMethodWire) => m.billingCountry,
  expiresAt: expiryOf,
  paymentMethodInfo: (m: PaymentMethodWire) => ({
    __typename: 'MerchantCustomerPaymentMethodCreditCardInfo',
    methodType: 'CARD',
    cardBrand: m.brand,
    cardNumberMasked: `**** **** **** ${m.last4}`,
  }),
  updatedAt: (m: PaymentMethodWire) => m.createdAt,
};

const providerAccount = {
  provider: (a: ProviderAccountWire) => a.transactionProvider,
  providerCode: (a: ProviderAccountWire) => a.id,
  status: () => 'ENABLED',
  updatedAt: (a: ProviderAccountWire) => a.createdAt,
};

const merchant = {
  email: (m: MerchantRow) => `${m.public_id.toLowerCase()}@sandbox.invalid`,
  entityType: () => 'COMPANY',
  status: () => 'ACTIVE',
  publicId: (m: MerchantRow) => m.public_id,
  createdAt: (m: MerchantRow) => m.created_at,
  updatedAt: (m: MerchantRow) => m.created_at,
};

/** Base config: the provider's public data as AccruPay's union, and as document 003's JSON. */
const baseConfig = {
  provider: (b: BaseConfig) => b.transactionProvider,
  data: (b: BaseConfig) => {
    const data = b.providerData as Record<string, unknown>;
    return b.transactionProvider === 'NUVEI'
      ? {
          __typename: 'MerchantClientTransactionSessionNuveiBaseConfig',
          provider: 'NUVEI',
          merchantId: data.merchantId,
          merchantSiteId: data.merchantSiteId,
          env: 'int',
          environment: 'int',
        }
      : {
          __typename: 'MerchantClientTransactionSessionGenericBaseConfig',
          provider: b.transactionProvider,
          publicKey: data.publishableKey ?? null,
        };
  },
};

type PublicData = { session: PublicClientSessionWire; baseConfig: BaseConfig };
const publicData = {
  id: (p: PublicData) => p.session.id,
  token: (p: PublicData) => p.session.token,
  status: (p: PublicData) => p.session.status,
  kind: (p: PublicData) => p.session.kind,
  amount: (p: PublicData) => p.session.amount ?? '0',
  currency: (p: PublicData) => p.session.currency,
  expiresAt: (p: PublicData) => p.session.expiresAt,
  provider: (p: PublicData) => p.session.transactionProvider,
  baseConfig: (p: PublicData) => baseConfig.data(p.baseConfig),
  transactionSession: (p: PublicData) => ({
    ...p.session,
    amount: p.session.amount ?? '0',
    provider: p.session.transactionProvider,
  }),
};

const byTypename = (value: { __typename: string }) => value.__typename;

export const resolvers = {
  Query: {
    merchantApi: (_s: unknown, _a: Args, ctx: GraphqlContext) => ctx.merchant(),
    merchantApiClientTransactionSession: (_s: unknown, args: Args, ctx: GraphqlContext) =>
      ctx.service.getSession(ctx.merchant(), sessionIdentifier(args)),
    merchantApiClientTransactionSessions: (_s: unknown, args: Args, ctx: GraphqlContext) =>
      ctx.service.sessionConnection(ctx.merchant(), sessionQuery(args), pageOf(args)),
    merchantApiClientTransactionSessionBaseConfig: (_s: unknown, args: Args, ctx: GraphqlContext) =>
      ctx.service.baseConfig(ctx.merchant(), present(args) as never),
    merchantApiTransaction: (_s: unknown, args: Args, ctx: GraphqlContext) =>
      ctx.service.findTransaction(ctx.merchant(), transactionLookup(args)),
    merchantApiTransactions: (_s: unknown, args: Args, ctx: GraphqlContext) =>
      ctx.service.transactionConnection(ctx.merchant(), transactionQuery(args), pageOf(args)),
    merchantApiCustomerPaymentMethod: (_s: unknown, args: Args, ctx: GraphqlContext) =>
      ctx.service.getPaymentMethod(ctx.merchant(), args.merchantCustomerPaymentMethodId as string),
    merchantApiCustomerPaymentMethods: (_s: unknown, args: Args, ctx: GraphqlContext) => {
      const given = present(args) as Record<string, string | boolean | undefined>;
      // The sandbox shows its own id as a payment method's providerCode.
      const ids = [given.id, given.providerCode].filter((id) => id !== undefined);
      const nothing =
        given.isDefault === true ||
        given.hasProviderError === true ||
        given.initialTransactionId !== undefined ||
        (given.methodType !== undefined && given.methodType !== 'CARD') ||
        new Set(ids).size > 1;
      return ctx.service.paymentMethodConnection(
        ctx.merchant(),
        {
          id: nothing ? MATCHES_NOTHING : (ids[0] as string | undefined),
          merchantInternalCustomerCode: given.merchantInternalCustomerCode as string | undefined,
          transactionProvider: given.transactionProvider as never,
          merchantTransactionProviderId: given.transactionProviderId as string | undefined,
        },
        pageOf(args),
      );
    },
    merchantApiTransactionProvider: (_s: unknown, args: Args, ctx: GraphqlContext) =>
      ctx.service.getProviderAccount(ctx.merchant(), args.merchantTransactionProviderId as string),
    merchantApiTransactionProviders: (_s: unknown, args: Args, ctx: GraphqlContext) => {
      const given = present(args) as Record<string, string | undefined>;
      return ctx.service.providerAccountConnection(
        ctx.merchant(),
        {
          id: given.status === 'DISABLED' ? MATCHES_NOTHING : given.id,
          transactionProvider: oneOf(args, 'provider', 'transactionProvider') as never,
        },
        pageOf(args),
      );
    },
    clientPublicTransactionSession: async (
      _s: unknown,
      args: Args,
      ctx: GraphqlContext,
    ): Promise<PublicData> => {
      const lookup = publicLookup(args);
      const publicId = args.merchantPublicId as string;
      const session = await ctx.service.publicSession(publicId, lookup);
      return { session, baseConfig: await ctx.service.publicBaseConfig(publicId, lookup) };
    },
    clientPublicTransactionSessionBaseConfig: async (
      _s: unknown,
      args: Args,
      ctx: GraphqlContext,
    ) => {
      const config = await ctx.service.publicBaseConfig(
        args.merchantPublicId as string,
        publicLookup(args),
      );
      const asked = present(args).transactionProvider;
      if (asked !== undefined && asked !== config.transactionProvider) {
        const message = `the session is at ${config.transactionProvider}, not ${String(asked)}; omit transactionProvider or send ${config.transactionProvider}`;
        throw new RouterError('VALIDATION_ERROR', `transactionProvider: ${message}`, {
          issues: [{ path: 'transactionProvider', message }],
        });
      }
      return config;
    },
    ...unsupported('Query'),
  },
  Mutation: {
    merchantApiClientTransactionPaymentSessionStartV2: start('payment'),
    merchantApiClientTransactionPaymentSessionStart: async (
      source: unknown,
      args: Args,
      ctx: GraphqlContext,
    ) => {
      const started = (await start('payment')(source, args, ctx)) as ClientSessionWire;
      const first = started.transactions[0];
      if (!first)
        throw new RouterError('INTERNAL_ERROR', 'The started session has no transaction.');
      return first;
    },
    merchantApiClientTransactionPaymentSessionVerify: verify('payment'),
    merchantApiClientTransactionAddPaymentMethodSessionStart: start('add-payment-method'),
    merchantApiClientTransactionAddPaymentMethodSessionVerify: verify('add-payment-method'),
    merchantApiClientTransactionAuthorizationSessionStart: start('authorization'),
    merchantApiClientTransactionAuthorizationSessionVerify: verify('authorization'),
    merchantApiTransactionAuthorizationSettle: async (
      _s: unknown,
      args: Args,
      ctx: GraphqlContext,
    ) => {
      const amount = present(args).amount as string | undefined;
      const authorization = await authorizationOf(ctx, args);
      return ctx.service.settle(ctx.merchant(), authorization.id, amountOf('settle', amount));
    },
    merchantApiTransactionAuthorizationVoid: voidAuthorization,
    merchantApiTransactionSyncOne: async (_s: unknown, args: Args, ctx: GraphqlContext) => {
      const { merchantTransactionProviderId, ...named } = args;
      const transaction = await ctx.service.findTransaction(
        ctx.merchant(),
        transactionLookup(named),
      );
      if (transaction.merchantTransactionProviderId !== merchantTransactionProviderId) {
        const message = `the transaction belongs to provider record ${transaction.merchantTransactionProviderId}, not ${String(merchantTransactionProviderId)}`;
        throw new RouterError('VALIDATION_ERROR', `merchantTransactionProviderId: ${message}`, {
          issues: [{ path: 'merchantTransactionProviderId', message }],
        });
      }
      return ctx.service.sync(ctx.merchant(), transaction.id);
    },
    merchantApiTransactionRefund: async (_s: unknown, args: Args, ctx: GraphqlContext) => {
      const payment = await ctx.service.findTransaction(ctx.merchant(), transactionLookup(args), {
        actions: ['PAYMENT', 'PAYMENT_METHOD_CHARGE', 'AUTHORIZATION'],
      });
      return ctx.service.refund(
        ctx.merchant(),
        payment.id,
        amountOf('refund', args.amount as string),
      );
    },
    merchantApiTransactionVoid: voidAuthorization,
    merchantApiServerPaymentMethodTransactionCreate: async (
      _s: unknown,
      args: Args,
      ctx: GraphqlContext,
    ) => {
      const body = storedMethodCharge(args);
      const asked = present(args).transactionProvider;
      if (asked !== undefined) {
        const method = await ctx.service.getPaymentMethod(
          ctx.merchant(),
          body.data.customerPaymentMethodId,
        );
        if (method.transactionProvider !== asked) {
          const message = `the payment method is stored at ${method.transactionProvider}, not ${String(asked)}`;
          throw new RouterError('VALIDATION_ERROR', `transactionProvider: ${message}`, {
            issues: [{ path: 'transactionProvider', message }],
          });
        }
      }
      return ctx.service.chargePaymentMethod(ctx.merchant(), body);
    },
    ...unsupported('Mutation'),
  },
  Merchant: merchant,
  MerchantTransactionProvider: providerAccount,
  MerchantCustomerPaymentMethod: paymentMethod,
  MerchantTransaction: transaction,
  MerchantClientTransactionSession: session,
  MerchantClientTransactionSessionBaseConfig: baseConfig,
  MerchantClientPublicTransactionSessionData: publicData,
  MerchantCustomerPaymentMethodInfo: { __resolveType: byTypename },
  MerchantClientTransactionSessionBaseConfigData: { __resolveType: byTypename },
};
