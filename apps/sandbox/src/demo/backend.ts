// The demo shop's backend: what a merchant's server does with @accrupay/node.
// 1. start a payment session for an order and give the browser only session.id;
// 2. once the browser says the customer is done (or whenever asked), verify() the session and
//    confirm the order only if the transaction SUCCEEDED. Nothing the browser says is trusted.
import { randomUUID } from 'node:crypto';
import { AccruPay, CURRENCY, type TransactionProvider } from '@accrupay/node';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/** The demo merchant's credentials, as `accrupay-sandbox start` prints them. */
export interface DemoMerchant {
  /** Where the sandbox listens; the backend SDK and the page's React SDK both use it. */
  baseUrl: string;
  apiSecret: string;
  merchantPublicId: string;
  merchantTransactionProviderIds: Partial<Record<TransactionProvider, string>>;
}

export type OrderStatus = 'AWAITING_PAYMENT' | 'CONFIRMED' | 'PAYMENT_FAILED' | 'EXPIRED';

export interface Order {
  id: string;
  amount: bigint;
  currency: 'USD';
  provider: TransactionProvider;
  sessionId: string;
  status: OrderStatus;
  /** The transaction status verify() returned last. */
  transactionStatus: string | null;
}

/** The prices the page offers, in cents; the backend accepts nothing else. */
export const PRICES = [999n, 2500n, 12000n] as const;

export function orderJson(order: Order) {
  return { ...order, amount: order.amount.toString() };
}

/** The shop's API: `POST /orders`, `GET /orders/:id` and `POST /orders/:id/confirm`. */
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
        if (transaction.status === 'SUCCEEDED') order.status = 'CONFIRMED';
        else if (transaction.status === 'EXPIRED') order.status = 'EXPIRED';
        else if (['DECLINED', 'FAILED', 'ERROR', 'CANCELED'].includes(transaction.status)) {
          order.status = 'PAYMENT_FAILED';
        }
      }
      res.json(orderJson(order));
    } catch (error) {
      next(error);
    }
  });

  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(502).json({ error: error instanceof Error ? error.message : String(error) });
  });

  return router;
}
