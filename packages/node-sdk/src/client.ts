import { createHash } from 'node:crypto';
import {
  type AddPaymentMethodSessionDataInput,
  API_SECRET_PATTERN,
  type BaseConfig,
  type CaptureMethod,
  type ChargePaymentMethodInput,
  type ChargeSessionDataInput,
  CLIENT_ID_HEADER,
  CLIENT_SECRET_HEADER,
  type ClientSession,
  type CreateWebhookEndpointInput,
  type Currency,
  contract,
  DEFAULT_BASE_URL,
  type EventListQueryInput,
  type MerchantTransaction,
  type PaymentIntentResource,
  type PaymentMethod,
  type PaymentMethodListQueryInput,
  type PaymentResource,
  paymentIntentsContract,
  type SessionIdentifier,
  type SessionListQueryInput,
  type TransactionListQueryInput,
  type TransactionProvider,
  toFieldIssues,
  type VirtualDebitCard,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEvent,
  type WebhookFaultInput,
  type WebhookFaultView,
} from '@accrupay/contracts';
import type { z } from 'zod';
import { AccruPayAuthenticationError, AccruPayValidationError, SDK_ERROR_CODE } from './errors.ts';
import { type RequestInput, type RequestOptions, type Route, Transport } from './transport.ts';
import { type WebhooksApi, webhooks } from './webhooks.ts';

/** Where the SDK sends requests when no baseUrl is given: the local sandbox (`accrupay-sandbox start`). */
export { DEFAULT_BASE_URL };
/** The default timeout of one attempt, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** How many times a failed call is retried by default. */
export const DEFAULT_MAX_NETWORK_RETRIES = 2;
const VERSION = '0.0.0';

/** Options of {@link AccruPay}. */
export interface AccruPayConfig {
  /** The merchant's API secret, `sk_test_...`; `accrupay-sandbox start` prints it once. Backend only. */
  apiSecret: string | undefined;
  /** The API's base URL; default the local sandbox, `http://127.0.0.1:4000`. */
  baseUrl?: string | undefined;
  /** The environment; only `sandbox` exists. */
  environment?: 'sandbox' | undefined;
  /** Timeout of each attempt in milliseconds; default 30000. */
  timeout?: number | undefined;
  /** How many times to retry a call that failed in a retryable way; default 2. */
  maxNetworkRetries?: number | undefined;
  /**
   * The secure card API's client id (document 004's `x-client-id`), for `payments.card()`: issued
   * per merchant with its client secret, printed by `accrupay-sandbox merchant create --json`.
   */
  clientId?: string | undefined;
  /** The secure card API's client secret (`x-client-secret`), never the API secret. Backend only. */
  clientSecret?: string | undefined;
  /** The fetch to use; default Node's global fetch. */
  fetch?: typeof fetch | undefined;
  /** @internal Waits between retries (tests inject one that does not wait). */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** @internal The jitter source, in [0, 1). */
  random?: (() => number) | undefined;
}

/** Selects the provider by its record id or by the provider itself, never both. */
export type ProviderSelector =
  | { merchantTransactionProviderId: string | undefined; transactionProvider?: never }
  | { transactionProvider: TransactionProvider; merchantTransactionProviderId?: never };

/** The `data` of a payment or authorization session: the amount is a bigint of minor units. */
export interface ChargeSessionData extends Omit<ChargeSessionDataInput, 'amount'> {
  /** Minor units: `10000n` is $100.00. */
  amount: bigint;
}
/** Parameters of `clientSessions.payments.start()`. */
export type StartPaymentSessionParams = ProviderSelector & { data: ChargeSessionData };
/** Parameters of `clientSessions.authorizations.start()`. */
export type StartAuthorizationSessionParams = StartPaymentSessionParams;
/** Parameters of `clientSessions.paymentMethod.add.start()`: no amount, no storePaymentMethod. */
export type StartAddPaymentMethodSessionParams = ProviderSelector & {
  data: AddPaymentMethodSessionDataInput;
};
/** Parameters of `clientSessions.getBaseConfig()`: exactly one selector. */
export type GetBaseConfigParams =
  | ProviderSelector
  | {
      id: string;
      merchantTransactionProviderId?: never;
      transactionProvider?: never;
      merchantInternalTransactionCode?: never;
    }
  | {
      merchantInternalTransactionCode: string;
      merchantTransactionProviderId?: never;
      transactionProvider?: never;
      id?: never;
    };
