// The demo shop's backend: what a merchant's server does with @accrupay/node.
// 1. start a payment session for an order and give the browser only session.id;
// 2. once the browser says the customer is done (or whenever asked), verify() the session and
//    confirm the order only if the transaction SUCCEEDED. Nothing the browser says is trusted.
// 3. the merchant refunds a paid order (in full, or part of it) with transactions.refund() on the
//    payment transaction verify() returned; the refunded total is what AccruPay says it is.
// 4. AccruPay's webhooks arrive at POST /webhooks (an endpoint the shop registers for itself):
//    each is checked on its raw body with webhooks.constructEvent(), kept on its order, and taken
//    as a hint only: a success event makes the shop ask verify(), the same path as the page's.
// 5. Accrue Pay (document 004): the page's <AccruePayButton> reports a Payment Intent id; the
//    backend authorizes it with paymentIntents.authorize() (automatic capture) and confirms the
//    order only once payments.get() says succeeded or settled.
import { randomUUID } from 'node:crypto';
import {
  AccruPay,
  AccruPayConflictError,
  AccruPayError,
  AccruPayNotFoundError,
  AccruPayPaymentError,
  AccruPayValidationError,
  AccruPayWebhookVerificationError,
  type ClientSession,
  CURRENCY,
  type MerchantTransaction,
  type Payment,
  type PaymentStatus,
  type TransactionProvider,
  type WebhookEvent,
  webhooks,
} from '@accrupay/node';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/** The demo merchant's credentials, as `accrupay-sandbox start` prints them. */
export interface DemoMerchant {
  /** Where the sandbox listens; the backend SDK and the page's React SDK both use it. */
  baseUrl: string;
  apiSecret: string;
  merchantPublicId: string;
  merchantTransactionProviderIds: Partial<Record<TransactionProvider, string>>;
}

export type OrderStatus =
  | 'AWAITING_PAYMENT'
  | 'CONFIRMED'
  | 'PAYMENT_FAILED'
  | 'EXPIRED'
  /** A refund was sent and the provider has not said yet whether the money went back. */
  | 'REFUND_PENDING'
  | 'PARTIALLY_REFUNDED'
  | 'REFUNDED';

/** The order statuses of a paid order: the ones a refund may be asked for. */
export const PAID_STATUSES: readonly OrderStatus[] = [
  'CONFIRMED',
  'REFUND_PENDING',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
];

/** The refund statuses the provider has not settled yet (AccruPay's unresolved refunds). */
const UNRESOLVED_REFUND = ['PENDING', 'STARTED', 'UNKNOWN'];

/** One refund of an order: the REFUND transaction `transactions.refund()` returned, as it stands. */
export interface OrderRefund {
  id: string;
  amount: bigint;
  status: string;
  errorMessage: string | null;
}

/**
 * What the shop did with a webhook. It never takes the event's word for a payment: only a
 * success event is acted on, and only by asking verify().
 */
export type WebhookCheck =
  /** A success event: verify() is being asked (after the order's earlier work). */
  | 'VERIFYING'
  /** verify() said SUCCEEDED: the order is paid (fulfilled once, by whichever path came first). */
  | 'PAID'
  /** verify() said anything but SUCCEEDED: nothing is fulfilled, whatever the event claimed. */
  | 'NOT_PAID'
  /** A success event for an order verify() had already confirmed: not asked again. */
  | 'ALREADY_PAID'
  /** Not a success event: kept and shown, not acted on. */
  | 'NOT_CHECKED'
  /** verify() could not be asked: "Check payment status" asks again. */
  | 'VERIFY_FAILED';

/** A webhook the shop received for an order, as it shows it. */
export interface OrderWebhook {
  /** The event's id (`evt_...`): its webhook-id header, the same on every delivery. */
  id: string;
  type: WebhookEvent['type'];
  /** When AccruPay recorded the status change. */
  createdAt: string;
  /** When the shop first received it, on the shop's clock. */
  receivedAt: string;
  /** The status the event's object claims: a hint, never the truth. */
  claimedStatus: string;
  /** How many times it arrived: duplicates are counted, not acted on again. */
  deliveries: number;
  check: WebhookCheck;
  /** The transaction status verify() answered for this event, or had answered for a failed order. */
  verifyStatus: string | null;
  error: string | null;
}

