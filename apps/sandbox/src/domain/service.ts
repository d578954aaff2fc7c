import type {
  BaseConfigQuery,
  ChargePaymentMethod,
  ClientTransactionSessionType,
  EventListQuery,
  TransactionAction,
  TransactionProvider,
  WebhookFaultSpec,
} from '@accrupay/contracts';
import type { AccrueClient } from '../providers/accrue/index.ts';
import { withCause } from '../store/events.ts';
import type {
  MerchantRow,
  PageRequest,
  PaymentMethodQuery,
  ProviderAccountQuery,
  SessionFilters,
  SessionLookup,
  SessionQuery,
  TransactionFilters,
  TransactionQuery,
} from '../store/store.ts';
import * as admin from './admin.ts';
import { settleAuthorization, voidAuthorization } from './authorizations.ts';
import { handleCallback } from './callbacks.ts';
import { chargePaymentMethod } from './charges.ts';
import { createContext, type DomainContext, type SandboxServiceOptions } from './context.ts';
import type { ListRequest, TransactionLookup } from './listing.ts';
import * as listing from './listing.ts';
import type { MerchantCredentials } from './merchants.ts';
import * as merchants from './merchants.ts';
import * as paymentIntents from './payment-intents/index.ts';
import { listPaymentMethods } from './payment-methods.ts';
import { provisionAll } from './provider-accounts.ts';
import { refundTransaction } from './refunds.ts';
import { publicBaseConfig, publicSession } from './sessions/public.ts';
import * as sessions from './sessions/queries.ts';
import { type StartBody, startSession } from './sessions/start.ts';
import { verifySession } from './sessions/verify.ts';
import { syncTransaction } from './sync.ts';
import { getTransaction, listTransactions } from './transactions.ts';
import { WebhookDispatcher } from './webhooks/delivery.ts';
import * as endpoints from './webhooks/endpoints.ts';
import * as events from './webhooks/events.ts';

export type { SandboxServiceOptions } from './context.ts';
export { decodeCursor, encodeCursor } from './listing.ts';
export type { MerchantCredentials } from './merchants.ts';

/**
 * The router's rules, one use case per module (no HTTP and no SQL there: they call the store and
 * the provider adapters). This class is only the door http/ knocks on:
 *
 * - merchants.ts: merchants, API secrets; provider-accounts.ts: adapters, credentials, provisioning
 * - sessions/start.ts: starting a session; sessions/codes.ts: who holds a merchant code
 * - sessions/verify.ts: the provider's truth recorded (where a session becomes EXPIRED, ...)
 * - sessions/queries.ts, sessions/public.ts: reading sessions (merchant, browser)
 * - charges.ts: stored-method charges; authorizations.ts: every settle and void rule;
 *   refunds.ts: every refund rule
 * - callbacks.ts: provider callbacks; transitions.ts: every status write; views.ts: row -> wire
 * - webhooks/endpoints.ts, webhooks/events.ts: merchant webhooks; webhooks/delivery.ts: sending them
 */
export class SandboxService {
  private readonly ctx: DomainContext;
  /** Sends merchant webhooks (webhooks/delivery.ts). */
  readonly webhooks: WebhookDispatcher;

  constructor(options: SandboxServiceOptions & { accrue?: AccrueClient | undefined }) {
    this.ctx = createContext(options);
    paymentIntents.attachAccrue(this.ctx, options.accrue);
    const dispatcher = new WebhookDispatcher(this.ctx, options.webhookDelivery);
    this.webhooks = dispatcher;
    this.ctx.webhooks.kick = () => dispatcher.kick();
  }

  // --- the sandbox control API (dashboard, CLI) --------------------------------------------

