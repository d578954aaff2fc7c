import type { z } from 'zod';
import { type ProviderTransport, parseJson } from '../transport.ts';
import { ProviderUnavailableError } from '../types.ts';
import type { StripeCredentials } from './credentials.ts';
import { errorBodySchema, type StripeError } from './schemas.ts';

export type FormValue =
  | string
  | number
  | boolean
  | bigint
  | Record<string, string>
  | undefined
  | null;

/** Stripe's answer: the object asked for, or the error Stripe refused with (HTTP 4xx). */
export type Answer<T> =
  | { ok: true; value: T }
  | { ok: false; status: number; error: StripeError; intentId: string | null };
export type Refusal = Extract<Answer<unknown>, { ok: false }>;

// Form-encodes parameters the way Stripe's clients do (`metadata[key]=value`).
function form(params: Record<string, FormValue>): string {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) out.append(`${key}[${k}]`, v);
    } else out.append(key, String(value));
  }
  return out.toString();
}

export interface StripeCall<T> {
  method: 'GET' | 'POST';
  path: string;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  params?: Record<string, FormValue>;
  idempotencyKey?: string | undefined;
}

/**
 * Stripe's HTTP API (form-encoded, `Authorization: Bearer sk_...`, `Idempotency-Key`) over the
 * shared transport: an answer that cannot be read is a {@link ProviderUnavailableError}.
 */
export function stripeApi(transport: ProviderTransport, api: string) {
  return async function request<T>(c: StripeCredentials, call: StripeCall<T>): Promise<Answer<T>> {
    const { method, path, params, idempotencyKey } = call;
    const what = `Stripe ${method} ${path}`;
    const response = await transport.send(what, {
      method,
      url: `${api}${path}`,
      headers: {
        authorization: `Bearer ${c.secretKey}`,
        ...(params ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      ...(params ? { body: form(params) } : {}),
    });
    const body = parseJson(what, response);
    const { status } = response;
    if (status < 300) {
      const parsed = call.schema.safeParse(body);
      if (parsed.success) return { ok: true, value: parsed.data };
    } else {
      const parsed = errorBodySchema.safeParse(body);
      if (parsed.success) {
        const { payment_intent, ...error } = parsed.data.error;
        return { ok: false, status, error, intentId: payment_intent?.id ?? null };
      }
    }
    throw new ProviderUnavailableError(
      `${what} gave an answer that cannot be read (HTTP ${status})`,
      'error',
    );
  };
}

/** The object of an answer; a refusal is a plain Error with Stripe's code and message. */
export function expectOk<T>(answer: Answer<T>, doing: string): T {
  if (answer.ok) return answer.value;
  throw new Error(
    `Stripe refused to ${doing} (HTTP ${answer.status} ${answer.error.code ?? answer.error.type}): ${answer.error.message ?? 'no message'}`,
  );
}
