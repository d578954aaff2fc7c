import { createHash } from 'node:crypto';
import {
  type AddPaymentMethodSessionDataInput,
  API_SECRET_PATTERN,
  type BaseConfig,
  type ChargePaymentMethodInput,
  type ChargeSessionDataInput,
  type ClientSession,
  type CreateWebhookEndpointInput,
  contract,
  DEFAULT_BASE_URL,
  type EventListQueryInput,
  type MerchantTransaction,
  type PaymentMethod,
  type PaymentMethodListQueryInput,
  type SessionIdentifier,
  type SessionListQueryInput,
  type TransactionListQueryInput,
  type TransactionProvider,
  type WebhookDelivery,
  type WebhookEndpoint,
  type WebhookEndpointWithSecret,
  type WebhookEvent,
  type WebhookFaultInput,
  type WebhookFaultView,
} from '@accrupay/contracts';
import { AccruPayAuthenticationError, AccruPayValidationError, SDK_ERROR_CODE } from './errors.ts';
import { type RequestOptions, type Route, Transport } from './transport.ts';
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
  const fetchImpl = config.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') {
    throw configError(
      'fetch is not available: use Node 20 or later, or pass fetch in the config',
      'fetch',
    );
  }
  return { apiSecret, baseUrl, timeout, maxNetworkRetries, fetch: fetchImpl };
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms);
  });

type Send = <T>(
  route: Route,
  what: string,
  input: { params?: Record<string, string>; query?: unknown; body?: unknown },
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

  constructor(config: AccruPayConfig) {
    const checked = checkConfig(config);
    const transport = new Transport({
      ...checked,
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