/**
 * The events that claim the customer paid: the shop answers them by asking verify() (a card
 * payment) or payments.get() (Accrue Pay).
 */
const SUCCESS_EVENTS: ReadonlySet<string> = new Set([
  'transaction.succeeded',
  'client_session.completed',
  'payment.succeeded',
  'payment.settled',
]);

/** The Accrue Pay payment statuses that pay an order: the money has arrived (or is settled). */
const ACCRUE_PAID: readonly PaymentStatus[] = ['succeeded', 'settled'];
/** The Accrue Pay payment statuses that end an order unpaid. */
const ACCRUE_UNPAID: readonly PaymentStatus[] = ['canceled', 'failed'];

/** An order paid (or being paid) with Accrue Pay: the intent the page reported, the payment it became. */
export interface AccruePayment {
  paymentIntentId: string;
  /** The Payment `paymentIntents.authorize()` returned; null until it answered. */
  paymentId: string | null;
  /** What `payments.get()` said last (authorize's answer until then). */
  status: PaymentStatus | null;
  /** Why the payment failed, as Accrue says (`transfer_failed`, ...). */
  failureCode: string | null;
}

/** How many event ids the receiver remembers to drop duplicates. */
const SEEN_EVENTS = 10_000;

export interface Order {
  id: string;
  amount: bigint;
  currency: 'USD';
  provider: TransactionProvider;
  sessionId: string;
  status: OrderStatus;
  /** The transaction status verify() returned last. */
  transactionStatus: string | null;
  /** The PAYMENT transaction verify() returned SUCCEEDED: what a refund gives money back on. */
  transactionId: string | null;
  /** What the payment's SUCCEEDED refunds gave back, as AccruPay's `refundedAmount` says. */
  refundedAmount: bigint;
  /** Every refund the merchant asked for, oldest first. */
  refunds: OrderRefund[];
  /** How many times the shop fulfilled (shipped) the order: 1 once paid, never more. */
  fulfilments: number;
  /** Whose verify() call fulfilled it: the page's "confirm", or a webhook's. */
  fulfilledVia: 'page' | 'webhook' | null;
  /** The last webhooks received about the order, oldest first. */
  webhooks: OrderWebhook[];
  /** Set once the customer chose Accrue Pay and the page reported the intent. */
  accrue: AccruePayment | null;
}

/** The prices the page offers, in cents; the backend accepts nothing else. */
export const PRICES = [999n, 2500n, 12000n] as const;

export function orderJson(order: Order) {
  return {
    ...order,
    amount: order.amount.toString(),
    refundedAmount: order.refundedAmount.toString(),
    refunds: order.refunds.map((refund) => ({ ...refund, amount: refund.amount.toString() })),
  };
}

/** The status of a paid order, from its refunded total and its refunds still in flight. */
function paidStatus(order: Order): OrderStatus {
  if (order.refundedAmount >= order.amount) return 'REFUNDED';
  if (order.refunds.some((refund) => UNRESOLVED_REFUND.includes(refund.status))) {
    return 'REFUND_PENDING';
  }
  return order.refundedAmount > 0n ? 'PARTIALLY_REFUNDED' : 'CONFIRMED';
}

/** Records a REFUND transaction on the order, replacing the earlier answer about the same refund. */
function recordRefund(order: Order, refund: MerchantTransaction): void {
  const entry: OrderRefund = {
    id: refund.id,
    amount: refund.amount ?? 0n,
    status: refund.status,
    errorMessage: refund.errorMessage,
  };
  const known = order.refunds.findIndex((candidate) => candidate.id === refund.id);
  if (known >= 0) order.refunds[known] = entry;
  else order.refunds.push(entry);
}

/** The refund amount the merchant typed, in cents; undefined for "all that remains". */
function refundAmount(body: unknown): bigint | undefined | { error: string } {
  const given = (body as { amount?: unknown } | undefined)?.amount;
  if (given === undefined || given === null || given === '') return undefined;
  if (typeof given !== 'string' || !/^[0-9]{1,12}$/.test(given)) {
    return {
      error: `amount must be a whole number of cents as a string, such as "500" for $5.00 (or left out to refund all that remains); got ${JSON.stringify(given)}`,
    };
  }
  return BigInt(given);
}

