import type {
  Billing,
  ClientTransactionSessionType,
  Currency,
  PaymentMethodBrand,
  TransactionProvider,
} from '@accrupay/contracts';

/** What the provider says happened, in the router's words; the domain maps it to statuses. */
export type ProviderState =
  /** Waiting for the customer (no card yet, or a declined card may be retried). */
  | 'awaiting_customer'
  /** In progress at the provider: 3-D Secure challenge, processing. */
  | 'processing'
  /** Paid, authorized (for an authorization) or stored (for add-payment-method). */
  | 'succeeded'
  | 'declined'
  /** Authentication failed (3-D Secure denied). */
  | 'failed'
  /** A processing error at the provider. */
  | 'error'
  | 'canceled'
  | 'expired'
  /** A status the adapter cannot map. */
  | 'unknown';

/** What every stored payment method carries, whatever rails it runs on. */
interface StoredMethodBase {
  /** The provider's reference of the stored method (Stripe pm_..., Nuvei userPaymentOptionId). */
  reference: string;
  customerReference: string | null;
  billingCountry: string | null;
}

/** A card the provider stored, as the provider describes it (never the full number). */
export interface ProviderCard extends StoredMethodBase {
  kind: 'card';
  brand: PaymentMethodBrand;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
}

/** A bank account the provider stored (bank rails, direct debit), never its full number. */
export interface ProviderBankAccount extends StoredMethodBase {
  kind: 'bank_account';
  bankName: string | null;
  last4: string;
  accountType: 'checking' | 'savings' | null;
}

/**
 * A payment method the provider stored, tagged by `kind`: a wallet or bank-rails provider adds a
 * variant here, and every place that reads one must say what it does with it.
 */
export type ProviderPaymentMethod = ProviderCard | ProviderBankAccount;

/** The provider's truth about one session or operation. */
export interface ProviderStatus {
  state: ProviderState;
  /** The provider's own status word, for logs and UNKNOWN. */
  rawStatus: string;
  /** The provider's reference of the payment (PaymentIntent id, Nuvei transaction id). */
  providerCode: string | null;
  errorCode?: string | undefined;
  errorMessage?: string | undefined;
  /** The card used, when the provider stored it or reports it. */
  paymentMethod?: ProviderPaymentMethod | undefined;
  /**
   * What the provider's object says it is for, as the provider echoes it back: the router checks
   * it against the session before it records any outcome. A field is undefined when this answer
   * does not carry it.
   */
  subject?: ProviderSubject | undefined;
  /**
   * After a decline or failed authentication: the provider's session still takes another card
   * (Nuvei keeps an order payable until its token expires), so a later attempt may succeed.
   */
  sessionOpen?: boolean | undefined;
}

/** The amount, currency and back-references a provider object carries. */
export interface ProviderSubject {
  /** Minor units; null for an object with no amount (a SetupIntent). */
  amount?: bigint | null | undefined;
  currency?: string | undefined;
  /** The router's session id the object was created for (Stripe metadata). */
  sessionId?: string | undefined;
  /** The merchant's code the object was created for (Nuvei clientUniqueId). */
  merchantInternalTransactionCode?: string | undefined;
}

export interface StartSessionRequest {
  /** The router's session id, sent to the provider as metadata and idempotency key. */
  sessionId: string;
  type: ClientTransactionSessionType;
  amount: bigint | null;
  currency: Currency;
  merchantInternalTransactionCode: string;
  merchantInternalCustomerCode: string | null;
  storePaymentMethod: boolean;
  billing: Billing | null;
  /** A stored method to charge in this session, if the merchant passed customerPaymentMethodId. */
  storedPaymentMethod: ProviderPaymentMethod | null;
}

export interface StartedSession {
  /** The bearer credential the browser uses (client_secret, sessionToken). */
  token: string;
  /** The provider's reference (PaymentIntent or SetupIntent id, Nuvei orderId). */
  providerCode: string;
  /** When the provider's token expires; null when it never does. */
  expiresAt: Date | null;
  /** What the React SDK needs to render the provider's card fields. */
  payload: Record<string, unknown>;
}

export interface ChargeStoredRequest {
  /** Idempotency key at the provider: a retry of the same charge never charges twice. */
  idempotencyKey: string;
  /** The router's session id, sent to the provider as metadata where it keeps any. */
  sessionId: string;
  amount: bigint;
  currency: Currency;
  merchantInternalTransactionCode: string;
  paymentMethod: ProviderPaymentMethod;
}

/** A session at its provider, as the router asks about it. */
export interface ProviderSessionReference {
  type: ClientTransactionSessionType;
  providerCode: string;
  token: string;
  /**
   * Whether the router stores the payment method this session used: only then must the answer
   * carry it (Stripe reads the PaymentMethod with a second call; Nuvei's status carries it).
   */
  readsPaymentMethod: boolean;
}

/** What a verified callback points at: a hint, never the outcome. */
export interface CallbackHint {
  providerCode: string | null;
  token: string | null;
  eventType: string | null;
  /**
   * Whether the event can tell the router anything it does not know. False for the provider's
   * echo of an object the router itself just created (Stripe's `payment_intent.created`): such a
   * callback is recorded and triggers no provider lookup.
   */
  news: boolean;
}