  /** The sandbox control API's use cases (admin.ts): across merchants, never the merchant API. */
  get admin() {
    const ctx = this.ctx;
    return {
      overview: () => admin.overview(ctx),
      // The card API's pair made at creation is never shown here: a fresh one replaces it.
      createMerchant: async (input: Parameters<typeof admin.adminCreateMerchant>[1]) => {
        const created = await admin.adminCreateMerchant(ctx, input);
        const pair = await paymentIntents.issueClientCredentials(
          paymentIntents.paymentIntentsContext(ctx),
          created.merchant.id,
        );
        return { ...created, ...pair };
      },
      setAllowedOrigins: (id: string, origins: string[]) =>
        admin.setAllowedOrigins(ctx, id, origins),
      sessions: (
        ...args: Parameters<typeof admin.adminSessions> extends [unknown, ...infer R] ? R : never
      ) => admin.adminSessions(ctx, ...args),
      transactions: (
        ...args: Parameters<typeof admin.adminTransactions> extends [unknown, ...infer R]
          ? R
          : never
      ) => admin.adminTransactions(ctx, ...args),
      session: (id: string) => admin.sessionDetail(ctx, id),
      ledger: (filter: Parameters<typeof admin.adminLedger>[1]) => admin.adminLedger(ctx, filter),
      reconcile: (merchantId: string | undefined) => admin.reconcile(ctx, merchantId),
      advanceClock: (by: Parameters<typeof admin.advanceClock>[1]) => admin.advanceClock(ctx, by),
      scenarios: () => admin.scenarios(ctx),
      armScenario: (body: Record<string, unknown>) => admin.armScenario(ctx, body),
      disarmScenario: (id: string) => admin.disarmScenario(ctx, id),
      reset: () => admin.reset(ctx),
    };
  }

  // --- merchant webhooks -------------------------------------------------------------------

  createWebhookEndpoint(
    merchant: MerchantRow,
    input: Parameters<typeof endpoints.createEndpoint>[2],
  ) {
    return endpoints.createEndpoint(this.ctx, merchant, input);
  }

  listWebhookEndpoints(merchant: MerchantRow) {
    return endpoints.listEndpoints(this.ctx, merchant);
  }

  getWebhookEndpoint(merchant: MerchantRow, id: string) {
    return endpoints.getEndpoint(this.ctx, merchant, id);
  }

  deleteWebhookEndpoint(merchant: MerchantRow, id: string) {
    return endpoints.deleteEndpoint(this.ctx, merchant, id);
  }

  rotateWebhookSecret(merchant: MerchantRow, id: string, graceSeconds: number) {
    return endpoints.rotateSecret(this.ctx, merchant, id, graceSeconds);
  }

  recoverWebhooks(merchant: MerchantRow, id: string, since: string) {
    return endpoints.recoverEndpoint(this.ctx, merchant, id, since);
  }

  armWebhookFault(merchant: MerchantRow, id: string, spec: WebhookFaultSpec) {
    return endpoints.armFault(this.ctx, merchant, id, spec);
  }

  listWebhookFaults(merchant: MerchantRow, id: string) {
    return endpoints.listFaults(this.ctx, merchant, id);
  }

  disarmWebhookFault(merchant: MerchantRow, id: string, faultId: string) {
    return endpoints.disarmFault(this.ctx, merchant, id, faultId);
  }

  listEvents(merchant: MerchantRow, query: EventListQuery) {
    return events.listEvents(this.ctx, merchant, query);
  }

  getEvent(merchant: MerchantRow, id: string) {
    return events.getEvent(this.ctx, merchant, id);
  }

  eventDeliveries(merchant: MerchantRow, id: string) {
    return events.eventDeliveries(this.ctx, merchant, id);
  }

  redeliverEvent(merchant: MerchantRow, id: string, endpointId: string | undefined) {
    return events.redeliverEvent(this.ctx, merchant, id, endpointId);
  }

  // --- merchants -------------------------------------------------------------------------

  createMerchant(
    input: { name?: string; allowedOrigins?: string[]; provision?: boolean } = {},
  ): Promise<MerchantCredentials> {
    return merchants.createMerchant(this.ctx, input);
  }

