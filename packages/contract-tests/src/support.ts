import { CURRENCY, type TransactionProvider } from '@accrupay/contracts';
import AccruPay from '@accrupay/node';
import {
  type CardOutcome,
  NUVEI_TEST_CARDS,
  STRIPE_TEST_CARDS,
  TEST_BILLING,
  type TestCard,
} from '@accrupay/provider-sim';
import { SHOP_ORIGIN, startTestSandbox, type TestSandbox } from '@accrupay/sandbox/testing';

export { databases } from '@accrupay/sandbox/testing';

export type Provider = TransactionProvider;
export const PROVIDERS: readonly Provider[] = ['STRIPE', 'NUVEI'];
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** Provider TTLs of document 001: Stripe PaymentIntent 24 h, Nuvei session 20 min. */
export const TTL = { STRIPE: 24 * HOUR, NUVEI: 20 * MINUTE } as const;

/** The number of the simulator's first test card with an outcome (packages/provider-sim/README.md). */
function card(cards: readonly TestCard[], outcome: CardOutcome): string {
  const found = cards.find((one) => one.outcome === outcome);
  if (!found) throw new Error(`the simulator has no test card for ${outcome}`);
  return found.number;
}
const BOTH = { STRIPE: STRIPE_TEST_CARDS, NUVEI: NUVEI_TEST_CARDS } as const;

/** The simulator's published test cards. */
export const CARDS = {
  success: { STRIPE: card(BOTH.STRIPE, 'success'), NUVEI: card(BOTH.NUVEI, 'success') },
  challenge: {
    STRIPE: card(BOTH.STRIPE, 'challenge_3ds'),
    NUVEI: card(BOTH.NUVEI, 'challenge_3ds'),
  },
  genericDecline: card(STRIPE_TEST_CARDS, 'generic_decline'),
  processingError: card(STRIPE_TEST_CARDS, 'processing_error'),
  attachThenDecline: card(STRIPE_TEST_CARDS, 'attach_ok_charge_declines'),
} as const;

const DECLINE_NAMES = {
  generic_decline: 'generic decline',
  insufficient_funds: 'insufficient funds',
  lost_card: 'lost card',
  stolen_card: 'stolen card',
  expired_card: 'expired card',
  incorrect_cvc: 'incorrect CVC',
} as const satisfies Partial<Record<CardOutcome, string>>;

/** Every decline the simulator offers, with the card that triggers it (the same on both providers). */
export const DECLINES: ReadonlyArray<readonly [string, string]> = Object.entries(DECLINE_NAMES).map(
  ([outcome, name]) => [name, card(STRIPE_TEST_CARDS, outcome as CardOutcome)] as const,
);

/** The tests' customer: the simulator's faker-seeded billing fixture, valid for the contract. */
export const BILLING = TEST_BILLING;

/** A running sandbox and simulator, the merchant's SDK, and the customer's browser. */
export interface Harness {
  t: TestSandbox;
  provider: Provider;
  /** The merchant's SDK, pointed at the sandbox; retries wait on the manual clock, not in real time. */
  accrupay: AccruPay;
  /** What the SDK put on the wire, in order. */
  requests: Array<{ method: string; url: string; status: number | 'failed' }>;
  /**
   * The next answer of the sandbox is lost on the way back: the request is done, the SDK sees a
   * 503 (a gateway in between failing), as a merchant's network can make happen.
   */
  loseNextAnswer(): void;
  /** The waits the SDK asked for between retries. */
  sleeps: number[];
  providerId: string;
  /** An SDK built like `accrupay`, with other options. */
  sdk(options?: Partial<ConstructorParameters<typeof AccruPay>[0]>): AccruPay;
  /** The customer types a card into the provider's hosted fields for a session (by id or token). */
  pay(session: { id?: string; token?: string }, card: string): Promise<number>;
  /** The customer approves or denies the 3-D Secure challenge. */
  challenge(session: { id?: string; token?: string }, decision: 'approve' | 'deny'): Promise<void>;
  /** What the provider really charged or captured for a merchant reference. */
  charges(code: string): ReturnType<TestSandbox['sim']['ledger']>;
  /**
   * Sends the merchant webhooks due on the router's clock and resolves once every request was
   * answered; the sandbox never sends them by itself here, so nothing races a test.
   */
  deliverWebhooks(): Promise<number>;
  close(): Promise<void>;
}

