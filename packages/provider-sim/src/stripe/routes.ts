import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { bodyErrorHandler, bodyParsers, zodMessage } from '../http.ts';
import { answerCall, requestDigest } from '../pipeline.ts';
import type { SessionKeys } from '../scenarios.ts';
import { customerRoutes } from './customers.ts';
import { StripeApiError } from './errors.ts';
import { paymentIntentRoutes } from './payment-intents.ts';
import { paymentMethodRoutes } from './payment-methods.ts';
import { refundRoutes } from './refunds.ts';
import { setupIntentRoutes } from './setup-intents.ts';
import { type Auth, merchantRef, type StripeState } from './state.ts';

/** How a route's work is wrapped: the publishable-key check, then the shared pipeline (faults, idempotency) and Stripe's error bodies. */
export type Handle = (
  fn: (req: Request, auth: Auth) => { status?: number; body: unknown; keys?: SessionKeys },
  opts?: {
    secretOnly?: boolean;
    keysFirst?: (req: Request, auth: Auth) => SessionKeys | undefined;
  },
) => (req: Request, res: Response) => void;

/** The keys a create call targets: only its merchant reference (metadata.merchant_reference or order_id). */
export function createKeys(req: Request): SessionKeys {
  return {
    provider: 'stripe',
    tokens: [],
    providerRefs: [],
    merchantRef: merchantRef((req.body as { metadata?: Record<string, string> })?.metadata ?? {}),
  };
}

/** The Stripe-like API: body parsing, authentication, then each resource's routes. */
export function stripeRouter(s: StripeState): Router {
  const r = express.Router();
  const limit = s.core.options.bodyLimitBytes;
  r.use(...bodyParsers(limit));
  r.use(
    bodyErrorHandler((status, message) => ({
      status,
      body: {
        error: {
          type: status >= 500 ? 'api_error' : 'invalid_request_error',
          code: status === 413 ? 'request_too_large' : 'parameter_invalid',
          message,
        },
      },
    })),
  );
  r.use((req, res, next) => {
    const auth = authenticate(s, req);
    if (!auth) {
      res.status(401).json({
        error: {
          type: 'invalid_request_error',
          message:
            'Invalid API Key provided. Use Authorization: Bearer sk_test_... (or pk_test_... with a client_secret).',
        },
      });
      return;
    }
    res.locals.auth = auth;
    next();
  });

  const handle: Handle =
    (fn, opts = {}) =>
    (req: Request, res: Response) => {
      const auth = res.locals.auth as Auth;
      if (opts.secretOnly && auth.mode !== 'secret') {
        res.status(403).json({
          error: {
            type: 'invalid_request_error',
            message: 'This API call cannot be made with a publishable API key.',
          },
        });
        return;
      }
      const idemKey = req.method === 'POST' ? req.get('idempotency-key') : undefined;
      answerCall(s.core, res, {
        provider: 'stripe',
        keys: opts.keysFirst && (() => opts.keysFirst?.(req, auth)),
        sendFault: (r, status) => {
          r.status(status).json({
            error: {
              type: 'api_error',
              message: 'An unknown error occurred (simulated provider fault).',
            },
          });
        },
        idempotency: {
          table: s.idempotency,
          key: idemKey ? `${auth.account.id}:${idemKey}` : undefined,
          hash: requestDigest(req),
          conflict: {
            status: 400,
            body: {
              error: {
                type: 'idempotency_error',
                message:
                  'Keys for idempotent requests can only be used with the same parameters they were first used with.',
              },
            },
          },
          replayedHeader: 'Idempotent-Replayed',
        },
        run: () => {
          try {
            const out = fn(req, auth);
            return { status: out.status ?? 200, body: out.body };
          } catch (err) {
            if (err instanceof z.ZodError) {
              const { param, message } = zodMessage(err);
              return {
                status: 400,
                body: {
                  error: {
                    type: 'invalid_request_error',
                    code: 'parameter_invalid',
                    message: `Invalid ${message}`,
                    param,
                  },
                },
              };
            }
            if (err instanceof StripeApiError)
              return { status: err.status, body: { error: err.body } };
            throw err;
          }
        },
      });
    };

  customerRoutes(r, s, handle);
  paymentMethodRoutes(r, s, handle);
  paymentIntentRoutes(r, s, handle);
  setupIntentRoutes(r, s, handle);
  refundRoutes(r, s, handle);

  r.use((_req, res) => {
    res.status(404).json({
      error: { type: 'invalid_request_error', message: 'Unrecognized request URL.' },
    });
  });
  return r;
}

export function authenticate(s: StripeState, req: Request): Auth | undefined {
  const header = req.get('authorization') ?? '';
  let key: string | undefined;
  if (header.startsWith('Bearer ')) key = header.slice(7).trim();
  else if (header.startsWith('Basic ')) {
    key = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  }
  if (!key) return undefined;
  const secret = s.core.findAccount((a) => a.stripe?.secretKey === key);
  if (secret) return { account: secret, mode: 'secret' };
  const pub = s.core.findAccount((a) => a.stripe?.publishableKey === key);
  if (pub) return { account: pub, mode: 'publishable' };
  return undefined;
}
