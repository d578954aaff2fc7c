import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request a webhook receiver got: its headers and its body, byte for byte as it arrived. */
export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver answers a request: a status, a status with headers, or never ('hold'). */
export type WebhookAnswer = number | { status: number; headers?: Record<string, string> } | 'hold';

/** A merchant's webhook endpoint in a test: an HTTP server on port 0 that records every request. */
export interface WebhookReceiver {
  url: string;
  /** Every request, in the order it arrived. */
  received: ReceivedWebhook[];
  /** What `respond`'s handler threw (the endpoint answered 500 to those requests). */
  errors: unknown[];
  /** What the endpoint answers from now on (default 200), from the request and its index. */
  respond(
    answer: (request: ReceivedWebhook, index: number) => WebhookAnswer | Promise<WebhookAnswer>,
  ): void;
  /** How many requests carried each webhook-id. */
  counts(): Map<string, number>;
  /** Resolves once `count` requests arrived; fails, saying what it waited for, at the deadline. */
  waitFor(count: number, what: string, deadlineMs?: number): Promise<void>;
  /** Every request verified with the endpoint's secret by standardwebhooks; the event each carried. */
  verified(secret: string): (Record<string, unknown> & {
    id: string;
    type: string;
    data: { object: Record<string, unknown> };
  })[];
  close(): Promise<void>;
}

/** Starts a webhook receiver on 127.0.0.1, port 0; the test closes it. */
export async function webhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const errors: unknown[] = [];
  const arrivals = new EventEmitter();
  let answer: Parameters<WebhookReceiver['respond']>[0] = () => 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const index = received.push(request) - 1;
      const answered = Promise.resolve().then(() => answer(request, index));
      arrivals.emit('request');
      answered.then(
        (given) => {
          if (given === 'hold') return;
          const { status, headers = {} } = typeof given === 'number' ? { status: given } : given;
          res.writeHead(status, headers).end('ok');
        },
        (error: unknown) => {
          errors.push(error);
          res.writeHead(500).end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const id = (request: ReceivedWebhook) => String(request.headers['webhook-id']);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    received,
    errors,
    respond(next) {
      answer = next;
    },
    counts() {
      const counts = new Map<string, number>();
      for (const request of received) counts.set(id(request), (counts.get(id(request)) ?? 0) + 1);
      return counts;
    },
    waitFor(count, what, deadlineMs = 60_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          arrivals.off('request', check);
          resolve();
        };
        const timer = setTimeout(() => {
          arrivals.off('request', check);
          reject(
            new Error(`${what}: ${received.length} of ${count} requests after ${deadlineMs} ms`),
          );
        }, deadlineMs);
        arrivals.on('request', check);
        check();
      });
    },
    verified(secret) {
      const wh = new Webhook(secret);
      return received.map(
        (request) =>
          wh.verify(request.body, {
            'webhook-id': id(request),
            'webhook-timestamp': String(request.headers['webhook-timestamp']),
            'webhook-signature': String(request.headers['webhook-signature']),
          }) as ReturnType<WebhookReceiver['verified']>[number],
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