/** Parameters of `transactions.payments.paymentMethod.charge()`. */
export interface ChargePaymentMethodParams {
  merchantTransactionProviderId?: string | undefined;
  data: Omit<ChargePaymentMethodInput['data'], 'amount'> & {
    /** Minor units: `1500n` is $15.00. */
    amount: bigint;
  };
}
/** Parameters of `transactions.authorizations.settle()`: omit the amount to settle what remains. */
export interface SettleAuthorizationParams {
  /** The AUTHORIZATION transaction's id, from `clientSessions.authorizations.verify()`. */
  id: string;
  amount?: bigint | undefined;
}
/** Parameters of `transactions.refund()`: omit the amount to refund what remains. */
export interface RefundTransactionParams {
  /** The SUCCEEDED PAYMENT, PAYMENT_METHOD_CHARGE or settled AUTHORIZATION transaction's id. */
  id: string;
  /** Minor units: `500n` gives back $5.00; never more than remains of what was captured. */
  amount?: bigint | undefined;
}
/** Parameters of `transactions.authorizations.void()`. */
export interface VoidAuthorizationParams {
  /** The AUTHORIZATION transaction's id. */
  id: string;
}
/** An offset page: `{ data, total }`. */
export interface Page<T> {
  data: T[];
  total: number;
}

/** A list the API answers whole: `{ data }`. */
export interface List<T> {
  data: T[];
}
/** Parameters of `webhookEndpoints.create()`: `enabledEvents` defaults to `['*']`, every type. */
export type CreateWebhookEndpointParams = CreateWebhookEndpointInput;
/** Parameters of `webhookEndpoints.rotateSecret()`. */
export interface RotateWebhookSecretParams {
  /** How long the previous secret still signs deliveries too, in seconds; default 86400 (24 h). */
  graceSeconds?: number | undefined;
}
/** Parameters of `webhookEndpoints.recover()`. */
export interface RecoverWebhooksParams {
  /** Deliveries that FAILED or were DROPPED since this instant go again. */
  since: Date | string;
}
/** Parameters of `events.redeliver()`. */
export interface RedeliverEventParams {
  /** Only to this endpoint; default every endpoint the event went to. */
  endpointId?: string | undefined;
}
/** Parameters of `events.list()`: a page, filtered by type, object or creation time. */
export type EventListParams = Omit<EventListQueryInput, 'createdFrom'> & {
  /** Events created at or after this instant. */
  createdFrom?: Date | string | undefined;
};

/**
 * A page that can also be iterated: `await` it for one page, or `for await` over it for every
 * item of every page from there on.
 */
export interface PagePromise<T> extends Promise<Page<T>>, AsyncIterable<T> {
  /** Every page from this one on. */
  pages(): AsyncGenerator<Page<T>, void, undefined>;
}

const SECRET_SOURCE =
  '`accrupay-sandbox start` prints it once as ACCRUPAY_API_SECRET=sk_test_...: put it in your backend .env and pass apiSecret: process.env.ACCRUPAY_API_SECRET';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function checksum(body: string): string {
  let out = '';
  for (const byte of createHash('sha256').update(body).digest()) out += BASE62[byte % 62];
  return out.slice(0, 6);
}

function configError(message: string, path: string): AccruPayValidationError {
  return new AccruPayValidationError({
    code: SDK_ERROR_CODE.CONFIGURATION_ERROR,
    message,
    issues: [{ path, message }],
  });
}

function checkApiSecret(secret: unknown): string {
  const fail = (problem: string) =>
    new AccruPayAuthenticationError({
      code: SDK_ERROR_CODE.CONFIGURATION_ERROR,
      message: `new AccruPay({ apiSecret }): ${problem}. ${SECRET_SOURCE}.`,
      issues: [{ path: 'apiSecret', message: problem }],
    });
  if (secret === undefined || secret === null || secret === '') {
    throw fail('apiSecret is missing (is ACCRUPAY_API_SECRET set in this process?)');
  }
  if (typeof secret !== 'string') throw fail(`apiSecret must be a string; got ${typeof secret}`);
  if (secret.startsWith('pk_')) {
    throw fail(
      'apiSecret is a merchantPublicId (pk_...), which is for the browser; the backend needs the secret, sk_test_...',
    );
  }
  const match = API_SECRET_PATTERN.exec(secret.trim());
  if (!match) {
    throw fail(
      `apiSecret is malformed: expected sk_test_ followed by 38 letters and digits; got ${secret.slice(0, 8)}... (${secret.length} characters)`,
    );
  }
  if (secret.trim() !== secret) throw fail('apiSecret has whitespace around it');
  if (checksum(match[1] as string) !== match[2]) {
    throw fail('apiSecret has a wrong checksum: it was mistyped or cut short');
  }
  return secret;
}