  async provisionAll(): Promise<void> {
    await provisionAll(this.ctx);
    const p = paymentIntents.paymentIntentsContext(this.ctx);
    if (!p.accrue) return;
    for (const merchant of await this.ctx.store.listMerchants()) {
      const account = await p.store.findAccrueAccountOfMerchant(merchant.id);
      if (account) await paymentIntents.provisionAccrue(p, merchant, account);
    }
  }

  /** Gives each merchant created before document 004 its card API pair; the pairs, shown once. */
  issueMissingClientCredentials() {
    return paymentIntents.issueMissingClientCredentials(
      paymentIntents.paymentIntentsContext(this.ctx),
    );
  }

  authenticate(secret: string | undefined): Promise<MerchantRow> {
    return merchants.authenticate(this.ctx, secret);
  }

  merchantByPublicId(publicId: string): Promise<MerchantRow> {
    return merchants.merchantByPublicId(this.ctx, publicId);
  }

  allowedOrigins(merchant: MerchantRow): string[] {
    return merchants.allowedOrigins(merchant);
  }

  // --- sessions --------------------------------------------------------------------------

  start(merchant: MerchantRow, type: ClientTransactionSessionType, body: StartBody) {
    return withCause('start', () => startSession(this.ctx, merchant, type, body));
  }

  verify(merchant: MerchantRow, type: ClientTransactionSessionType, lookup: SessionLookup) {
    return withCause('verify', () => verifySession(this.ctx, merchant, type, lookup));
  }

  getSession(merchant: MerchantRow, lookup: SessionLookup) {
    return sessions.getSession(this.ctx, merchant, lookup);
  }

  listSessions(merchant: MerchantRow, filters: SessionFilters, page: PageRequest) {
    return sessions.listSessions(this.ctx, merchant, filters, page);
  }

  listSessionConnection(
    merchant: MerchantRow,
    filters: SessionFilters,
    page: { first: number; after?: string | undefined },
  ) {
    return sessions.listSessionConnection(this.ctx, merchant, filters, page);
  }

  /** The billing contact of each session named (a page's transactions show their session's). */
  billingOfSessions(merchant: MerchantRow, ids: readonly string[]) {
    return sessions.billingOfSessions(this.ctx, merchant, ids);
  }

  baseConfig(merchant: MerchantRow, query: BaseConfigQuery) {
    return sessions.baseConfig(this.ctx, merchant, query);
  }

  // --- public API ------------------------------------------------------------------------

  publicSession(publicId: string, query: { token?: string | undefined; id?: string | undefined }) {
    return publicSession(this.ctx, publicId, query);
  }

  publicBaseConfig(
    publicId: string,
    query: { token?: string | undefined; id?: string | undefined },
  ) {
    return publicBaseConfig(this.ctx, publicId, query);
  }

  // --- transactions and payment methods --------------------------------------------------

  chargePaymentMethod(merchant: MerchantRow, body: ChargePaymentMethod) {
    return withCause('charge', () => chargePaymentMethod(this.ctx, merchant, body));
  }

  /** Settles (captures) a successful authorization: once, never above the authorized amount, never after void. */
  settle(merchant: MerchantRow, transactionId: string, amount: bigint | undefined) {
    return withCause('settle', () =>
      settleAuthorization(this.ctx, merchant, transactionId, amount),
    );
  }

  /** Voids a successful authorization that has not been settled. */
  void(merchant: MerchantRow, transactionId: string) {
    return withCause('void', () => voidAuthorization(this.ctx, merchant, transactionId));
  }

  /** Gives money back on a SUCCEEDED payment, charge or settled authorization: never more than captured. */
  refund(merchant: MerchantRow, transactionId: string, amount: bigint | undefined) {
    return withCause('refund', () => refundTransaction(this.ctx, merchant, transactionId, amount));
  }

  /** Refreshes a transaction from the provider now and records what changed. */
  sync(merchant: MerchantRow, transactionId: string) {
    return withCause('sync', () => syncTransaction(this.ctx, merchant, transactionId));
  }

  getTransaction(merchant: MerchantRow, id: string) {
    return getTransaction(this.ctx, merchant, id);
  }

