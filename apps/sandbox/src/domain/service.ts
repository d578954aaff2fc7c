import {
  type BaseConfigQuery,
  type ChargePaymentMethod,
  type ClientSessionWire,
  type ClientTransactionSessionType,
  type Currency,
  canTransitionSession,
  canTransitionTransaction,
  customerCodeOf,
  type MerchantTransactionWire,
  type PaymentMethodWire,
  type PublicClientSessionWire,
  SESSION_TYPE_ACTION,
  type StartAddPaymentMethodSession,
  type StartPaymentSession,
  sessionStatusesLeadingTo,
  type TransactionProvider,
  transactionStatusesLeadingTo,
} from '@accrupay/contracts';
import type { Logger } from 'pino';
import {
  type ProviderAdapter,
  type ProviderPaymentMethod,
  type ProviderStatus,
  ProviderUnavailableError,
} from '../providers/types.ts';
import type {
  MerchantRow,
  MerchantTransactionProviderRow,
  PaymentMethodRow,
  SessionFilters,
  SessionLookup,
  SessionRow,
  Store,
  TransactionFilters,
  TransactionRow,
} from '../store/store.ts';
import { type Clock, isoAt } from './clock.ts';
import { subjectMismatch } from './cross-check.ts';
import { notFound, RouterError } from './errors.ts';
import {
  canonicalJson,
  isWellFormedApiSecret,
  newApiSecret,
  newId,
  newMerchantPublicId,
  newSessionId,
  sameDigest,
  sha256Hex,
} from './ids.ts';
import {
  paymentMethodToWire,
  sessionToPublicWire,
  sessionToWire,
  transactionToWire,
} from './mapping.ts';
import {
  isFinal,
  isTerminalSession,
  isTerminalTransaction,
  LIVE_SESSION_STATUSES,
  outcomeOf,
  PROVIDER_STATE_OUTCOME,
} from './outcome.ts';
import { refuseOutsideProviderLimits } from './provider-limits.ts';

/** What a new merchant needs to integrate: shown once, the secret is never stored. */
export interface MerchantCredentials {
  merchantId: string;
  name: string;
  apiSecret: string;
  merchantPublicId: string;
  merchantTransactionProviderIds: Partial<Record<TransactionProvider, string>>;
  allowedOrigins: string[];
}

export interface SandboxServiceOptions {
  store: Store;
  clock: Clock;
  adapters: readonly ProviderAdapter[];
  /** The router's own base URL, where providers send callbacks. */
  callbackBaseUrl: () => string;
  logger: Logger;
  /** How long a start may stay unanswered by the provider before it counts as failed. */
  staleStartMs?: number;
}

type StartBody = StartPaymentSession | StartAddPaymentMethodSession;

const SESSION_TYPE_METHOD: Record<ClientTransactionSessionType, string> = {
  payment: 'clientSessions.payments.verify',
  'add-payment-method': 'clientSessions.paymentMethod.add.verify',
  authorization: 'clientSessions.authorizations.verify',
};

/**
 * The router's rules: sessions, verify, settle and void, stored-method charges and callbacks.
 * No HTTP and no SQL here: it calls the store and the provider adapters.
 */
export class SandboxService {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly adapters: Map<TransactionProvider, ProviderAdapter>;
  private readonly logger: Logger;
  private readonly staleStartMs: number;
  private readonly provisioned = new Map<string, Promise<void>>();

  constructor(private readonly options: SandboxServiceOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.adapters = new Map(options.adapters.map((adapter) => [adapter.provider, adapter]));
    this.logger = options.logger;
    this.staleStartMs = options.staleStartMs ?? 60_000;
  }

  private nowIso(): string {
    return isoAt(this.clock.now());
  }

  /**
   * A creation time for a new session that sorts after the code's previous one even when the
   * clock has not moved (a manual clock, or the same millisecond), so that a lookup by code
   * always finds the newest.
   */
  private createdAfter(previous: SessionRow | undefined): string {
    const now = this.clock.now();
    return isoAt(previous ? Math.max(now, Date.parse(previous.created_at) + 1) : now);
  }

  private adapter(provider: string): ProviderAdapter {
    const adapter = this.adapters.get(provider as TransactionProvider);
    if (!adapter) throw new RouterError('INTERNAL_ERROR', `no adapter for provider ${provider}`);
    return adapter;
  }

  /**
   * The provider record's credentials, once the account is registered at the provider in this
   * process (a merchant created by another process, or before a simulator restart, is
   * registered on first use).
   */
  private async credentials(mtp: MerchantTransactionProviderRow): Promise<Record<string, unknown>> {
    let registering = this.provisioned.get(mtp.id);
    if (!registering) {
      registering = this.store.findMerchantById(mtp.merchant_id).then((merchant) => {
        if (!merchant) throw new RouterError('INTERNAL_ERROR', `merchant of ${mtp.id} is missing`);
        return this.provision(merchant, mtp);
      });
      this.provisioned.set(mtp.id, registering);
      registering.catch(() => this.provisioned.delete(mtp.id));
    }
    await registering;
    return JSON.parse(mtp.credentials) as Record<string, unknown>;
  }

  // --- merchants -------------------------------------------------------------------------

  /** Creates a merchant with one provider record per provider, registered at the provider. */
  async createMerchant(
    input: { name?: string; allowedOrigins?: string[]; provision?: boolean } = {},
  ): Promise<MerchantCredentials> {
    const apiSecret = newApiSecret();
    const merchant: MerchantRow = {
      id: newId('mer'),
      name: input.name ?? 'Sandbox merchant',
      public_id: newMerchantPublicId(),
      secret_hash: sha256Hex(apiSecret),
      secret_last4: apiSecret.slice(-4),
      allowed_origins: JSON.stringify(input.allowedOrigins ?? []),
      created_at: this.nowIso(),
    };
    await this.store.insertMerchant(merchant);
    const ids: Partial<Record<TransactionProvider, string>> = {};
    for (const adapter of this.adapters.values()) {
      const mtp: MerchantTransactionProviderRow = {
        id: newId(`mtp_${adapter.provider.toLowerCase()}`, 16),
        merchant_id: merchant.id,
        provider: adapter.provider,
        credentials: JSON.stringify(adapter.newCredentials()),
        created_at: this.nowIso(),
      };
      await this.store.insertMerchantTransactionProvider(mtp);
      if (input.provision !== false) await this.credentials(mtp);
      ids[adapter.provider] = mtp.id;
    }
    return {
      merchantId: merchant.id,
      name: merchant.name,
      apiSecret,
      merchantPublicId: merchant.public_id,
      merchantTransactionProviderIds: ids,
      allowedOrigins: input.allowedOrigins ?? [],
    };
  }