/**
 * The HTTP status for an error of the SDK that refuses the refund itself (too much, nothing left,
 * a bad amount): the merchant's page shows its message. Anything else is the shop's own failure.
 */
function refusalStatus(error: unknown): number | undefined {
  if (error instanceof AccruPayConflictError) return 409;
  if (error instanceof AccruPayNotFoundError) return 404;
  if (error instanceof AccruPayValidationError) {
    const status = error.statusCode ?? 400;
    return status === 422 ? 422 : 400;
  }
  return undefined;
}

/** Options of {@link shopBackend}. */
export interface ShopBackendOptions {
  /** Where the backend is mounted on the sandbox: its webhook endpoint is `<baseUrl><path>/webhooks`. Default `/demo/api`. */
  path?: string;
  /** How many webhooks an order keeps. Default 20. */
  webhooksPerOrder?: number;
  /** The shop's clock, in epoch milliseconds: when a webhook arrived, and its timestamp's tolerance. */
  now?: () => number;
}

/** The shop's webhook endpoint at AccruPay: its secret stays in this process. */
interface Registration {
  id: string;
  url: string;
  secret: string;
}

/**
 * The shop's API: `POST /orders`, `GET /orders/:id`, `POST /orders/:id/confirm`,
 * `POST /orders/:id/accrue-pay`, `POST /orders/:id/refund`, and AccruPay's webhooks at `POST /webhooks` (`GET /webhooks` says
 * where they are registered).
 */