function checkConfig(config: AccruPayConfig) {
  if (config === null || typeof config !== 'object') {
    throw configError(
      'new AccruPay(config): pass an object such as { apiSecret: process.env.ACCRUPAY_API_SECRET }',
      '',
    );
  }
  const apiSecret = checkApiSecret(config.apiSecret);
  if (config.environment !== undefined && config.environment !== 'sandbox') {
    throw configError(
      `environment must be 'sandbox' (the only one); got ${JSON.stringify(config.environment)}`,
      'environment',
    );
  }
  let baseUrl = DEFAULT_BASE_URL;
  if (config.baseUrl !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(config.baseUrl);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw configError(
        `baseUrl must be an http(s) URL such as ${DEFAULT_BASE_URL}; got ${JSON.stringify(config.baseUrl)}`,
        'baseUrl',
      );
    }
    baseUrl = config.baseUrl.replace(/\/+$/, '');
  }
  const timeout = config.timeout ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600_000) {
    throw configError(
      `timeout must be a whole number of milliseconds from 1 to 600000; got ${config.timeout}`,
      'timeout',
    );
  }
  const maxNetworkRetries = config.maxNetworkRetries ?? DEFAULT_MAX_NETWORK_RETRIES;
  if (!Number.isInteger(maxNetworkRetries) || maxNetworkRetries < 0 || maxNetworkRetries > 10) {
    throw configError(
      `maxNetworkRetries must be a whole number from 0 to 10; got ${config.maxNetworkRetries}`,
      'maxNetworkRetries',
    );
  }
  const client = checkClientCredentials(
    { clientId: config.clientId, clientSecret: config.clientSecret },
    apiSecret,
    'new AccruPay({ clientId, clientSecret })',
    false,
  );
  const fetchImpl = config.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw configError(
      'fetch is not available: use Node 20 or later, or pass fetch in the config',
      'fetch',
    );
  }
  return { apiSecret, baseUrl, timeout, maxNetworkRetries, fetch: fetchImpl, client };
}

/** The secure card API's credential pair (document 004): x-client-id and x-client-secret. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const CLIENT_CREDENTIALS_SOURCE =
  'the pair is issued per merchant and printed when it is created (`accrupay-sandbox merchant create --json` has clientId and clientSecret); it is not the API secret';

/**
 * Checks a client id and secret given together (or, unless `required`, neither): both non-empty
 * strings, and the secret never the API secret, which must not travel on the card route.
 */
