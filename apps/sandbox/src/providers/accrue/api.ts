import type { z } from 'zod';
import { type ProviderTransport, parseJson } from '../transport.ts';
import { ProviderUnavailableError } from '../types.ts';
import type { AccrueCredentials } from './credentials.ts';
import {
  type AccrueCard,
  type AccrueIntent,
  type AccruePayment,
  accrueCardSchema,
  accrueErrorSchema,
  accrueIntentSchema,
  accruePaymentSchema,
} from './schemas.ts';

/** A refusal of Accrue's API (HTTP 4xx): document 004's first error object. */
export interface AccrueRefusal {
  ok: false;
  status: number;
  code: string;
  detail: string;
  pointer: string | undefined;
}

/** Accrue's answer: the object asked for, or its refusal. */
export type AccrueAnswer<T> = { ok: true; value: T } | AccrueRefusal;

interface AccrueCall<T> {
  method: 'GET' | 'POST';
  path: string;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  body?: unknown;
  idempotencyKey?: string | undefined;
}

/**
 * Accrue Pay's JSON:API (`/accrue/v1`, `Authorization: Bearer ak_...`, `Idempotency-Key`) over
 * the shared transport: a timeout, a 5xx or an answer that cannot be read is a
 * {@link ProviderUnavailableError}; a 4xx is the refusal it carries.
 */
export function accrueApi(transport: ProviderTransport, baseUrl: string) {
  async function request<T>(c: AccrueCredentials, call: AccrueCall<T>): Promise<AccrueAnswer<T>> {
    const what = `Accrue ${call.method} ${call.path}`;
    const response = await transport.send(what, {
      method: call.method,
      url: `${baseUrl}/accrue/v1${call.path}`,
      headers: {
        authorization: `Bearer ${c.apiKey}`,
        accept: 'application/vnd.api+json, application/json',
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(call.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : {}),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
    const json = parseJson(what, response);
    if (response.status < 300) {
      const parsed = call.schema.safeParse((json as { data?: unknown } | null)?.data);
      if (parsed.success) return { ok: true, value: parsed.data };
      const issue = parsed.error.issues[0];
      throw new ProviderUnavailableError(
        `${what} answered HTTP ${response.status} with an unexpected body: ${issue?.path.join('.')} ${issue?.message}`,
        'error',
      );
    }
    const refused = accrueErrorSchema.safeParse(json);
    if (!refused.success) {
      throw new ProviderUnavailableError(
        `${what} answered HTTP ${response.status} with a body that is not document 004's error format`,
        'error',
      );
    }
    const [first] = refused.data.errors;
    return {
      ok: false,
      status: response.status,
      code: first?.code ?? 'unknown',
      detail: first?.detail ?? first?.title ?? `HTTP ${response.status}`,
      pointer: first?.source?.pointer,
    };
  }

  return {
    getIntent: (c: AccrueCredentials, id: string): Promise<AccrueAnswer<AccrueIntent>> =>
      request(c, {
        method: 'GET',
        path: `/payment_intents/${encodeURIComponent(id)}`,
        schema: accrueIntentSchema,
      }),
    authorize: (
      c: AccrueCredentials,
      id: string,
      attributes: {
        amount: number;
        currency: string;
        capture_method: 'automatic' | 'manual';
        description?: string | undefined;
      },
      idempotencyKey: string,
    ): Promise<AccrueAnswer<AccruePayment>> =>
      request(c, {
        method: 'POST',
        path: `/payment_intents/${encodeURIComponent(id)}/authorize`,
        schema: accruePaymentSchema,
        body: { data: { type: 'payment_authorizations', attributes } },
        idempotencyKey,
      }),
    getPayment: (c: AccrueCredentials, id: string): Promise<AccrueAnswer<AccruePayment>> =>
      request(c, {
        method: 'GET',
        path: `/payments/${encodeURIComponent(id)}`,
        schema: accruePaymentSchema,
      }),
    capture: (
      c: AccrueCredentials,
      id: string,
      amount: number | undefined,
      idempotencyKey: string,
    ): Promise<AccrueAnswer<AccruePayment>> =>
      request(c, {
        method: 'POST',
        path: `/payments/${encodeURIComponent(id)}/capture`,
        schema: accruePaymentSchema,
        body: {
          data: { type: 'payment_captures', attributes: amount === undefined ? {} : { amount } },
        },
        idempotencyKey,
      }),
    cancel: (
      c: AccrueCredentials,
      id: string,
      idempotencyKey: string,
    ): Promise<AccrueAnswer<AccruePayment>> =>
      request(c, {
        method: 'POST',
        path: `/payments/${encodeURIComponent(id)}/cancel`,
        schema: accruePaymentSchema,
        body: { data: { type: 'payment_cancellations', attributes: {} } },
        idempotencyKey,
      }),
    /** The virtual debit card: card data passes through, it is never stored or logged. */
    getCard: (c: AccrueCredentials, id: string): Promise<AccrueAnswer<AccrueCard['data']>> =>
      request(c, {
        method: 'GET',
        path: `/payments/${encodeURIComponent(id)}/card`,
        schema: accrueCardSchema.shape.data,
      }),
  };
}

/** The Accrue API client. */
export type AccrueApi = ReturnType<typeof accrueApi>;
