import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimOptions } from './config.ts';
import { createProviderSim, type ProviderSim, type RunningSim } from './sim.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read provider responses loosely and assert on them
export type Loose = any;

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A callback receiver on port 0 that answers with the statuses queued in `replies` (200 afterwards). */
export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  replies: number[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const replies: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = replies.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const START = new Date('2030-01-15T12:00:00.000Z');

export const ACCOUNT = {
  id: 'acct_test',
  stripe: {
    secretKey: 'sk_test_abc',
    publishableKey: 'pk_test_abc',
    webhookSecret: 'whsec_test_secret',
  },
  nuvei: { merchantId: '111222333', merchantSiteId: '4455', secretKey: 'nuvei_secret_key' },
  allowedOrigins: ['https://shop.example'],
};

/** The simulator options of the tests: a manual clock at START and the test account, its callbacks sent to `hooksUrl`. */
export function testOptions(hooksUrl: string, extra: SimOptions = {}): SimOptions {
  return {
    clock: { start: START.toISOString() },
    accounts: [
      {
        ...ACCOUNT,
        stripe: { ...ACCOUNT.stripe, webhookUrl: hooksUrl },
        nuvei: { ...ACCOUNT.nuvei, notificationUrl: hooksUrl },
      },
    ],
    ...extra,
  };
}

/** Starts a simulator with a manual clock, one account whose callbacks go to a receiver. */
export async function setup(options: SimOptions = {}): Promise<{
  sim: ProviderSim;
  server: RunningSim;
  hooks: Awaited<ReturnType<typeof startReceiver>>;
  close(): Promise<void>;
}> {
  const hooks = await startReceiver();
  const sim = createProviderSim(testOptions(hooks.url, options));
  const server = await sim.start({ port: 0 });
  return {
    sim,
    server,
    hooks,
    close: async () => {
      await server.close();
      await hooks.close();
    },
  };
}

/** Calls the Stripe-like API form-encoded, as stripe-node does. */
export async function stripe(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  params: Record<string, string> = {},
  key = ACCOUNT.stripe.secretKey,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, Loose> }> {
  const form = new URLSearchParams(params).toString();
  const url = `${base}/stripe/v1${path}${method === 'GET' && form ? `?${form}` : ''}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...extraHeaders,
    },
    ...(method === 'POST' ? { body: form } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, Loose> };
}

/** Posts a JSON body to a Nuvei-like method. */
export async function nuvei(
  base: string,
  method: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, Loose> }> {
  const res = await fetch(`${base}/nuvei/ppp/api/v1/${method}.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, Loose> };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const NV = ACCOUNT.nuvei;
const NUVEI_TS = '20300115120000';

/** Opens a Nuvei order for the test account (USD by default), checksum included. */
export async function nuveiOpenOrder(
  base: string,
  opts: {
    amount?: string;
    currency?: string;
    clientUniqueId?: string;
    transactionType?: string;
  } = {},
  account: { merchantId: string; merchantSiteId: string; secretKey: string } = NV,
): Promise<{ status: number; body: Record<string, Loose> }> {
  const amount = opts.amount ?? '10.00';
  const currency = opts.currency ?? 'USD';
  const clientRequestId = `req-${createHash('md5').update(String(Math.random())).digest('hex').slice(0, 8)}`;
  return nuvei(base, 'openOrder', {
    merchantId: account.merchantId,
    merchantSiteId: account.merchantSiteId,
    clientRequestId,
    clientUniqueId: opts.clientUniqueId ?? 'order-77',
    amount,
    currency,
    ...(opts.transactionType ? { transactionType: opts.transactionType } : {}),
    timeStamp: NUVEI_TS,
    checksum: sha256(
      `${account.merchantId}${account.merchantSiteId}${clientRequestId}${amount}${currency}${NUVEI_TS}${account.secretKey}`,
    ),
  });
}

/** Pays a Nuvei order with a card, checksum included. */
export async function nuveiPay(
  base: string,
  sessionToken: string,
  cardNumber: string,
  opts: { amount?: string; currency?: string; clientUniqueId?: string } = {},
  account: { merchantId: string; merchantSiteId: string; secretKey: string } = NV,
): Promise<{ status: number; body: Record<string, Loose> }> {
  const amount = opts.amount ?? '10.00';
  const currency = opts.currency ?? 'USD';
  const clientRequestId = 'pay-1';
  return nuvei(base, 'payment', {
    merchantId: account.merchantId,
    merchantSiteId: account.merchantSiteId,
    sessionToken,
    clientRequestId,
    ...(opts.clientUniqueId ? { clientUniqueId: opts.clientUniqueId } : {}),
    amount,
    currency,
    timeStamp: NUVEI_TS,
    checksum: sha256(
      `${account.merchantId}${account.merchantSiteId}${clientRequestId}${amount}${currency}${NUVEI_TS}${account.secretKey}`,
    ),
    paymentOption: {
      card: {
        cardNumber,
        cardHolderName: 'Jane Smith',
        expirationMonth: '12',
        expirationYear: '2034',
        CVV: '217',
      },
    },
  });
}