  /** Registers every provider record of every merchant at its provider (at start, so callbacks for earlier sessions arrive). */
  async provisionAll(): Promise<void> {
    for (const merchant of await this.store.listMerchants()) {
      for (const mtp of await this.store.listMerchantTransactionProviders(merchant.id)) {
        await this.credentials(mtp);
      }
    }
  }

  private async provision(merchant: MerchantRow, mtp: MerchantTransactionProviderRow) {
    await this.adapter(mtp.provider).provisionAccount(
      JSON.parse(mtp.credentials) as Record<string, unknown>,
      {
        callbackUrl: `${this.options.callbackBaseUrl()}/v1/provider-callbacks/${mtp.provider.toLowerCase()}/${mtp.id}`,
        allowedOrigins: JSON.parse(merchant.allowed_origins) as string[],
      },
    );
  }

  /** The merchant a secret belongs to; 401 for anything else, the public id included. */
  async authenticate(secret: string | undefined): Promise<MerchantRow> {
    if (secret === undefined || secret === '') {
      throw new RouterError(
        'AUTHENTICATION_FAILED',
        'Missing API secret: send it in the accrupay-api-secret header (sk_test_..., from `accrupay-sandbox start`).',
      );
    }
    if (secret.startsWith('pk_')) {
      throw new RouterError(
        'AUTHENTICATION_FAILED',
        'That is the merchantPublicId, which is for the browser; the merchant API needs the API secret (sk_test_...).',
      );
    }
    const hash = sha256Hex(secret);
    const merchant = isWellFormedApiSecret(secret)
      ? await this.store.findMerchantBySecretHash(hash)
      : undefined;
    if (!merchant || !sameDigest(merchant.secret_hash, hash)) {
      throw new RouterError(
        'AUTHENTICATION_FAILED',
        'Invalid API secret: check the accrupay-api-secret header against the secret `accrupay-sandbox start` printed.',
      );
    }
    return merchant;
  }

  async merchantByPublicId(publicId: string): Promise<MerchantRow> {
    const merchant = await this.store.findMerchantByPublicId(publicId);
    if (!merchant) throw notFound(`merchantPublicId ${publicId}`);
    return merchant;
  }

  allowedOrigins(merchant: MerchantRow): string[] {
    return JSON.parse(merchant.allowed_origins) as string[];
  }

  private async resolveProvider(
    merchant: MerchantRow,
    selector: {
      merchantTransactionProviderId?: string | undefined;
      transactionProvider?: string | undefined;
    },
  ): Promise<MerchantTransactionProviderRow> {
    if (selector.merchantTransactionProviderId !== undefined) {
      const mtp = await this.store.findMerchantTransactionProviderById(
        selector.merchantTransactionProviderId,
      );
      if (!mtp || mtp.merchant_id !== merchant.id) {
        throw notFound(`merchantTransactionProviderId ${selector.merchantTransactionProviderId}`);
      }
      return mtp;
    }
    const provider = selector.transactionProvider as TransactionProvider;
    const mtp = await this.store.findMerchantTransactionProviderByProvider(merchant.id, provider);
    if (!mtp) throw notFound(`A ${provider} provider record`);
    return mtp;
  }

  // --- sessions --------------------------------------------------------------------------