  listTransactions(merchant: MerchantRow, filters: TransactionFilters, page: PageRequest) {
    return listTransactions(this.ctx, merchant, filters, page);
  }

  listPaymentMethods(merchant: MerchantRow, customerCode: string, page: PageRequest) {
    return listPaymentMethods(this.ctx, merchant, customerCode, page);
  }

  // --- the merchant API's lists (GraphQL): offset or Relay pages, the filters it sends ------

  sessionConnection(merchant: MerchantRow, query: SessionQuery, page: ListRequest) {
    return listing.sessionConnection(this.ctx, merchant, query, page);
  }

  transactionConnection(merchant: MerchantRow, query: TransactionQuery, page: ListRequest) {
    return listing.transactionConnection(this.ctx, merchant, query, page);
  }

  /** A transaction by id, merchant code or provider code; `actions` narrows a code to those. */
  findTransaction(
    merchant: MerchantRow,
    lookup: TransactionLookup,
    options?: { actions?: readonly TransactionAction[] },
  ) {
    return listing.findTransaction(this.ctx, merchant, lookup, options);
  }

  paymentMethodConnection(merchant: MerchantRow, query: PaymentMethodQuery, page: ListRequest) {
    return listing.paymentMethodConnection(this.ctx, merchant, query, page);
  }

  getPaymentMethod(merchant: MerchantRow, id: string) {
    return listing.getPaymentMethod(this.ctx, merchant, id);
  }

  providerAccountConnection(merchant: MerchantRow, query: ProviderAccountQuery, page: ListRequest) {
    return listing.providerAccountConnection(this.ctx, merchant, query, page);
  }

  getProviderAccount(merchant: MerchantRow, id: string) {
    return listing.getProviderAccount(this.ctx, merchant, id);
  }

  providerAccounts(merchant: MerchantRow) {
    return listing.providerAccounts(this.ctx, merchant);
  }

  // --- document 004: Accrue Pay payment intents -------------------------------------------

  /** Document 004's use cases (payment-intents/): JSON:API in and out, their own error format. */
  get paymentIntents() {
    const p = paymentIntents.paymentIntentsContext(this.ctx);
    return {
      getIntent: (merchant: MerchantRow, id: string) =>
        paymentIntents.getPaymentIntent(p, merchant, id),
      authorize: (merchant: MerchantRow, id: string, input: paymentIntents.AuthorizeInput) =>
        withCause('authorize', () => paymentIntents.authorizePaymentIntent(p, merchant, id, input)),
      capture: (
        merchant: MerchantRow,
        id: string,
        amount: bigint | undefined,
        idempotencyKey?: string,
      ) =>
        withCause('capture', () =>
          paymentIntents.capturePayment(p, merchant, id, amount, idempotencyKey),
        ),
      cancel: (merchant: MerchantRow, id: string, idempotencyKey?: string) =>
        withCause('cancel', () => paymentIntents.cancelPayment(p, merchant, id, idempotencyKey)),
      getPayment: (merchant: MerchantRow, id: string) =>
        withCause('get payment', () => paymentIntents.getPayment(p, merchant, id)),
      card: (
        credentials: { clientId: string | undefined; clientSecret: string | undefined },
        id: string,
      ) => withCause('card', () => paymentIntents.getPaymentCard(p, credentials, id)),
      notification: (
        accountId: string,
        rawBody: Buffer,
        headers: Record<string, string | string[] | undefined>,
      ) =>
        withCause('ACCRUE notification', () =>
          paymentIntents.receiveNotification(p, accountId, rawBody, headers),
        ),
      payPage: (query: Parameters<typeof paymentIntents.accruePayPage>[1]) =>
        paymentIntents.accruePayPage(p, query),
    };
  }

  // --- callbacks -------------------------------------------------------------------------

  handleCallback(
    provider: TransactionProvider,
    merchantTransactionProviderId: string,
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<'refreshed' | 'ignored'> {
    return withCause(`${provider} callback`, () =>
      handleCallback(this.ctx, provider, merchantTransactionProviderId, rawBody, headers),
    );
  }
}
