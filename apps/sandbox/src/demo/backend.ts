// The demo shop's backend: what a merchant's server does with @accrupay/node.
// 1. start a payment session for an order and give the browser only session.id;
// 2. once the browser says the customer is done (or whenever asked), verify() the session and
//    confirm the order only if the transaction SUCCEEDED. Nothing the browser says is trusted.
// 3. the merchant refunds a paid order (in full, or part of it) with transactions.refund() on the
//    payment transaction verify() returned; the refunded total is what AccruPay says it is.
import { randomUUID } from 'node:crypto';
import {
  AccruPay,
  AccruPayConflictError,
  AccruPayError,
  AccruPayNotFoundError,
  AccruPayValidationError,
  CURRENCY,
  type MerchantTransaction,
  type TransactionProvider,
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

/** The shop's API: `POST /orders`, `GET /orders/:id`, `POST /orders/:id/confirm` and `POST /orders/:id/refund`. */
export function shopBackend(merchant: () => Promise<DemoMerchant>): Router {
  const orders = new Map<string, Order>();
  let client: { key: string; accrupay: AccruPay } | undefined;
  async function accrupay() {
    const { apiSecret, baseUrl } = await merchant();
    if (client?.key !== `${baseUrl} ${apiSecret}`) {
      client = { key: `${baseUrl} ${apiSecret}`, accrupay: new AccruPay({ apiSecret, baseUrl }) };
    }
    return client.accrupay;
  }

  const router = express.Router();
  router.use(express.json({ limit: '4kb' }));

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
      };
      orders.set(order.id, order);
      // Only the session id goes to the browser: never the token, never the secret.
      res.status(201).json(orderJson(order));
    } catch (error) {
      next(error);
    }
  });

  router.get('/orders/:id', (req, res) => {
    const order = orders.get(req.params.id);
    if (order) res.json(orderJson(order));
    else res.status(404).json({ error: 'no such order' });
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
      if (order.status === 'AWAITING_PAYMENT') {
        const transaction = await (await accrupay()).transactions.clientSessions.payments.verify({
          id: order.sessionId,
        });
        order.transactionStatus = transaction.status;
        if (transaction.status === 'SUCCEEDED') {
          order.status = 'CONFIRMED';
          order.transactionId = transaction.id;
        } else if (transaction.status === 'EXPIRED') order.status = 'EXPIRED';
        else if (['DECLINED', 'FAILED', 'ERROR', 'CANCELED'].includes(transaction.status)) {
          order.status = 'PAYMENT_FAILED';
        }
      } else if (order.transactionId) {
        await refreshRefunds(order, order.transactionId);
      }
      res.json(orderJson(order));
    } catch (error) {
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