export async function harness(db: string, provider: Provider): Promise<Harness> {
  const t = await startTestSandbox({ db, sandbox: { webhooks: { autoStart: false } } });
  const providerId = t.merchant.merchantTransactionProviderIds[provider];
  if (!providerId) throw new Error(`the test merchant has no ${provider} provider`);
  const requests: Harness['requests'] = [];
  const sleeps: number[] = [];
  let lose = false;
  const recordingFetch: typeof fetch = async (input, init) => {
    const entry: Harness['requests'][number] = {
      method: init?.method ?? 'GET',
      url: String(input).slice(t.sandbox.url.length),
      status: 'failed',
    };
    requests.push(entry);
    const response = await fetch(input, init);
    if (lose) {
      lose = false;
      await response.text();
      entry.status = 503;
      return new Response('<html>503 Service Unavailable</html>', {
        status: 503,
        headers: { 'content-type': 'text/html' },
      });
    }
    entry.status = response.status;
    return response;
  };
  const sdk: Harness['sdk'] = (options = {}) =>
    new AccruPay({
      apiSecret: t.merchant.apiSecret,
      baseUrl: t.sandbox.url,
      fetch: recordingFetch,
      // A retry waits on the simulator's clock, as it would on the wall clock.
      sleep: async (ms) => {
        sleeps.push(ms);
        await t.sim.clock.advance(ms);
      },
      ...options,
    });
  const accrupay = sdk();

  /** What the React SDK does: the browser resolves the session through the public API. */
  async function tokenOf(session: { id?: string; token?: string }): Promise<string> {
    if (session.token) return session.token;
    const answer = await fetch(
      `${t.sandbox.url}/v1/public/${t.merchant.merchantPublicId}/client-session?id=${session.id}`,
      { headers: { origin: SHOP_ORIGIN } },
    );
    const body = (await answer.json()) as { token: string };
    return body.token;
  }

  return {
    t,
    provider,
    accrupay,
    requests,
    sleeps,
    providerId,
    loseNextAnswer: () => {
      lose = true;
    },
    sdk,
    async pay(session, card) {
      const answer = await t.pay(provider, await tokenOf(session), card);
      // 409: the provider no longer accepts a card for this session (closed or expired).
      if (answer.status !== 200 && answer.status !== 409) {
        throw new Error(`the card page answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
      return answer.status;
    },
    async challenge(session, decision) {
      await t.challenge(provider, await tokenOf(session), decision);
    },
    charges: (code) =>
      t.sim
        .ledger({ merchantRef: code })
        .filter((entry) => entry.kind === 'charge' || entry.kind === 'capture'),
    deliverWebhooks: () => t.sandbox.service.webhooks.runDue(),
    close: () => t.close(),
  };
}

/** A start payload in document 002's shape, for the three session types. */
export function startData(code: string, options: { amount?: bigint; customer?: string } = {}) {
  return {
    merchantInternalTransactionCode: code,
    amount: options.amount ?? 10000n,
    currency: CURRENCY.USD,
    storePaymentMethod: false,
    billing: BILLING,
    customer: { merchantInternalCustomerCode: options.customer ?? 'customer-4421' },
  };
}

export {
  type ReceivedWebhook,
  type WebhookReceiver,
  webhookReceiver,
} from '@accrupay/sandbox/testing';

// --- Document 004: Accrue Pay -------------------------------------------------------------

/** The simulator's Accrue Pay test customers (packages/provider-sim/README.md, "Test customers"). */
export type AccrueCustomer =
  | 'default'
  | 'insufficient_funds'
  | 'bank_transfer_fails'
  | 'bank_transfer_returned';

/** What the simulator's ledger says of a movement of money (`GET /__sim/ledger`). */
export interface SimLedgerEntry {
  provider: string;
  kind: string;
  amount: number;
  currency: string;
  providerRef: string;
  token?: string;
  detail?: string;
}

/** The merchant's card API pair (document 004's x-client-id / x-client-secret), printed at creation. */
export function clientCredentials(t: TestSandbox): { clientId: string; clientSecret: string } {
  const { clientId, clientSecret } = t.merchant as unknown as {
    clientId?: string;
    clientSecret?: string;
  };
  if (!clientId || !clientSecret) {
    throw new Error(
      'the test merchant has no clientId / clientSecret: createMerchant must print them',
    );
  }
  return { clientId, clientSecret };
}

/**
 * What the hosted Accrue Pay page does for a customer who signs in and pays: the simulator's
 * test helper `POST /__sim/accrue/payment-intents` makes the intent; its id, as the React SDK's
 * `<AccruePayButton>` reports it.
 */
export async function accrueIntent(
  t: TestSandbox,
  options: {
    amount?: bigint;
    currency?: string;
    method?: 'wallet' | 'bank';
    customer?: AccrueCustomer;
  } = {},
): Promise<string> {
  const response = await fetch(`${t.sandbox.providerUrl}/__sim/accrue/payment-intents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      merchantPublicId: t.merchant.merchantPublicId,
      amount: Number(options.amount ?? 10000n),
      currency: options.currency ?? 'USD',
      method: options.method ?? 'wallet',
      ...(options.customer ? { customer: options.customer } : {}),
    }),
  });
  const body = (await response.json()) as { id?: string };
  if (response.status !== 201 || !body.id) {
    throw new Error(`the simulator made no intent: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.id;
}

/** The simulator's ledger over HTTP (`GET <simulatorUrl>/__sim/ledger`), filtered by its query. */
export async function simLedger(
  t: TestSandbox,
  query: Record<string, string>,
): Promise<SimLedgerEntry[]> {
  const response = await fetch(
    `${t.sandbox.providerUrl}/__sim/ledger?${new URLSearchParams(query)}`,
  );
  if (!response.ok) throw new Error(`GET /__sim/ledger answered ${response.status}`);
  const body = (await response.json()) as SimLedgerEntry[] | { data: SimLedgerEntry[] };
  return Array.isArray(body) ? body : body.data;
}

/**
 * Charges a card at the simulator's Stripe-like provider, as the merchant's own card gateway
 * would (document 004, card rails: "process the virtual debit card through your payment
 * gateway"); answers the status and Stripe's PaymentIntent or error.
 */
export async function chargeAtStripe(
  t: TestSandbox,
  card: { number: string; expirationMonth: string; expirationYear: string; cvc: string },
  amount: bigint,
  currency = 'usd',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    amount: amount.toString(),
    currency,
    confirm: 'true',
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': card.number,
    'payment_method_data[card][exp_month]': card.expirationMonth,
    'payment_method_data[card][exp_year]': card.expirationYear,
    'payment_method_data[card][cvc]': card.cvc,
  });
  const response = await fetch(`${t.sandbox.providerUrl}/stripe/v1/payment_intents`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('sk_test_sim_default:').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