  /** Starts a CLIENT session; the same code with the same data returns the same session. */
  async start(
    merchant: MerchantRow,
    type: ClientTransactionSessionType,
    body: StartBody,
  ): Promise<ClientSessionWire> {
    const mtp = await this.resolveProvider(merchant, body);
    const data = body.data;
    const code = data.merchantInternalTransactionCode;
    const customerCode = customerCodeOf(data) ?? null;
    const amount = 'amount' in data ? data.amount : null;
    refuseOutsideProviderLimits(this.adapter(mtp.provider), { amount, currency: data.currency });
    const storePaymentMethod =
      type === 'add-payment-method'
        ? true
        : 'storePaymentMethod' in data && data.storePaymentMethod;
    let stored: PaymentMethodRow | undefined;
    if ('customerPaymentMethodId' in data && data.customerPaymentMethodId !== undefined) {
      stored = await this.storedMethodFor(
        merchant,
        data.customerPaymentMethodId,
        customerCode,
        mtp,
      );
    }
    const requestHash = sha256Hex(canonicalJson({ type, mtp: mtp.id, data }));

    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.store.findSession(merchant.id, {
        merchantInternalTransactionCode: code,
      });
      if (existing && (LIVE_SESSION_STATUSES as readonly string[]).includes(existing.status)) {
        if (existing.request_hash !== requestHash || existing.kind !== 'CLIENT') {
          throw this.codeConflict(existing);
        }
        if (existing.token === null) {
          if (await this.expireStaleStart(existing)) continue;
          throw new RouterError(
            'IDEMPOTENCY_KEY_IN_USE',
            `A start with merchantInternalTransactionCode ${code} is still waiting for the provider; retry in a moment.`,
          );
        }
        return this.sessionWire(existing);
      }
      const now = this.createdAfter(existing);
      const sessionId = newSessionId();
      const transactionId = newId('txn');
      const row: SessionRow = {
        id: sessionId,
        merchant_id: merchant.id,
        merchant_transaction_provider_id: mtp.id,
        provider: mtp.provider,
        type,
        kind: 'CLIENT',
        action: SESSION_TYPE_ACTION[type],
        status: 'PENDING',
        amount: amount === null ? null : amount.toString(),
        currency: data.currency,
        merchant_internal_transaction_code: code,
        merchant_internal_customer_code: customerCode,
        store_payment_method: storePaymentMethod ? 1 : 0,
        customer_payment_method_id: stored?.id ?? null,
        request_hash: requestHash,
        token: null,
        token_expires_at: null,
        provider_code: null,
        payload: '{}',
        payment_method_id: null,
        transaction_id: transactionId,
        created_at: now,
        updated_at: now,
      };
      if (
        (await this.store.insertSession(row, sessionTransactionRow(row, transactionId))) ===
        'conflict'
      ) {
        continue;
      }

      let started: Awaited<ReturnType<ProviderAdapter['startSession']>>;
      try {
        started = await this.adapter(mtp.provider).startSession(await this.credentials(mtp), {
          sessionId,
          type,
          amount,
          currency: data.currency,
          merchantInternalTransactionCode: code,
          merchantInternalCustomerCode: customerCode,
          storePaymentMethod,
          billing: data.billing,
          storedPaymentMethod: stored ? toProviderPaymentMethod(stored) : null,
        });
      } catch (error) {
        await this.failStart(
          sessionId,
          transactionId,
          'provider_unavailable',
          `The provider could not start the session: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw this.providerFailure(error, 'start the session');
      }
      const startedAt = this.nowIso();
      const recorded = await this.store.setSessionProviderData(sessionId, {
        token: started.token,
        token_expires_at: started.expiresAt ? started.expiresAt.toISOString() : null,
        provider_code: started.providerCode,
        payload: JSON.stringify(started.payload),
        updated_at: startedAt,
      });
      if (recorded === 'reference-in-use') {
        throw await this.referenceReused(sessionId, transactionId, started.providerCode);
      }
      await this.store.updateTransactionIf(transactionId, ['PENDING'], {
        provider_code: started.providerCode,
        updated_at: startedAt,
      });
      return this.sessionWire(await this.mustFindSession(merchant.id, { id: sessionId }));
    }
    throw new RouterError(
      'IDEMPOTENCY_KEY_IN_USE',
      `Concurrent starts with merchantInternalTransactionCode ${code}; retry in a moment.`,
    );
  }

  private codeConflict(existing: SessionRow): RouterError {
    const code = existing.merchant_internal_transaction_code;
    if (existing.status === 'COMPLETED') {
      return new RouterError(
        'CONFLICT',
        `merchantInternalTransactionCode ${code} already has a completed session (${existing.id}); a paid purchase never takes a new session. Use a new code for a new purchase.`,
        { details: { sessionId: existing.id, status: existing.status } },
      );
    }
    const until = existing.token_expires_at
      ? ` The provider keeps it payable until ${existing.token_expires_at}, so a new session for this code is refused until then (after a declined card the customer can try another in the same form).`
      : '';
    return new RouterError(
      'CONFLICT',
      `merchantInternalTransactionCode ${code} already has an open session (${existing.id}) with different data.${until} Send the same data to get that session back, or a new code for a different purchase; a new session with this code may start once it has ended (expired, canceled, declined or errored).`,
      {
        details: {
          sessionId: existing.id,
          status: existing.status,
          ...(existing.token_expires_at ? { payableUntil: existing.token_expires_at } : {}),
        },
      },
    );
  }

  /** A start the provider never answered (the router stopped mid-way) frees its code after a while. */
  private async expireStaleStart(session: SessionRow): Promise<boolean> {
    if (this.clock.now() - Date.parse(session.created_at) < this.staleStartMs) return false;
    const now = this.nowIso();
    if (session.transaction_id) {
      await this.store.updateTransactionIf(session.transaction_id, ['PENDING'], {
        status: 'ERROR',
        error_code: 'start_interrupted',
        error_message: 'The provider never answered the start of this session.',
        updated_at: now,
      });
    }
    return this.store.updateSessionIf(session.id, ['PENDING'], {
      status: 'ERROR',
      updated_at: now,
    });
  }

  private async failStart(
    sessionId: string,
    transactionId: string,
    errorCode: string,
    errorMessage: string,
  ) {
    const now = this.nowIso();
    await this.store.updateTransactionIf(transactionId, ['PENDING'], {
      status: 'ERROR',
      error_code: errorCode,
      error_message: errorMessage,
      updated_at: now,
    });
    await this.store.updateSessionIf(sessionId, ['PENDING'], { status: 'ERROR', updated_at: now });
  }

  /**
   * The provider answered with a token or reference another session already holds: the new
   * session ends in ERROR rather than share it, so that no lookup by it reaches the wrong order.
   */
  private async referenceReused(
    sessionId: string,
    transactionId: string,
    providerCode: string,
  ): Promise<RouterError> {
    const message = `The provider answered with a reference (${providerCode}) or token that another session already holds; this session was not started and nothing was charged.`;
    await this.failStart(sessionId, transactionId, 'provider_reference_reused', message);
    this.logger.error({ sessionId, providerCode }, message);
    return new RouterError(
      'PROVIDER_ERROR',
      `${message} Start again: the provider is asked for a new one.`,
    );
  }

  /**
   * A provider that did not answer, as the merchant must read it: for an operation that moves
   * money the outcome is unknown (the provider may have applied it before its answer was lost),
   * and the retry asks the provider what happened before it sends anything again.
   */
  private providerFailure(
    error: unknown,
    doing: string,
    { moneyMayHaveMoved = false }: { moneyMayHaveMoved?: boolean } = {},
  ): RouterError {
    if (error instanceof ProviderUnavailableError) {
      return new RouterError(
        error.kind === 'timeout' ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR',
        moneyMayHaveMoved
          ? `The provider did not answer when asked to ${doing} (${error.message}); the outcome is unknown: it may have been applied. Retry the same call: the router first asks the provider what happened and never applies it twice.`
          : `The provider did not answer when asked to ${doing} (${error.message}); nothing changed, it is safe to retry.`,
        { cause: error, ...(moneyMayHaveMoved ? { details: { outcome: 'unknown' } } : {}) },
      );
    }
    if (error instanceof RouterError) return error;
    return new RouterError('INTERNAL_ERROR', `Could not ${doing}.`, { cause: error });
  }

  private async insertSessionTransaction(session: SessionRow, transactionId: string) {
    return this.store.insertTransaction(sessionTransactionRow(session, transactionId));
  }

  private async mustFindSession(merchantId: string, lookup: SessionLookup): Promise<SessionRow> {
    const session = await this.store.findSession(merchantId, lookup);
    if (!session) throw notFound(`Session ${describeLookup(lookup)}`);
    return session;
  }

  private async sessionWire(session: SessionRow): Promise<ClientSessionWire> {
    const transactions = await this.store.listSessionTransactions(session.id);
    const wires = await Promise.all(transactions.map((row) => this.transactionWire(row)));
    const method = session.payment_method_id
      ? await this.store.findPaymentMethod(session.merchant_id, session.payment_method_id)
      : undefined;
    return sessionToWire(session, wires, method);
  }

  private async transactionWire(row: TransactionRow): Promise<MerchantTransactionWire> {
    const method = row.payment_method_id
      ? await this.store.findPaymentMethod(row.merchant_id, row.payment_method_id)
      : undefined;
    return transactionToWire(row, method);
  }

  async getSession(merchant: MerchantRow, lookup: SessionLookup): Promise<ClientSessionWire> {
    return this.sessionWire(await this.mustFindSession(merchant.id, lookup));
  }

  async listSessions(
    merchant: MerchantRow,
    filters: SessionFilters,
    page: { take: number; skip: number },
  ): Promise<{ data: ClientSessionWire[]; total: number }> {
    const { rows, total } = await this.store.listSessions(merchant.id, filters, page);
    return { data: await Promise.all(rows.map((row) => this.sessionWire(row))), total };
  }

  async listSessionConnection(
    merchant: MerchantRow,
    filters: SessionFilters,
    page: { first: number; after?: string | undefined },
  ) {
    const after = page.after === undefined ? undefined : decodeCursor(page.after);
    const { rows, total, hasNextPage } = await this.store.listSessionsAfter(merchant.id, filters, {
      first: page.first,
      after,
    });
    const edges = await Promise.all(
      rows.map(async (row) => ({
        node: await this.sessionWire(row),
        cursor: encodeCursor({ createdAt: row.created_at, id: row.id }),
      })),
    );
    return {
      edges,
      pageInfo: {
        hasNextPage,
        hasPreviousPage: after !== undefined,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
      totalCount: total,
    };
  }

  async baseConfig(merchant: MerchantRow, query: BaseConfigQuery) {
    let session: SessionRow | undefined;
    let mtp: MerchantTransactionProviderRow;
    if (query.id !== undefined || query.merchantInternalTransactionCode !== undefined) {
      session = await this.mustFindSession(
        merchant.id,
        query.id !== undefined
          ? { id: query.id }
          : { merchantInternalTransactionCode: query.merchantInternalTransactionCode as string },
      );
      mtp = await this.mtpOf(session);
    } else {
      mtp = await this.resolveProvider(merchant, query);
    }
    return this.baseConfigOf(mtp, session?.id ?? null);
  }

  /** The public provider configuration of a provider record, for the React SDK. */
  private async baseConfigOf(mtp: MerchantTransactionProviderRow, sessionId: string | null) {
    return {
      id: sessionId,
      transactionProvider: mtp.provider,
      merchantTransactionProviderId: mtp.id,
      providerData: this.adapter(mtp.provider).baseConfig(await this.credentials(mtp)),
    };
  }

  private async mtpOf(session: SessionRow): Promise<MerchantTransactionProviderRow> {
    const mtp = await this.store.findMerchantTransactionProviderById(
      session.merchant_transaction_provider_id,
    );
    if (!mtp)
      throw new RouterError(
        'INTERNAL_ERROR',
        `provider record of session ${session.id} is missing`,
      );
    return mtp;
  }

  // --- public API ------------------------------------------------------------------------

  private async publicSessionRow(
    publicId: string,
    query: { token?: string | undefined; id?: string | undefined },
  ): Promise<SessionRow> {
    const merchant = await this.merchantByPublicId(publicId);
    const lookup: SessionLookup =
      query.token !== undefined ? { token: query.token } : { id: query.id as string };
    const session = await this.store.findSession(merchant.id, lookup);
    if (session?.kind !== 'CLIENT' || session.token === null) {
      throw notFound(`Session ${describeLookup(lookup)}`);
    }
    return session;
  }

  /** What the browser may see; the first read moves PENDING to ACTIVE. */
  async publicSession(
    publicId: string,
    query: { token?: string | undefined; id?: string | undefined },
  ): Promise<PublicClientSessionWire> {
    let session = await this.publicSessionRow(publicId, query);
    if (session.status === 'PENDING') {
      await this.store.updateSessionIf(session.id, ['PENDING'], {
        status: 'ACTIVE',
        updated_at: this.nowIso(),
      });
      session = (await this.store.findSession(session.merchant_id, { id: session.id })) ?? session;
    }
    return sessionToPublicWire(session);
  }

  async publicBaseConfig(
    publicId: string,
    query: { token?: string | undefined; id?: string | undefined },
  ) {
    const session = await this.publicSessionRow(publicId, query);
    const mtp = await this.mtpOf(session);
    return this.baseConfigOf(mtp, session.id);
  }

  // --- verify ----------------------------------------------------------------------------

  /**
   * Asks the provider for the truth about a session, records it by compare-and-set, and
   * returns the session's transaction. Repeated and concurrent calls return the same transaction.
   */
  async verify(
    merchant: MerchantRow,
    type: ClientTransactionSessionType,
    lookup: SessionLookup,
  ): Promise<MerchantTransactionWire> {
    const session = await this.mustFindSession(merchant.id, lookup);
    if (session.type !== type || session.kind !== 'CLIENT') {
      throw new RouterError(
        'CONFLICT',
        `Session ${session.id} is ${session.kind === 'SERVER' ? 'a server-side charge' : `a ${session.type} session`}; verify it with ${session.kind === 'SERVER' ? 'transactions.getOne' : SESSION_TYPE_METHOD[session.type]}.`,
        { details: { sessionId: session.id, type: session.type, kind: session.kind } },
      );
    }
    return this.transactionWire(await this.refresh(session));
  }

  /** The provider's truth applied to a session; returns its transaction as it now stands. */
  private async refresh(session: SessionRow): Promise<TransactionRow> {
    const transaction = await this.sessionTransaction(session);
    if (session.token === null || session.provider_code === null) {
      if (await this.expireStaleStart(session)) return this.sessionTransaction(session);
      return transaction;
    }
    const mtp = await this.mtpOf(session);
    const adapter = this.adapter(mtp.provider);
    const credentials = await this.credentials(mtp);
    const reference = {
      type: session.type,
      providerCode: session.provider_code,
      token: session.token,
    };
    let status: ProviderStatus;
    try {
      status = await adapter.retrieve(credentials, reference);
      if (
        (status.state === 'declined' || status.state === 'failed') &&
        !status.sessionOpen &&
        !isTerminalSession(session.status)
      ) {
        const closed = await adapter.close(credentials, reference);
        if (closed.state === 'succeeded' || closed.state === 'processing') status = closed;
      }
    } catch (error) {
      if (isFinal(session, transaction)) return transaction;
      throw this.providerFailure(error, 'report the session');
    }
    await this.apply(session, transaction, status);
    return this.sessionTransaction(session);
  }

  private async sessionTransaction(session: SessionRow): Promise<TransactionRow> {
    const existing = await this.store.findSessionTransaction(session.id);
    if (existing) return existing;
    await this.insertSessionTransaction(session, session.transaction_id ?? newId('txn'));
    const created = await this.store.findSessionTransaction(session.id);
    if (!created)
      throw new RouterError('INTERNAL_ERROR', `transaction of session ${session.id} is missing`);
    return created;
  }

  private async apply(session: SessionRow, transaction: TransactionRow, reported: ProviderStatus) {
    const status = this.crossChecked(session, transaction, reported);
    const outcome = outcomeOf(session, status);
    const now = this.nowIso();
    let paymentMethodId = transaction.payment_method_id;
    if (
      status.state === 'succeeded' &&
      status.paymentMethod?.kind === 'card' &&
      (session.type === 'add-payment-method' || session.store_payment_method === 1)
    ) {
      const method = await this.store.upsertPaymentMethod({
        id: newId('pm'),
        merchant_id: session.merchant_id,
        merchant_transaction_provider_id: session.merchant_transaction_provider_id,
        provider: session.provider,
        merchant_internal_customer_code: session.merchant_internal_customer_code,
        provider_reference: status.paymentMethod.reference,
        provider_customer_reference: status.paymentMethod.customerReference,
        brand: status.paymentMethod.brand,
        last4: status.paymentMethod.last4,
        expiry_month: status.paymentMethod.expiryMonth,
        expiry_year: status.paymentMethod.expiryYear,
        billing_country: status.paymentMethod.billingCountry,
        created_at: now,
      });
      paymentMethodId = method.id;
    }
    const errorCode = outcome.transaction === 'SUCCEEDED' ? null : (status.errorCode ?? null);
    const errorMessage =
      outcome.transaction === 'UNKNOWN'
        ? `The provider reported status "${status.rawStatus}", which AccruPay cannot map.`
        : outcome.transaction === 'SUCCEEDED'
          ? null
          : (status.errorMessage ?? null);
    if (outcome.transaction !== transaction.status) {
      if (canTransitionTransaction(transaction.status as never, outcome.transaction)) {
        await this.store.updateTransactionIf(
          transaction.id,
          transactionStatusesLeadingTo(outcome.transaction),
          {
            status: outcome.transaction,
            provider_code: status.providerCode ?? transaction.provider_code,
            payment_method_id: paymentMethodId,
            error_code: errorCode,
            error_message: errorMessage,
            updated_at: now,
          },
        );
      } else if (isTerminalTransaction(transaction.status)) {
        this.logger.warn(
          {
            transactionId: transaction.id,
            recorded: transaction.status,
            provider: status.rawStatus,
          },
          'provider reports a different outcome for a transaction that has ended; the recorded outcome stands',
        );
      }
    } else if (!isTerminalTransaction(transaction.status) && errorCode !== transaction.error_code) {
      // Still open, but the provider has news (e.g. the last card was declined and may be retried).
      await this.store.updateTransactionIf(transaction.id, [transaction.status], {
        error_code: errorCode,
        error_message: errorMessage,
        updated_at: now,
      });
    }
    if (
      outcome.session &&
      outcome.session !== session.status &&
      canTransitionSession(session.status as never, outcome.session)
    ) {
      await this.store.updateSessionIf(session.id, sessionStatusesLeadingTo(outcome.session), {
        status: outcome.session,
        payment_method_id: paymentMethodId,
        updated_at: now,
      });
    }
  }

  /**
   * The provider's answer, unless the object it describes is not this session's (another
   * amount, currency or back-reference): then an error that says what did not match, so the
   * transaction ends in ERROR and never SUCCEEDED.
   */
  private crossChecked(
    session: SessionRow,
    transaction: TransactionRow,
    status: ProviderStatus,
  ): ProviderStatus {
    const mismatch = subjectMismatch(session, status.subject);
    if (mismatch === undefined) return status;
    const message = `The provider's ${status.providerCode ?? 'object'} does not match this session: ${mismatch}. Its status (${status.rawStatus}) was not recorded; do not fulfil, reconcile with the provider.`;
    this.logger.error(
      {
        sessionId: session.id,
        transactionId: transaction.id,
        providerCode: status.providerCode,
        mismatch,
      },
      'provider object does not match the session',
    );
    return {
      state: 'error',
      rawStatus: `${status.rawStatus} (mismatch)`,
      providerCode: transaction.provider_code,
      errorCode: 'provider_mismatch',
      errorMessage: message,
    };
  }

  // --- server-side operations ------------------------------------------------------------

  private async storedMethodFor(
    merchant: MerchantRow,
    paymentMethodId: string,
    customerCode: string | null,
    mtp: MerchantTransactionProviderRow | undefined,
  ): Promise<PaymentMethodRow> {
    const method = await this.store.findPaymentMethod(merchant.id, paymentMethodId);
    if (!method || method.merchant_internal_customer_code !== customerCode) {
      throw notFound(
        `customerPaymentMethodId ${paymentMethodId} of customer ${customerCode ?? '(none given)'}`,
      );
    }
    if (mtp && method.merchant_transaction_provider_id !== mtp.id) {
      throw new RouterError(
        'VALIDATION_ERROR',
        `customerPaymentMethodId ${paymentMethodId} is stored at ${method.provider} (${method.merchant_transaction_provider_id}); charge it through that provider record.`,
        {
          issues: [
            { path: 'data.customerPaymentMethodId', message: 'belongs to another provider record' },
          ],
        },
      );
    }
    return method;
  }

  /** Charges a stored payment method from the server: a SERVER-kind session and its transaction. */
  async chargePaymentMethod(
    merchant: MerchantRow,
    body: ChargePaymentMethod,
  ): Promise<MerchantTransactionWire> {
    const data = body.data;
    const method = await this.storedMethodFor(
      merchant,
      data.customerPaymentMethodId,
      data.merchantInternalCustomerCode,
      undefined,
    );
    if (
      body.merchantTransactionProviderId !== undefined &&
      body.merchantTransactionProviderId !== method.merchant_transaction_provider_id
    ) {
      throw new RouterError(
        'VALIDATION_ERROR',
        `merchantTransactionProviderId ${body.merchantTransactionProviderId} is not where payment method ${method.id} is stored (${method.merchant_transaction_provider_id}); omit it or pass that one.`,
        {
          issues: [
            { path: 'merchantTransactionProviderId', message: 'does not hold this payment method' },
          ],
        },
      );
    }
    const mtp = await this.store.findMerchantTransactionProviderById(
      method.merchant_transaction_provider_id,
    );
    if (!mtp) throw new RouterError('INTERNAL_ERROR', `provider record of ${method.id} is missing`);
    refuseOutsideProviderLimits(this.adapter(mtp.provider), {
      amount: data.amount,
      currency: data.currency as Currency,
    });
    const code = data.merchantInternalTransactionCode;
    const requestHash = sha256Hex(canonicalJson({ type: 'charge', mtp: mtp.id, data }));

    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.store.findSession(merchant.id, {
        merchantInternalTransactionCode: code,
      });
      let session: SessionRow | undefined;
      if (existing && (LIVE_SESSION_STATUSES as readonly string[]).includes(existing.status)) {
        if (existing.request_hash !== requestHash || existing.kind !== 'SERVER') {
          throw this.codeConflict(existing);
        }
        session = existing;
      } else {
        const now = this.createdAfter(existing);
        const sessionId = newSessionId();
        const transactionId = newId('txn');
        const row: SessionRow = {
          id: sessionId,
          merchant_id: merchant.id,
          merchant_transaction_provider_id: mtp.id,
          provider: mtp.provider,
          type: 'payment',
          kind: 'SERVER',
          action: 'PAYMENT_METHOD_CHARGE',
          status: 'PENDING',
          amount: data.amount.toString(),
          currency: data.currency,
          merchant_internal_transaction_code: code,
          merchant_internal_customer_code: data.merchantInternalCustomerCode,
          store_payment_method: 0,
          customer_payment_method_id: method.id,
          request_hash: requestHash,
          token: null,
          token_expires_at: null,
          provider_code: null,
          payload: '{}',
          payment_method_id: method.id,
          transaction_id: transactionId,
          created_at: now,
          updated_at: now,
        };
        if (
          (await this.store.insertSession(row, sessionTransactionRow(row, transactionId))) ===
          'conflict'
        ) {
          continue;
        }
        session = row;
      }
      const transaction = await this.sessionTransaction(session);
      if (isFinal(session, transaction)) return this.transactionWire(transaction);
      const adapter = this.adapter(mtp.provider);
      const credentials = await this.credentials(mtp);
      const request = {
        idempotencyKey: session.id,
        sessionId: session.id,
        amount: data.amount,
        currency: data.currency as Currency,
        merchantInternalTransactionCode: code,
        paymentMethod: toProviderPaymentMethod(method),
      };
      const lease = await this.lease(session.id);
      try {
        let prepared =
          session.token !== null && session.provider_code !== null
            ? { token: session.token, providerCode: session.provider_code }
            : undefined;
        if (prepared) {
          // An earlier attempt got this far: ask the provider whether it charged before charging.
          const known = await adapter.retrieve(credentials, { type: 'payment', ...prepared });
          if (known.state !== 'awaiting_customer') {
            await this.apply(session, transaction, known);
            return this.transactionWire(await this.sessionTransaction(session));
          }
        } else {
          prepared = await adapter.prepareCharge(credentials, request);
          const saved = await this.store.setSessionProviderData(session.id, {
            token: prepared.token,
            token_expires_at: null,
            provider_code: prepared.providerCode,
            payload: '{}',
            updated_at: this.nowIso(),
          });
          if (saved === 'reference-in-use') {
            throw await this.referenceReused(session.id, transaction.id, prepared.providerCode);
          }
          const recorded = await this.store.findSession(merchant.id, { id: session.id });
          if (recorded?.token !== prepared.token) {
            // Another request prepared it first: charge the one it recorded.
            session = recorded ?? session;
            continue;
          }
        }
        const status = await adapter.confirmCharge(credentials, { ...request, ...prepared });
        await this.apply(session, transaction, status);
      } catch (error) {
        // Nothing is lost: the session keeps the code and the provider reference, and a retry
        // with the same data asks the provider before it charges.
        throw this.providerFailure(error, 'charge the stored payment method', {
          moneyMayHaveMoved: true,
        });
      } finally {
        await lease.release();
      }
      return this.transactionWire(await this.sessionTransaction(session));
    }
    throw new RouterError(
      'IDEMPOTENCY_KEY_IN_USE',
      `Concurrent charges with merchantInternalTransactionCode ${code}; retry in a moment.`,
    );
  }

  /** Settles (captures) a successful authorization: once, never above the authorized amount, never after void. */
  async settle(merchant: MerchantRow, transactionId: string, amount: bigint | undefined) {
    return this.actOnAuthorization(merchant, transactionId, 'SETTLE', amount);
  }

  /** Voids a successful authorization that has not been settled. */
  async void(merchant: MerchantRow, transactionId: string) {
    return this.actOnAuthorization(merchant, transactionId, 'VOID', undefined);
  }

  private async actOnAuthorization(
    merchant: MerchantRow,
    transactionId: string,
    action: 'SETTLE' | 'VOID',
    requested: bigint | undefined,
  ): Promise<MerchantTransactionWire> {
    const authorization = await this.store.findTransaction(merchant.id, transactionId);
    if (!authorization) throw notFound(`Transaction ${transactionId}`);
    const verb = action === 'SETTLE' ? 'settle' : 'void';
    if (authorization.action !== 'AUTHORIZATION') {
      throw new RouterError(
        'INVALID_STATE_TRANSITION',
        `Transaction ${transactionId} is a ${authorization.action}; only a successful AUTHORIZATION can be ${verb === 'settle' ? 'settled' : 'voided'}.`,
      );
    }
    if (authorization.status !== 'SUCCEEDED') {
      throw new RouterError(
        'INVALID_STATE_TRANSITION',
        `Authorization ${transactionId} is ${authorization.status}, not SUCCEEDED: verify it first; only a successful authorization can be ${verb === 'settle' ? 'settled' : 'voided'}.`,
      );
    }
    const authorized = BigInt(authorization.amount ?? '0');
    const amount = requested ?? authorized;
    if (action === 'SETTLE' && amount > authorized) {
      throw new RouterError(
        'AMOUNT_EXCEEDS_AUTHORIZED',
        `Cannot settle ${amount}: authorization ${transactionId} holds ${authorized} ${authorization.currency}.`,
        { details: { authorized: authorized.toString(), requested: amount.toString() } },
      );
    }
    const now = this.nowIso();
    const child: TransactionRow = {
      id: newId('txn'),
      merchant_id: merchant.id,
      session_id: authorization.session_id,
      parent_transaction_id: authorization.id,
      merchant_transaction_provider_id: authorization.merchant_transaction_provider_id,
      provider: authorization.provider,
      action,
      status: 'PENDING',
      amount: amount.toString(),
      currency: authorization.currency,
      settled_amount: null,
      merchant_internal_transaction_code: authorization.merchant_internal_transaction_code,
      merchant_internal_customer_code: authorization.merchant_internal_customer_code,
      provider_code: authorization.provider_code,
      payment_method_id: authorization.payment_method_id,
      error_code: null,
      error_message: null,
      created_at: now,
      updated_at: now,
    };
    let operation = child;
    let resumed = false;
    if ((await this.store.insertTransaction(child)) === 'conflict') {
      const existing = await this.store.findChildTransaction(authorization.id);
      if (!existing)
        throw new RouterError('INTERNAL_ERROR', `child of ${authorization.id} is missing`);
      const resumable =
        existing.action === action &&
        existing.status === 'PENDING' &&
        existing.amount === child.amount;
      if (!resumable) {
        throw new RouterError(
          'INVALID_STATE_TRANSITION',
          existing.action === 'VOID'
            ? `Authorization ${transactionId} was voided (${existing.id}); it cannot be ${verb === 'settle' ? 'settled' : 'voided again'}.`
            : `Authorization ${transactionId} was already settled for ${existing.amount} (${existing.id}); it cannot be ${verb === 'settle' ? 'settled again' : 'voided'}.`,
          {
            details: {
              transactionId: existing.id,
              action: existing.action,
              status: existing.status,
            },
          },
        );
      }
      operation = existing;
      resumed = true;
    }
    const lease = await this.lease(authorization.id);
    try {
      return await this.runOnAuthorization(
        merchant,
        authorization,
        operation,
        action,
        amount,
        resumed,
      );
    } finally {
      await lease.release();
    }
  }

  /**
   * A short lease so that one request at a time talks to the provider about one thing; others
   * get 409 and retry. It lapses by itself if the router stops mid-way.
   */
  private async lease(key: string): Promise<{ release(): Promise<void> }> {
    const now = this.clock.now();
    const holder = newId('lease');
    const claimed = await this.store.claimLease({
      key,
      holder,
      created_at: isoAt(now),
      expires_at: isoAt(now + this.staleStartMs),
    });
    if (!claimed) {
      throw new RouterError(
        'IDEMPOTENCY_KEY_IN_USE',
        'Another request is already talking to the provider about this payment; retry in a moment.',
      );
    }
    return { release: () => this.store.releaseLease(key, holder) };
  }

  private async runOnAuthorization(
    merchant: MerchantRow,
    authorization: TransactionRow,
    operation: TransactionRow,
    action: 'SETTLE' | 'VOID',
    amount: bigint,
    /** An earlier request sent this operation and got no answer: ask the provider before sending it again. */
    resumed: boolean,
  ): Promise<MerchantTransactionWire> {
    const verb = action === 'SETTLE' ? 'settle' : 'void';
    const current = await this.store.findTransaction(merchant.id, operation.id);
    if (current?.status !== 'PENDING') {
      // Another request finished it while this one waited for the lease.
      throw new RouterError(
        'INVALID_STATE_TRANSITION',
        `Authorization ${authorization.id} was already ${action === 'SETTLE' ? 'settled' : 'voided'} (${operation.id}).`,
        { details: { transactionId: operation.id, action, status: current?.status } },
      );
    }
    const mtp = await this.store.findMerchantTransactionProviderById(
      authorization.merchant_transaction_provider_id,
    );
    if (!mtp || authorization.provider_code === null) {
      throw new RouterError(
        'INTERNAL_ERROR',
        `authorization ${authorization.id} has no provider reference`,
      );
    }
    const adapter = this.adapter(mtp.provider);
    let status: ProviderStatus;
    let settled = amount;
    try {
      const request = {
        providerCode: authorization.provider_code,
        amount,
        currency: authorization.currency as Currency,
        idempotencyKey: operation.id,
      };
      const credentials = await this.credentials(mtp);
      const known = resumed
        ? await adapter.findOperation(credentials, { action, ...request })
        : null;
      if (known) {
        status = known;
        settled = known.amount ?? amount;
      } else {
        status =
          action === 'SETTLE'
            ? await adapter.capture(credentials, request)
            : await adapter.void(credentials, request);
      }
    } catch (error) {
      throw this.providerFailure(error, `${verb} the authorization`, { moneyMayHaveMoved: true });
    }
    const target = PROVIDER_STATE_OUTCOME[status.state].transaction;
    const done = this.nowIso();
    if (target !== 'PENDING') {
      await this.store.updateTransactionIf(operation.id, transactionStatusesLeadingTo(target), {
        status: target,
        error_code: target === 'SUCCEEDED' ? null : (status.errorCode ?? null),
        error_message: target === 'SUCCEEDED' ? null : (status.errorMessage ?? null),
        updated_at: done,
      });
    }
    if (action === 'SETTLE' && target === 'SUCCEEDED') {
      await this.store.setSettledAmountIfUnset(authorization.id, settled.toString(), done);
    }
    const result = await this.store.findTransaction(merchant.id, operation.id);
    if (!result) throw new RouterError('INTERNAL_ERROR', `transaction ${operation.id} vanished`);
    return this.transactionWire(result);
  }

  async getTransaction(merchant: MerchantRow, id: string): Promise<MerchantTransactionWire> {
    const row = await this.store.findTransaction(merchant.id, id);
    if (!row) throw notFound(`Transaction ${id}`);
    return this.transactionWire(row);
  }

  async listTransactions(
    merchant: MerchantRow,
    filters: TransactionFilters,
    page: { take: number; skip: number },
  ): Promise<{ data: MerchantTransactionWire[]; total: number }> {
    const { rows, total } = await this.store.listTransactions(merchant.id, filters, page);
    return { data: await Promise.all(rows.map((row) => this.transactionWire(row))), total };
  }

  async listPaymentMethods(
    merchant: MerchantRow,
    customerCode: string,
    page: { take: number; skip: number },
  ): Promise<{ data: PaymentMethodWire[]; total: number }> {
    const { rows, total } = await this.store.listPaymentMethods(merchant.id, customerCode, page);
    return { data: rows.map(paymentMethodToWire), total };
  }

  // --- callbacks -------------------------------------------------------------------------

  /**
   * A provider callback: refused unless its signature or checksum verifies; otherwise a hint
   * that triggers the same provider lookup as verify. Its claimed outcome is never used.
   */
  async handleCallback(
    provider: TransactionProvider,
    merchantTransactionProviderId: string,
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<'refreshed' | 'ignored'> {
    const mtp = await this.store.findMerchantTransactionProviderById(merchantTransactionProviderId);
    if (!mtp || mtp.provider !== provider) {
      throw notFound(`Provider record ${merchantTransactionProviderId}`);
    }
    const checked = this.adapter(provider).verifyCallback(
      JSON.parse(mtp.credentials) as Record<string, unknown>,
      rawBody,
      headers,
    );
    const receivedAt = this.nowIso();
    if (!checked.ok) {
      await this.store.insertProviderCallback({
        provider,
        merchant_transaction_provider_id: mtp.id,
        received_at: receivedAt,
        verified: 0,
        event_type: null,
        provider_code: null,
        outcome: 'refused',
      });
      throw new RouterError('CALLBACK_SIGNATURE_INVALID', `Callback refused: ${checked.reason}.`);
    }
    const { hint } = checked;
    const session =
      (hint.providerCode !== null
        ? await this.store.findSessionByProviderCode(mtp.id, hint.providerCode)
        : undefined) ??
      (hint.token !== null ? await this.store.findSessionByToken(mtp.id, hint.token) : undefined);
    const record = (outcome: string) =>
      this.store.insertProviderCallback({
        provider,
        merchant_transaction_provider_id: mtp.id,
        received_at: receivedAt,
        verified: 1,
        event_type: hint.eventType,
        provider_code: hint.providerCode,
        outcome,
      });
    if (session?.kind !== 'CLIENT') {
      await record('ignored');
      return 'ignored';
    }
    await this.refresh(session);
    await record('refreshed');
    return 'refreshed';
  }
}

/** A session's own transaction as it starts: PENDING, with the session's amount and codes. */
function sessionTransactionRow(session: SessionRow, transactionId: string): TransactionRow {
  return {
    id: transactionId,
    merchant_id: session.merchant_id,
    session_id: session.id,
    parent_transaction_id: null,
    merchant_transaction_provider_id: session.merchant_transaction_provider_id,
    provider: session.provider,
    action: session.action,
    status: 'PENDING',
    amount: session.amount,
    currency: session.currency,
    settled_amount: null,
    merchant_internal_transaction_code: session.merchant_internal_transaction_code,
    merchant_internal_customer_code: session.merchant_internal_customer_code,
    provider_code: session.provider_code,
    payment_method_id: null,
    error_code: null,
    error_message: null,
    created_at: session.created_at,
    updated_at: session.created_at,
  };
}

function toProviderPaymentMethod(row: PaymentMethodRow): ProviderPaymentMethod {
  return {
    kind: 'card',
    reference: row.provider_reference,
    customerReference: row.provider_customer_reference,
    brand: row.brand as Extract<ProviderPaymentMethod, { kind: 'card' }>['brand'],
    last4: row.last4,
    expiryMonth: row.expiry_month,
    expiryYear: row.expiry_year,
    billingCountry: row.billing_country,
  };
}

function describeLookup(lookup: SessionLookup): string {
  const [key, value] = Object.entries(lookup)[0] ?? ['?', '?'];
  return `with ${key} ${value}`;
}

/** Cursors are opaque to merchants: base64url of created_at and id. */
export function encodeCursor(cursor: { createdAt: string; id: string }): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [createdAt, id] = text.split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) {
    throw new RouterError('VALIDATION_ERROR', 'after is not a cursor this API returned', {
      issues: [{ path: 'after', message: 'must be an endCursor from a previous page' }],
    });
  }
  return { createdAt, id };
}
