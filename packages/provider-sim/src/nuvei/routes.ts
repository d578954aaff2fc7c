import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { bodyErrorHandler, bodyParsers, zodMessage } from '../http.ts';
import { answerCall } from '../pipeline.ts';
import type { SessionKeys } from '../scenarios.ts';
import { getTransactionDetails } from './details.ts';
import { getPaymentStatus, getSessionToken, openOrder } from './orders.ts';
import { payment } from './payments.ts';
import { refund } from './refunds.ts';
import { settle, voidTxn } from './related.ts';
import {
  detailsSchema,
  openOrderSchema,
  paymentSchema,
  refundSchema,
  relatedSchema,
  sessionTokenSchema,
  statusSchema,
} from './schemas.ts';
import { NuveiApiError, type NuveiState } from './state.ts';

/** Nuvei's error answer: HTTP 200 (400 or 413 for an unreadable body), `status: 'ERROR'`. */
function errorBody(errCode: number, reason: string, clientRequestId?: unknown) {
  return {
    status: 'ERROR',
    errCode,
    reason,
    version: '1.0',
    ...(typeof clientRequestId === 'string' ? { clientRequestId } : {}),
  };
}

/** What scenarios a raw request matches: its session token's order, its (related) transaction's order, or its clientUniqueId. */
function keysOf(
  s: NuveiState,
  raw: Record<string, unknown>,
  byToken: boolean,
): SessionKeys | undefined {
  const token = byToken && typeof raw.sessionToken === 'string' ? raw.sessionToken : '';
  if (token) {
    const order = s.findByToken(token, true);
    return order ? s.keys(order) : undefined;
  }
  if (typeof raw.relatedTransactionId === 'string' || typeof raw.transactionId === 'string') {
    const t = s.txns.peek(String(raw.relatedTransactionId ?? raw.transactionId));
    const order = t ? s.orders.peek(t.orderId) : undefined;
    return order ? s.keys(order) : undefined;
  }
  if (typeof raw.clientUniqueId === 'string') {
    return { provider: 'nuvei', tokens: [], providerRefs: [], merchantRef: raw.clientUniqueId };
  }
  return undefined;
}

const INTERNAL_ERROR_PAGE = '<html><body><h1>Internal Server Error</h1></body></html>';

/** A method's answer: its schema's refusal (1019), its own refusal (NuveiApiError) or its result. */
function answer<S extends z.ZodTypeAny>(
  s: NuveiState,
  schema: S,
  fn: (s: NuveiState, input: z.infer<S>) => Record<string, unknown>,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return errorBody(1019, `Validation Error: ${zodMessage(parsed.error).message}`);
  }
  try {
    return fn(s, parsed.data);
  } catch (err) {
    if (!(err instanceof NuveiApiError)) throw err;
    return errorBody(err.errCode, err.reason, raw.clientRequestId);
  }
}

/** The Nuvei-like REST API under `/ppp/api/v1`, each method a schema and a use case. */
export function nuveiRouter(s: NuveiState): Router {
  const r = express.Router();
  r.use(...bodyParsers(s.core.options.bodyLimitBytes));
  r.use(
    bodyErrorHandler((status, message) => ({
      status,
      body: errorBody(status === 413 ? 1066 : 1019, message),
    })),
  );
  const handle =
    <S extends z.ZodTypeAny>(
      schema: S,
      fn: (s: NuveiState, input: z.infer<S>) => Record<string, unknown>,
      byToken = false,
    ) =>
    (req: Request, res: Response) => {
      const raw = (req.body ?? {}) as Record<string, unknown>;
      answerCall(s.core, res, {
        provider: 'nuvei',
        keys: () => keysOf(s, raw, byToken),
        sendFault: (r, status) => r.status(status).type('text/html').send(INTERNAL_ERROR_PAGE),
        run: () => ({ status: 200, body: answer(s, schema, fn, raw) }),
      });
    };
  r.post('/ppp/api/v1/getSessionToken.do', handle(sessionTokenSchema, getSessionToken));
  r.post('/ppp/api/v1/openOrder.do', handle(openOrderSchema, openOrder));
  r.post('/ppp/api/v1/payment.do', handle(paymentSchema, payment, true));
  r.post('/ppp/api/v1/getPaymentStatus.do', handle(statusSchema, getPaymentStatus, true));
  r.post('/ppp/api/v1/settleTransaction.do', handle(relatedSchema, settle));
  r.post('/ppp/api/v1/voidTransaction.do', handle(relatedSchema, voidTxn));
  r.post('/ppp/api/v1/refundTransaction.do', handle(refundSchema, refund));
  r.post('/ppp/api/v1/getTransactionDetails.do', handle(detailsSchema, getTransactionDetails));
  r.use((_req, res) => {
    res.status(404).json(errorBody(1066, 'Invalid request: unknown method'));
  });
  return r;
}