function checkClientCredentials(
  given: { clientId?: unknown; clientSecret?: unknown },
  apiSecret: string,
  where: string,
  required: boolean,
): ClientCredentials | undefined {
  const fail = (problem: string, path: string) =>
    new AccruPayAuthenticationError({
      code: SDK_ERROR_CODE.CONFIGURATION_ERROR,
      message: `${where}: ${problem}; ${CLIENT_CREDENTIALS_SOURCE}.`,
      issues: [{ path, message: problem }],
    });
  const { clientId, clientSecret } = given;
  const missing = (value: unknown) => value === undefined || value === null || value === '';
  if (missing(clientId) && missing(clientSecret)) {
    if (!required) return undefined;
    throw fail(
      'the secure card API needs clientId and clientSecret: pass them to new AccruPay({ apiSecret, clientId, clientSecret }) or to payments.card(paymentId, { clientId, clientSecret })',
      'clientId',
    );
  }
  if (missing(clientId)) throw fail('clientSecret is given without clientId', 'clientId');
  if (missing(clientSecret)) throw fail('clientId is given without clientSecret', 'clientSecret');
  if (typeof clientId !== 'string')
    throw fail(`clientId must be a string; got ${typeof clientId}`, 'clientId');
  if (typeof clientSecret !== 'string') {
    throw fail(`clientSecret must be a string; got ${typeof clientSecret}`, 'clientSecret');
  }
  if (clientSecret === apiSecret || clientSecret.startsWith('sk_')) {
    throw fail(
      'clientSecret is an API secret (sk_...): the card route takes the client secret, and the SDK never sends the API secret there',
      'clientSecret',
    );
  }
  return { clientId, clientSecret };
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

type Send = <T>(
  route: Route,
  what: string,
  input: RequestInput,
  options?: RequestOptions,
) => Promise<T>;

/** A call on one transaction by its id; the other parameters are the body. */
function onTransaction<Params extends { id: string }>(send: Send, route: Route, what: string) {
  return async ({ id, ...body }: Params, options?: RequestOptions): Promise<MerchantTransaction> =>
    send(route, what, { params: { id: requireId(id, what) }, body }, options);
}

function startAndVerify<Start>(
  send: Send,
  routes: { start: Route; verify: Route },
  namespace: string,
) {
  return {
    /** Starts a session; send its id (or token) to the frontend, never the secret. */
    start: (params: Start, options?: RequestOptions): Promise<ClientSession> =>
      send(routes.start, `${namespace}.start`, { body: params }, options),
    /** Asks the provider for the truth and returns the transaction (not the session). */
    verify: (
      identifier: SessionIdentifier,
      options?: RequestOptions,
    ): Promise<MerchantTransaction> =>
      send(routes.verify, `${namespace}.verify`, { body: identifier }, options),
  };
}

function pager(send: Send) {
  return <T>(route: Route, what: string, query: object): PagePromise<T> =>
    pagePromise<T>({ ...query }, (next, options) =>
      send<Page<T>>(route, what, { query: next }, options),
    );
}

function transactionsApi(send: Send) {
  const paged = pager(send);
  const sessions = contract.clientSessions;
  return {
    clientSessions: {
      /** Provider configuration for the React SDK, by provider or by session. */
      getBaseConfig: (params: GetBaseConfigParams, options?: RequestOptions): Promise<BaseConfig> =>
        send(sessions.getBaseConfig, 'clientSessions.getBaseConfig', { query: params }, options),
      /** One session by exactly one of id, token, providerCode or merchantInternalTransactionCode. */
      getOne: (identifier: SessionIdentifier, options?: RequestOptions): Promise<ClientSession> =>
        send(sessions.getOne, 'clientSessions.getOne', { query: identifier }, options),
      /** Sessions, newest first: `await` one page, or `for await` over every session. */
      getMany: (query: SessionListQueryInput = {}): PagePromise<ClientSession> =>
        paged(sessions.getMany, 'clientSessions.getMany', query),
      /** Payment sessions: charge the customer now. */
      payments: startAndVerify<StartPaymentSessionParams>(
        send,
        sessions.payments,
        'clientSessions.payments',
      ),
      paymentMethod: {
        /** Add-payment-method sessions: store a card without charging it. */
        add: startAndVerify<StartAddPaymentMethodSessionParams>(
          send,
          sessions.paymentMethodAdd,
          'clientSessions.paymentMethod.add',
        ),
      },
      /** Authorization sessions: hold funds, then settle or void. */
      authorizations: startAndVerify<StartAuthorizationSessionParams>(
        send,
        sessions.authorizations,
        'clientSessions.authorizations',
      ),
    },
    /** One transaction by its id. */
    getOne: async (
      { id }: { id: string },
      options?: RequestOptions,
    ): Promise<MerchantTransaction> =>
      send(
        contract.transactions.getOne,
        'transactions.getOne',
        { params: { id: requireId(id, 'transactions.getOne') } },
        options,
      ),
    /** Transactions, newest first: `await` one page, or `for await` over every transaction. */
    getMany: (query: TransactionListQueryInput = {}): PagePromise<MerchantTransaction> =>
      paged(contract.transactions.getMany, 'transactions.getMany', query),
    authorizations: {
      /** Captures a successful authorization, fully or (with `amount`) partly, once. */
      settle: onTransaction<SettleAuthorizationParams>(
        send,
        contract.transactions.settle,
        'transactions.authorizations.settle',
      ),
      /** Releases a successful authorization that has not been settled. */
      void: onTransaction<VoidAuthorizationParams>(
        send,
        contract.transactions.void,
        'transactions.authorizations.void',
      ),
    },
    /**
     * Gives money back on a SUCCEEDED payment, stored-method charge or settled authorization,
     * fully or (with `amount`) partly; returns the REFUND transaction. The refunds never add up to
     * more than was captured (`AccruPayValidationError`, code AMOUNT_EXCEEDS_REFUNDABLE); a refund
     * of an authorization never settled is refused (`AccruPayConflictError`: void it instead).
     */
    refund: onTransaction<RefundTransactionParams>(
      send,
      contract.transactions.refund,
      'transactions.refund',
    ),
    /**
     * Refreshes a transaction from the provider now and records what changed: a session's
     * transaction as verify would, a settle, void or refund still without its answer looked up
     * (never sent again). Returns the transaction as it stands.
     */
    sync: onTransaction<{ id: string }>(send, contract.transactions.sync, 'transactions.sync'),
    payments: {
      paymentMethod: {
        /** Charges a stored payment method from the server. */
        charge: (
          params: ChargePaymentMethodParams,
          options?: RequestOptions,
        ): Promise<MerchantTransaction> =>
          send(
            contract.transactions.chargePaymentMethod,
            'transactions.payments.paymentMethod.charge',
            { body: params },
            options,
          ),
      },
    },
  };
}

function paymentMethodsApi(send: Send) {
  const paged = pager(send);
  return {
    /** A customer's stored payment methods: `await` one page, or `for await` over all. */
    getMany: (query: PaymentMethodListQueryInput): PagePromise<PaymentMethod> =>
      paged(contract.paymentMethods.getMany, 'paymentMethods.getMany', query),
  };
}

function webhookEndpointsApi(send: Send) {
  const routes = contract.webhookEndpoints;
  const endpoint = (id: string, what: string) => ({ id: requireId(id, what, ENDPOINT_ID) });
  return {
    /** Registers a URL for webhooks; keep the answer's `secret` (whsec_...): it is shown only here. */
    create: (
      params: CreateWebhookEndpointParams,
      options?: RequestOptions,
    ): Promise<WebhookEndpointWithSecret> =>
      send(routes.create, 'webhookEndpoints.create', { body: params }, options),
    /** The merchant's webhook endpoints, oldest first, without their secrets. */
    list: (options?: RequestOptions): Promise<List<WebhookEndpoint>> =>
      send(routes.getMany, 'webhookEndpoints.list', {}, options),
    /** One webhook endpoint by its id. */
    get: async (id: string, options?: RequestOptions): Promise<WebhookEndpoint> =>
      send(
        routes.getOne,
        'webhookEndpoints.get',
        { params: endpoint(id, 'webhookEndpoints.get') },
        options,
      ),
    /** Stops sending to an endpoint; its pending deliveries are not attempted again. */
    delete: async (id: string, options?: RequestOptions): Promise<WebhookEndpoint> =>
      send(
        routes.delete,
        'webhookEndpoints.delete',
        { params: endpoint(id, 'webhookEndpoints.delete') },
        options,
      ),
    /** Makes a new secret; the previous one also signs deliveries for `graceSeconds` (24 h by default). */
    rotateSecret: async (
      id: string,
      params: RotateWebhookSecretParams = {},
      options?: RequestOptions,
    ): Promise<WebhookEndpointWithSecret> =>
      send(
        routes.rotateSecret,
        'webhookEndpoints.rotateSecret',
        { params: endpoint(id, 'webhookEndpoints.rotateSecret'), body: params },
        options,
      ),
    /** Sends again every delivery to this endpoint that FAILED or was DROPPED since `since`. */
    recover: async (
      id: string,
      params: RecoverWebhooksParams,
      options?: RequestOptions,
    ): Promise<{ redelivered: number }> => {
      const what = 'webhookEndpoints.recover';
      const body = { ...params, since: isoInstant(params?.since, what, 'since') };
      return send(routes.recover, what, { params: endpoint(id, what), body }, options);
    },
    /** The sandbox's faults on this endpoint's deliveries: drop, duplicate, delay, reorder, forge. */
    faults: {
      /** Applies a fault to the endpoint's deliveries, all of them or one event's, type's or object's. */
      arm: async (
        id: string,
        fault: WebhookFaultInput,
        options?: RequestOptions,
      ): Promise<WebhookFaultView> =>
        send(
          routes.armFault,
          'webhookEndpoints.faults.arm',
          { params: endpoint(id, 'webhookEndpoints.faults.arm'), body: fault },
          options,
        ),
      /** The endpoint's armed faults. */
      list: async (id: string, options?: RequestOptions): Promise<List<WebhookFaultView>> =>
        send(
          routes.listFaults,
          'webhookEndpoints.faults.list',
          { params: endpoint(id, 'webhookEndpoints.faults.list') },
          options,
        ),
      /** Removes an armed fault. */
      disarm: async (
        id: string,
        faultId: string,
        options?: RequestOptions,
      ): Promise<WebhookFaultView> => {
        const what = 'webhookEndpoints.faults.disarm';
        const params = { ...endpoint(id, what), faultId: requireId(faultId, what, FAULT_ID) };
        return send(routes.disarmFault, what, { params }, options);
      },
    },
  };
}

function eventsApi(send: Send) {
  const paged = pager(send);
  const routes = contract.events;
  const event = (id: string, what: string) => ({ id: requireId(id, what, EVENT_ID) });
  return {
    /** Events, newest first: `await` one page, or `for await` over every event. */
    list: (query: EventListParams = {}): PagePromise<WebhookEvent> => {
      const what = 'events.list';
      const createdFrom = isoInstant(query.createdFrom, what, 'createdFrom');
      return paged(
        routes.getMany,
        what,
        createdFrom === undefined ? query : { ...query, createdFrom },
      );
    },
    /** One event by its id (the webhook-id of its deliveries). */
    get: async (id: string, options?: RequestOptions): Promise<WebhookEvent> =>
      send(routes.getOne, 'events.get', { params: event(id, 'events.get') }, options),
    /** The event's deliveries, each with its log of attempts (request and response). */
    deliveries: async (id: string, options?: RequestOptions): Promise<List<WebhookDelivery>> =>
      send(
        routes.deliveries,
        'events.deliveries',
        { params: event(id, 'events.deliveries') },
        options,
      ),
    /** Sends an event again now, with the same webhook-id, to one endpoint or every one it went to. */
    redeliver: async (
      id: string,
      params: RedeliverEventParams = {},
      options?: RequestOptions,
    ): Promise<List<WebhookDelivery>> =>
      send(
        routes.redeliver,
        'events.redeliver',
        { params: event(id, 'events.redeliver'), body: params },
        options,
      ),
  };
}

/** Parameters of `paymentIntents.authorize()` (document 004's `payment_authorizations`). */
export interface AuthorizePaymentIntentParams {
  /** Minor units, the intent's own amount: `10000n` is $100.00. */
  amount: bigint;
  /** The intent's own currency. */
  currency: Currency;
  /**
   * `automatic` (the default): Accrue captures at once. `manual`: the payment waits in
   * `requires_capture` for `payments.capture()` (bank rails) or `payments.card()` (card rails).
   */
  captureMethod?: CaptureMethod | undefined;
  /** Shown on the payment, such as `Order #12345`; at most 500 characters. */
  description?: string | undefined;
}

/** Parameters of `payments.capture()`: omit the amount to capture all that was authorized. */
export interface CapturePaymentParams {
  /** Minor units, at most the authorized amount; a smaller amount captures part of it, once. */
  amount?: bigint | undefined;
}

/** A Payment (document 004): a JSON:API resource, amounts as bigint. */
export type Payment = PaymentResource;
/** A Payment Intent (document 004): a JSON:API resource, amounts as bigint. */
export type PaymentIntent = PaymentIntentResource;
export type { VirtualDebitCard };

const AUTHORIZE_PARAMS = ['amount', 'currency', 'captureMethod', 'description'] as const;
const CAPTURE_PARAMS = ['amount'] as const;
const WIRE_NAMES: Record<string, string> = { capture_method: 'captureMethod' };

function validationError(what: string, issues: Array<{ path: string; message: string }>) {
  return new AccruPayValidationError({
    code: 'VALIDATION_ERROR',
    message: `${what}: ${issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ')}`,
    issues,
  });
}

/**
 * Checks the method's parameters, then the JSON:API body built from them with the route's own
 * schema; a refusal names the parameter as the caller wrote it (`captureMethod`, not
 * `data.attributes.capture_method`).
 */
function jsonApiBody(
  route: Route,
  what: string,
  params: unknown,
  known: readonly string[],
  build: (params: Record<string, unknown>) => unknown,
): unknown {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw validationError(what, [
      {
        path: '',
        message: `pass an object of ${known.join(', ')}; got ${params === null ? 'null' : typeof params}`,
      },
    ]);
  }
  const unknown = Object.keys(params).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw validationError(
      what,
      unknown.map((key) => ({ path: key, message: `is not a parameter; use ${known.join(', ')}` })),
    );
  }
  const body = build(params as Record<string, unknown>);
  const parsed = (route.body as z.ZodTypeAny).safeParse(body);
  if (!parsed.success) {
    throw validationError(
      what,
      toFieldIssues(parsed.error).map((issue) => {
        const path = issue.path.replace(/^data\.attributes\.?/, '');
        return { path: WIRE_NAMES[path] ?? path, message: issue.message };
      }),
    );
  }
  return body;
}

