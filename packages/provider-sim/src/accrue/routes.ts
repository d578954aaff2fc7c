import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { MerchantAccount } from '../config.ts';
import { bodyErrorHandler } from '../http.ts';
import { answerCall, requestDigest } from '../pipeline.ts';
import type { SessionKeys } from '../scenarios.ts';
import { AccrueApiError, accrueErrorBody } from './errors.ts';
import {
  advancePayment,
  authorizeIntent,
  cancelPayment,
  capturePayment,
  expireIntentIfDue,
} from './lifecycle.ts';
import { payPageRoutes } from './pay-page.ts';
import { authorizeSchema, cancelSchema, captureSchema, zodIssue } from './schemas.ts';
import {
  type AccrueIntent,
  type AccruePayment,
  type AccrueState,
  cardJson,
  intentJson,
  intentKeys,
  paymentJson,
  paymentKeys,
} from './state.ts';
import { paymentCard } from './virtual-cards.ts';

type Handler = (req: Request, account: MerchantAccount) => { status?: number; body: unknown };

/** The account whose `accrue.apiKey` is the request's bearer token. */
function authenticate(s: AccrueState, req: Request): MerchantAccount | undefined {
  const header = req.get('authorization') ?? '';
  if (!header.startsWith('Bearer ')) return undefined;
  const key = header.slice(7).trim();
  if (!key) return undefined;
  return s.core.findAccount((a) => a.accrue?.apiKey === key);
}

function intentOf(s: AccrueState, account: MerchantAccount, id: string): AccrueIntent {
  const intent = s.intents.peek(id);
  if (!intent || intent.accountId !== account.id) {
    throw new AccrueApiError(404, 'not_found', `No payment intent ${id} for this API key.`);
  }
  expireIntentIfDue(s, intent);
  return intent;
}

function paymentOf(s: AccrueState, account: MerchantAccount, id: string): AccruePayment {
  const p = s.payments.peek(id);
  if (!p || p.accountId !== account.id) {
    throw new AccrueApiError(404, 'not_found', `No payment ${id} for this API key.`);
  }
  advancePayment(s, p.id);
  return p;
}

/** The Accrue-Pay-like provider at `/accrue`: the JSON:API under `/v1` and the hosted page at `/pay`. */
export function accrueRouter(s: AccrueState): Router {
  const r = express.Router();
  r.use(express.json({ limit: s.core.options.bodyLimitBytes, strict: true }));
  r.use(express.urlencoded({ extended: false, limit: 8 * 1024 }));
  r.use(
    bodyErrorHandler((status, message) => ({
      status,
      body: accrueErrorBody(status, 'invalid_request', message),
    })),
  );
  payPageRoutes(r, s);

  const api = express.Router();
  api.use((req, res, next) => {
    const account = authenticate(s, req);
    if (!account) {
      res
        .status(401)
        .json(
          accrueErrorBody(
            401,
            'unauthorized',
            'Missing or unknown API key: send Authorization: Bearer ak_test_... (the account accrue.apiKey).',
          ),
        );
      return;
    }
    res.locals.account = account;
    next();
  });

  const handle =
    (fn: Handler, keysOf?: (req: Request, account: MerchantAccount) => SessionKeys | undefined) =>
    (req: Request, res: Response) => {
      const account = res.locals.account as MerchantAccount;
      const idemKey = req.method === 'POST' ? req.get('idempotency-key') : undefined;
      answerCall(s.core, res, {
        provider: 'accrue',
        keys: keysOf && (() => keysOf(req, account)),
        sendFault: (out, status) => {
          out
            .status(status)
            .json(
              accrueErrorBody(
                status,
                status === 503 ? 'service_unavailable' : 'internal_server_error',
                'An unexpected error occurred (simulated provider fault).',
              ),
            );
        },
        idempotency: {
          table: s.idempotency,
          key: idemKey ? `${account.id}:${idemKey}` : undefined,
          hash: requestDigest(req),
          conflict: {
            status: 422,
            body: accrueErrorBody(
              422,
              'idempotency_key_reused',
              `Idempotency-Key ${idemKey} was already used with another request; use a new key for a new request.`,
            ),
          },
          replayedHeader: 'Idempotent-Replayed',
        },
        run: () => {
          try {
            const out = fn(req, account);
            return { status: out.status ?? 200, body: out.body };
          } catch (err) {
            if (err instanceof z.ZodError) {
              const { pointer, detail } = zodIssue(err);
              return {
                status: 422,
                body: accrueErrorBody(422, 'validation_error', detail, pointer),
              };
            }
            if (err instanceof AccrueApiError) return { status: err.status, body: err.body };
            throw err;
          }
        },
      });
    };

  const intentKeysOf = (req: Request, account: MerchantAccount) => {
    const i = s.intents.peek(String(req.params.id));
    return i && i.accountId === account.id ? intentKeys(s, i) : undefined;
  };
  const paymentKeysOf = (req: Request, account: MerchantAccount) => {
    const p = s.payments.peek(String(req.params.id));
    return p && p.accountId === account.id ? paymentKeys(p) : undefined;
  };

  api.get(
    '/payment_intents/:id',
    handle(
      (req, account) => ({
        body: { data: intentJson(s, intentOf(s, account, req.params.id ?? '')) },
      }),
      intentKeysOf,
    ),
  );
  api.post(
    '/payment_intents/:id/authorize',
    handle((req, account) => {
      const intent = intentOf(s, account, req.params.id ?? '');
      const { attributes: a } = authorizeSchema.parse(req.body ?? {}).data;
      const data = authorizeIntent(s, intent, {
        amount: a.amount,
        currency: a.currency,
        captureMethod: a.capture_method,
        description: a.description,
        reference: a.reference,
      });
      return { status: 201, body: { data } };
    }, intentKeysOf),
  );
  api.get(
    '/payments/:id',
    handle(
      (req, account) => ({
        body: { data: paymentJson(s, paymentOf(s, account, req.params.id ?? '')) },
      }),
      paymentKeysOf,
    ),
  );
  api.post(
    '/payments/:id/capture',
    handle((req, account) => {
      const p = paymentOf(s, account, req.params.id ?? '');
      const input = captureSchema.parse(req.body ?? {});
      capturePayment(s, p, input.data?.attributes.amount, p.paymentMethod);
      return { body: { data: paymentJson(s, p) } };
    }, paymentKeysOf),
  );
  api.post(
    '/payments/:id/cancel',
    handle((req, account) => {
      const p = paymentOf(s, account, req.params.id ?? '');
      cancelSchema.parse(req.body ?? {});
      cancelPayment(s, p);
      return { body: { data: paymentJson(s, p) } };
    }, paymentKeysOf),
  );
  api.get(
    '/payments/:id/card',
    handle((req, account) => {
      const p = paymentOf(s, account, req.params.id ?? '');
      return { body: { data: cardJson(paymentCard(s, p)) } };
    }, paymentKeysOf),
  );
  api.use((req, res) => {
    res
      .status(404)
      .json(
        accrueErrorBody(404, 'not_found', `Unknown route ${req.method} /accrue/v1${req.path}.`),
      );
  });

  r.use('/v1', api);
  r.use((req, res) => {
    res
      .status(404)
      .json(accrueErrorBody(404, 'not_found', `Unknown route ${req.method} /accrue${req.path}.`));
  });
  return r;
}
