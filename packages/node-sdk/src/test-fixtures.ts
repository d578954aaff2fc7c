import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  ClientSessionWire,
  MerchantTransactionWire,
  WebhookEventWire,
} from '@accrupay/contracts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (bytes: Uint8Array) => Array.from(bytes, (byte) => BASE62[byte % 62]).join('');

/** A well-formed API secret with a valid checksum, as the sandbox makes them. */
export function makeSecret(): string {
  const body = base62(randomBytes(32));
  return `sk_test_${body}${base62(createHash('sha256').update(body).digest()).slice(0, 6)}`;
}

export const SESSION_ID = '0b6f1c1e-5d7a-4b7e-9c55-1a2b3c4d5e6f';

export const TRANSACTION_WIRE: MerchantTransactionWire = {
  id: 'txn_1',
  status: 'SUCCEEDED',
  action: 'PAYMENT',
  amount: '10000',
  currency: 'USD',
  transactionProvider: 'STRIPE',
  merchantTransactionProviderId: 'mtp_1',
  merchantInternalTransactionCode: 'order-8821',
  merchantInternalCustomerCode: 'customer-4421',
  paymentMethod: null,
  providerCode: 'pi_1',
  errorCode: null,
  errorMessage: null,
  sessionId: SESSION_ID,
  parentTransactionId: null,
  settledAmount: null,
  createdAt: '2030-01-15T12:00:00.000Z',
  updatedAt: '2030-01-15T12:00:00.000Z',
};

export const SESSION_WIRE: ClientSessionWire = {
  id: SESSION_ID,
  token: 'pi_1_secret_abc',
  tokenExpiresAt: '2030-01-16T12:00:00.000Z',
  expiresAt: '2030-01-16T12:00:00.000Z',
  status: 'PENDING',
  action: 'PAYMENT',
  kind: 'CLIENT',
  type: 'payment',
  amount: '10000',
  currency: 'USD',
  merchantInternalTransactionCode: 'order-8821',
  merchantInternalCustomerCode: 'customer-4421',
  transactionProvider: 'STRIPE',
  merchantTransactionProviderId: 'mtp_1',
  transactionProviderId: 'mtp_1',
  providerCode: 'pi_1',
  storePaymentMethod: false,
  payload: { clientSecret: 'pi_1_secret_abc' },
  paymentMethod: null,
  transactionId: null,
  transactions: [],
  createdAt: '2030-01-15T12:00:00.000Z',
  updatedAt: '2030-01-15T12:00:00.000Z',
};

/** A session's completion as the sandbox sends it. */
export const SESSION_EVENT_WIRE: WebhookEventWire = {
  id: 'evt_1',
  type: 'client_session.completed',
  createdAt: '2030-01-15T12:00:00.000Z',
  data: { object: { ...SESSION_WIRE, status: 'COMPLETED' } },
  previousAttributes: { status: 'PENDING' },
};

/** A payment's success as the sandbox sends it. */
export const TRANSACTION_EVENT_WIRE: WebhookEventWire = {
  id: 'evt_2',
  type: 'transaction.succeeded',
  createdAt: '2030-01-15T12:00:00.000Z',
  data: { object: TRANSACTION_WIRE },
};

export const ENDPOINT_WIRE = {
  id: 'we_1',
  url: 'http://127.0.0.1:3000/webhooks/accrupay',
  enabledEvents: ['*'],
  description: null,
  status: 'ENABLED',
  disabledReason: null,
  createdAt: '2030-01-15T12:00:00.000Z',
  updatedAt: '2030-01-15T12:00:00.000Z',
} as const;

export const FAULT_WIRE = {
  id: 'wf_1',
  endpointId: 'we_1',
  spec: { kind: 'drop', target: 'all' },
  remaining: null,
  used: 0,
  createdAt: '2030-01-15T12:00:00.000Z',
} as const;

export const DELIVERY_WIRE = {
  id: 'wd_1',
  eventId: 'evt_1',
  endpointId: 'we_1',
  state: 'SUCCEEDED',
  attempts: 1,
  nextAttemptAt: null,
  log: [
    {
      id: 'wa_1',
      attempt: 1,
      trigger: 'scheduled',
      at: '2030-01-15T12:00:00.000Z',
      requestHeaders: { 'webhook-id': 'evt_1' },
      requestBody: '{}',
      responseStatus: 200,
      responseBody: 'ok',
      error: null,
      latencyMs: 12,
    },
  ],
  createdAt: '2030-01-15T12:00:00.000Z',
  updatedAt: '2030-01-15T12:00:00.000Z',
} as const;

/** A payment start as document 002 writes it. */
export const PAYMENT_START = {
  merchantTransactionProviderId: 'mtp_1',
  data: {
    merchantInternalTransactionCode: 'order-8821',
    amount: 10000n,
    currency: 'USD',
    storePaymentMethod: false,
    billing: {
      billingFirstName: 'Jane',
      billingLastName: 'Smith',
      billingEmail: 'jane@example.com',
      billingAddressCountry: 'US',
    },
    customer: { merchantInternalCustomerCode: 'customer-4421' },
  },
} as const;

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Destroy the socket instead of answering. */
  hangUp?: boolean;
  /** Never answer. */
  hang?: boolean;
}

/** A node:http server on port 0 that answers from a script and records every request. */
export interface ScriptedServer {
  url: string;
  requests: Recorded[];
  /** Queues answers; when the queue is empty, `fallback` answers. */
  answer(...answers: Answer[]): void;
  fallback: (request: Recorded) => Answer;
  close(): Promise<void>;
}

export async function scriptedServer(): Promise<ScriptedServer> {
  const queue: Answer[] = [];
  const requests: Recorded[] = [];
  const result: ScriptedServer = {
    url: '',
    requests,
    answer: (...answers) => {
      queue.push(...answers);
    },
    fallback: () => ({ status: 200, body: SESSION_WIRE }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: Recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : undefined,
      };
      requests.push(recorded);
      const answer = queue.shift() ?? result.fallback(recorded);
      if (answer.hang) return;
      if (answer.hangUp) {
        req.socket.destroy();
        return;
      }
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'x-request-id': `req_${requests.length}`,
        ...answer.headers,
      });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  result.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return result;
}

/** An error envelope as the sandbox sends it. */
export function envelope(code: string, message = `${code} happened`, extra: object = {}) {
  return { error: { code, message, requestId: 'req_err', ...extra } };
}