/** Checks a path parameter with the route's own schema: `pi_...` or `pay_...`. */
function pathParam(
  route: Route & { pathParams?: unknown },
  name: string,
  value: unknown,
  what: string,
) {
  const parsed = (route.pathParams as z.ZodTypeAny).safeParse({ [name]: value });
  if (!parsed.success) {
    const got = value === undefined ? 'nothing' : JSON.stringify(value);
    throw validationError(
      what,
      toFieldIssues(parsed.error).map((issue) => ({
        path: issue.path,
        message: `${issue.message}; got ${got}`,
      })),
    );
  }
  return { [name]: value as string };
}

function unwrap<T>(document: Promise<{ data: T }>): Promise<T> {
  return document.then((answer) => answer.data);
}

function paymentIntentsApi(send: Send) {
  const routes = paymentIntentsContract;
  return {
    /**
     * Authorizes a Payment Intent the customer created at checkout (its id comes from the
     * frontend's `<AccruePayButton onPaymentIntent>`): reserves the funds and returns the Payment.
     * The amount and currency must be the intent's. Refused with `AccruPayPaymentError`
     * (`insufficient_funds`, 422) when the customer cannot pay.
     *
     * @example
     * ```ts
     * const payment = await accrupay.paymentIntents.authorize(paymentIntentId, {
     *   amount: 10000n, currency: 'USD', captureMethod: 'automatic', description: 'Order #12345',
     * });
     * ```
     */
    authorize: async (
      paymentIntentId: string,
      params: AuthorizePaymentIntentParams,
      options?: RequestOptions,
    ): Promise<Payment> => {
      const what = 'paymentIntents.authorize';
      const body = jsonApiBody(routes.authorize, what, params, AUTHORIZE_PARAMS, (given) => ({
        data: {
          type: 'payment_authorizations',
          attributes: {
            amount: given.amount,
            currency: given.currency,
            ...(given.captureMethod === undefined ? {} : { capture_method: given.captureMethod }),
            ...(given.description === undefined ? {} : { description: given.description }),
          },
        },
      }));
      const path = pathParam(routes.authorize, 'paymentIntentId', paymentIntentId, what);
      return unwrap(
        send(routes.authorize, what, { params: path, body, amounts: 'number' }, options),
      );
    },
    /** A Payment Intent, as the provider has it now. */
    get: async (paymentIntentId: string, options?: RequestOptions): Promise<PaymentIntent> => {
      const what = 'paymentIntents.get';
      const params = pathParam(routes.getPaymentIntent, 'paymentIntentId', paymentIntentId, what);
      return unwrap(send(routes.getPaymentIntent, what, { params }, options));
    },
  };
}