export function shopBackend(
  merchant: () => Promise<DemoMerchant>,
  options: ShopBackendOptions = {},
): Router {
  const apiPath = (options.path ?? '/demo/api').replace(/\/+$/, '');
  const keep = options.webhooksPerOrder ?? 20;
  const now = options.now ?? Date.now;
  const orders = new Map<string, Order>();
  let client: { key: string; accrupay: AccruPay } | undefined;
  function clientOf({ apiSecret, baseUrl }: DemoMerchant) {
    if (client?.key !== `${baseUrl} ${apiSecret}`) {
      client = { key: `${baseUrl} ${apiSecret}`, accrupay: new AccruPay({ apiSecret, baseUrl }) };
    }
    return client.accrupay;
  }
  async function accrupay() {
    return clientOf(await merchant());
  }

  // Each order's verify() calls and their effects, one at a time: the page's "confirm" and two
  // success webhooks arriving together must not all see it unpaid and fulfil it three times.
  const queues = new Map<string, Promise<void>>();
  function serially<T>(orderId: string, work: () => Promise<T>): Promise<T> {
    const run = (queues.get(orderId) ?? Promise.resolve()).then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(orderId, tail);
    void tail.then(() => {
      if (queues.get(orderId) === tail) queues.delete(orderId);
    });
    return run;
  }

  /**
   * The one verify path, for the page and the webhooks: asks AccruPay (which asks the provider)
   * and fulfils only a SUCCEEDED transaction. Call it inside `serially`.
   */
  async function verifyCardPayment(order: Order, via: 'page' | 'webhook') {
    const transaction = await (await accrupay()).transactions.clientSessions.payments.verify({
      id: order.sessionId,
    });
    order.transactionStatus = transaction.status;
    if (transaction.status === 'SUCCEEDED') {
      order.status = 'CONFIRMED';
      order.transactionId = transaction.id;
      order.fulfilments += 1;
      order.fulfilledVia = via;
    } else if (transaction.status === 'EXPIRED') order.status = 'EXPIRED';
    else if (['DECLINED', 'FAILED', 'ERROR', 'CANCELED'].includes(transaction.status)) {
      order.status = 'PAYMENT_FAILED';
    }
    return transaction;
  }

  /** Records what Accrue says of the order's payment; fulfils only succeeded or settled, once. */
  function recordAccrue(order: Order, payment: Payment, via: 'page' | 'webhook'): void {
    const accrue = order.accrue;
    if (!accrue) return;
    accrue.paymentId = payment.id;
    accrue.status = payment.attributes.status;
    accrue.failureCode = payment.attributes.failure_code;
    if (order.status !== 'AWAITING_PAYMENT') return;
    if (ACCRUE_PAID.includes(payment.attributes.status)) {
      order.status = 'CONFIRMED';
      order.fulfilments += 1;
      order.fulfilledVia = via;
    } else if (ACCRUE_UNPAID.includes(payment.attributes.status)) {
      order.status = 'PAYMENT_FAILED';
    }
  }

  /**
   * The one check of an order, for the page and the webhooks: verify() for a card payment,
   * payments.get() for Accrue Pay (AccruPay asks Accrue). Call it inside `serially`.
   */
  async function verifyPayment(
    order: Order,
    via: 'page' | 'webhook',
  ): Promise<{ status: string; paid: boolean }> {
    if (order.accrue) {
      if (!order.accrue.paymentId) return { status: 'not authorized', paid: false };
      const payment = await (await accrupay()).payments.get(order.accrue.paymentId);
      recordAccrue(order, payment, via);
      return {
        status: payment.attributes.status,
        paid: ACCRUE_PAID.includes(payment.attributes.status),
      };
    }
    const transaction = await verifyCardPayment(order, via);
    return { status: transaction.status, paid: transaction.status === 'SUCCEEDED' };
  }

  // The endpoint is registered once per merchant and base URL, before the first order. Its secret
  // is shown only when it is created, so an endpoint an earlier run of the shop left at the same
  // URL is deleted and a new one made: the endpoints do not pile up.
  let registration: { key: string; endpoint: Promise<Registration> } | undefined;
  let registrationError: string | null = null;
  async function webhookEndpoint(): Promise<Registration> {
    const current = await merchant();
    const key = `${current.baseUrl} ${current.apiSecret}`;
    if (registration?.key !== key) {
      const url = `${current.baseUrl.replace(/\/+$/, '')}${apiPath}/webhooks`;
      const endpoint = register(clientOf(current), url);
      registration = { key, endpoint };
      endpoint.then(
        () => {
          registrationError = null;
        },
        (error: unknown) => {
          registrationError = error instanceof Error ? error.message : String(error);
          if (registration?.endpoint === endpoint) registration = undefined;
        },
      );
    }
    return registration.endpoint;
  }
  async function register(accrupay: AccruPay, url: string): Promise<Registration> {
    const { data } = await accrupay.webhookEndpoints.list();
    for (const stale of data.filter((endpoint) => endpoint.url === url)) {
      await accrupay.webhookEndpoints.delete(stale.id).catch((error: unknown) => {
        if (!(error instanceof AccruPayNotFoundError)) throw error;
      });
    }
    const created = await accrupay.webhookEndpoints.create({
      url,
      description: 'The demo shop: replaced each time it starts (the secret lives in its memory)',
    });
    return { id: created.id, url, secret: created.secret };
  }

  const seen = new Set<string>();
  function remember(eventId: string) {
    seen.add(eventId);
    if (seen.size > SEEN_EVENTS) seen.delete(seen.values().next().value as string);
  }

  /**
   * The order an event is about: an Accrue Pay event by its payment or payment intent id, any
   * other by its merchantInternalTransactionCode, else its session.
   */
  function orderOf(event: WebhookEvent): Order | undefined {
    if (event.type.startsWith('payment_intent.') || event.type.startsWith('payment.')) {
      const object = event.data.object as { id: string; relationships: unknown };
      const intentId = event.type.startsWith('payment.')
        ? (event.data.object as Payment).relationships.payment_intent.data.id
        : object.id;
      return [...orders.values()].find(
        ({ accrue }) =>
          accrue !== null &&
          (accrue.paymentIntentId === intentId || accrue.paymentId === object.id),
      );
    }
    const object = event.data.object as ClientSession | MerchantTransaction;
    const code = object.merchantInternalTransactionCode;
    const sessionId = event.type.startsWith('client_session.')
      ? object.id
      : (object as MerchantTransaction).sessionId;
    return (
      (code ? orders.get(code) : undefined) ??
      [...orders.values()].find((order) => order.sessionId === sessionId)
    );
  }

  /** What a received webhook makes the shop do: ask verify() for a success, nothing else. */
  async function checkWebhook(order: Order, entry: OrderWebhook): Promise<void> {
    if (PAID_STATUSES.includes(order.status)) {
      entry.check = 'ALREADY_PAID';
      return;
    }
    if (order.status !== 'AWAITING_PAYMENT') {
      // Failed or expired: verify() answered already, and a success claim does not change it.
      entry.check = 'NOT_PAID';
      entry.verifyStatus = order.transactionStatus;
      return;
    }
    try {
      const checked = await verifyPayment(order, 'webhook');
      entry.verifyStatus = checked.status;
      entry.check = checked.paid ? 'PAID' : 'NOT_PAID';
    } catch (error) {
      entry.check = 'VERIFY_FAILED';
      entry.error = error instanceof Error ? error.message : String(error);
    }
  }

  const router = express.Router();

  // AccruPay's webhooks. The signature covers the exact bytes sent: this route reads the raw
  // body, before any JSON parser. It answers as soon as the event is checked and kept; verify()
  // runs after the answer, in the order's queue.
  router.post(
    '/webhooks',
    express.raw({ type: 'application/json', limit: '256kb' }),
    async (req, res, next) => {
      try {
        const { secret } = await webhookEndpoint();
        let event: WebhookEvent;
        try {
          event = webhooks.constructEvent(req.body, req.headers, secret, { now: now() });
        } catch (error) {
          // Forged, stale or mangled: refused, and the message is in AccruPay's delivery log.
          if (!(error instanceof AccruPayWebhookVerificationError)) throw error;
          res.status(400).json({ error: error.message, code: error.code });
          return;
        }
        const order = orderOf(event);
        if (seen.has(event.id)) {
          const known = order?.webhooks.find((entry) => entry.id === event.id);
          if (known) known.deliveries += 1;
          res.json({ received: event.id, duplicate: true });
          return;
        }
        remember(event.id);
        if (!order) {
          // Not one of this process's orders (made before a restart, or elsewhere): acknowledged.
          res.json({ received: event.id, order: null });
          return;
        }
        const entry: OrderWebhook = {
          id: event.id,
          type: event.type,
          createdAt: event.createdAt,
          receivedAt: new Date(now()).toISOString(),
          claimedStatus:
            'attributes' in event.data.object
              ? event.data.object.attributes.status
              : event.data.object.status,
          deliveries: 1,
          check: SUCCESS_EVENTS.has(event.type) ? 'VERIFYING' : 'NOT_CHECKED',
          verifyStatus: null,
          error: null,
        };
        order.webhooks.push(entry);
        if (order.webhooks.length > keep) order.webhooks.splice(0, order.webhooks.length - keep);
        if (entry.check === 'VERIFYING') void serially(order.id, () => checkWebhook(order, entry));
        res.json({ received: event.id, order: order.id });
      } catch (error) {
        next(error);
      }
    },
  );

  router.use(express.json({ limit: '4kb' }));

  // Where the webhooks are registered (never the secret); the page shows it.
  router.get('/webhooks', async (_req, res) => {
    const endpoint = await webhookEndpoint().catch(() => undefined);
    res.json(
      endpoint
        ? { endpointId: endpoint.id, url: endpoint.url, error: null }
        : { endpointId: null, url: null, error: registrationError },
    );
  });

  router.post('/orders', async (req, res, next) => {
    try {
      const amount = PRICES.find((price) => price.toString() === String(req.body?.amount));
      const provider: unknown = req.body?.provider ?? 'STRIPE';
      if (!amount || (provider !== 'STRIPE' && provider !== 'NUVEI')) {
        res.status(400).json({
          error: `amount must be one of ${PRICES.join(', ')} (cents) and provider STRIPE or NUVEI`,
        });
        return;
      }
      const merchantTransactionProviderId = (await merchant()).merchantTransactionProviderIds[
        provider
      ];
      if (!merchantTransactionProviderId) {
        res.status(400).json({ error: `the demo merchant has no ${provider} provider` });
        return;
      }
      // Webhooks are hints: an order is still made, and verified, if they cannot be registered.
      await webhookEndpoint().catch(() => undefined);
      const orderId = `demo-${randomUUID()}`;
      // Step 1: start the session on the server, with the secret.
      const session = await (await accrupay()).transactions.clientSessions.payments.start({
        merchantTransactionProviderId,
        data: {
          amount,
          currency: CURRENCY.USD,
          merchantInternalTransactionCode: orderId,
          merchantInternalCustomerCode: 'demo-customer',
          billing: {
            billingFirstName: 'Jane',
            billingLastName: 'Smith',
            billingEmail: 'jane@example.com',
            billingAddressCountry: 'US',
          },
          storePaymentMethod: false,
        },
      });
      const order: Order = {
        id: orderId,
        amount,
        currency: 'USD',
        provider,
        sessionId: session.id,
        status: 'AWAITING_PAYMENT',
        transactionStatus: null,
        transactionId: null,
        refundedAmount: 0n,
        refunds: [],
        fulfilments: 0,
        fulfilledVia: null,
        webhooks: [],
        accrue: null,
      };
      orders.set(order.id, order);
      // Only the session id goes to the browser: never the token, never the secret.
      res.status(201).json(orderJson(order));
    } catch (error) {
      next(error);
    }
  });

  // The order once the work queued for it (a webhook's verify()) is done.
  router.get('/orders/:id', async (req, res) => {
    const order = orders.get(req.params.id);
    if (!order) {
      res.status(404).json({ error: 'no such order' });
      return;
    }
    await queues.get(order.id);
    res.json(orderJson(order));
  });

  // Step 2: the browser says "done" (an informational callback, maybe forged, maybe never sent):
  // ask AccruPay, which asks the provider. Only a SUCCEEDED transaction confirms the order.
  router.post('/orders/:id/confirm', async (req, res, next) => {
    try {
      const order = orders.get(req.params.id);
      if (!order) {
        res.status(404).json({ error: 'no such order' });
        return;
      }
      await serially(order.id, async () => {
        // An Accrue Pay order is read again once paid too: succeeded becomes settled.
        if (order.status === 'AWAITING_PAYMENT' || order.accrue?.paymentId) {
          await verifyPayment(order, 'page');
        } else if (order.transactionId) await refreshRefunds(order, order.transactionId);
      });
      res.json(orderJson(order));
    } catch (error) {
      next(error);
    }
  });

  // Accrue Pay: the page's <AccruePayButton> reports the Payment Intent the customer created (an
  // informational callback, maybe forged): the backend authorizes it for this order's own amount,
  // with automatic capture, then asks payments.get(). The order is confirmed only once Accrue
  // says succeeded or settled (a bank transfer takes days: "Check payment status" asks again).
  router.post('/orders/:id/accrue-pay', async (req, res, next) => {
    try {
      const order = orders.get(req.params.id);
      if (!order) {
        res.status(404).json({ error: 'no such order' });
        return;
      }
      const paymentIntentId: unknown = req.body?.paymentIntentId;
      if (typeof paymentIntentId !== 'string' || !/^pi_[A-Za-z0-9]{8,64}$/.test(paymentIntentId)) {
        res.status(400).json({
          error: `paymentIntentId must be the Payment Intent id the Accrue Pay button reported, such as pi_def456uvw123; got ${JSON.stringify(paymentIntentId)}`,
        });
        return;
      }
      const refused = await serially(order.id, async () => {
        if (order.status !== 'AWAITING_PAYMENT' || order.accrue?.paymentId) {
          return `order ${order.id} is ${order.status}${order.accrue?.paymentId ? ' and already has an Accrue Pay payment' : ''}: nothing to authorize`;
        }
        order.accrue = { paymentIntentId, paymentId: null, status: null, failureCode: null };
        const client = await accrupay();
        let payment: Payment;
        try {
          payment = await client.paymentIntents.authorize(
            paymentIntentId,
            {
              amount: order.amount,
              currency: order.currency,
              captureMethod: 'automatic',
              description: `Demo shop order ${order.id}`,
            },
            // A retry of this call (the network failed) authorizes the intent once.
            { idempotencyKey: `${order.id}:${paymentIntentId}:authorize` },
          );
        } catch (error) {
          order.accrue = null;
          throw error;
        }
        recordAccrue(order, payment, 'page');
        recordAccrue(order, await client.payments.get(payment.id), 'page');
        return null;
      });
      if (refused) {
        res.status(409).json({ error: refused, order: orderJson(order) });
        return;
      }
      res.json(orderJson(order));
    } catch (error) {
      // Refused by Accrue (insufficient funds, an intent for another amount or already used):
      // nothing was reserved; the customer may pay another way.
      if (error instanceof AccruPayPaymentError || error instanceof AccruPayConflictError) {
        res.status(error.statusCode === 409 ? 409 : 422).json({
          error: error.message,
          code: error.code,
          order: orderJson(orders.get(req.params.id) as Order),
        });
        return;
      }
      if (error instanceof AccruPayValidationError || error instanceof AccruPayNotFoundError) {
        res.status(error instanceof AccruPayNotFoundError ? 404 : 422).json({
          error: error.message,
          code: error.code,
          order: orderJson(orders.get(req.params.id) as Order),
        });
        return;
      }
      next(error);
    }
  });

  /**
   * Syncs the order's refunds still in flight (AccruPay asks the provider), then takes the refunded total
   * from the payment transaction: the provider's answer, counting refunds made elsewhere too (the
   * dashboard, another instance of the shop).
   */
  async function refreshRefunds(order: Order, paymentId: string): Promise<void> {
    const client = await accrupay();
    for (const refund of order.refunds.filter((one) => UNRESOLVED_REFUND.includes(one.status))) {
      recordRefund(order, await client.transactions.sync({ id: refund.id }));
    }
    const payment = await client.transactions.getOne({ id: paymentId });
    order.refundedAmount = payment.refundedAmount ?? 0n;
    order.status = paidStatus(order);
  }

  // Step 3, the merchant's side: refund a paid order, in full (no amount) or partly (amount in
  // cents). This local demo has no merchant login: see the README. A JSON body is required, so a
  // form posted from another site (which cannot send JSON without CORS) refunds nothing.
  router.post('/orders/:id/refund', async (req, res, next) => {
    try {
      const order = orders.get(req.params.id);
      if (!order) {
        res.status(404).json({ error: 'no such order' });
        return;
      }
      if (!req.is('application/json')) {
        res
          .status(415)
          .json({ error: 'send the refund as JSON: {"amount": "500"}, or {} for all' });
        return;
      }
      if (order.accrue) {
        res.status(409).json({
          error: `order ${order.id} was paid with Accrue Pay: this demo refunds card payments only`,
          order: orderJson(order),
        });
        return;
      }
      const paymentId = order.transactionId;
      if (!paymentId || !PAID_STATUSES.includes(order.status)) {
        res.status(409).json({
          error: `order ${order.id} is ${order.status}, not paid: there is nothing to refund`,
          order: orderJson(order),
        });
        return;
      }
      const amount = refundAmount(req.body);
      if (typeof amount === 'object') {
        res.status(400).json({ error: amount.error, order: orderJson(order) });
        return;
      }
      let refund: MerchantTransaction;
      try {
        refund = await (await accrupay()).transactions.refund({
          id: paymentId,
          ...(amount === undefined ? {} : { amount }),
        });
      } catch (error) {
        const status = refusalStatus(error);
        if (status === undefined || !(error instanceof AccruPayError)) throw error;
        // Refused, so nothing moved; the order still learns the truth (a refund made elsewhere).
        await refreshRefunds(order, paymentId).catch(() => undefined);
        res
          .status(status)
          .json({ error: error.message, code: error.code, order: orderJson(order) });
        return;
      }
      recordRefund(order, refund);
      // The money has moved: a failed look-up must not answer an error a merchant would retry.
      await refreshRefunds(order, paymentId).catch(() => {
        order.refundedAmount = order.refunds
          .filter((one) => one.status === 'SUCCEEDED')
          .reduce((sum, one) => sum + one.amount, 0n);
        order.status = paidStatus(order);
      });
      const answer = orderJson(order);
      res.json({ order: answer, refund: answer.refunds.find((one) => one.id === refund.id) });
    } catch (error) {
      next(error);
    }
  });

  // A body that is not JSON, or too large, is the caller's error (express.json sets its 4xx
  // status); anything else failed at AccruPay or the provider.
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown } | null)?.status;
    const refused = typeof status === 'number' && status >= 400 && status < 500;
    res
      .status(refused ? status : 502)
      .json({ error: error instanceof Error ? error.message : String(error) });
  });

  return router;
}