/** What a provider accepts, checked before a session or charge is stored (a provider's documented limits). */
export interface ProviderLimits {
  /** The largest amount, in minor units of any currency, the provider takes in one payment. */
  maxAmountMinor: bigint;
  /** Why the provider does not process a currency, or undefined when it does. */
  refusesCurrency(currency: Currency): string | undefined;
}

/** How the router reaches the merchant's account at a provider, and what the account accepts. */
export interface ProviderAccountSetup {
  /** Where the provider sends callbacks for this account. */
  callbackUrl: string;
  /** Origins allowed to frame the provider's card fields. */
  allowedOrigins: string[];
}

/**
 * One adapter per provider, speaking its wire format over HTTP. Adapters throw
 * ProviderUnavailableError when the provider did not answer usefully (5xx, timeout, connection);
 * every other answer is a ProviderStatus.
 */
export interface ProviderAdapter {
  readonly provider: TransactionProvider;
  /** Amounts and currencies the provider refuses; the router refuses them before it stores anything. */
  readonly limits: ProviderLimits;
  /** New credentials for a merchant's account at this provider (stored as JSON). */
  newCredentials(): Record<string, unknown>;
  /** Registers (or updates) the account at the provider with its callback URL and origins. */
  provisionAccount(
    credentials: Record<string, unknown>,
    setup: ProviderAccountSetup,
  ): Promise<void>;
  startSession(
    credentials: Record<string, unknown>,
    request: StartSessionRequest,
  ): Promise<StartedSession>;
  /** Asks the provider for the truth about a session. */
  retrieve(
    credentials: Record<string, unknown>,
    session: ProviderSessionReference,
  ): Promise<ProviderStatus>;
  /**
   * Closes a provider session after a decline so that it can no longer succeed (Stripe cancels
   * the PaymentIntent), and returns the provider's status afterwards: if the customer paid in
   * the meantime, that is what it says. Providers without a cancel just return the status.
   */
  close(
    credentials: Record<string, unknown>,
    session: ProviderSessionReference,
  ): Promise<ProviderStatus>;
  /**
   * First half of a server-side charge of a stored method: creates the provider's payment
   * (Stripe PaymentIntent, Nuvei order) without charging, so that the router can record its
   * reference before any money moves and later ask the provider whether it did.
   */
  prepareCharge(
    credentials: Record<string, unknown>,
    request: ChargeStoredRequest,
  ): Promise<{ providerCode: string; token: string }>;
  /** Second half: charges the prepared payment once. Retrieve it first when retrying. */
  confirmCharge(
    credentials: Record<string, unknown>,
    request: ChargeStoredRequest & { providerCode: string; token: string },
  ): Promise<ProviderStatus>;
  capture(
    credentials: Record<string, unknown>,
    request: { providerCode: string; amount: bigint; currency: Currency; idempotencyKey: string },
  ): Promise<ProviderStatus>;
  void(
    credentials: Record<string, unknown>,
    request: { providerCode: string; amount: bigint; currency: Currency; idempotencyKey: string },
  ): Promise<ProviderStatus>;
  /**
   * What the provider did about a settle or void the router sent before and got no answer to
   * (a timeout after the provider applied it): its status, with the captured amount of a settle,
   * or null when the provider has no record of it and it is safe to send again.
   */
  findOperation(
    credentials: Record<string, unknown>,
    request: {
      action: 'SETTLE' | 'VOID';
      providerCode: string;
      amount: bigint;
      currency: Currency;
      idempotencyKey: string;
    },
  ): Promise<(ProviderStatus & { amount?: bigint | undefined }) | null>;
  /**
   * Gives money back on a captured payment (`providerCode`: the PaymentIntent, the Nuvei
   * transaction). `idempotencyKey` is the refund's own id: the provider's idempotency key and
   * the reference a later findRefund looks it up by. The answer's providerCode is the refund's.
   */
  refund(credentials: Record<string, unknown>, request: RefundRequest): Promise<ProviderStatus>;
  /**
   * What the provider did about a refund the router sent before and got no answer to: its
   * status, or null when the provider has no record of it and it is safe to send again.
   */
  findRefund(
    credentials: Record<string, unknown>,
    request: RefundRequest,
  ): Promise<ProviderStatus | null>;
  /** Checks a callback's signature or checksum; never trusts its outcome. */
  verifyCallback(
    credentials: Record<string, unknown>,
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): { ok: true; hint: CallbackHint } | { ok: false; reason: string };
  /** Provider configuration for the React SDK (public values only). */
  baseConfig(credentials: Record<string, unknown>): Record<string, unknown>;
}

/** A refund as the router asks a provider for it. */
export interface RefundRequest {
  /** The captured payment's reference at the provider. */
  providerCode: string;
  amount: bigint;
  currency: Currency;
  /** The refund transaction's id. */
  idempotencyKey: string;
}

/** The provider did not answer usefully: nothing is known, nothing may change. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
  constructor(
    message: string,
    readonly kind: 'error' | 'timeout',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