function paymentsApi(send: Send, apiSecret: string, configured: ClientCredentials | undefined) {
  const routes = paymentIntentsContract;
  return {
    /**
     * Captures an authorized Payment (status `requires_capture`), in full or, with `amount`, in
     * part, once. A capture above the authorized amount, or after a cancel, is refused.
     */
    capture: async (
      paymentId: string,
      params: CapturePaymentParams = {},
      options?: RequestOptions,
    ): Promise<Payment> => {
      const what = 'payments.capture';
      const body = jsonApiBody(routes.capture, what, params, CAPTURE_PARAMS, (given) => ({
        data: {
          type: 'payment_captures',
          attributes: given.amount === undefined ? {} : { amount: given.amount },
        },
      }));
      const path = pathParam(routes.capture, 'paymentId', paymentId, what);
      return unwrap(send(routes.capture, what, { params: path, body, amounts: 'number' }, options));
    },
    /** Cancels an authorized Payment before capture and releases the funds. */
    cancel: async (paymentId: string, options?: RequestOptions): Promise<Payment> => {
      const what = 'payments.cancel';
      const params = pathParam(routes.cancel, 'paymentId', paymentId, what);
      const body = { data: { type: 'payment_cancellations' } };
      return unwrap(send(routes.cancel, what, { params, body, amounts: 'number' }, options));
    },
    /**
     * A Payment as Accrue has it now (the sandbox asks the provider each time): fulfil an order
     * once its status is `succeeded` or `settled`, never on a webhook or the browser's word.
     */
    get: async (paymentId: string, options?: RequestOptions): Promise<Payment> => {
      const what = 'payments.get';
      const params = pathParam(routes.getPayment, 'paymentId', paymentId, what);
      return unwrap(send(routes.getPayment, what, { params }, options));
    },
    /**
     * The single-use virtual debit card of a manually captured Payment (card rails): charge it
     * once, for the authorized amount, through your own card gateway; never store it. Sent with
     * the secure card API's client id and secret (given here or to the constructor), never the
     * API secret.
     *
     * @example
     * ```ts
     * const card = await accrupay.payments.card(payment.id);
     * await gateway.charge({ number: card.attributes.number, cvc: card.attributes.cvc, ... });
     * ```
     */
    card: async (
      paymentId: string,
      credentials?: ClientCredentials,
      options?: RequestOptions,
    ): Promise<VirtualDebitCard> => {
      const what = 'payments.card';
      const params = pathParam(routes.getCard, 'paymentId', paymentId, what);
      const pair =
        credentials === undefined
          ? (configured ?? checkClientCredentials({}, apiSecret, what, true))
          : checkClientCredentials(credentials, apiSecret, what, true);
      const { clientId, clientSecret } = pair as ClientCredentials;
      const headers = validateHeaders(routes.getCard.headers, {
        [CLIENT_ID_HEADER]: clientId,
        [CLIENT_SECRET_HEADER]: clientSecret,
      });
      return unwrap(send(routes.getCard, what, { params, credentials: headers }, options));
    },
  };
}

/** The credential headers, checked against the route's declared headers. */
function validateHeaders(schema: z.ZodTypeAny, headers: Record<string, string>) {
  return schema.parse(headers) as Record<string, string>;
}

/** `accrupay.paymentIntents`: document 004's Payment Intents, created by the customer's checkout. */
export type PaymentIntentsApi = ReturnType<typeof paymentIntentsApi>;
/** `accrupay.payments`: document 004's Payments: capture, cancel, look up, and the card rails' card. */
export type PaymentsApi = ReturnType<typeof paymentsApi>;

/** `accrupay.transactions`: sessions, transactions, settlements and stored-method charges. */
export type TransactionsApi = ReturnType<typeof transactionsApi>;
/** `accrupay.paymentMethods`: a customer's stored payment methods. */
export type PaymentMethodsApi = ReturnType<typeof paymentMethodsApi>;
/** `accrupay.webhookEndpoints`: where events are sent, their secrets, and the sandbox's faults. */
export type WebhookEndpointsApi = ReturnType<typeof webhookEndpointsApi>;
/** `accrupay.events`: every status change recorded, and its deliveries. */
export type EventsApi = ReturnType<typeof eventsApi>;

/**
 * The AccruPay client for your backend.
 *
 * @example
 * ```ts
 * import AccruPay from '@accrupay/node';
 * const accrupay = new AccruPay({ apiSecret: process.env.ACCRUPAY_API_SECRET });
 * const session = await accrupay.transactions.clientSessions.payments.start({ ... });
 * ```
 */
export class AccruPay {
  /** Sessions, transactions, settlements and stored payment method charges. */
  readonly transactions: TransactionsApi;
  /** A customer's stored payment methods. */
  readonly paymentMethods: PaymentMethodsApi;
  /** Webhook endpoints: create, list, rotate secrets, recover failed deliveries, arm faults. */
  readonly webhookEndpoints: WebhookEndpointsApi;
  /** Events and their deliveries: list, look up, redeliver. */
  readonly events: EventsApi;
  /** Webhook verification (needs no API secret; also exported as `webhooks`). */
  readonly webhooks: WebhooksApi = webhooks;
  /** Document 004's Payment Intents (Accrue Pay): authorize what the customer's checkout created. */
  readonly paymentIntents: PaymentIntentsApi;
  /** Document 004's Payments (Accrue Pay): capture, cancel, look up, and the virtual debit card. */
  readonly payments: PaymentsApi;

  constructor(config: AccruPayConfig) {
    const checked = checkConfig(config);
    const { client: _client, ...transportOptions } = checked;
    const transport = new Transport({
      ...transportOptions,
      fetch: checked.fetch,
      sleep: config.sleep ?? sleep,
      random: config.random ?? Math.random,
      userAgent: `accrupay-node/${VERSION} node/${process.version}`,
    });
    const send: Send = (route, what, input, options) =>
      transport.request(route, input, what, options);
    this.transactions = transactionsApi(send);
    this.paymentMethods = paymentMethodsApi(send);
    this.webhookEndpoints = webhookEndpointsApi(send);
    this.events = eventsApi(send);
    this.paymentIntents = paymentIntentsApi(send);
    this.payments = paymentsApi(send, checked.apiSecret, checked.client);
  }
}

const TRANSACTION_ID = {
  path: 'id',
  noun: 'the transaction id',
  example: 'transaction.id from verify()',
};
const ENDPOINT_ID = {
  path: 'id',
  noun: 'the webhook endpoint id',
  example: 'endpoint.id from webhookEndpoints.create()',
};
const FAULT_ID = { path: 'faultId', noun: 'the fault id', example: 'fault.id from faults.arm()' };
const EVENT_ID = {
  path: 'id',
  noun: 'the event id',
  example: 'event.id (evt_...) from webhooks.constructEvent() or events.list()',
};

function requireId(id: unknown, what: string, kind = TRANSACTION_ID): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128 || id.trim() !== id) {
    const message = `must be ${kind.noun} (a non-empty string), such as ${kind.example}; got ${id === undefined ? 'nothing' : JSON.stringify(id)}`;
    throw new AccruPayValidationError({
      code: 'VALIDATION_ERROR',
      message: `${what}: ${kind.path}: ${message}`,
      issues: [{ path: kind.path, message }],
    });
  }
  return id;
}

/** A Date as the contract's ISO 8601 string; a string is left to the contract's schema. */
function isoInstant<T>(value: T | Date, what: string, path: string): T | string {
  if (!(value instanceof Date)) return value;
  if (Number.isNaN(value.getTime())) {
    const message = 'is an invalid Date';
    throw new AccruPayValidationError({
      code: 'VALIDATION_ERROR',
      message: `${what}: ${path}: ${message}`,
      issues: [{ path, message }],
    });
  }
  return value.toISOString();
}

function pagePromise<T>(
  query: Record<string, unknown>,
  fetchPage: (query: Record<string, unknown>, options?: RequestOptions) => Promise<Page<T>>,
): PagePromise<T> {
  const first = fetchPage(query);
  async function* pages(): AsyncGenerator<Page<T>, void, undefined> {
    let page = await first;
    let skip = typeof query.skip === 'number' ? query.skip : Number(query.skip ?? 0);
    for (;;) {
      yield page;
      skip += page.data.length;
      if (page.data.length === 0 || skip >= page.total) return;
      page = await fetchPage({ ...query, skip });
    }
  }
  async function* items(): AsyncGenerator<T, void, undefined> {
    for await (const page of pages()) yield* page.data;
  }
  return Object.assign(first, { pages, [Symbol.asyncIterator]: items });
}
